"""containers/body.py without an engine: the create body, the networks joined after create, the docker
update body and the endpoint steps, from canonical specs and inspect dicts as dockerd 20.10 returns them.
Also the two places ops.py shapes an SDK call itself: network links and engine_request."""

from __future__ import annotations

import copy
import json

import pytest
import requests

from ansible_collections.fleet.docker.plugins.module_utils.containers import ops
from ansible_collections.fleet.docker.plugins.module_utils.containers.body import (
    create_config, endpoint_config, endpoint_steps, post_create_endpoints, update_body)
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import (
    CONTAINER_OPTIONS, RECONNECT, build_spec, compare)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, NotFound, engine_request
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import REPLACEMENT_LABEL

IMAGE_REF = '127.0.0.1:5000/demo/web:1.0'
CONTAINER_ID = 'ced3fae110cacaa039c5cf646b71db8b2a5a4b75cb5899a206137cd3e6ffd495'

# `docker inspect` (trimmed) of a container made with memory 64m, GEN=1, label a=b, 127.0.0.1:18080:80.
INSPECT = {
    'Id': CONTAINER_ID, 'Name': '/web', 'Created': '2026-12-06T05:21:41.001587621Z',
    'Image': 'sha256:8c6090ccb223ca44bb6e603088101201c67fa1e0c75418e9246d6700ec6e3773',
    'State': {'Status': 'running', 'Running': True, 'ExitCode': 0},
    'Mounts': [],
    'Config': {'Hostname': 'ced3fae110ca', 'Env': ['GEN=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
                                                   'WEB_ROOT=/usr/share/nginx/html'],
               'Cmd': ['/bin/httpd', '-f', '-p', '80', '-h', '/usr/share/nginx/html'], 'Image': IMAGE_REF,
               'Labels': {'a': 'b', 'org.fleet.demo': 'web'}, 'ExposedPorts': {'80/tcp': {}}, 'Volumes': None},
    'HostConfig': {'NetworkMode': 'default', 'Memory': 67108864, 'MemorySwap': 134217728, 'NanoCpus': 0,
                   'PidsLimit': None, 'RestartPolicy': {'Name': 'on-failure', 'MaximumRetryCount': 3},
                   'PortBindings': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '18080'}]}},
    'NetworkSettings': {'Ports': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '18080'}]}, 'Networks': {
        'front': {'IPAMConfig': None, 'Links': None, 'Aliases': ['ced3fae110ca', 'web', 'www'], 'NetworkID': 'n1'},
        'old': {'IPAMConfig': None, 'Links': None, 'Aliases': ['ced3fae110ca'], 'NetworkID': 'n2'},
        'back': {'IPAMConfig': {'IPv4Address': '10.9.0.5'}, 'Links': ['/db:/web/database'],
                 'Aliases': ['ced3fae110ca'], 'NetworkID': 'n3'}}},
}


def _params(**kw):
    params = dict((k, v.get('default')) for k, v in CONTAINER_OPTIONS.items())
    params.update(name='web', image=IMAGE_REF)
    params.update(kw)
    return params


def _body(**kw):
    params = _params(**kw)
    return create_config(build_spec(params), params)


# ------------------------------------------------------------------------------ create body

def test_create_body_holds_exactly_what_the_task_set():
    body = _body(env={'GEN': 1, 'A': 'x'}, labels={'a': 'b'}, ports=['127.0.0.1:18080:80'], memory='64m',
                 restart_policy='on-failure', restart_retries=3, stop_timeout=5)
    host = body.pop('HostConfig')
    assert body == {'Image': IMAGE_REF, 'Env': ['A=x', 'GEN=1'], 'Labels': {'a': 'b'},
                    'ExposedPorts': {'80/tcp': {}}, 'StopTimeout': 5}
    assert host == {'PortBindings': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '18080'}]},
                    'Memory': 64 * 1024 * 1024, 'RestartPolicy': {'Name': 'on-failure', 'MaximumRetryCount': 3}}


def test_the_create_body_carries_no_label_of_ours():
    """#25: a recreate sends the same body as a create, so the container has the task's labels only."""
    body = _body(labels={'a': 'b'})
    assert body['Labels'] == {'a': 'b'} and REPLACEMENT_LABEL not in json.dumps(body)
    assert 'Labels' not in _body()


