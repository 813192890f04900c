"""Shared helpers for the integration tests: run modules for real, check for tracebacks."""

import json
import os
import subprocess
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
VENV_PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
PYTHON = VENV_PYTHON if os.path.exists(VENV_PYTHON) else sys.executable
REGISTRY = os.environ.get('FLEET_REGISTRY', '127.0.0.1:5000')
AUTH_REGISTRY = os.environ.get('FLEET_AUTH_REGISTRY', '127.0.0.1:5001')
AUTH_USER = 'fleet'
AUTH_PASSWORD = os.environ.get('AUTH_REGISTRY_PASSWORD', 'fleet-secret-pw')
WEB = REGISTRY + '/demo/web'
WORKER = REGISTRY + '/demo/worker'
TEST_LABEL = 'fleet.docker.test'


def unique(prefix='fleettest'):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:10])


class ModuleResult(dict):
    """The module's JSON result, plus its raw output for traceback checks."""

    stdout = ''
    stderr = ''
    rc = 0

    @property
    def failed(self):
        return bool(self.get('failed'))

    @property
    def changed(self):
        return bool(self.get('changed'))


def container_exists(engine, name):
    """Whether a container has exactly this name (the engine's name filter also matches substrings)."""
    return any(('/' + name) in (c.get('Names') or []) for c in engine.containers(all=True, filters={'name': name}))


def exec_sh(engine, name, script):
    """(exit code, output) of ``sh -c script`` inside the running container."""
    exec_id = engine.exec_create(name, ['sh', '-c', script])
    out = engine.exec_start(exec_id).decode('utf-8', 'replace')
    return engine.exec_inspect(exec_id)['ExitCode'], out


def read_file(engine, name, path):
    """A file's text from a container (running or not), through the archive API, or None when missing.

    Not ``exec cat``: on Docker 20.10 a very short exec sometimes loses its output (an empty read).
    """
    import io
    import tarfile
    try:
        stream, dummy = engine.get_archive(name, path)
    except Exception:  # pylint: disable=broad-except
        return None
    with tarfile.open(fileobj=io.BytesIO(b''.join(stream))) as archive:
        member = archive.next()
        data = archive.extractfile(member) if member is not None and member.isfile() else None
        return data.read().decode('utf-8', 'replace') if data is not None else None


def run_module(name, args=None, check=False, diff=False, env=None, timeout=600):
    """Run ``fleet.docker.<name>`` as Ansible would on the target: a fresh python process.

    Asserts the process never printed a Python traceback, so every test checks that for free.
    """
    payload = dict(args or {})
    payload['_ansible_check_mode'] = check
    payload['_ansible_diff'] = diff
    payload.setdefault('_ansible_remote_tmp', '/tmp')
    payload.setdefault('_ansible_tmpdir', None)
    payload.setdefault('_ansible_keep_remote_files', False)
    run_env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    run_env.update(env or {})
    proc = subprocess.run(
        [PYTHON, '-m', 'ansible_collections.fleet.docker.plugins.modules.%s' % name],
        input=json.dumps({'ANSIBLE_MODULE_ARGS': payload}), capture_output=True, text=True,
        env=run_env, timeout=timeout, check=False)
    assert 'Traceback (most recent call last)' not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else '{}')
    except ValueError:
        raise AssertionError('module %s printed no JSON:\n%s\n%s' % (name, proc.stdout, proc.stderr))
    result = ModuleResult(data)
    result.stdout, result.stderr, result.rc = proc.stdout, proc.stderr, proc.returncode
    if result.failed:
        assert 'exception' not in result or 'Unexpected error' not in result.get('msg', ''), result
    return result


def run_playbook(playbook, inventory=None, extra_args=(), env=None, timeout=1200):
    """ansible-playbook from the venv with the repo's ansible.cfg; returns CompletedProcess."""
    cmd = [os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), playbook]
    if inventory:
        cmd += ['-i', inventory]
    cmd += list(extra_args)
    run_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    run_env.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=run_env, cwd=ROOT, timeout=timeout, check=False)


