"""The lab fleet (issue #7): N hosts over SSH, each with its own engine (scripts/lab.sh, docs/lab.md).

These tests own the machine-wide lab (bridge 10.213.0.0/24, namespaces fleetlabN) while they run.
They only ever contact loopback and the lab's addresses.
"""

import glob
import os
import subprocess

import pytest

from fleet_testlib import ROOT, http_get, unique

pytestmark = [pytest.mark.lab, pytest.mark.slow]

LAB = os.path.join(ROOT, '.lab')
INVENTORY = os.path.join(LAB, 'inventory.yml')
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
HOSTS = 3
IPS = ['10.213.0.%d' % (10 + n) for n in range(1, HOSTS + 1)]
REGISTRY = '10.213.0.1:5000'


def _env():
    return dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''),
                ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), NO_COLOR='1', ANSIBLE_FORCE_COLOR='0')


def run(cmd, timeout=600, check=True):
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout,
                          check=False, shell=isinstance(cmd, str))
    if check:
        assert proc.returncode == 0, '%s failed (%s):\n%s\n%s' % (
            cmd, proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:])
    return proc


def make_lab():
    return run(['make', 'lab', 'HOSTS=%d' % HOSTS])


def ssh(ip, command, check=True):
    return run(['ssh', '-i', os.path.join(LAB, 'ssh', 'id_ed25519'), '-o', 'BatchMode=yes',
                '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
                '-o', 'ConnectTimeout=5', 'root@' + ip, command], timeout=300, check=check)


def ansible_ping():
    return run([os.path.join(VENV_BIN, 'ansible'), '-i', INVENTORY, 'lab', '-m', 'ping'], check=False)


def node_pids(n, comm):
    """PIDs of processes named ``comm`` in lab node n's network namespace."""
    ino = os.stat('/run/netns/fleetlab%d' % n).st_ino
    found = []
    for path in glob.glob('/proc/[0-9]*'):
        try:
            with open(path + '/comm') as fh:
                if fh.read().strip() != comm:
                    continue
            if os.stat(path + '/ns/net').st_ino == ino:
                found.append(int(os.path.basename(path)))
        except OSError:
            continue
    return found


def lab_leftovers():
    """Everything lab-down must remove, as a list of human-readable findings (empty when clean)."""
    left = []
    left += ['netns ' + p for p in glob.glob('/run/netns/fleetlab*')]
    links = subprocess.run(['ip', '-o', 'link', 'show'], capture_output=True, text=True, check=False).stdout
    left += ['link ' + line.split(':')[1].strip() for line in links.splitlines() if 'fleetlab' in line]
    with open('/proc/self/mountinfo') as fh:
        left += ['mount ' + line.split()[4] for line in fh if 'fleetlab' in line or LAB in line]
    for path in glob.glob('/proc/[0-9]*/cmdline'):
        try:
            with open(path, 'rb') as fh:
                args = fh.read().split(b'\0')
        except OSError:
            continue
        if any(a.startswith(b'fleetlab-node-') or LAB.encode() in a for a in args):
            left.append('process %s %r' % (path.split('/')[2], b' '.join(args)[:120]))
    left += ['cgroup ' + p for p in glob.glob('/sys/fs/cgroup/*/fleetlab-*')]
    if os.path.exists(LAB):
        left.append('directory ' + LAB)
    rules = subprocess.run(['iptables', '-S', 'FORWARD'], capture_output=True, text=True, check=False).stdout
    left += ['iptables ' + r for r in rules.splitlines() if 'fleetlab' in r]
    return left


@pytest.fixture(scope='module')
def lab():
    make_lab()
    yield INVENTORY


def test_make_lab_gives_ssh_to_three_hosts(lab):
    with open(lab) as fh:
        text = fh.read()
    for ip in IPS:
        assert 'ansible_host: %s' % ip in text
    proc = ansible_ping()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count('SUCCESS') == HOSTS, proc.stdout
    assert '"ping": "pong"' in proc.stdout


