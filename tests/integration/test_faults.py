"""Engine and host faults on the lab fleet (issue #10): dockerd killed mid-deploy, registry down,
engine restart and restart policies, a recreate cut short, a host unreachable over SSH.

The lab instance comes from FLEET_LAB_DIR, LAB_NAME, LAB_NET, LAB_BIP_NET and LAB_POOL_NET when set
(so a developer can run these beside someone else's default lab), else the standard lab. The module
fixture brings it up (idempotent) and tears it down at the end. Faults are only ever made inside
the lab: a node's own dockerd or sshd, or the lab's bridge registry process. Traffic only goes to
loopback and lab addresses that exist.
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fleet_testlib import COLLECTIONS, PYTHON, ROOT, pids_in_namespace, run_module, run_playbook, unique

pytestmark = [pytest.mark.lab, pytest.mark.slow]

LAB_ENV_KEYS = ('FLEET_LAB_DIR', 'LAB_NAME', 'LAB_NET', 'LAB_BIP_NET', 'LAB_POOL_NET')
DOCKER = '/usr/bin/docker'


class Lab:
    """One lab instance, addressed by the same environment variables scripts/lab.sh reads."""

    def __init__(self, hosts):
        self.hosts = hosts
        self.env = {key: os.environ[key] for key in LAB_ENV_KEYS if os.environ.get(key)}
        self.dir = self.env.get('FLEET_LAB_DIR', os.path.join(ROOT, '.lab'))
        self.name = self.env.get('LAB_NAME', 'fleetlab')
        self.net = self.env.get('LAB_NET', '10.213.0')
        self.registry = '%s.1:5000' % self.net
        self.inventory = os.path.join(self.dir, 'inventory.yml')

    def script(self, *args, check=True):
        proc = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lab.sh')] + list(args), cwd=ROOT,
                              env=dict(os.environ, **self.env), capture_output=True, text=True, timeout=600,
                              check=False)
        if check:
            assert proc.returncode == 0, 'lab.sh %s: %s\n%s' % (
                ' '.join(args), proc.stdout[-3000:], proc.stderr[-3000:])
        return proc

    def up(self):
        return self.script('up', str(self.hosts))

    def down(self):
        return self.script('down', check=False)

    def ip(self, n):
        return '%s.%d' % (self.net, 10 + n)

    def holder(self, n):
        with open(os.path.join(self.dir, 'nodes', str(n), 'holder.pid')) as handle:
            return int(handle.read().strip())

    def socket(self, n):
        """The node's engine, reached from the root namespace through its init's root."""
        return 'unix:///proc/%d/root/run/docker.sock' % self.holder(n)

    def client(self, n):
        import docker
        return docker.APIClient(base_url=self.socket(n), version='auto', timeout=60)

    def procs(self, n, comm):
        """PIDs named ``comm`` in node n's PID namespace."""
        return pids_in_namespace(comm, 'pid', os.stat('/proc/%d/ns/pid' % self.holder(n)).st_ino)

    def kill(self, n, comm, sig=signal.SIGKILL, wait=20):
        """Send ``sig`` to node n's ``comm`` processes (by pid) and wait until they are gone."""
        pids = self.procs(n, comm)
        assert pids, 'no %s on lab%d' % (comm, n)
        for pid in pids:
            os.kill(pid, sig)
        deadline = time.time() + wait
        while time.time() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in pids), '%s on lab%d did not exit' % (comm, n)

    def registry_pids(self):
        config = os.path.join(self.dir, 'registry', 'config.yml').encode()
        found = []
        for path in glob.glob('/proc/[0-9]*/cmdline'):
            try:
                with open(path, 'rb') as handle:
                    if config in handle.read().split(b'\0'):
                        found.append(int(path.split('/')[2]))
            except OSError:
                continue
        return found

    def playbook(self, text, tmp_path, extra=()):
        path = tmp_path / ('%s.yml' % unique('play'))
        path.write_text(textwrap.dedent(text))
        return run_playbook(str(path), inventory=self.inventory, extra_args=list(extra),
                            env=dict(NO_COLOR='1', ANSIBLE_FORCE_COLOR='0'), timeout=900)


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def recap(output):
    """host -> {ok, changed, unreachable, failed, ...} from a PLAY RECAP."""
    hosts = {}
    for line in output.split('PLAY RECAP')[-1].splitlines():
        match = re.match(r'^(\S+)\s+:\s+(.*)$', line.strip())
        if match:
            hosts[match.group(1)] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', match.group(2))}
    return hosts


