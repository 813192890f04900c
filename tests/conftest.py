"""Test-wide fixtures. Integration tests talk to the real engine started by scripts/engine-up.sh."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), '.cache', 'collections'))

import fleet_fixtures  # noqa: E402
from fleet_labguard import LAB_FILES, LabGuard  # noqa: E402
from fleet_testlib import (DEFAULT_ENGINE, ENGINES, REGISTRY, ROOT, TEST_LABEL, WEB, WORKER,  # noqa: E402
                           push_image, unique, use_engine)

# Which engines each test file runs on (issue #22; README "Engines"). FLEET_ENGINES (make test
# ENGINES=...) is `default`, `all`, or a comma list of engines (20.10,28.5 or 20,26,28).
ALL_ENGINES = ('20.10', '26.1', '28.5')
DEFAULT_ENGINES = ('20.10', '28.5')
# Files that also run on 26.1 by default: the container modules (copy, fetch, exec, info, recreate
# included), networks, compose, and the engine checks themselves.
THREE_ENGINE_FILES = ('test_container*.py', 'test_containers_batch.py', 'test_network*.py', 'test_compose*.py',
                      'test_engines.py')
# Not engine-facing, or driving the lab, playbooks or their own dockerd: the host engine only.
HOST_ENGINE_ONLY_FILES = ('test_lab.py', 'test_playbooks.py', 'test_roles.py', 'test_collection_build.py',
                          'test_tls.py', 'test_faults.py', 'test_molecule*.py', 'test_fixtures.py', 'test_release.py',
                          'test_compose_fleet.py',
                          # Swarm tests run on their own private dockerd (swarm_engine), never the shared engines.
                          'test_swarm*.py')
# Single tests of engine-facing files that drive the lab fleet (its hosts run every engine already).
HOST_ENGINE_ONLY_TESTS = ('test_load.py::test_converge_5_lab_hosts_in_parallel',)
_SHORT = {'20': '20.10', '26': '26.1', '28': '28.5'}


def engines_for(path, selection=None):
    """The engine names a test file runs on, for the FLEET_ENGINES selection."""
    import fnmatch
    base = os.path.basename(str(path))
    selection = (selection if selection is not None else os.environ.get('FLEET_ENGINES', '')).strip()
    if '/integration/' not in str(path) or any(fnmatch.fnmatch(base, pat) for pat in HOST_ENGINE_ONLY_FILES):
        return (DEFAULT_ENGINE,)
    if selection in ('', 'default'):
        if any(fnmatch.fnmatch(base, pat) for pat in THREE_ENGINE_FILES):
            return ALL_ENGINES
        return DEFAULT_ENGINES
    if selection == 'all':
        return ALL_ENGINES
    names = [_SHORT.get(n.strip(), n.strip()) for n in selection.split(',') if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        raise pytest.UsageError('FLEET_ENGINES: unknown engine %s (use default, all, or some of %s)'
                                % (', '.join(unknown), ', '.join(ALL_ENGINES)))
    return tuple(n for n in ALL_ENGINES if n in names)


def pytest_generate_tests(metafunc):
    path = str(metafunc.definition.fspath)
    if '/integration/' not in path:
        return
    names = engines_for(path)
    if '%s::%s' % (os.path.basename(path), metafunc.function.__name__) in HOST_ENGINE_ONLY_TESTS:
        names = (DEFAULT_ENGINE,)
    if 'engine' not in metafunc.fixturenames:
        # A test that only runs modules (run_module reads DOCKER_HOST) is engine-facing too and gets
        # the fixture that switches engines; one that neither asks for the engine nor runs modules
        # (packaging, release, compose config) runs once.
        if names == (DEFAULT_ENGINE,) or not hasattr(metafunc.module, 'run_module'):
            return
        metafunc.fixturenames.append('engine')
    metafunc.parametrize('engine', names, indirect=True, scope='session',
                         ids=[ENGINES[n].test_id for n in names])


def _engine_up():
    try:
        import docker
        docker.APIClient(version='auto', timeout=5).ping()
        return True
    except Exception:  # pylint: disable=broad-except
        return False


# A setup script that failed once in this worker fails every later setup at once, with its first
# error: the fixture is set up again each time a worker switches engines, and a script that waits
# out its lock (900 s) on every switch turned one failure into a CI timeout.
_SETUP_FAILURES = {}


def _run_setup_script(argv):
    key = ' '.join(argv[1:])
    if key in _SETUP_FAILURES:
        pytest.fail('%s failed earlier in this run: %s' % (key, _SETUP_FAILURES[key]), pytrace=False)
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        _SETUP_FAILURES[key] = 'exit %d: %s' % (proc.returncode, proc.stderr.strip()[-2000:])
        pytest.fail('%s failed: %s' % (key, _SETUP_FAILURES[key]), pytrace=False)


@pytest.fixture(scope='session')
def engine(request):
    """Ensure the engine and seeded registry exist (idempotent scripts), return an APIClient.

    Parametrised over the engines (pytest_generate_tests); the client's ``fleet_engine`` says
    which one. While it is in use, DOCKER_HOST points run_module and the docker CLI at it.
    """
    import docker
    eng = ENGINES[getattr(request, 'param', DEFAULT_ENGINE)]
    scripts = [['bash', os.path.join(ROOT, 'scripts', 'engine-up.sh')]]
    if eng.netns:
        scripts.append(['bash', os.path.join(ROOT, 'scripts', 'engines.sh'), 'up', eng.name])
    for argv in scripts:
        _run_setup_script(argv)
    client = docker.APIClient(base_url=eng.docker_host, version='auto', timeout=120)
    client.fleet_engine = eng
    use_engine(eng)
    yield client
    use_engine(ENGINES[DEFAULT_ENGINE])
    client.close()


@pytest.fixture(autouse=True)
def _engine_env(request):
    """Each test talks to its own engine: the parametrised one, else the host's."""
    if 'engine' in request.fixturenames:
        use_engine(request.getfixturevalue('engine').fleet_engine)
    else:
        use_engine(ENGINES[DEFAULT_ENGINE])
    yield