def test_make_lab_is_idempotent_when_healthy(lab):
    before = [node_pids(n, 'dockerd') for n in range(1, HOSTS + 1)]
    proc = make_lab()
    assert 'starting dockerd' not in proc.stdout and 'rebuilding' not in proc.stdout, proc.stdout
    assert [node_pids(n, 'dockerd') for n in range(1, HOSTS + 1)] == before
    assert run(['make', 'lab-status']).returncode == 0


def test_hosts_are_isolated(lab):
    # Each host its own engine (own /etc/docker, so own key.json and ID) and its own /srv.
    ids = [ssh(ip, "docker info --format '{{.ID}}'").stdout.strip() for ip in IPS]
    assert all(ids) and len(set(ids)) == HOSTS, ids
    mark = unique('srv')
    for ip in IPS:
        ssh(ip, 'mkdir -p /srv/lab-test && echo %s-%s > /srv/lab-test/who' % (mark, ip))
    for ip in IPS:
        assert ssh(ip, 'cat /srv/lab-test/who').stdout.strip() == '%s-%s' % (mark, ip)
        ssh(ip, 'rm -rf /srv/lab-test')
    assert not os.path.exists('/srv/lab-test')


def test_same_port_on_every_host_does_not_collide(lab):
    name = unique('labweb')
    port = 18090   # inside each host's own network namespace, so no clash with the root engine
    try:
        for ip in IPS:
            ssh(ip, 'docker run -d --name %s -p %d:80 %s/demo/web:1.0 >/dev/null && '
                    "docker exec %s sh -c 'echo %s > /usr/share/nginx/html/index.html'"
                % (name, port, REGISTRY, name, ip))
        for ip in IPS:
            status, body = http_get('http://%s:%d/' % (ip, port))
            assert status == 200 and body.strip() == ip, (ip, status, body)
    finally:
        for ip in IPS:
            ssh(ip, 'docker rm -f %s' % name, check=False)


def test_lab_recovers_a_killed_engine_and_a_dead_host(lab):
    # Host 2: its dockerd killed (stale pid file left in its private /run).
    victims = node_pids(2, 'dockerd')
    assert victims
    for pid in victims:
        os.kill(pid, 9)
    # Host 3: the whole host gone (its init killed), with a stale pid file behind.
    with open(os.path.join(LAB, 'nodes', '3', 'holder.pid')) as fh:
        os.kill(int(fh.read().strip()), 9)
    assert ssh(IPS[1], 'docker info', check=False).returncode != 0
    assert run(['make', 'lab-status'], check=False).returncode != 0
    make_lab()
    proc = ansible_ping()
    assert proc.returncode == 0 and proc.stdout.count('SUCCESS') == HOSTS, proc.stdout + proc.stderr
    for ip in IPS:
        ssh(ip, 'docker info >/dev/null')


def test_lab_recovers_leftovers_of_a_crash(lab):
    # A namespace with nothing in it, and a pid file that points at an unrelated process.
    run(['bash', 'scripts/lab.sh', 'down'])
    subprocess.run(['ip', 'netns', 'add', 'fleetlab2'], check=True)
    os.makedirs(os.path.join(LAB, 'nodes', '1'))
    with open(os.path.join(LAB, 'nodes', '1', 'holder.pid'), 'w') as fh:
        fh.write('%d\n' % os.getpid())
    make_lab()
    proc = ansible_ping()
    assert proc.returncode == 0 and proc.stdout.count('SUCCESS') == HOSTS, proc.stdout + proc.stderr


def test_lab_down_leaves_nothing_behind(lab):
    run(['make', 'lab-down'])
    assert lab_leftovers() == []
    run(['make', 'lab-down'])   # idempotent
    assert lab_leftovers() == []


def test_molecule_default_scenario():
    """create (make lab), converge, idempotence, verify, destroy (make lab-down), end to end."""
    proc = run([os.path.join(VENV_BIN, 'molecule'), 'test', '-s', 'default'], timeout=1200, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    assert lab_leftovers() == []