def wait_until(predicate, timeout=60, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # pylint: disable=broad-except
            pass
        time.sleep(step)
    return False


@pytest.fixture(scope='module')
def lab():
    instance = Lab(hosts=5)
    instance.up()
    yield instance
    instance.down()


@pytest.fixture
def lab_up(lab):
    """Each test leaves the lab healthy: its own finally runs lab.sh up, which repairs what a fault broke."""
    yield lab


def _web(lab):
    return '%s/demo/web:1.0' % lab.registry


def _remove(client, names):
    for name in names:
        try:
            client.remove_container(name, force=True)
        except Exception:  # pylint: disable=broad-except
            pass


# ---------------------------------------------------------------- dockerd killed mid-deploy

def test_dockerd_killed_mid_deploy_fails_that_host_only_and_rerun_changes_only_it(lab_up, tmp_path):
    lab = lab_up
    tag = unique('mid')
    go = '/tmp/%s.go' % tag          # in each host's own /tmp (26.1 and 28.5 hosts have their own root)
    names = ['%s-%d' % (tag, i) for i in range(3)]
    play = '''
    - hosts: lab
      gather_facts: false
      tasks:
        - name: first container
          fleet.docker.container: {name: %(n0)s, image: "{{ lab_registry }}/demo/web:1.0"}
        - name: wait for the test to break one engine
          ansible.builtin.wait_for: {path: %(go)s, timeout: 120}
        - name: the rest of the deployment
          fleet.docker.containers:
            containers:
              - {name: %(n1)s, image: "{{ lab_registry }}/demo/web:1.0"}
              - {name: %(n2)s, image: "{{ lab_registry }}/demo/web:1.0"}
    ''' % dict(n0=names[0], n1=names[1], n2=names[2], go=go)
    path = tmp_path / 'deploy.yml'
    path.write_text(textwrap.dedent(play))
    cmd = [os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), '-i', lab.inventory, '-f', '5', str(path)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), NO_COLOR='1')
    clients = {n: lab.client(n) for n in range(1, 6)}
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert wait_until(lambda: all(c.containers(filters={'name': names[0]}) for c in clients.values()),
                              timeout=180), 'the first task did not converge'
            lab.kill(3, 'dockerd')
            start = time.time()
            for n in range(1, 6):
                open('/proc/%d/root%s' % (lab.holder(n), go), 'w').close()
            output, dummy = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
        first = recap(output)
        assert proc.returncode != 0, output[-3000:]
        assert first['lab3']['failed'] == 1, output[-3000:]
        assert 'Cannot connect to the Docker daemon' in output, output[-3000:]
        assert 'Traceback' not in output
        for n in (1, 2, 4, 5):
            assert first['lab%d' % n]['failed'] == 0 and first['lab%d' % n]['unreachable'] == 0, output[-3000:]
            running = {c['Names'][0].lstrip('/') for c in clients[n].containers(filters={'name': tag})}
            assert running == set(names), (n, running)
        print('FIGURE mid-deploy: failure reported %.1f s after the kill' % (time.time() - start))

        lab.up()  # the engine comes back
        clients[3] = lab.client(3)
        t0 = time.time()
        rerun = run_playbook(str(path), inventory=lab.inventory, extra_args=['-f', '5'], env=dict(NO_COLOR='1'))
        print('FIGURE mid-deploy rerun: %.1f s' % (time.time() - t0))
        again = recap(rerun.stdout)
        assert rerun.returncode == 0, rerun.stdout[-3000:]
        assert again['lab3']['changed'] >= 1, rerun.stdout[-3000:]
        for n in (1, 2, 4, 5):
            assert again['lab%d' % n]['changed'] == 0, rerun.stdout[-3000:]
        running = {c['Names'][0].lstrip('/') for c in clients[3].containers(filters={'name': tag})}
        assert running == set(names)
    finally:
        if os.path.exists(go):
            os.unlink(go)
        lab.up()
        for n in range(1, 6):
            _remove(lab.client(n), names)


# ---------------------------------------------------------------- registry down

def test_registry_down_pull_fails_clearly_and_running_containers_untouched(lab_up):
    lab = lab_up
    client = lab.client(1)
    name = unique('reg')
    try:
        created = run_module('container', dict(name=name, image=_web(lab), docker_host=lab.socket(1)))
        assert created.changed and not created.failed, created
        # :stable must need the registry: earlier tests may have left it on the host.
        try:
            client.remove_image('%s/demo/web:stable' % lab.registry, force=True)
        except Exception:  # pylint: disable=broad-except
            pass
        before = client.inspect_container(name)
        pids = lab.registry_pids()
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        assert wait_until(lambda: not any(_alive(pid) for pid in pids), timeout=10)
        for module, args in (
                ('image', dict(name='%s/demo/web' % lab.registry, tag='stable', pull='always')),
                ('container', dict(name=name, image='%s/demo/web:stable' % lab.registry)),
                ('container', dict(name=name, image=_web(lab), pull='always'))):
            t0 = time.time()
            result = run_module(module, dict(args, docker_host=lab.socket(1)))
            took = time.time() - t0
            assert result.failed and not result.changed, result
            assert lab.registry in result['msg'] or 'connection refused' in result['msg'].lower(), result
            assert '\n' not in result['msg'].strip(), result
            print('FIGURE registry down: %s failed in %.1f s: %s' % (module, took, result['msg'][:160]))
        after = client.inspect_container(name)
        assert after['Id'] == before['Id'] and after['State']['Running']
        assert after['State']['StartedAt'] == before['State']['StartedAt']
    finally:
        lab.up()  # restarts the bridge registry
        _remove(client, [name])