def free_port():
    """A TCP port free on 127.0.0.1 right now (tests run in parallel; never hard-code 8080)."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def http_get(url, timeout=10, attempts=40):
    """(status, body) of a GET to a published port, retrying while the container starts.

    Only loopback or lab addresses are ever passed here. Returns (None, error) when nothing answers.
    """
    import time
    import urllib.error
    import urllib.request
    last = None
    for _attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                return resp.status, resp.read().decode('utf-8', 'replace')
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode('utf-8', 'replace')
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = exc
            time.sleep(0.25)
    return None, str(last)


def converge_twice(module, args, **kw):
    """Run a task twice: the first run must change, the second must not (idempotence).

    Returns (first, second) so callers can add what their module promises on top.
    """
    first = run_module(module, args, **kw)
    assert not first.failed, first
    assert first.changed, first
    second = run_module(module, args)
    assert not second.failed, second
    assert second.changed is False, second
    return first, second


TAR_MODES = dict(sym=0o777, hard=0o644, dir=0o755, file=0o644)


def tar_bytes(members, fmt=None, modes=None):
    """A tar archive (bytes) of ``members``: (name, kind, payload[, mode]) with kind file (payload
    bytes), dir, sym or hard (payload the link target). Without a mode, ``modes[kind]`` (default
    TAR_MODES: 0777 links, 0755 dirs, 0644 files). ``fmt``: a tarfile format (default tarfile's).
    """
    import io
    import tarfile
    modes = dict(TAR_MODES, **(modes or {}))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', **({'format': fmt} if fmt is not None else {})) as tar:
        for member in members:
            name, kind, payload = member[:3]
            info = tarfile.TarInfo(name)
            info.mode = member[3] if len(member) > 3 else modes[kind]
            if kind == 'file':
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {'dir': tarfile.DIRTYPE, 'sym': tarfile.SYMTYPE, 'hard': tarfile.LNKTYPE}[kind]
            info.linkname = payload or ''
            tar.addfile(info)
    return buf.getvalue()


def put_tree(engine, container, path, members):
    """Write entries into a container with one PUT archive, bypassing the modules under test.

    ``members``: as for tar_bytes (name, kind, payload[, mode]).
    """
    assert engine.put_archive(container, path, tar_bytes(members))


# ---------------------------------------------------------------------------------------------
# Engine helpers the test files used to copy (issue #25).

def ensure_image(engine, ref=None):
    """Pull ``ref`` (default demo/web:1.0 from the test registry) unless the engine has it already."""
    import docker
    ref = ref or WEB + ':1.0'
    try:
        engine.inspect_image(ref)
    except docker.errors.NotFound:
        repo, _sep, tag = ref.rpartition(':')
        if not repo or '/' in tag:
            repo, tag = ref, 'latest'
        engine.pull(repo, tag=tag)
    return ref


def container_state(engine, name):
    """What a run could change on a container, to compare before and after (check mode changes
    nothing), or None when there is no such container: ID, image ID, status, start time, Config,
    HostConfig and each network's aliases."""
    import docker
    try:
        info = engine.inspect_container(name)
    except docker.errors.NotFound:
        return None
    networks = (info.get('NetworkSettings') or {}).get('Networks') or {}
    return dict(id=info['Id'], image=info['Image'], status=info['State']['Status'],
                started=info['State'].get('StartedAt'), config=info['Config'], host_config=info['HostConfig'],
                networks=dict((net, sorted(ep.get('Aliases') or [])) for net, ep in networks.items()))


def labelled_state(engine, tag, namespace=None):
    """The containers labelled TEST_LABEL=tag (name, state, image ID) and, with ``namespace``, the
    images with a tag in that registry namespace (ID, tags): what a test owns, to compare before and after."""
    conts = sorted((c['Names'][0], c['State'], c['ImageID'])
                   for c in engine.containers(all=True, filters={'label': '%s=%s' % (TEST_LABEL, tag)}))
    if namespace is None:
        return conts
    imgs = sorted((i['Id'], tuple(sorted(i['RepoTags'] or []))) for i in engine.images()
                  if any('/%s/' % namespace in t for t in i['RepoTags'] or []))
    return conts, imgs


def build_image(engine, dockerfile, tag):
    """Build ``dockerfile`` (text, no context) as ``tag`` without network; returns the image ID."""
    import io
    for line in engine.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True, forcerm=True,
                             network_mode='none', decode=True):
        if 'error' in line:
            raise RuntimeError(line['error'])
    return engine.inspect_image(tag)['Id']


