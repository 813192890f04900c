"""The collection builds, installs from its tarball, and ansible-doc renders every module."""

import glob
import os
import subprocess
import tarfile

import yaml

from fleet_testlib import ROOT

BIN = os.path.join(ROOT, '.venv', 'bin')
# Development scaffolding that must never reach users: top-level names, and names at any depth.
DEV_TOP = ('.venv', '.state', '.lab', '.cache', '.ci', 'reports', 'tests', 'molecule', 'scripts',
           'benchmarks/results', 'Makefile', 'requirements-dev.txt')
DEV_ANYWHERE = ('.pytest_cache', '.hypothesis', '__pycache__', '.molecule')
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py'))
                 if not p.endswith('__init__.py'))


def test_build_install_and_doc_every_module(tmp_path):
    out = tmp_path / 'build'
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out), ROOT],
                   check=True, capture_output=True, cwd=ROOT)
    tarballs = list(out.glob('fleet-docker-*.tar.gz'))
    assert len(tarballs) == 1
    with tarfile.open(str(tarballs[0])) as tar:
        names = [name.rstrip('/') for name in tar.getnames()]
    for name in names:
        parts = name.split('/')
        assert not any(name == top or name.startswith(top + '/') or parts[0].startswith(top + '-')
                       for top in DEV_TOP), name
        assert not set(parts) & set(DEV_ANYWHERE), name
        assert not name.endswith(('.pyc', '.tar.gz')), name
    for needed in ('LICENSE', 'README.md', 'meta/runtime.yml', 'changelogs/changelog.yaml',
                   'playbooks/site.yml', 'roles/app/meta/argument_specs.yml'):
        assert needed in names, needed
    dest = tmp_path / 'collections'
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-p', str(dest), str(tarballs[0])],
                   check=True, capture_output=True)
    installed = dest / 'ansible_collections' / 'fleet' / 'docker'
    assert (installed / 'MANIFEST.json').exists()
    assert not (installed / '.venv').exists() and not (installed / '.state').exists()
    empty_cfg = tmp_path / 'ansible.cfg'
    empty_cfg.write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(dest), ANSIBLE_CONFIG=str(empty_cfg))
    for module in MODULES:
        proc = subprocess.run([os.path.join(BIN, 'ansible-doc'), 'fleet.docker.%s' % module],
                              capture_output=True, text=True, env=env, check=False, cwd=str(tmp_path))
        assert proc.returncode == 0, proc.stderr
        assert 'docker_host' in proc.stdout, module


def test_action_group_lists_every_module():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        runtime = yaml.safe_load(handle)
    assert runtime['requires_ansible'] == '>=2.17.0'
    assert sorted(runtime['action_groups']['docker']) == MODULES
