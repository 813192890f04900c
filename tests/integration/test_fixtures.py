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


# ---------------------------------------------------------------- the lab after a session
# `make test` left the 3-host lab running: the lab files bring it up and nothing took it down. These
# run a pytest session with the suite's conftest over one stand-in lab test, against a stand-in
# lab.sh (FLEET_LAB_SCRIPT) and lab directory, so no real lab is touched.
FAKE_LAB_SH = r'''
echo "$* ENGINES=${ENGINES:-}" >>"$FLEET_LAB_DIR.calls"
case "$1" in down) rm -rf "$FLEET_LAB_DIR";; up) mkdir -p "$FLEET_LAB_DIR";; esac
'''
PROBE = r'''
import os
import shutil

import pytest

pytestmark = [pytest.mark.lab]
LAB = os.environ['FLEET_LAB_DIR']


def test_probe():
    what = os.environ['PROBE_DOES']
    if what == 'up':
        os.makedirs(os.path.join(LAB, 'nodes', '1'))
        with open(os.path.join(LAB, 'inventory.yml'), 'w') as fh:
            fh.write('lab:\n  hosts:\n' + ''.join('    lab%d: {lab_engine: "%s"}\n' % (n, e) for n, e in
                                                     ((1, 20), (2, 26), (3, 28))))
    elif what == 'down':
        shutil.rmtree(LAB)
'''


def _lab_session(tmp_path, does, before_hosts=None, marked=True, extra=()):
    """Run the probe session; returns (the stand-in lab.sh calls, whether the lab directory exists after)."""
    import os
    import subprocess
    import sys
    from fleet_testlib import ROOT
    lab = tmp_path / 'lab'
    if before_hosts:
        (lab / 'nodes' / '1').mkdir(parents=True)
        (lab / 'inventory.yml').write_text('lab:\n  hosts:\n' + ''.join(
            '    lab%d: {lab_engine: "%s"}\n' % (n, e) for n, e in enumerate(before_hosts, 1)))
    (tmp_path / 'lab.sh').write_text(FAKE_LAB_SH)
    probe = PROBE if marked else PROBE.replace("pytestmark = [pytest.mark.lab]", "")
    (tmp_path / ('test_probe.py' if not marked else 'test_lab_probe.py')).write_text(probe)
    (tmp_path / 'pytest.ini').write_text('[pytest]\nmarkers =\n    lab: the lab\n')
    env = dict(os.environ, FLEET_LAB_DIR=str(lab), FLEET_LAB_SCRIPT=str(tmp_path / 'lab.sh'), LAB_NAME='fleetprobe',
               PROBE_DOES=does, PYTHONPATH=os.path.join(ROOT, 'tests'))
    for key in ('PYTEST_XDIST_WORKER', 'PYTEST_XDIST_WORKER_COUNT', 'PYTEST_ADDOPTS'):
        env.pop(key, None)
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'conftest',
                           '--rootdir', str(tmp_path), '-c', str(tmp_path / 'pytest.ini'), str(tmp_path)] + list(extra),
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    calls_file = tmp_path / 'lab.calls'
    calls = calls_file.read_text().splitlines() if calls_file.exists() else []
    return calls, lab.exists()


def test_a_lab_the_session_brought_up_is_taken_down(tmp_path):
    assert _lab_session(tmp_path, 'up') == (['down ENGINES='], False)


def test_under_xdist_the_controller_takes_it_down(tmp_path):
    # The workers run the tests; only the controller, which saw the session start, acts.
    assert _lab_session(tmp_path, 'up', extra=('-n', '2')) == (['down ENGINES='], False)


def test_a_lab_that_was_up_before_is_left_up(tmp_path):
    assert _lab_session(tmp_path, 'nothing', before_hosts=('20', '28')) == ([], True)


def test_a_lab_the_session_took_down_is_brought_back_with_its_hosts_and_engines(tmp_path):
    assert _lab_session(tmp_path, 'down', before_hosts=('20', '28')) == (['up 2 ENGINES=20,28'], True)


def test_a_session_without_lab_tests_leaves_the_lab_alone(tmp_path):
    # Someone else's `make lab` during a unit run is not the session's to take down.
    assert _lab_session(tmp_path, 'up', marked=False) == ([], True)
