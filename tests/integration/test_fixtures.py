from fleet_testlib import run_module


def test_web_repo_copy_is_pullable(engine, web_repo):
    engine.pull(web_repo['repo'], tag='1.0')
    assert engine.inspect_image(web_repo['repo'] + ':1.0')['Id']
    assert not run_module('host_info', {'disk_usage': False}).failed


# The setup scripts serialise themselves with flock on these files. A daemon they start must not
# inherit the locked descriptor, or it holds the lock for its whole life and every later run of
# the script waits out its timeout and fails: a fresh CI machine lost 1,018 tests that way.
SCRIPT_LOCKS = ('.state/.engine-up.lock', '.state/engines/.lock', 'scripts/lab.sh', '.state/rootfs/.lock')
SHELLS = ('bash', 'sh', 'flock', 'make', 'timeout')


def _lock_holders(paths):
    import os
    holders = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            comm = open('/proc/%s/comm' % pid).read().strip()
            fds = os.listdir('/proc/%s/fd' % pid)
        except OSError:
            continue
        if comm in SHELLS:  # a script running right now (another xdist worker's engine-up.sh)
            continue
        for fd in fds:
            try:
                target = os.readlink('/proc/%s/fd/%s' % (pid, fd))
            except OSError:
                continue
            if target in paths:
                holders.append('%s (pid %s) holds %s' % (comm, pid, target))
    return holders


def test_no_daemon_holds_a_setup_script_lock(engine):
    import os
    from fleet_testlib import ROOT
    paths = {os.path.join(ROOT, p) for p in SCRIPT_LOCKS}
    assert _lock_holders(paths) == []
