"""compose/render.py (issue #25): one service or resource in the typed form `docker compose config` prints."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.compose import model as M
from ansible_collections.fleet.docker.plugins.module_utils.compose.render import render_resource, render_service


def test_service_prints_command_always_and_drops_empty_values():
    out = render_service({'image': 'web', 'hostname': '', 'privileged': False, 'tty': 'true', 'cpus': '0',
                          'labels': {}, 'cap_add': []})
    assert out == {'command': None, 'entrypoint': None, 'image': 'web', 'tty': True}


def test_service_typed_values():
    out = render_service({
        'image': 'web', 'command': 'sh -c "echo hi"', 'mem_limit': '1g', 'stop_grace_period': '90s',
        'extra_hosts': {'db': ['10.0.0.2', '10.0.0.3']}, 'depends_on': {'db': {}},
        'healthcheck': {'test': 'curl -f localhost', 'interval': '1m30s', 'retries': '3'},
        'logging': {'driver': 'json-file', 'options': {'max-file': 3}},
        'secrets': [{'source': 'pw', 'mode': '0440'}],
        'deploy': {'replicas': '2', 'resources': {'limits': {'memory': '512m', 'cpus': '0.5'}}}})
    assert out['command'] == ['sh', '-c', 'echo hi']
    assert out['mem_limit'] == str(1024 ** 3)
    assert out['extra_hosts'] == ['db=10.0.0.2', 'db=10.0.0.3']
    assert out['depends_on'] == {'db': {'condition': 'service_started', 'required': True}}
    assert out['healthcheck'] == {'test': ['CMD-SHELL', 'curl -f localhost'], 'interval': '1m30s', 'retries': 3}
    assert out['logging'] == {'driver': 'json-file', 'options': {'max-file': '3'}}
    assert out['secrets'] == [{'source': 'pw', 'mode': '0440'}]
    assert out['deploy'] == {'replicas': 2, 'resources': {'limits': {'memory': str(512 * 1024 ** 2), 'cpus': 0.5}},
                             'placement': {}}


def test_extra_hosts_list_forms():
    assert render_service({'image': 'x', 'extra_hosts': ['a:1.2.3.4', 'b=::1']})['extra_hosts'] == \
        ['a=1.2.3.4', 'b=::1']


@pytest.mark.parametrize('service, key', [
    ({'extra_hosts': ['nohost']}, 'extra_hosts[0]'),
    ({'healthcheck': {'test': ['ECHO', 'x']}}, 'healthcheck.test'),
    ({'depends_on': {'db': {'condition': 'service_ready'}}}, 'depends_on.db.condition'),
    ({'networks': ['front']}, 'networks'),
    ({'secrets': [{'source': 'pw', 'uid': 0}]}, 'secrets[0].uid'),
    ({'healthcheck': {'colour': 'x'}}, 'healthcheck'),
])
def test_bad_values_raise_with_the_key(service, key):
    with pytest.raises(M.ModelError) as info:
        render_service(dict(service, image='x'))
    assert info.value.key.startswith(key)


def test_resources():
    net = render_resource('networks', 'front', {'name': 'shop_front', 'driver_opts': {'mtu': 1400},
                                                'ipam': {'config': [{'subnet': '10.5.0.0/24'}]}, 'internal': 'true'})
    assert net == {'name': 'shop_front', 'driver_opts': {'mtu': '1400'}, 'internal': True,
                   'ipam': {'config': [{'subnet': '10.5.0.0/24'}]}}
    ext = render_resource('volumes', 'data', {'name': 'data', 'external': True, 'labels': ['a=b']})
    assert ext == {'name': 'data', 'external': True, 'labels': {'a': 'b'}}
    assert render_resource('networks', 'n', {'name': 'n'})['ipam'] == {}  # config prints one for every network
