"""Private dockerd instances for the swarm tests (issue #26): never the shared 20.10/26.1/28.5 engines.

A PrivateDockerd is a dockerd binary (the host's 20.10 unless told otherwise) on its own socket,
data root, exec root and bridge, without iptables, with its docker_gwbridge made beforehand on a
subnet and bridge device of its own. Each instance takes a slot N (an flock on
/tmp/fleet-swarm-slot-N.lock, held while it runs), so parallel pytest workers and sessions of other
engineers never share a bridge or a subnet: bridge fleetswN 10.233.N.1/24, gwbridge fleetswgwN
10.234.N.0/24. tests/conftest.py exposes a session-wide one-node swarm (``swarm_engine``) and a
factory for daemons not in swarm mode (``private_dockerd``).

A second engine version: ``PrivateDockerd(dockerd=SID_DOCKERD)`` runs the sid rootfs's 28.5 dockerd
(the one scripts/engines.sh runs) directly on the host, with the host's containerd/runc; set
FLEET_SWARM_DOCKERD=28.5 (or a path) to run the whole ``swarm_engine`` session on it.
"""

import fcntl
import os
import shutil
import subprocess
import tempfile
import time

from fleet_testlib import ROOT, stop_dockerd

HOST_DOCKERD = shutil.which('dockerd') or '/usr/sbin/dockerd'
SID_DOCKERD = os.path.join(ROOT, '.state', 'engines', '28.5', 'root', 'usr', 'sbin', 'dockerd')
DOCKER_CLI = '/usr/bin/docker'
SLOTS = 64


def dockerd_binary(choice=None):
    """The dockerd path for FLEET_SWARM_DOCKERD-style choices: '', '20.10' (host), '28.5' (sid rootfs) or a path."""
    choice = (choice if choice is not None else os.environ.get('FLEET_SWARM_DOCKERD', '')).strip()
    if choice in ('', '20.10', 'host'):
        return HOST_DOCKERD
    if choice in ('28.5', 'sid'):
        return SID_DOCKERD
    return choice