# ---------------------------------------------------------------- engine restart, restart policies

def test_engine_restart_honours_restart_policies(lab_up):
    lab = lab_up
    client = lab.client(2)
    tag = unique('pol')
    names = {policy: '%s-%s' % (tag, policy) for policy in ('always', 'unless-stopped', 'no')}
    stopped_by_hand = '%s-stopped' % tag
    try:
        for policy, name in names.items():
            result = run_module('container', dict(name=name, image=_web(lab), restart_policy=policy,
                                                  docker_host=lab.socket(2)))
            assert result.changed and not result.failed, result
        result = run_module('container', dict(name=stopped_by_hand, image=_web(lab), restart_policy='unless-stopped',
                                              docker_host=lab.socket(2)))
        assert not result.failed, result
        client.stop(stopped_by_hand, timeout=2)   # a person stops it

        lab.kill(2, 'dockerd', sig=signal.SIGTERM, wait=60)
        t0 = time.time()
        lab.up()
        client = lab.client(2)
        assert wait_until(lambda: client.inspect_container(names['always'])['State']['Running']
                          and client.inspect_container(names['unless-stopped'])['State']['Running'], timeout=60)
        print('FIGURE engine restart: always/unless-stopped back %.1f s after lab.sh up' % (time.time() - t0))
        time.sleep(2)
        assert not client.inspect_container(names['no'])['State']['Running']
        assert not client.inspect_container(stopped_by_hand)['State']['Running']
        # And the module agrees: the policy containers are converged, the 'no' one gets started.
        for policy in ('always', 'unless-stopped'):
            again = run_module('container', dict(name=names[policy], image=_web(lab), restart_policy=policy,
                                                 docker_host=lab.socket(2)))
            assert not again.changed, again
        kept = run_module('container', dict(name=stopped_by_hand, image=_web(lab), restart_policy='unless-stopped',
                                            state='stopped', docker_host=lab.socket(2)))
        assert not kept.changed, kept
    finally:
        lab.up()
        _remove(lab.client(2), list(names.values()) + [stopped_by_hand])


# ---------------------------------------------------------------- recreate cut short

def _marker(client, container):
    exec_id = client.exec_create(container, ['cat', '/data/marker'])
    return client.exec_start(exec_id).decode().strip()


def _replacements(client, name):
    """The replacements of ``name`` under their temporary name NAME-fleet-next-XXXXXXXX (no label marks them)."""
    prefix = '/%s-fleet-next-' % name
    return [c for c in client.containers(all=True, filters={'name': name})
            if any(n.startswith(prefix) and len(n) == len(prefix) + 8 for n in c['Names'])]


def test_recreate_interrupted_after_the_old_container_was_removed_is_completed_by_rerun(lab_up):
    """The state a kill between the old container's removal and the rename leaves: only the
    replacement, under its temporary name. The rerun renames it into place (same ID, data kept)."""
    lab = lab_up
    client = lab.client(4)
    name, volume = unique('rec'), unique('recvol')
    args = dict(name=name, image=_web(lab), volumes=['%s:/data' % volume], docker_host=lab.socket(4))
    temp = name + '-fleet-next-0badcafe'
    try:
        assert not run_module('container', dict(args, env={'GEN': '1'})).failed
        exec_id = client.exec_create(name, ['sh', '-c', 'echo %s > /data/marker' % volume])
        client.exec_start(exec_id)
        # Exactly the module's steps up to the crash: create the replacement, start it, remove the old one.
        new = client.create_container(_web(lab), name=temp, environment=['GEN=2'],
                                      host_config=client.create_host_config(binds=['%s:/data' % volume]))
        client.stop(name, timeout=5)
        client.start(new['Id'])
        client.remove_container(name, v=False)
        rerun = run_module('container', dict(args, env={'GEN': '2'}))
        assert rerun.changed and not rerun.failed and 'adopted-leftover' in rerun['actions'], rerun
        state = client.inspect_container(name)
        assert state['Id'] == new['Id'] and state['State']['Running'] and 'GEN=2' in state['Config']['Env']
        assert _marker(client, name) == volume
        assert not run_module('container', dict(args, env={'GEN': '2'})).changed
    finally:
        _remove(client, [name, temp])
        try:
            client.remove_volume(volume, force=True)
        except Exception:  # pylint: disable=broad-except
            pass