class Janitor:
    """Removes what a test created, even when the test fails."""

    def __init__(self, client):
        self.client = client
        self.containers, self.volumes, self.images, self.paths = [], [], [], []

    def container(self, name):
        self.containers.append(name)
        return name

    def volume(self, name):
        self.volumes.append(name)
        return name

    def image(self, name):
        self.images.append(name)
        return name

    def container_args(self, name, **kw):
        """The container module's args for a container of this test: demo/web:1.0, the test label; ``kw`` on top."""
        args = dict(name=self.container(name), image=WEB + ':1.0', labels={TEST_LABEL: self.tag})
        args.update(kw)
        return args

    def tmpdir(self, prefix='fleet-bind-'):
        """A host directory (mode 0755, so a container's non-root user can read it), removed afterwards."""
        import tempfile
        path = tempfile.mkdtemp(prefix=prefix)
        os.chmod(path, 0o755)
        self.paths.append(path)
        return path

    def cleanup(self):
        import shutil
        for name in self.containers:
            try:
                self.client.remove_container(name, force=True, v=True)
            except Exception:  # pylint: disable=broad-except
                pass
        for name in self.volumes:
            try:
                self.client.remove_volume(name, force=True)
            except Exception:  # pylint: disable=broad-except
                pass
        for name in self.images:
            try:
                self.client.remove_image(name, force=True)
            except Exception:  # pylint: disable=broad-except
                pass
        for path in self.paths:
            shutil.rmtree(path, ignore_errors=True)
        # Anything else carrying the test label that a test forgot.
        for c in self.client.containers(all=True, filters={'label': TEST_LABEL + '=' + self.tag}):
            self.client.remove_container(c['Id'], force=True, v=True)

    tag = ''


@pytest.fixture
def janitor(engine):
    jan = Janitor(engine)
    jan.tag = unique('run')
    yield jan
    jan.cleanup()


@pytest.fixture
def name():
    return unique()


# Swarm (issue #26): never the shared engines. A private dockerd (tests/lib/fleet_swarmlib.py: own
# socket, data root, bridge, slot-locked subnets) in swarm mode, one per pytest session/worker; the
# host's 20.10 dockerd unless FLEET_SWARM_DOCKERD=28.5 (the sid rootfs's dockerd) or a path.
@pytest.fixture(scope='session')
def swarm_engine():
    """A one-node swarm on a private dockerd: ``.client`` (APIClient), ``.docker_host``, ``.env`` (for
    run_module/run_playbook), ``.sock``, ``.address`` (advertise address), ``.node_id``, ``.docker(*args)``.
    Tests may add swarm objects (remove them afterwards) but must not leave or re-init the swarm:
    use ``private_dockerd`` for that."""
    from fleet_swarmlib import PrivateDockerd
    daemon = PrivateDockerd(label='swarm').start()
    try:
        daemon.swarm_init()
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def private_dockerd():
    """Factory: ``make(dockerd=None)`` starts a private dockerd NOT in swarm mode (stopped after the test)."""
    from fleet_swarmlib import PrivateDockerd
    started = []

    def make(dockerd=None, label='bare'):
        daemon = PrivateDockerd(dockerd=dockerd, label=label)
        started.append(daemon)
        return daemon.start()
    yield make
    for daemon in started:
        daemon.stop()


# make test runs most of the suite on several pytest-xdist workers, then the `serial` tests one
# after another with nothing else running: the files that drive the shared lab fleet (LAB_FILES; its
# hosts' engines and sshd run on the same cores, and they time out when four workers load the machine)
# and those that compare figures with the whole engine (docker system df).
SERIAL_FILES = LAB_FILES + ('test_host_info.py',)


def pytest_configure(config):
    # Shared fixtures (tests/lib/fleet_fixtures.py) for every test file.
    config.pluginmanager.register(fleet_fixtures, 'fleet_fixtures')
    # The lab files share one lab and none takes it down; the guard leaves it as the session found it.
    config.pluginmanager.register(LabGuard(), 'fleet_labguard')


def pytest_collection_modifyitems(config, items):
    for item in items:
        base = os.path.basename(str(item.fspath))
        if '/integration/' in str(item.fspath):
            item.add_marker(pytest.mark.integration)
        if base in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture
def web_repo(engine, janitor):
    """A private copy of demo/web (tags 1.0, stable, latest) and demo/worker:1.0 in the registry.

    Tests that delete, retag or push images use this, never demo/web itself, so tests running
    side by side never pull the floor from under each other. Returns a dict of references.
    """
    ns = unique('t').replace('-', '')
    repo = '%s/%s/web' % (REGISTRY, ns)
    worker = '%s/%s/worker' % (REGISTRY, ns)
    for tag in ('1.0', 'stable', 'latest'):
        engine.pull(WEB, tag=tag)
        engine.tag('%s:%s' % (WEB, tag), repo, tag)
        push_image(engine, repo, tag)
    engine.pull(WORKER, tag='1.0')
    engine.tag(WORKER + ':1.0', worker, '1.0')
    push_image(engine, worker, '1.0')
    # Start each test with none of the copies on the host: the test pulls what it needs.
    for ref in ('%s:1.0' % repo, '%s:stable' % repo, '%s:latest' % repo, worker + ':1.0'):
        engine.remove_image(ref)
        janitor.image(ref)
    return dict(repo=repo, worker=worker, namespace=ns)
