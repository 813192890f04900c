"""Test-wide fixtures. Integration tests talk to the real engine started by scripts/engine-up.sh."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), '.cache', 'collections'))

from fleet_testlib import REGISTRY, ROOT, TEST_LABEL, WEB, WORKER, unique  # noqa: E402


def _engine_up():
    try:
        import docker
        docker.APIClient(version='auto', timeout=5).ping()
        return True
    except Exception:  # pylint: disable=broad-except
        return False


@pytest.fixture(scope='session')
def engine():
    """Ensure the engine and seeded registry exist (idempotent script), return an APIClient."""
    import docker
    subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'engine-up.sh')], check=True,
                   stdout=subprocess.DEVNULL)
    client = docker.APIClient(version='auto', timeout=120)
    yield client
    client.close()


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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if '/integration/' in str(item.fspath):
            item.add_marker(pytest.mark.integration)


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
        _push(engine, repo, tag)
    engine.pull(WORKER, tag='1.0')
    engine.tag(WORKER + ':1.0', worker, '1.0')
    _push(engine, worker, '1.0')
    # Start each test with none of the copies on the host: the test pulls what it needs.
    for ref in ('%s:1.0' % repo, '%s:stable' % repo, '%s:latest' % repo, worker + ':1.0'):
        engine.remove_image(ref)
        janitor.image(ref)
    return dict(repo=repo, worker=worker, namespace=ns)


def _push(engine, repo, tag):
    for line in engine.push(repo, tag=tag, stream=True, decode=True):
        if 'error' in line:
            raise RuntimeError(line['error'])
