"""The execution environment's build context (issue #17): `ansible-builder create` on a definition
that installs the built tarball, and the context carries fleet.docker's requirements.

No image is built here (that is `scripts/ee.sh build`, docs/execution-environment.md); this runs in
a few seconds once .venv-ee exists.
"""

import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml

from fleet_testlib import ROOT


def _lines(path):
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith('#')]


@pytest.fixture(scope='module')
def context(tmp_path_factory):
    ctx = tmp_path_factory.mktemp('ee') / 'context'
    proc = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'ee.sh'), 'create', str(ctx)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Complete!' in proc.stdout
    return ctx


def test_builder_context_installs_the_built_tarball(context):
    dockerfile = (context / 'Dockerfile').read_text()
    assert 'FROM $EE_BASE_IMAGE AS base' in dockerfile
    assert 'ARG EE_BASE_IMAGE="localhost/fleet-docker-ee-base:bookworm"' in dockerfile
    assert re.search(r'ansible-galaxy collection install .*-r requirements.yml', dockerfile)
    # The collection's own requirements are read in the image (introspect) and installed (assemble).
    assert 'introspect.py introspect' in dockerfile and 'scripts/assemble' in dockerfile
    with open(str(context / '_build' / 'requirements.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    assert galaxy == {'collections': [{'name': 'collections/fleet-docker.tar.gz', 'type': 'file'}]}
    tarball = context / '_build' / 'collections' / 'fleet-docker.tar.gz'
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        version = yaml.safe_load(handle)['version']
    with tarfile.open(str(tarball)) as tar:
        manifest = yaml.safe_load(tar.extractfile('MANIFEST.json'))['collection_info']
        assert (manifest['namespace'], manifest['name'], manifest['version']) == ('fleet', 'docker', version)
        for name in ('meta/execution-environment.yml', 'requirements.txt', 'bindep.txt'):
            with open(os.path.join(ROOT, name), 'rb') as handle:
                assert tar.extractfile(name).read() == handle.read(), name
    # Offline build: the wheels directory and the index-less pip settings are in the context.
    assert (context / '_build' / 'wheels').is_dir()
    assert 'ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=/opt/ee-wheels' in dockerfile


def test_context_introspection_finds_our_requirements(context, tmp_path):
    """What the image build will install: the context's own introspect.py on the tarball it carries."""
    collections = tmp_path / 'collections'
    dest = collections / 'ansible_collections' / 'fleet' / 'docker'
    dest.mkdir(parents=True)
    with tarfile.open(str(context / '_build' / 'collections' / 'fleet-docker.tar.gz')) as tar:
        tar.extractall(str(dest))
    pip_out, bindep_out = tmp_path / 'pip.txt', tmp_path / 'bindep.txt'
    proc = subprocess.run([sys.executable, str(context / '_build' / 'scripts' / 'introspect.py'), 'introspect',
                           '--write-pip', str(pip_out), '--write-bindep', str(bindep_out), str(collections)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pip_reqs = _lines(str(pip_out))
    for req in _lines(os.path.join(ROOT, 'requirements.txt')):
        assert '%s  # from collection fleet.docker' % req in pip_reqs, (req, pip_reqs)
    assert any(r.startswith('docker>=') and ',<' in r for r in pip_reqs), 'the docker SDK must be bounded'
    bindep = _lines(str(bindep_out))
    for req in _lines(os.path.join(ROOT, 'bindep.txt')):
        assert '%s  # from collection fleet.docker' % req in bindep, (req, bindep)
