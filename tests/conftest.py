"""Test-wide fixtures. Integration tests talk to the real engine started by scripts/engine-up.sh."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), '.cache', 'collections'))

from fleet_testlib import ROOT, TEST_LABEL, unique  # noqa: E402


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
