"""Fixtures more than one test file uses (registered by tests/conftest.py; helpers are in fleet_testlib)."""

import pytest

from fleet_testlib import TEST_LABEL, WEB, ensure_image, put_tree, unique


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