def test_recreate_keeps_the_containers_image_and_carries_anonymous_volumes():
    params = _params(image=None, volumes=['/data', 'named:/srv:ro'])
    spec = build_spec(params)
    body = create_config(spec, params, image='sha256:' + 'c' * 64, inherited_volumes=[('f' * 64, '/data')])
    assert body['Image'] == 'sha256:' + 'c' * 64
    assert body['Volumes'] == {'/data': {}}
    assert body['HostConfig']['Binds'] == ['named:/srv:ro', '%s:/data' % ('f' * 64)]


def test_first_network_is_joined_at_create_and_the_rest_after():
    params = _params(networks=[dict(name='front', aliases=['www']), 'back',
                               dict(name='admin', ipv4_address='10.9.1.4', links=['db:database'])])
    spec = build_spec(params)
    body = create_config(spec, params)
    assert body['HostConfig']['NetworkMode'] == 'front'
    assert body['NetworkingConfig'] == {'EndpointsConfig': {'front': {'Aliases': ['www']}}}
    assert post_create_endpoints(spec, body) == [
        ('back', {}), ('admin', {'Links': ['db:database'], 'IPAMConfig': {'IPv4Address': '10.9.1.4'}})]


def test_network_mode_wins_over_networks_and_a_resolved_container_mode_is_sent():
    params = _params(network_mode='host')
    assert create_config(build_spec(params), params)['HostConfig']['NetworkMode'] == 'host'
    params = _params(network_mode='container:db')
    spec = build_spec(params)
    body = create_config(spec, params, network_mode='container:' + 'd' * 64)
    assert body['HostConfig']['NetworkMode'] == 'container:' + 'd' * 64
    assert 'NetworkingConfig' not in body and post_create_endpoints(spec, body) == []


def test_endpoint_config_leaves_out_what_the_entry_does_not_set():
    assert endpoint_config(dict(name='n', aliases=[], links=[], ipv4_address=None, ipv6_address=None)) == {}
    assert endpoint_config(dict(name='n', aliases=['a'], links=['db:d'], ipv4_address='10.0.0.2',
                                ipv6_address='fd00::2')) == {
        'Aliases': ['a'], 'Links': ['db:d'], 'IPAMConfig': {'IPv4Address': '10.0.0.2', 'IPv6Address': 'fd00::2'}}


# ------------------------------------------------------------------------------ update body

def _diffs(**kw):
    return compare(build_spec(_params(**kw)), INSPECT, desired_image_id=INSPECT['Image'])


def test_memory_drift_is_one_update_and_the_unset_swap_follows_it():
    diffs = _diffs(memory='128m')
    assert [d['option'] for d in diffs] == ['memory']
    # The engine stored swap = 2 x memory (the task set none), so the new memory gets twice as much.
    assert update_body(diffs, INSPECT) == {'Memory': 128 * 1024 * 1024, 'MemorySwap': 256 * 1024 * 1024}
    # Without the container's state, or with a swap the user chose, memory goes alone.
    assert update_body(diffs) == {'Memory': 128 * 1024 * 1024}
    custom = copy.deepcopy(INSPECT)
    custom['HostConfig']['MemorySwap'] = 100 * 1024 * 1024
    assert update_body(diffs, custom) == {'Memory': 128 * 1024 * 1024}


def test_a_task_set_swap_is_sent_as_set():
    assert update_body(_diffs(memory='128m', memory_swap='512m'), INSPECT) == {
        'Memory': 128 * 1024 * 1024, 'MemorySwap': 512 * 1024 * 1024}


def test_update_body_uses_the_engines_field_names():
    body = update_body(_diffs(cpus=1.5, pids_limit=100, restart_policy='always'), INSPECT)
    assert body == {'NanoCpus': 1500000000, 'PidsLimit': 100, 'RestartPolicy': {'Name': 'always',
                                                                                'MaximumRetryCount': 0}}
    # An unlimited pids_limit is -1 to docker update (0 would mean "leave as it is").
    limited = copy.deepcopy(INSPECT)
    limited['HostConfig']['PidsLimit'] = 100
    assert update_body(compare(build_spec(_params(pids_limit=0)), limited, desired_image_id=INSPECT['Image'])) == {
        'PidsLimit': -1}


