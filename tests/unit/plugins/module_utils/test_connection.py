import pytest
import requests
import docker.errors

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    FleetDockerError, client_kwargs, describe_error)


def test_defaults_map_to_unix_socket_auto_version():
    kw = client_kwargs({'docker_host': 'unix:///var/run/docker.sock', 'api_version': 'auto', 'timeout': 60})
    assert kw == {'base_url': 'unix:///var/run/docker.sock', 'version': 'auto', 'timeout': 60, 'max_pool_size': 32}


def test_tls_turns_tcp_into_https(tmp_path):
    kw = client_kwargs({'docker_host': 'tcp://127.0.0.1:2376', 'tls': True, 'api_version': 'auto', 'timeout': 5})
    assert kw['base_url'] == 'https://127.0.0.1:2376'
    assert kw['tls'].verify is False


def test_validate_certs_needs_ca(monkeypatch):
    monkeypatch.delenv('DOCKER_CERT_PATH', raising=False)
    with pytest.raises(FleetDockerError, match='ca_path'):
        client_kwargs({'docker_host': 'tcp://h:2376', 'validate_certs': True})


def test_missing_cert_file_is_named():
    with pytest.raises(FleetDockerError, match='no such file'):
        client_kwargs({'docker_host': 'tcp://h:2376', 'tls': True, 'client_cert': '/nope/c.pem',
                       'client_key': '/nope/k.pem'})


def test_cert_without_key_is_refused(tmp_path):
    cert = tmp_path / 'c.pem'
    cert.write_text('x')
    with pytest.raises(FleetDockerError, match='together'):
        client_kwargs({'docker_host': 'tcp://h:2376', 'tls': True, 'client_cert': str(cert)})


def _api_error(status, text):
    response = requests.Response()
    response.status_code = status
    return docker.errors.APIError(text, response=response, explanation=text)


@pytest.mark.parametrize('exc,expected', [
    (_api_error(404, 'No such container: x'), 'Not found (Docker daemon at unix:///x.sock): No such container: x'),
    (_api_error(409, 'name already in use'), 'Conflict (Docker daemon at unix:///x.sock): name already in use'),
    (_api_error(400, 'client version 1.99 is too new. Maximum supported API version is 1.41'), 'API version'),
    (requests.exceptions.ConnectionError('refused'), 'Cannot connect to the Docker daemon at unix:///x.sock'),
    (PermissionError(13, 'Permission denied'), 'Permission denied on the Docker socket'),
    (docker.errors.DockerException('Error while fetching server API version: boom'), 'Cannot connect'),
    (FleetDockerError('plain words'), 'plain words'),
    # A 403 is the engine's "forbidden", mostly not about access; credentials only when it says so.
    (_api_error(403, 'Pool overlaps with other one on this address space'),
     'Refused by the Docker daemon at unix:///x.sock (HTTP 403): Pool overlaps'),
    (_api_error(403, 'denied: requested access to the resource is denied'), 'Access denied by the registry'),
    (_api_error(401, 'unauthorized: authentication required'), 'Access denied by the registry'),
])
def test_errors_become_one_sentence(exc, expected):
    message = describe_error(exc, 'unix:///x.sock')
    assert expected in message
    assert 'Traceback' not in message