class PrivateDockerd:
    """One private dockerd; ``start()`` then ``stop()`` (idempotent), or use it as a context manager."""

    def __init__(self, dockerd=None, label='swarm'):
        self.dockerd = dockerd or dockerd_binary()
        self.label = label
        self.slot = None
        self._lock = None
        self.base = None
        self.proc = None
        self._log = None
        self.client = None

    def _proxy_args(self):
        """A dockerd from a rootfs tree runs its own docker-proxy: host-mode ports fail with the host's 20.10 one."""
        root = os.path.dirname(os.path.dirname(os.path.dirname(self.dockerd)))
        proxy = os.path.join(root, 'usr', 'sbin', 'docker-proxy')
        return ['--userland-proxy-path', proxy] if self.dockerd != HOST_DOCKERD and os.path.exists(proxy) else []

    # -- where things are
    @property
    def sock(self):
        return os.path.join(self.base, 'docker.sock')

    @property
    def docker_host(self):
        return 'unix://' + self.sock

    @property
    def env(self):
        """Environment for run_module / run_playbook / the docker CLI to talk to this daemon."""
        return dict(DOCKER_HOST=self.docker_host)

    @property
    def bridge(self):
        return 'fleetsw%d' % self.slot

    @property
    def gw_bridge(self):
        return 'fleetswgw%d' % self.slot

    @property
    def address(self):
        """The bridge address: the swarm's advertise address."""
        return '10.233.%d.1' % self.slot

    @property
    def listen_addr(self):
        """The swarm's listen address: this daemon's own bridge address, never 0.0.0.0:2377."""
        return self.address + ':2377'

    @property
    def data_path_port(self):
        return 7800 + self.slot

    @property
    def log_path(self):
        return os.path.join(self.base, 'dockerd.log')

    # -- lifecycle
    def _stale_vxlans(self):
        """VXLAN devices of this slot's data-path port left in the host's namespace by a daemon that died while
        joining an overlay: a live one sits in its overlay's namespace. A leftover with VNI 4097 made every
        overlay task of the slot fail ("error creating vxlan interface: file exists")."""
        out = subprocess.run(['ip', '-d', '-o', 'link', 'show', 'type', 'vxlan'], capture_output=True, text=True,
                             check=False).stdout
        return tuple(line.split(':')[1].strip().split('@')[0] for line in out.splitlines()
                     if ' dstport %d ' % self.data_path_port in line + ' ')

    def _take_slot(self):
        for slot in range(SLOTS):
            handle = open('/tmp/fleet-swarm-slot-%d.lock' % slot, 'w')
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self.slot, self._lock = slot, handle
            return
        raise RuntimeError('no free private-dockerd slot (all %d taken)' % SLOTS)

    def docker(self, *args, check=True, timeout=120):
        """stdout of the docker CLI against this daemon."""
        return subprocess.run([DOCKER_CLI, '-H', self.docker_host] + list(args), capture_output=True, text=True,
                              timeout=timeout, check=check).stdout

    def start(self):
        import docker
        if not os.path.exists(self.dockerd):
            raise RuntimeError('dockerd %s is not installed (scripts/engine-up.sh / scripts/engines.sh)' % self.dockerd)
        self._take_slot()
        # Short paths: containerd's sockets live under the exec root (unix socket paths max 108 bytes).
        self.base = tempfile.mkdtemp(prefix='fleet-%s%d-' % (self.label, self.slot))
        for link in (self.bridge, self.gw_bridge) + self._stale_vxlans():
            subprocess.run(['ip', 'link', 'del', link], capture_output=True, check=False)
        subprocess.run(['ip', 'link', 'add', self.bridge, 'type', 'bridge'], check=True)
        subprocess.run(['ip', 'addr', 'add', self.address + '/24', 'dev', self.bridge], check=True)
        subprocess.run(['ip', 'link', 'set', self.bridge, 'up'], check=True)
        self._log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [self.dockerd, '--data-root', os.path.join(self.base, 'data'), '--exec-root', os.path.join(self.base, 'exec'),
             '--pidfile', os.path.join(self.base, 'dockerd.pid'), '-H', self.docker_host, '--iptables=false',
             '--ip-masq=false', '--bridge', self.bridge] + self._proxy_args(),
            stdout=self._log, stderr=subprocess.STDOUT)
        try:
            for _attempt in range(240):
                if self.proc.poll() is not None:
                    raise RuntimeError('dockerd exited %s; log:\n%s' % (self.proc.returncode, self.read_log()))
                if subprocess.run([DOCKER_CLI, '-H', self.docker_host, 'version'], capture_output=True,
                                  check=False).returncode == 0:
                    break
                time.sleep(0.25)
            else:
                raise RuntimeError('dockerd did not answer in 60 s; log:\n%s' % self.read_log())
            self.docker('network', 'create', '--subnet', '10.234.%d.0/24' % self.slot,
                        '-o', 'com.docker.network.bridge.name=' + self.gw_bridge,
                        '-o', 'com.docker.network.bridge.enable_icc=false', 'docker_gwbridge')
            self.client = docker.APIClient(base_url=self.docker_host, version='auto', timeout=120)
        except BaseException:
            self.stop()
            raise
        return self

    def swarm_init(self):
        """Make this daemon a one-node swarm manager; returns the node id."""
        # All private daemons share the host's network namespace: the default 0.0.0.0:2377 and VXLAN port
        # 4789 would collide between two swarms (another worker's, another engineer's session).
        # Overlay subnets too: a 28.5 node refuses a pool that overlaps another swarm's ("Pool overlaps with other
        # one on this address space"), so each slot has its own /19 (32 overlay /24s) in 10.128.0.0/13.
        self.docker('swarm', 'init', '--advertise-addr', self.address, '--listen-addr', self.listen_addr,
                    '--data-path-port', str(self.data_path_port), '--default-addr-pool', self.addr_pool)
        return self.node_id

    @property
    def addr_pool(self):
        return '10.%d.%d.0/19' % (128 + self.slot // 8, 32 * (self.slot % 8))

    @property
    def node_id(self):
        return self.client.info()['Swarm']['NodeID']

    def read_log(self):
        try:
            with open(self.log_path) as handle:
                return handle.read()[-4000:]
        except OSError:
            return ''

    def stop(self):
        if self.client is not None:
            try:
                self.docker('swarm', 'leave', '--force', check=False, timeout=60)
            except subprocess.TimeoutExpired:
                pass
            self.client.close()
            self.client = None
        stop_dockerd(self.proc, self._log, self.base, (self.bridge, self.gw_bridge) if self.base else ())
        self.proc, self._log, self.base = None, None, None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


# -- helpers for tests that run services on a swarm_engine (H12: secret/config tests)
def remove_swarm_objects(client, prefix, attempts=40):
    """Remove the services, secrets and configs whose names start with ``prefix`` (services first: they pin the rest)."""
    import docker
    for service in client.services(filters={'name': prefix}):
        try:
            client.remove_service(service['ID'])
        except docker.errors.NotFound:
            pass
    for _attempt in range(attempts):
        left = [('secret', s['ID']) for s in client.secrets(filters={'name': prefix})]
        left += [('config', c['ID']) for c in client.configs(filters={'name': prefix})]
        for kind, object_id in left:
            try:
                getattr(client, 'remove_' + kind)(object_id)
            except docker.errors.APIError:
                pass    # still referenced while the service's removal settles
        if not left:
            return
        time.sleep(0.25)


def file_in_service_task(client, service, path, want=None, attempts=80):
    """The text of ``path`` in a running container of ``service`` (equal to ``want`` when given), or None.

    Retried: after a rolling update an old container may still be running for a moment, and a short exec
    may lose its output on 20.10.
    """
    from fleet_testlib import exec_sh
    out = None
    for _attempt in range(attempts):
        containers = client.containers(filters={'label': 'com.docker.swarm.service.name=%s' % service,
                                                'status': 'running'})
        for container in containers:
            code, out = exec_sh(client, container['Id'], 'cat %s' % path)
            if code == 0 and out and (want is None or out == want):
                return out
        time.sleep(0.25)
    return out