def test_recreate_drift_writes_no_update():
    diffs = _diffs(env={'GEN': '2'})
    assert [d['how'] for d in diffs] == ['recreate']
    assert update_body(diffs, INSPECT) == {}


# ------------------------------------------------------------------------------ endpoints

def test_endpoint_steps_touch_only_the_endpoints_that_differ():
    diffs = _diffs(networks=[dict(name='front', aliases=['www']), dict(name='back', ipv4_address='10.9.0.6'), 'new'])
    entry = [d for d in diffs if d['option'] == 'networks'][0]
    assert entry['how'] == RECONNECT
    assert endpoint_steps(INSPECT, entry['engine']) == [
        ('disconnect', 'old', None),
        # back: the address changed; its link (db as database) is kept from the container.
        ('disconnect', 'back', None),
        ('connect', 'back', {'Links': ['db:database'], 'IPAMConfig': {'IPv4Address': '10.9.0.6'}}),
        ('connect', 'new', {}),
    ]


def test_endpoint_steps_are_empty_when_the_endpoints_match():
    wanted = [dict(name='back', aliases=[], links=['db:database'], ipv4_address='10.9.0.5', ipv6_address=None),
              dict(name='front', aliases=['www'], links=[], ipv4_address=None, ipv6_address=None),
              dict(name='old', aliases=[], links=[], ipv4_address=None, ipv6_address=None)]
    assert endpoint_steps(INSPECT, wanted) == []


# ------------------------------------------------------------------------------ the SDK calls ops.py shapes

class _Recorder:
    def __init__(self):
        self.calls = []

    def connect_container_to_network(self, container, net_id, **kw):
        self.calls.append((container, net_id, kw))


def test_connect_sends_links_as_the_pairs_the_sdk_takes():
    client = _Recorder()
    ops.connect_network(client, CONTAINER_ID, 'back', {'Links': ['db:database', 'cache'], 'Aliases': ['w'],
                                                       'IPAMConfig': {'IPv4Address': '10.9.0.6'}})
    assert client.calls == [(CONTAINER_ID, 'back', dict(aliases=['w'], links=[('db', 'database'), ('cache', None)],
                                                        ipv4_address='10.9.0.6', ipv6_address=None))]
    # The SDK's own normalisation turns the pairs back into the engine's strings.
    from docker.utils.utils import normalize_links
    assert normalize_links(client.calls[0][2]['links']) == ['cache', 'db:database']


class _Session:
    """Stands in for docker.APIClient's requests session: records the request, answers ``status``."""

    base_url = 'http+docker://localhost'
    api_version = '1.41'
    timeout = 60

    def __init__(self, status, payload=b'{"Warnings": []}'):
        self.status, self.payload, self.sent = status, payload, None

    def request(self, method, url, **kw):
        self.sent = (method, url, kw)
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.payload, url
        return response


def test_update_goes_through_the_one_documented_request_helper():
    client = _Session(200)
    assert ops.update_container(client, CONTAINER_ID, {'NanoCpus': 10 ** 9}) == {'Warnings': []}
    method, url, kw = client.sent
    assert (method, url) == ('POST', 'http+docker://localhost/v1.41/containers/%s/update' % CONTAINER_ID)
    assert json.loads(kw['data']) == {'NanoCpus': 10 ** 9} and kw['timeout'] == 60


def test_engine_request_raises_the_sdks_errors_unless_asked_not_to():
    with pytest.raises(NotFound):
        ops.update_container(_Session(404, b'{"message": "No such container: x"}'), 'x', {})
    with pytest.raises(APIError):
        engine_request(_Session(500, b'{"message": "boom"}'), 'POST', '/containers/{0}/update', 'x', body={})
    client = _Session(404, b'')
    assert ops.stat_path_response(client, 'abc', '/etc/no such').status_code == 404
    method, url, kw = client.sent
    assert (method, url, kw['params']) == ('HEAD', 'http+docker://localhost/v1.41/containers/abc/archive',
                                           {'path': '/etc/no such'})