def push_image(engine, repo, tag):
    for line in engine.push(repo, tag=tag, stream=True, decode=True):
        if 'error' in line:
            raise RuntimeError(line['error'])


# ---------------------------------------------------------------------------------------------
# The lab fleet (docs/lab.md): playbook recaps and a host's own engine.

LAB_INVENTORY = os.path.join(ROOT, '.lab', 'inventory.yml')


def lab_up():
    """Bring the lab up (make lab: idempotent, repairs); returns its inventory's ``lab`` group.

    Nothing takes it down here: the session does, if it was not up before (fleet_labguard)."""
    import yaml
    subprocess.run(['make', '-C', ROOT, 'lab'], check=True, stdout=subprocess.DEVNULL)
    with open(LAB_INVENTORY) as fh:
        return yaml.safe_load(fh)['lab']


def lab_play(name, *extra):
    """Run the collection's playbooks/NAME on the lab fleet."""
    return run_playbook(os.path.join(ROOT, 'playbooks', name), inventory=LAB_INVENTORY, extra_args=extra)


def play_recaps(stdout):
    """{host: {ok: '3', changed: '0', ...}} from an ansible-playbook run's PLAY RECAP."""
    import re
    out = {}
    for line in stdout.splitlines():
        m = re.match(r'^(\S+)\s+:\s+(ok=.*)$', line)
        if m:
            out[m.group(1)] = dict(part.split('=') for part in m.group(2).split())
    return out


def pids_in_namespace(comm, kind, inode):
    """PIDs of processes named ``comm`` whose ``kind`` namespace (net, pid, ...) has this inode."""
    import glob
    found = []
    for path in glob.glob('/proc/[0-9]*'):
        try:
            with open(path + '/comm') as fh:
                if fh.read().strip() != comm:
                    continue
            if os.stat('%s/ns/%s' % (path, kind)).st_ino == inode:
                found.append(int(os.path.basename(path)))
        except OSError:
            continue
    return found


def lab_node_client(host, timeout=60):
    """docker.APIClient on lab host ``labN``'s own engine, through its init's root (no SSH)."""
    import docker
    with open(os.path.join(ROOT, '.lab', 'nodes', host.replace('lab', ''), 'holder.pid')) as fh:
        pid = fh.read().strip()
    return docker.APIClient(base_url='unix:///proc/%s/root/run/docker.sock' % pid, version='auto', timeout=timeout)


# ---------------------------------------------------------------------------------------------
# The engines the tests run on (issue #22): the host's 20.10 and scripts/engines.sh's 26.1 and 28.5.

class Engine:
    """One engine: where its socket is, and the network namespace its published ports live in."""

    def __init__(self, name, docker_host, netns=None, address='127.0.0.1'):
        self.name, self.docker_host, self.netns, self.address = name, docker_host, netns, address

    @property
    def state_dir(self):
        return os.path.join(ROOT, '.state', 'engines', self.name) if self.netns else None

    @property
    def fallback(self):
        """Why this engine runs an older Docker than its name says (sid not buildable), or ''."""
        if not self.state_dir:
            return ''
        try:
            with open(os.path.join(self.state_dir, 'fallback')) as handle:
                return handle.read().strip()
        except OSError:
            return ''

    def host_path(self, path):
        """Where a path the engine reports (a volume's Mountpoint) is on the host.

        A newer engine's /var/lib/docker is .state/engines/NAME/data; /tmp and the checkout are the
        host's own (scripts/engines.sh binds them); anything else is in its root filesystem.
        """
        if not self.netns:
            return path
        for inside, outside in (('/var/lib/docker', os.path.join(self.state_dir, 'data')), ('/tmp', '/tmp'),
                                (ROOT, ROOT)):
            if path == inside or path.startswith(inside + '/'):
                return outside + path[len(inside):]
        return os.path.join(self.state_dir, 'root') + path

    @property
    def test_id(self):
        return self.name + ('-FALLBACK' if self.fallback else '')

    def __repr__(self):
        return 'Engine(%s, %s)' % (self.name, self.docker_host)


