"""The v2 registry client against a fake registry on 127.0.0.1, and the config-file helpers."""

import base64
import json
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.images import registry as reg_mod
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.auth import (
    HUB_INDEX_KEY, auth_config_for, config_key, decode_auth, default_config_path, encode_auth, matching_keys,
    normalize_registry, read_config, stored_credentials)
from ansible_collections.fleet.docker.plugins.module_utils.images.login import write_config
from ansible_collections.fleet.docker.plugins.module_utils.images.registry import (
    MANIFEST_V2, RegistryClient, RegistryError, parse_challenge, parse_link_next, pick_platform)

DIGEST = 'sha256:' + 'd' * 64
CONFIG_DIGEST = 'sha256:' + 'c' * 64
ARM_DIGEST = 'sha256:' + 'e' * 64


class FakeRegistry(BaseHTTPRequestHandler):
    """A v2 registry: two catalog pages, tags, manifests; basic or bearer auth by class switch."""

    mode = 'open'  # open | basic | bearer
    user, password = 'fleet', 'pw'
    seen = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _authorized(self):
        header = self.headers.get('Authorization') or ''
        if self.mode == 'open':
            return True
        if self.mode == 'basic':
            return header == 'Basic ' + encode_auth(self.user, self.password)
        return header == 'Bearer tok-123'

    def _challenge(self):
        self.send_response(401)
        if self.mode == 'basic':
            self.send_header('WWW-Authenticate', 'Basic realm="test"')
        else:
            realm = 'http://%s:%d/token' % self.server.server_address
            self.send_header('WWW-Authenticate', 'Bearer realm="%s",service="fake",scope="x"' % realm)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def _send(self, code, body=b'', headers=None):
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def _route(self):
        FakeRegistry.seen.append((self.command, self.path, self.headers.get('Accept')))
        if self.path.startswith('/token'):
            ok = self.headers.get('Authorization') == 'Basic ' + encode_auth(self.user, self.password)
            return self._send(200 if ok else 401, json.dumps({'token': 'tok-123'}).encode())
        if not self._authorized():
            return self._challenge()
        if self.path == '/v2/_catalog?n=1000':
            return self._send(200, json.dumps({'repositories': ['acme/web', 'demo/web']}).encode(),
                              {'Link': '</v2/_catalog?n=1000&last=demo%2Fweb>; rel="next"'})
        if self.path.startswith('/v2/_catalog?n=1000&last='):
            return self._send(200, json.dumps({'repositories': ['other/db']}).encode())
        if self.path.endswith('/tags/list'):
            name = self.path[len('/v2/'):-len('/tags/list')]
            if name == 'missing/repo':
                return self._send(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
            return self._send(200, json.dumps({'name': name, 'tags': ['stable', '1.0']}).encode())
        if self.path == '/v2/acme/web/manifests/1.0':
            body = json.dumps({'schemaVersion': 2, 'mediaType': MANIFEST_V2,
                               'config': {'digest': CONFIG_DIGEST}}).encode()
            return self._send(200, body, {'Docker-Content-Digest': DIGEST, 'Content-Type': MANIFEST_V2})
        if self.path == '/v2/acme/multi/manifests/latest':
            body = json.dumps({'schemaVersion': 2, 'mediaType': reg_mod.MANIFEST_LIST, 'manifests': [
                {'digest': ARM_DIGEST, 'platform': {'os': 'linux', 'architecture': 'arm64'}},
                {'digest': 'sha256:' + 'f' * 64, 'platform': {'os': 'linux', 'architecture': 'amd64'}}]}).encode()
            return self._send(200, body, {'Docker-Content-Digest': DIGEST})
        if self.path == '/v2/acme/multi/manifests/' + ARM_DIGEST:
            body = json.dumps({'mediaType': MANIFEST_V2, 'config': {'digest': 'sha256:' + '1' * 64}}).encode()
            return self._send(200, body, {'Docker-Content-Digest': ARM_DIGEST})
        return self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')

    do_GET = _route
    do_HEAD = _route


@pytest.fixture
def fake_registry():
    server = HTTPServer(('127.0.0.1', 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeRegistry.mode = 'open'
    FakeRegistry.seen = []
    yield '127.0.0.1:%d' % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_catalog_follows_link_pages_and_tags(fake_registry):
    client = RegistryClient(fake_registry)
    assert client.scheme == 'http'  # loopback registries are plain HTTP, as the engine allows
    assert client.catalog() == ['acme/web', 'demo/web', 'other/db']
    assert client.tags('acme/web') == ['1.0', 'stable']
    assert client.tags('missing/repo') == []


def test_manifest_digest_is_a_head_with_the_v2_accept(fake_registry):
    client = RegistryClient(fake_registry)
    assert client.manifest_digest('acme/web', '1.0') == DIGEST
    method, _path, accept = FakeRegistry.seen[-1]
    assert method == 'HEAD' and MANIFEST_V2 in accept
    assert client.image_id('acme/web', '1.0') == CONFIG_DIGEST


def test_unknown_manifest_is_404(fake_registry):
    with pytest.raises(RegistryError) as info:
        RegistryClient(fake_registry).manifest_digest('acme/web', 'nope')
    assert info.value.status == 404


def test_manifest_list_resolves_platform(fake_registry):
    client = RegistryClient(fake_registry)
    assert client.image_id('acme/multi', 'latest', platform='linux/arm64') == 'sha256:' + '1' * 64


def test_basic_auth_answers_the_challenge(fake_registry):
    FakeRegistry.mode = 'basic'
    with pytest.raises(RegistryError, match='needs credentials') as info:
        RegistryClient(fake_registry).catalog()
    assert info.value.status == 401
    client = RegistryClient(fake_registry, auth=dict(username='fleet', password='pw'))
    assert client.catalog()[0] == 'acme/web'


def test_bearer_token_flow(fake_registry):
    FakeRegistry.mode = 'bearer'
    client = RegistryClient(fake_registry, auth=dict(username='fleet', password='pw'))
    assert client.tags('acme/web') == ['1.0', 'stable']
    bad = RegistryClient(fake_registry, auth=dict(username='fleet', password='wrong'))
    with pytest.raises(RegistryError, match='refused the credentials'):
        bad.tags('acme/web')


def test_for_registry_reads_the_config_file(fake_registry, tmp_path, monkeypatch):
    FakeRegistry.mode = 'basic'
    config = tmp_path / 'config.json'
    config.write_text(json.dumps({'auths': {'http://%s/v2/' % fake_registry: {'auth': encode_auth('fleet', 'pw')}}}))
    monkeypatch.setenv('DOCKER_CONFIG', str(tmp_path))
    assert RegistryClient.for_registry(fake_registry).tags('acme/web') == ['1.0', 'stable']


def test_unreachable_registry_is_one_sentence():
    with pytest.raises(RegistryError, match='Cannot reach registry'):
        RegistryClient('127.0.0.1:1', timeout=2).catalog()


def test_pure_helpers():
    assert parse_challenge('Bearer realm="https://a/token",service="reg",scope="repository:x:pull"') == (
        'bearer', {'realm': 'https://a/token', 'service': 'reg', 'scope': 'repository:x:pull'})
    assert parse_challenge('Basic realm="x"')[0] == 'basic'
    assert parse_challenge(None) == (None, {})
    assert parse_link_next('</v2/_catalog?n=2&last=b>; rel="next"') == '/v2/_catalog?n=2&last=b'
    assert parse_link_next('') is None
    entries = [{'digest': 'a', 'platform': {'os': 'linux', 'architecture': 'amd64'}},
               {'digest': 'b', 'platform': {'os': 'linux', 'architecture': 'arm', 'variant': 'v7'}}]
    assert pick_platform(entries, None) == 'a'
    assert pick_platform(entries, 'linux/arm/v7') == 'b'
    assert pick_platform(entries, 'windows/amd64') is None


@pytest.mark.parametrize('given, host, key', [
    (None, 'docker.io', HUB_INDEX_KEY),
    ('https://index.docker.io/v1/', 'docker.io', HUB_INDEX_KEY),
    ('127.0.0.1:5001', '127.0.0.1:5001', '127.0.0.1:5001'),
    ('http://127.0.0.1:5001/v2/', '127.0.0.1:5001', '127.0.0.1:5001'),
    ('Registry.Example.com', 'registry.example.com', 'registry.example.com'),
])
def test_registry_names(given, host, key):
    assert normalize_registry(given) == host
    assert config_key(given) == key


def test_config_round_trip_is_0600(tmp_path):
    path = str(tmp_path / 'sub' / 'config.json')
    assert read_config(path) == {}
    write_config(path, {'auths': {'r:1': {'auth': encode_auth('u', 'p:w')}}, 'other': 1})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    config = read_config(path)
    assert config['other'] == 1
    assert stored_credentials(config, 'http://r:1') == ('r:1', 'u', 'p:w')
    assert matching_keys(config['auths'], 'r:1') == ['r:1']
    assert auth_config_for('r:1', path) == dict(username='u', password='p:w', serveraddress='r:1')
    assert auth_config_for('elsewhere:5', path) is None


def test_broken_config_is_a_clear_error(tmp_path):
    path = tmp_path / 'config.json'
    path.write_text('{not json')
    with pytest.raises(FleetDockerError, match='not valid JSON'):
        read_config(str(path))


def test_decode_auth_variants():
    assert decode_auth({'auth': base64.b64encode(b'a:b').decode()}) == ('a', 'b')
    assert decode_auth({'auth': '!!!'}) == (None, None)
    assert decode_auth({'username': 'x', 'password': 'y'}) == ('x', 'y')
    assert decode_auth('nope') == (None, None)


def test_default_config_path(monkeypatch):
    assert default_config_path({'DOCKER_CONFIG': '/d'}) == '/d/config.json'
    monkeypatch.setenv('HOME', '/home/someone')
    assert default_config_path({}) == '/home/someone/.docker/config.json'
