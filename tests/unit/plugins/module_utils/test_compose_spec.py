"""compose service -> container spec (issue #25): long syntax straight into the canonical spec, built once."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p
from ansible_collections.fleet.docker.plugins.module_utils.compose import spec as s
from ansible_collections.fleet.docker.plugins.module_utils.containers import options


def project(**web):
    service = {'image': 'web:1.0', 'networks': {'default': None}}
    service.update(web)
    return {'name': 'shop', 'services': {'web': service}, 'x-fleet-files': ['/srv/shop/compose.yaml'],
            'networks': {'default': {'name': 'shop_default'}}, 'volumes': {'data': {'name': 'shop_data'}},
            'secrets': {'pw': {'file': '/srv/pw.txt'}}, 'configs': {'conf': {'file': '/srv/./app.conf'}}}


def test_long_syntax_goes_straight_into_the_canonical_spec():
    proj = project(
        environment={'A': '1', 'UNSET': None}, restart='on-failure:3', stop_grace_period='1m30s',
        ports=[{'target': 80, 'published': '8080', 'host_ip': '127.0.0.1', 'protocol': 'tcp'},
               {'target': 53, 'protocol': 'udp'}, {'target': 81, 'published': '9000-9010'},
               {'target': 82, 'published': '9020', 'host_ip': '::1'}],
        volumes=[{'type': 'volume', 'source': 'data', 'target': '/data/', 'volume': {'nocopy': True}},
                 {'type': 'bind', 'source': '/srv/x', 'target': '/x', 'read_only': True,
                  'bind': {'selinux': 'Z', 'propagation': 'rshared'}},
                 {'type': 'volume', 'target': '/anon'},
                 {'type': 'tmpfs', 'target': '/t', 'tmpfs': {'size': '65536', 'mode': 0o1777}}],
        tmpfs=['/run:size=64m'], devices=[{'source': '/dev/null', 'target': '/dev/n', 'permissions': 'rw'}],
        secrets=[{'source': 'pw'}], configs=[{'source': 'conf'}])
    params, spec = s.container_spec(proj, 'web', 1, 'sha256:img')
    assert spec['name'] == params['name'] == 'shop-web-1'
    assert spec['ports'] == {'80/tcp': [['127.0.0.1', '8080']], '53/udp': [['', '']], '81/tcp': [['', '9000-9010']],
                             '82/tcp': [['::1', '9020']]}
    bind = dict(type='bind', read_only=True)
    assert spec['volumes'] == dict(anonymous=['/anon'], binds=[
        dict(bind, source='/srv/app.conf', target='/conf', flags=[]),
        dict(type='volume', source='shop_data', target='/data', read_only=False, flags=['nocopy']),
        dict(bind, source='/srv/pw.txt', target='/run/secrets/pw', flags=[]),
        dict(bind, source='/srv/x', target='/x', flags=['Z', 'rshared'])])
    assert spec['tmpfs'] == {'/t': 'mode=1777,size=65536', '/run': 'size=64m'}
    assert spec['devices'] == [dict(PathOnHost='/dev/null', PathInContainer='/dev/n', CgroupPermissions='rw')]
    assert spec['env'] == {'A': '1'}
    assert spec['restart_policy'] == dict(Name='on-failure', MaximumRetryCount=3)
    assert params['stop_timeout'] == 90 and params['comparisons'] == {'*': 'ignore'}
    assert [(e['name'], e['aliases']) for e in spec['networks']] == [('shop_default', ['shop-web-1', 'web'])]
    assert spec['labels'][n.PROJECT] == 'shop' and spec['labels'][n.NUMBER] == '1'
    assert spec['labels'][n.IMAGE] == 'sha256:img'
    # The same canonical form the container module's own parser gives the docker run strings.
    strings = dict(params, ports=['127.0.0.1:8080:80/tcp', '53/udp', '9000-9010:81', '[::1]:9020:82'],
                   volumes=['shop_data:/data:nocopy', '/srv/x:/x:ro,Z,rshared', '/anon', '/srv/pw.txt:/run/secrets/pw:ro',
                            '/srv/app.conf:/conf:ro'],
                   tmpfs=['/t:size=65536,mode=1777', '/run:size=64m'], devices=['/dev/null:/dev/n:rw'])
    assert options.build_spec(strings) == spec


def test_the_spec_is_built_once_for_converge(monkeypatch):
    calls = []
    real = options.OPTIONS[0].parse

    def counting(params):
        calls.append(params.get('name'))
        return real(params)
    fields = dict(options.OPTIONS[0].__dict__)
    fields['parse'] = counting
    monkeypatch.setattr(options, 'OPTIONS', (options.Option(**fields),) + options.OPTIONS[1:])
    s.container_spec(project(command=['run']), 'web', 1)
    assert calls == ['shop-web-1']


@pytest.mark.parametrize('web, words', [
    (dict(ports=[{'target': 70000}]), ('service web: ports[0]', 'container port 70000 is out of range')),
    (dict(ports=[{'target': 80, 'protocol': 'icmp'}]), ('ports[0]', 'tcp, udp or sctp')),
    (dict(ports=[{'target': 80, 'host_ip': 'localhost'}]), ('ports[0]', "'localhost' is not an IPv4 address")),
    (dict(ports=[{'target': 80, 'published': '0'}]), ('ports[0]', 'host port 0 is out of range')),
    (dict(volumes=[{'type': 'volume', 'target': 'data'}]), ('volumes[0].target', 'must be absolute')),
    (dict(volumes=[{'type': 'bind', 'source': '/a', 'target': '/x'}, {'type': 'volume', 'target': '/x'}]),
     ('volumes', '/x is mounted twice')),
    (dict(volumes=[{'type': 'volume', 'source': 'data', 'target': '/d', 'volume': {'subpath': 'a'}}]),
     ('volumes[0].volume.subpath',)),
    (dict(volumes=[{'type': 'npipe', 'source': 'p', 'target': '/p'}]), ('volumes[0].type',)),
    (dict(tmpfs=['/run:size=lots']), ('service web: tmpfs', 'size')),
    (dict(devices=[{'source': 'null', 'target': '/dev/n'}]), ('devices[0]',)),
    (dict(secrets=[{'source': 'pw', 'uid': '1'}]), ('secrets[0].uid',)),
    (dict(user='a b'), ('service web', 'Invalid user')),
    (dict(image=None), ('service web: image', 'no image')),
])
def test_bad_values_name_file_service_and_key(web, words):
    with pytest.raises(p.ComposePlanError) as info:
        s.container_spec(project(**web), 'web', 1)
    assert info.value.msg.startswith('/srv/shop/compose.yaml: ')
    for word in words:
        assert word in info.value.msg


def test_network_mode_links_and_volumes_from_name_the_other_containers():
    proj = project(network_mode='service:db', volumes_from=['db:ro', 'container:other'])
    proj['services']['web'].pop('networks')
    proj['services']['db'] = {'image': 'db:1', 'container_name': 'the-db'}
    params, spec = s.container_spec(proj, 'web', 2)
    assert params['network_mode'] == 'container:the-db'
    assert params['volumes_from'] == ['the-db:ro', 'other']
    assert spec['name'] == 'shop-web-2'
