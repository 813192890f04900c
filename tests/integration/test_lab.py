"""The lab fleet (issue #7): N hosts over SSH, each with its own engine (scripts/lab.sh, docs/lab.md).

These tests own the machine-wide lab (bridge 10.213.0.0/24, namespaces fleetlabN) while they run.
They only ever contact loopback and the lab's addresses.
"""

import glob
import json
import os
import subprocess
import textwrap

import docker
import pytest
import yaml

from fleet_testlib import ROOT, http_get, pids_in_namespace, unique

pytestmark = [pytest.mark.lab, pytest.mark.slow]

LAB = os.path.join(ROOT, '.lab')
INVENTORY = os.path.join(LAB, 'inventory.yml')
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
HOSTS = 3
IPS = ['10.213.0.%d' % (10 + n) for n in range(1, HOSTS + 1)]
REGISTRY = '10.213.0.1:5000'
# The default ENGINES=20,26,28: lab1 bookworm's 20.10, lab2 trixie's 26.1, lab3 sid's 28.5.
RELEASES = {'20': '20.10', '26': '26.1', '28': '28.5'}
SUITES = {'20': 'bookworm', '26': 'trixie', '28': 'sid'}
EXPECTED = ['20', '26', '28']


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
    return pids_in_namespace(comm, 'net', os.stat('/run/netns/fleetlab%d' % n).st_ino)


def node_engine(n):
    """docker.APIClient on lab node n's own engine, through its init's root (no SSH)."""
    with open(os.path.join(LAB, 'nodes', str(n), 'holder.pid')) as fh:
        pid = fh.read().strip()
    return docker.APIClient(base_url='unix:///proc/%s/root/run/docker.sock' % pid, version='auto', timeout=30)


def inventory_hosts():
    with open(INVENTORY) as fh:
        return yaml.safe_load(fh)['lab']['hosts']


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


def test_hosts_run_the_three_engines(lab):
    hosts = inventory_hosts()
    status = run(['make', 'lab-status']).stdout
    for n, kind in enumerate(EXPECTED, start=1):
        spec = hosts['lab%d' % n]
        # A fallback (sid could not be built) is written into the inventory: fail loudly on it.
        assert 'lab_engine_requested' not in spec, 'lab%d fell back: %r' % (n, spec)
        assert spec['lab_engine'] == kind and spec['lab_suite'] == SUITES[kind], spec
        version = node_engine(n).version()
        assert version['Version'].startswith(RELEASES[kind] + '.'), (n, version['Version'])
        line = [ln for ln in status.splitlines() if ln.startswith('lab%d ' % n)][0]
        assert 'engine %s API %s (%s)' % (version['Version'], version['ApiVersion'], SUITES[kind]) in line, line
        # The managed host's python: the venv on 20.10 hosts, the root file system's own python3
        # with Debian's python3-docker on the others, and that host's Debian release underneath.
        python = spec['ansible_python_interpreter']
        if kind == '20':
            assert python == os.path.join(ROOT, '.venv', 'bin', 'python')
        else:
            assert python == '/usr/bin/python3'
            origin = ssh(IPS[n - 1], python + ' -c "import docker, os; print(docker.__file__); '
                         'print(os.uname().release)"; cat /etc/os-release').stdout
            assert origin.startswith('/usr/lib/python3/dist-packages/docker/'), origin
            assert ('VERSION_CODENAME=%s' % SUITES[kind]) in origin or (
                kind == '28' and 'sid' in origin), origin
        # The CLI on the host talks to that host's engine at its own release.
        cli = ssh(IPS[n - 1], "docker version --format '{{.Server.Version}}'").stdout.strip()
        assert cli == version['Version'], (n, cli)


EXEC_PLAY = """
- hosts: lab
  gather_facts: false
  vars:
    name: {name}
    mark: /srv/{name}-host-only
  tasks:
    - name: A file that exists only in the host's root file system
      ansible.builtin.copy: {{dest: "{{{{ mark }}}}", content: "host\n", mode: "0644"}}
    - name: A container of the image
      fleet.docker.container:
        name: "{{{{ name }}}}"
        image: "{{{{ lab_registry }}}}/demo/web:1.0"
        labels: {{fleet.test: lab-exec}}
    - name: Read a file that exists only in the image
      fleet.docker.container_exec: {{container: "{{{{ name }}}}", command: [cat, /usr/share/nginx/html/50x.html]}}
      register: in_image
    - name: Look for the host-only file from inside the container
      fleet.docker.container_exec: {{container: "{{{{ name }}}}", command: [sh, -c, 'test -e {{{{ mark }}}}; echo $?']}}
      register: host_file
    - name: List the container's root
      fleet.docker.container_exec: {{container: "{{{{ name }}}}", command: [ls, /]}}
      register: root
    - name: The host's side of the same paths
      ansible.builtin.stat: {{path: /usr/share/nginx/html/50x.html}}
      register: host_stat
    - name: The engine
      fleet.docker.host_info: {{disk_usage: false}}
      register: info
    - name: Hand the answers to the test
      ansible.builtin.copy:
        dest: "{out}/{{{{ inventory_hostname }}}}.json"
        mode: "0644"
        content: "{{{{ {{'image_file': in_image.stdout, 'image_rc': in_image.rc, 'host_file': host_file.stdout,
                     'root': root.stdout_lines, 'host_has_image_file': host_stat.stat.exists,
                     'engine': info.engine.version}} | to_json }}}}"
      delegate_to: localhost
    - name: Remove the container and the marker
      fleet.docker.container: {{name: "{{{{ name }}}}", state: absent}}
    - name: Remove the marker
      ansible.builtin.file: {{path: "{{{{ mark }}}}", state: absent}}
"""


