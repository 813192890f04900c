"""fleet.docker.registry_login against the htpasswd registry on 127.0.0.1:5001.

Every test uses its own DOCKER_CONFIG directory, so the machine's ~/.docker/config.json is never touched.
"""

import base64
import json
import os
import stat
import textwrap

import docker
import pytest

from fleet_testlib import AUTH_PASSWORD, AUTH_REGISTRY, AUTH_USER, PYTHON, WEB, run_module, run_playbook, unique


@pytest.fixture
def auth_image(engine, janitor, tmp_path):
    """demo/web:1.0 pushed to the authenticated registry under a private name, absent locally."""
    repo = '%s/%s/web' % (AUTH_REGISTRY, unique('t').replace('-', ''))
    engine.pull(WEB, tag='1.0')
    engine.tag(WEB + ':1.0', repo, '1.0')
    janitor.image(repo + ':1.0')
    # A client of its own, reading an empty config, so the login stays out of the shared client.
    pusher = docker.APIClient(base_url=engine.fleet_engine.docker_host, version='auto', timeout=120)
    pusher.login(AUTH_USER, AUTH_PASSWORD, registry=AUTH_REGISTRY, reauth=True,
                 dockercfg_path=str(tmp_path / 'pusher.json'))
    for line in pusher.push(repo, tag='1.0', stream=True, decode=True,
                            auth_config={'username': AUTH_USER, 'password': AUTH_PASSWORD}):
        assert 'error' not in line, line
    pusher.close()
    engine.remove_image(repo + ':1.0')
    return repo + ':1.0'


@pytest.fixture
def docker_config(tmp_path):
    path = tmp_path / 'dockercfg'
    path.mkdir()
    return dict(env={'DOCKER_CONFIG': str(path)}, file=path / 'config.json')


def login_args(**extra):
    args = dict(registry=AUTH_REGISTRY, username=AUTH_USER, password=AUTH_PASSWORD)
    args.update(extra)
    return args


def no_secret(result):
    text = json.dumps(result) + result.stdout + result.stderr
    assert AUTH_PASSWORD not in text
    assert base64.b64encode(('%s:%s' % (AUTH_USER, AUTH_PASSWORD)).encode()).decode() not in text


def test_login_then_pull_works_and_is_idempotent(engine, docker_config, auth_image):
    env = docker_config['env']
    anonymous = run_module('image', {'name': auth_image}, env=env)
    assert anonymous.failed and 'registry_login' in anonymous['msg'], anonymous

    check = run_module('registry_login', login_args(), check=True, diff=True, env=env)
    assert check.changed and not docker_config['file'].exists(), check
    first = run_module('registry_login', login_args(), diff=True, env=env)
    assert first.changed and first['username'] == AUTH_USER, first
    assert first['diff'] == {'before': {'registry': AUTH_REGISTRY, 'username': None},
                             'after': {'registry': AUTH_REGISTRY, 'username': AUTH_USER}}
    assert stat.S_IMODE(os.stat(docker_config['file']).st_mode) == 0o600
    stored = json.loads(docker_config['file'].read_text())['auths'][AUTH_REGISTRY]['auth']
    assert base64.b64decode(stored).decode() == '%s:%s' % (AUTH_USER, AUTH_PASSWORD)
    second = run_module('registry_login', login_args(), env=env)
    assert not second.changed, second
    for result in (check, first, second):
        no_secret(result)

    pulled = run_module('image', {'name': auth_image}, env=env)
    assert pulled.changed and pulled['pulled'], pulled
    assert not run_module('image', {'name': auth_image, 'pull': 'always'}, env=env).changed
    # Check mode asks the registry with the stored credentials.
    check_pull = run_module('image', {'name': auth_image, 'pull': 'always'}, check=True, env=env)
    assert not check_pull.changed and check_pull['remote_digest'], check_pull


def test_wrong_password_fails_clearly_and_changes_nothing(docker_config):
    env = docker_config['env']
    assert run_module('registry_login', login_args(), env=env).changed
    before = docker_config['file'].read_bytes()
    wrong = run_module('registry_login', login_args(password='not-the-password'), env=env)
    assert wrong.failed and 'rejected the username or password' in wrong['msg'], wrong
    assert 'not-the-password' not in json.dumps(wrong) + wrong.stdout + wrong.stderr
    assert docker_config['file'].read_bytes() == before


def test_logout_is_idempotent(docker_config):
    env = docker_config['env']
    docker_config['file'].write_text(json.dumps({'auths': {'other:1': {'auth': 'eDp5'}}, 'detachKeys': 'ctrl-x'}))
    assert run_module('registry_login', login_args(), env=env).changed
    check = run_module('registry_login', {'registry': AUTH_REGISTRY, 'state': 'absent'}, check=True, env=env)
    assert check.changed and AUTH_REGISTRY in json.loads(docker_config['file'].read_text())['auths']
    out = run_module('registry_login', {'registry': AUTH_REGISTRY, 'state': 'absent'}, env=env)
    assert out.changed
    config = json.loads(docker_config['file'].read_text())
    assert AUTH_REGISTRY not in config['auths'] and 'other:1' in config['auths'] and config['detachKeys'] == 'ctrl-x'
    assert not run_module('registry_login', {'registry': AUTH_REGISTRY, 'state': 'absent'}, env=env).changed


def test_explicit_config_path(tmp_path):
    path = tmp_path / 'elsewhere' / 'config.json'
    result = run_module('registry_login', login_args(config_path=str(path)), env={'DOCKER_CONFIG': str(tmp_path / 'x')})
    assert result.changed and result['config_path'] == str(path) and path.exists()
    assert not (tmp_path / 'x').exists()


def test_password_never_in_playbook_output(tmp_path, docker_config, auth_image):
    playbook = tmp_path / 'login.yml'
    playbook.write_text(textwrap.dedent('''\
        - hosts: localhost
          gather_facts: false
          vars:
            ansible_python_interpreter: %s
          tasks:
            - name: log in
              fleet.docker.registry_login:
                registry: %s
                username: %s
                password: %s
            - name: log in again
              fleet.docker.registry_login:
                registry: %s
                username: %s
                password: %s
              register: again
            - ansible.builtin.assert:
                that: not again.changed
            - name: pull with the stored credentials
              fleet.docker.image:
                name: %s
            - name: wrong password
              fleet.docker.registry_login:
                registry: %s
                username: %s
                password: wrong-%s
              ignore_errors: true
        ''' % (PYTHON, AUTH_REGISTRY, AUTH_USER, AUTH_PASSWORD, AUTH_REGISTRY, AUTH_USER, AUTH_PASSWORD,
               auth_image, AUTH_REGISTRY, AUTH_USER, AUTH_PASSWORD)))
    proc = run_playbook(str(playbook), extra_args=['-vvv'], env=docker_config['env'])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert 'ok=' in output and 'failed=0' in output
    assert AUTH_PASSWORD not in output
    assert base64.b64encode(('%s:%s' % (AUTH_USER, AUTH_PASSWORD)).encode()).decode() not in output
