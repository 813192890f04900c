"""Containers as inventory hosts: engine entries, host variables, groups, connection variables (no engine)."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.hosts.inventory import (
    connection_vars, default_groups, engine_entries, engine_label, host_vars, image_repository, safe_group)

ENTRY = {
    'Id': 'c0ffee' * 10 + 'abcd', 'Names': ['/shop-web-1'], 'Image': 'registry:5000/acme/web:1.2@sha256:' + 'a' * 64,
    'ImageID': 'sha256:' + 'b' * 64, 'Command': 'httpd', 'Created': 1, 'State': 'exited', 'Status': 'Exited (0)',
    'Labels': {'com.docker.compose.project': 'my.shop', 'com.docker.compose.service': 'web-front',
               'com.docker.stack.namespace': 'prod', 'com.docker.swarm.service.name': 'prod_web'},
    'Ports': [{'PrivatePort': 22, 'PublicPort': 2222, 'Type': 'tcp', 'IP': '0.0.0.0'}],
    'NetworkSettings': {'Networks': {'shop_default': {'IPAddress': '172.20.0.5', 'Aliases': ['web'],
                                                      'GlobalIPv6Address': 'fd00::5'}}},
}


def test_safe_group_replaces_what_ansible_refuses():
    assert safe_group('compose', 'my.shop', 'web-front') == 'compose_my_shop_web_front'
    assert safe_group('evil', "{{ lookup('pipe', 'id') }}") == 'evil____lookup__pipe____id_____'


@pytest.mark.parametrize('address, label', [
    ('unix:///var/run/docker.sock', 'local'), ('tcp://10.0.0.5:2376', '10.0.0.5'),
    ('ssh://root@lab1.example', 'lab1.example'), ('unix:///srv/x/docker.sock', 'srv/x/docker.sock')])
def test_engine_label(address, label):
    assert engine_label(address) == label


def test_engine_entries_strings_and_dicts_with_overrides():
    engines = engine_entries(['unix:///var/run/docker.sock', {'docker_host': 'tcp://h:2376', 'validate_certs': True,
                                                              'name': 'h2'}], dict(tls=False, timeout=60))
    assert [e['name'] for e in engines] == ['local', 'h2']
    assert engines[1]['validate_certs'] is True and engines[1]['timeout'] == 60


@pytest.mark.parametrize('items, words', [
    ([{'docker_host': 'unix:///x', 'tsl': True}], 'entry 1: unknown option tsl'),
    (['unix:///a', 'nowhere'], "entry 2: 'nowhere' is not an engine address"),
    ([42], 'entry 1: expected an address'),
    (['tcp://h:1', 'tcp://h:2'], 'a second engine named h'),
    ([{'name': 'x'}], 'docker_host must be a non-empty address'),
])
def test_engine_entries_refuse_clearly(items, words):
    with pytest.raises(FleetDockerError) as err:
        engine_entries(items, {})
    assert words in err.value.msg


def test_host_vars_and_default_groups():
    engine = dict(name='e1', docker_host='tcp://engine1:2376')
    facts = host_vars(ENTRY, engine)
    assert facts['container_name'] == 'shop-web-1' and facts['container_state'] == 'exited'
    assert facts['container_addresses'] == ['172.20.0.5', 'fd00::5']
    assert facts['container_networks']['shop_default']['aliases'] == ['web']
    assert sorted(default_groups(facts)) == sorted([
        'stopped', 'engine_e1', 'compose_my_shop', 'compose_my_shop_web_front', 'stack_prod',
        'swarm_service_prod_web', 'image_registry_5000_acme_web'])


@pytest.mark.parametrize('image, repo', [('busybox', 'busybox'), ('busybox:1', 'busybox'),
                                         ('reg:5000/a/b:1', 'reg:5000/a/b'), ('reg:5000/a/b', 'reg:5000/a/b'),
                                         ('a/b@sha256:' + 'c' * 64, 'a/b')])
def test_image_repository(image, repo):
    assert image_repository(image) == repo


def test_connection_vars_api_carries_the_engine_options_that_differ():
    engine = dict(name='e1', docker_host='tcp://engine1:2376', validate_certs=True, ca_path='/ca.pem', tls=False,
                  timeout=60, api_version='auto')
    out = connection_vars(host_vars(ENTRY, engine), engine, 'api')
    assert out == dict(ansible_connection='fleet.docker.api', ansible_host='shop-web-1',
                       fleet_docker_host='tcp://engine1:2376', fleet_docker_validate_certs=True,
                       fleet_docker_ca_path='/ca.pem')


def test_connection_vars_ssh_published_port_goes_to_the_engine_host():
    engine = dict(name='e1', docker_host='ssh://root@engine1')
    out = connection_vars(host_vars(ENTRY, engine), engine, 'ssh')
    assert out == dict(ansible_connection='ssh', ansible_host='engine1', ansible_port=2222)


def test_connection_vars_ssh_without_published_port_uses_the_container_address():
    entry = dict(ENTRY, Ports=[])
    engine = dict(name='local', docker_host='unix:///var/run/docker.sock')
    out = connection_vars(host_vars(entry, engine), engine, 'ssh', ssh_port=2022)
    assert out == dict(ansible_connection='ssh', ansible_host='172.20.0.5', ansible_port=2022)


def test_connection_vars_docker_cli_passes_the_engine_flags():
    engine = dict(name='e1', docker_host='tcp://engine1:2376', validate_certs=True, ca_path='/ca.pem')
    out = connection_vars(host_vars(ENTRY, engine), engine, 'docker-cli')
    assert out['ansible_connection'] == 'community.docker.docker'
    assert out['ansible_docker_extra_args'] == '-H tcp://engine1:2376 --tlsverify --tlscacert /ca.pem'
