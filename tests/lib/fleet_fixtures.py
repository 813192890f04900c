"""Fixtures more than one test file uses (registered by tests/conftest.py; helpers are in fleet_testlib)."""

import os
import subprocess

import pytest

from fleet_testlib import ROOT, TEST_LABEL, WEB, ensure_image, put_tree, unique

COMPOSE_VERSION = '2.40.3'


@pytest.fixture
def stopped_web(engine, janitor):
    """Factory: ``make(prefix, tree=())`` creates a stopped demo/web:1.0 container named ``prefix-<random>``,
    labelled for the janitor, with ``tree`` (put_tree members) written at its root; returns its name."""
    ensure_image(engine)

    def make(prefix, tree=()):
        name = janitor.container(unique(prefix))
        engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag})
        if tree:
            put_tree(engine, name, '/', list(tree))
        return name
    return make


@pytest.fixture(scope='session')
def compose_bin():
    """Path of Docker Compose itself (scripts/compose-bin.sh), the version the compose conformance
    (test_compose_config.py) and acceptance (test_compose_accepts.py) tables are defined against."""
    out = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'compose-bin.sh')], check=True,
                         capture_output=True, text=True)
    path = out.stdout.strip()
    version = subprocess.run([path, 'version', '--short'], check=True, capture_output=True, text=True).stdout
    assert version.startswith(COMPOSE_VERSION), 'the compose tests are defined against Compose %s, got %s' % (
        COMPOSE_VERSION, version)
    return path
