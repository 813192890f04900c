"""fleet.docker.image_tag and image_push on the real engines, against the local registries."""

import base64
import json
import os
import urllib.error
import urllib.request

import pytest

from fleet_testlib import AUTH_PASSWORD, AUTH_REGISTRY, AUTH_USER, REGISTRY, ROOT, WEB, run_module, unique

ACCEPT = ', '.join(('application/vnd.docker.distribution.manifest.v2+json',
                    'application/vnd.docker.distribution.manifest.list.v2+json',
                    'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'))
HELPER_BIN = os.path.join(ROOT, 'tests', 'lib', 'bin')


def registry_digest(registry, name, tag, auth=None):
    """The registry's own answer: HEAD /v2/<name>/manifests/<tag> -> Docker-Content-Digest, or None (404)."""
    req = urllib.request.Request('http://%s/v2/%s/manifests/%s' % (registry, name, tag), method='HEAD')
    req.add_header('Accept', ACCEPT)
    if auth:
        req.add_header('Authorization', 'Basic ' + base64.b64encode(('%s:%s' % auth).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.headers['Docker-Content-Digest']
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


@pytest.fixture
def local_web(engine):
    engine.pull(WEB, tag='1.0')
    return engine.inspect_image(WEB + ':1.0')['Id']


def test_tag_is_idempotent_and_moves_only_with_force(engine, janitor, local_web):
    ns = unique('t').replace('-', '')
    target = janitor.image('fleettest/%s:1' % ns)
    check = run_module('image_tag', dict(name=WEB + ':1.0', repository=[target]), check=True, diff=True)
    assert check.changed and check['tagged'] == [target], check
    with pytest.raises(Exception):
        engine.inspect_image(target)
    first = run_module('image_tag', dict(name=WEB + ':1.0', repository=[target]), diff=True)
    assert first.changed and first['diff']['before'] == {target: None}, first
    assert engine.inspect_image(target)['Id'] == local_web
    assert not run_module('image_tag', dict(name=WEB + ':1.0', repository=[target])).changed
    # The tag names another image now: refused without force, moved with it.
    engine.pull(WEB, tag='stable')
    other = run_module('image_tag', dict(name=WEB + ':stable', repository=[target]))
    assert other.failed and 'already names another image; set force=true' in other['msg'], other
    assert engine.inspect_image(target)['Id'] == local_web
    moved = run_module('image_tag', dict(name=WEB + ':stable', repository=[target], force=True))
    assert moved.changed and moved['moved'] == [target]
    assert engine.inspect_image(target)['Id'] == engine.inspect_image(WEB + ':stable')['Id']
    missing = run_module('image_tag', dict(name='fleettest/%s-none:1' % ns, repository=[target]))
    assert missing.failed and 'is not on the host' in missing['msg'], missing


def test_push_once_then_unchanged_and_digest_matches_the_registry(engine, janitor, local_web):
    ns = unique('t').replace('-', '')
    repo = '%s/%s/pushed' % (REGISTRY, ns)
    janitor.image(repo + ':1')
    engine.tag(WEB + ':1.0', repo, '1')
    check = run_module('image_push', dict(name=repo + ':1'), check=True, diff=True)
    assert check.changed and check['registry_digest_before'] is None, check
    assert registry_digest(REGISTRY, '%s/pushed' % ns, '1') is None  # check mode pushed nothing

    first = run_module('image_push', dict(name=repo + ':1'), diff=True)
    assert first.changed and not first.failed, first
    remote = registry_digest(REGISTRY, '%s/pushed' % ns, '1')
    assert remote and first['digest'] == remote
    assert '%s@%s' % (repo, remote) in engine.inspect_image(repo + ':1')['RepoDigests']
    assert first['repo_digest'] == '%s@%s' % (repo, remote)
    # demo/web's layers are in the registry already: the push reports them.
    assert first['layers']['already_present'] >= 1 and first['layers']['total'] >= 1, first
    assert first['diff']['after']['registry_digest'] == remote

    second = run_module('image_push', dict(name=repo + ':1'))
    assert not second.changed and second['digest'] == remote, second
    assert not run_module('image_push', dict(name=repo + ':1'), check=True).changed

    # The local tag moves to another image: the registry's tag differs, so it is pushed again.
    engine.pull(WEB, tag='stable')
    engine.tag(WEB + ':stable', repo, '1', force=True)
    third = run_module('image_push', dict(name=repo + ':1'))
    assert third.changed and third['digest'] != remote, third
    assert registry_digest(REGISTRY, '%s/pushed' % ns, '1') == third['digest']


def test_push_of_a_missing_image_fails_clearly(engine):
    result = run_module('image_push', dict(name='%s/%s/none:1' % (REGISTRY, unique('t').replace('-', ''))))
    assert result.failed and 'is not on the host' in result['msg'], result


def _write_config(path, config):
    path.mkdir(exist_ok=True)
    (path / 'config.json').write_text(json.dumps(config))


def test_push_with_wrong_credentials_fails_clearly_and_leaks_nothing(engine, janitor, local_web, tmp_path):
    ns = unique('t').replace('-', '')
    repo = '%s/%s/auth' % (AUTH_REGISTRY, ns)
    janitor.image(repo + ':1')
    engine.tag(WEB + ':1.0', repo, '1')
    wrong = 'wrong-%s' % AUTH_PASSWORD
    cfg = tmp_path / 'cfg'
    encoded = base64.b64encode(('%s:%s' % (AUTH_USER, wrong)).encode()).decode()
    _write_config(cfg, {'auths': {AUTH_REGISTRY: {'auth': encoded}}})
    result = run_module('image_push', dict(name=repo + ':1'), env={'DOCKER_CONFIG': str(cfg)}, diff=True)
    assert result.failed and 'rejected the stored credentials' in result['msg'], result
    text = json.dumps(result) + result.stdout + result.stderr
    assert wrong not in text and AUTH_PASSWORD not in text
    assert registry_digest(AUTH_REGISTRY, '%s/auth' % ns, '1', auth=(AUTH_USER, AUTH_PASSWORD)) is None
    # Without any credentials: the registry needs them.
    _write_config(cfg, {})
    result = run_module('image_push', dict(name=repo + ':1'), env={'DOCKER_CONFIG': str(cfg)})
    assert result.failed and 'needs credentials' in result['msg'], result


def test_login_through_a_credential_helper_then_push_and_pull(engine, janitor, local_web, tmp_path):
    """registry_login stores through docker-credential-fleettest (tests/lib/bin), not in config.json;
    image_push and image read the credentials back through it."""
    cfg = tmp_path / 'cfg'
    cfg.mkdir()
    store = tmp_path / 'helper-store.json'
    env = {'DOCKER_CONFIG': str(cfg), 'FLEETTEST_CREDENTIALS_FILE': str(store),
           'PATH': HELPER_BIN + os.pathsep + os.environ['PATH']}
    login = dict(registry=AUTH_REGISTRY, username=AUTH_USER, password=AUTH_PASSWORD, credential_helper='fleettest')
    check = run_module('registry_login', login, check=True, env=env)
    assert check.changed and not store.exists() and not (cfg / 'config.json').exists(), check
    first = run_module('registry_login', login, env=env, diff=True)
    assert first.changed and first['credential_helper'] == 'fleettest', first
    config = json.loads((cfg / 'config.json').read_text())
    assert config['credHelpers'] == {AUTH_REGISTRY: 'fleettest'}
    assert AUTH_PASSWORD not in (cfg / 'config.json').read_text()
    assert 'auth' not in json.dumps(config.get('auths') or {})
    assert json.loads(store.read_text()) == {AUTH_REGISTRY: {'Username': AUTH_USER, 'Secret': AUTH_PASSWORD}}
    assert not run_module('registry_login', login, env=env).changed
    for result in (check, first):
        assert AUTH_PASSWORD not in json.dumps(result) + result.stdout + result.stderr

    ns = unique('t').replace('-', '')
    repo = '%s/%s/helper' % (AUTH_REGISTRY, ns)
    janitor.image(repo + ':1')
    engine.tag(WEB + ':1.0', repo, '1')
    pushed = run_module('image_push', dict(name=repo + ':1'), env=env)
    assert pushed.changed and not pushed.failed, pushed
    assert registry_digest(AUTH_REGISTRY, '%s/helper' % ns, '1', auth=(AUTH_USER, AUTH_PASSWORD)) == pushed['digest']
    assert not run_module('image_push', dict(name=repo + ':1'), env=env).changed
    engine.remove_image(repo + ':1')
    pulled = run_module('image', dict(name=repo + ':1'), env=env)
    assert pulled.changed and pulled['pulled'], pulled

    out = run_module('registry_login', dict(registry=AUTH_REGISTRY, state='absent'), env=env)
    assert out.changed and json.loads(store.read_text()) == {}
    assert not run_module('registry_login', dict(registry=AUTH_REGISTRY, state='absent'), env=env).changed
    missing = run_module('registry_login', dict(login, credential_helper='nosuchhelper'), env=env)
    assert missing.failed and 'docker-credential-nosuchhelper is not on PATH' in missing['msg'], missing