def test_container_exec_sees_the_containers_files_on_every_engine(lab, tmp_path):
    # Under a chrooted dockerd, exec ran commands in the host's root: the lab's newer engines
    # are made root with pivot_root, and this proves it with the module itself.
    name = unique('labexec')
    play = tmp_path / 'exec.yml'
    play.write_text(textwrap.dedent(EXEC_PLAY.format(name=name, out=tmp_path)))
    proc = run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', INVENTORY, str(play)], check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    expected_page = subprocess.run(['/usr/bin/docker', 'run', '--rm', '127.0.0.1:5000/demo/web:1.0',
                                    'cat', '/usr/share/nginx/html/50x.html'], capture_output=True, text=True,
                                   check=True, timeout=120).stdout
    engines = set()
    for n in range(1, HOSTS + 1):
        got = json.loads((tmp_path / ('lab%d.json' % n)).read_text())
        assert got['image_rc'] == 0 and expected_page.strip(), (n, got)
        assert got['image_file'].rstrip('\n') == expected_page.rstrip('\n'), (n, got)
        assert not got['host_has_image_file'], (n, got)
        assert got['host_file'].strip() == '1', (n, got)          # test -e failed: not the host's /srv
        assert 'srv' not in got['root'] and 'usr' in got['root'], (n, got['root'])
        engines.add(got['engine'].rsplit('.', 1)[0])
        assert not node_engine(n).containers(all=True, filters={'name': name})
    assert engines == set(RELEASES.values()), engines


def test_bad_engines_value_changes_nothing(lab):
    before = [node_pids(n, 'dockerd') for n in range(1, HOSTS + 1)]
    proc = run(['make', 'lab', 'HOSTS=%d' % HOSTS, 'ENGINES=20,27'], check=False)
    assert proc.returncode != 0
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith('[lab] ERROR')]
    assert errors == ["[lab] ERROR: ENGINES must list 20, 26 or 28, comma-separated (got '20,27')"], proc.stderr
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert [node_pids(n, 'dockerd') for n in range(1, HOSTS + 1)] == before


def test_sid_fallback_is_said_loudly(lab, tmp_path):
    # A state directory holding only trixie's tarball, and an mmdebstrap that cannot build sid:
    # rootfs.sh falls back to trixie, and the lab must say so for the 28.5 host, never silently.
    real = run(['bash', 'scripts/rootfs.sh', 'trixie']).stdout.strip()
    state = tmp_path / 'state'
    (state / 'rootfs').mkdir(parents=True)
    os.link(real, state / 'rootfs' / 'trixie.tar')
    (state / 'rootfs' / 'trixie.packages').write_text(open(real[:-len('.tar')] + '.packages').read())
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'mmdebstrap').write_text('#!/bin/sh\necho "fake mmdebstrap: no mirror" >&2\nexit 1\n')
    (fake / 'mmdebstrap').chmod(0o755)
    env = dict(os.environ, FLEET_STATE=str(state), ENGINES='20,26,28',
               PATH=str(fake) + os.pathsep + os.environ['PATH'])
    proc = subprocess.run(['bash', 'scripts/lab.sh', 'plan', '3'], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == ['lab1  20 bookworm', 'lab2  26 trixie',
                                        'lab3  26 trixie  FALLBACK: ENGINES asks for 28'], proc.stdout
    assert 'WARNING: the sid rootfs (Docker 28.5) could not be built; falling back to trixie' in proc.stderr
    assert '[lab] WARNING: ENGINES asks for 28 (sid) but its root filesystem could not be built: ' \
           'those hosts run 26 (trixie) instead' in proc.stderr, proc.stderr
    assert not (state / 'rootfs' / 'sid.tar').exists()


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
    # Each host its own name (own UTS namespace), as swarm nodes need: labN, not the machine's.
    names = [ssh(ip, "hostname; docker info --format '{{.Name}}'").stdout.split() for ip in IPS]
    assert names == [['lab%d' % n] * 2 for n in range(1, HOSTS + 1)], names
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