def test_engine_killed_during_a_real_recreate_then_rerun_completes(lab_up):
    """The real variant: dockerd is SIGKILLed while the module waits for a SIGTERM-ignoring process."""
    lab = lab_up
    client = lab.client(4)
    name, volume = unique('rkill'), unique('rkillvol')
    worker = '%s/demo/worker:1.0' % lab.registry
    args = dict(name=name, image=worker, volumes=['%s:/data' % volume], stop_timeout=20, docker_host=lab.socket(4))
    try:
        assert not run_module('container', dict(args, env={'GEN': '1'})).failed
        exec_id = client.exec_create(name, ['sh', '-c', 'echo %s > /data/marker' % volume])
        client.exec_start(exec_id)
        payload = dict(args, env={'GEN': '2'}, _ansible_check_mode=False, _ansible_diff=False,
                       _ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)
        proc = subprocess.Popen([PYTHON, '-m', 'ansible_collections.fleet.docker.plugins.modules.container'],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, PYTHONPATH=COLLECTIONS))
        proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': payload}))
        proc.stdin.close()
        # Wait until the module is inside the stop of the old container (worker ignores SIGTERM,
        # stop_timeout 20 s): the replacement is created, the old container not yet removed.
        assert wait_until(lambda: len(_replacements(client, name)) == 1, timeout=20)
        time.sleep(3)
        assert proc.poll() is None
        old_id = client.inspect_container(name)['Id']
        lab.kill(4, 'dockerd')
        out = proc.stdout.read()
        proc.wait(timeout=60)
        sys.stdout.write("FIGURE real recreate kill: %s\n" % json.loads(out.strip().splitlines()[-1]).get("msg"))
        assert 'Traceback' not in out + proc.stderr.read()
        assert '"failed": true' in out and ('Cannot connect' in out or 'Docker daemon' in out), out
        lab.up()
        client = lab.client(4)
        # After the engine restart: the old container and the leftover replacement are both there.
        assert client.inspect_container(name)['Id'] == old_id
        assert len(_replacements(client, name)) == 1
        rerun = run_module('container', dict(args, env={'GEN': '2'}))
        assert rerun.changed and not rerun.failed, rerun
        assert rerun['actions'][0] == 'removed-leftover' and 'recreated' in rerun['actions'], rerun
        state = client.inspect_container(name)
        assert state['State']['Running'] and 'GEN=2' in state['Config']['Env']
        # The leftover is gone and the replacement took the name; nothing under a temporary name remains
        # (a recreated container carries no mark of the transaction since #25).
        assert _replacements(client, name) == []
        assert [c['Names'] for c in client.containers(all=True, filters={'name': name})] == [['/' + name]]
        assert _marker(client, name) == volume
        assert not run_module('container', dict(args, env={'GEN': '2'})).changed
    finally:
        lab.up()
        client = lab.client(4)
        _remove(client, [name])
        try:
            client.remove_volume(volume, force=True)
        except Exception:  # pylint: disable=broad-except
            pass


# ---------------------------------------------------------------- host unreachable over SSH

def test_host_unreachable_over_ssh_is_reported_and_others_unaffected(lab_up, tmp_path):
    lab = lab_up
    name = unique('ssh')
    try:
        lab.kill(5, 'sshd')
        t0 = time.time()
        proc = lab.playbook('''
        - hosts: lab
          gather_facts: false
          tasks:
            - fleet.docker.container: {name: %s, image: "{{ lab_registry }}/demo/web:1.0"}
        ''' % name, tmp_path, extra=['-f', '5'])
        took = time.time() - t0
        result = recap(proc.stdout)
        assert proc.returncode != 0
        assert result['lab5']['unreachable'] == 1, proc.stdout[-3000:]
        assert 'UNREACHABLE' in proc.stdout
        for n in range(1, 5):
            assert result['lab%d' % n]['changed'] == 1 and result['lab%d' % n]['failed'] == 0, proc.stdout[-3000:]
            assert lab.client(n).inspect_container(name)['State']['Running']
        assert not lab.client(5).containers(all=True, filters={'name': name})
        print('FIGURE unreachable: play finished in %.1f s' % took)
    finally:
        lab.up()
        for n in range(1, 6):
            _remove(lab.client(n), [name])