DEFAULT_ENGINE = '20.10'
ENGINES = dict((e.name, e) for e in (
    Engine('20.10', 'unix:///var/run/docker.sock'),
    Engine('26.1', 'unix://%s/.state/engines/26.1/run/docker.sock' % ROOT, 'fleeteng1', '10.219.1.2'),
    Engine('28.5', 'unix://%s/.state/engines/28.5/run/docker.sock' % ROOT, 'fleeteng2', '10.219.2.2'),
))
_CURRENT = [ENGINES[DEFAULT_ENGINE]]
_ORIGINAL_DOCKER_HOST = os.environ.get('DOCKER_HOST')


def current_engine():
    """The engine the running test is on (tests/conftest.py switches it with the engine fixture)."""
    return _CURRENT[0]


def use_engine(engine):
    """Point run_module, run_playbook and the docker CLI (through DOCKER_HOST) at ``engine``."""
    _CURRENT[0] = engine
    if engine.name == DEFAULT_ENGINE:
        # The host engine exactly as before: the module's own default, or the caller's DOCKER_HOST.
        if _ORIGINAL_DOCKER_HOST is None:
            os.environ.pop('DOCKER_HOST', None)
        else:
            os.environ['DOCKER_HOST'] = _ORIGINAL_DOCKER_HOST
    else:
        os.environ['DOCKER_HOST'] = engine.docker_host


def engine_http_get(port, path='/', host='127.0.0.1', timeout=10, attempts=40):
    """(status, body) of a GET to a port the current engine published on ``host`` (its loopback).

    On the host engine that is http_get. A newer engine's 127.0.0.1 is its own network namespace's
    loopback, so the GET runs there (nsenter + curl); bounded like http_get.
    """
    engine = current_engine()
    if not engine.netns:
        return http_get('http://%s:%d%s' % (host, port, path), timeout=timeout, attempts=attempts)
    import time
    url = 'http://%s:%d%s' % (host, port, path)
    last = ''
    for _attempt in range(attempts):
        proc = subprocess.run(['nsenter', '--net=/run/netns/%s' % engine.netns, 'curl', '-sS', '-m', str(timeout),
                               '-o', '-', '-w', '\n%{http_code}', url],
                              capture_output=True, timeout=timeout + 10, check=False)
        if proc.returncode == 0:
            body, _sep, code = proc.stdout.decode('utf-8', 'replace').rpartition('\n')
            return int(code), body
        last = proc.stderr.decode('utf-8', 'replace').strip()
        time.sleep(0.25)
    return None, last


# ---------------------------------------------------------------------------------------------
# Private dockerd instances some tests start beside the shared engines (TLS, ssh, swarm).

def unmount_under(base):
    """Unmount everything mounted below ``base`` (overlay layers, the network namespaces' nsfs), deepest first."""
    base = str(base)
    with open('/proc/self/mounts') as handle:
        points = [line.split()[1].replace('\\040', ' ') for line in handle]
    for point in sorted((p for p in points if p.startswith(base.rstrip('/') + '/')), key=len, reverse=True):
        subprocess.run(['umount', '-l', point], capture_output=True, check=False)


def stop_dockerd(proc, log, base, links=()):
    """Stop a private dockerd a test started and remove what it left: SIGTERM (kill after 30 s), its log
    file closed, its mounts under ``base`` unmounted, its network ``links`` (bridges) deleted, ``base`` removed."""
    import shutil
    import signal
    if proc is not None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    if log is not None:
        log.close()
    if base:
        unmount_under(base)
        for link in links:
            subprocess.run(['ip', 'link', 'del', link], capture_output=True, check=False)
        shutil.rmtree(str(base), ignore_errors=True)
