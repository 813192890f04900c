import copy

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.containers.options import (
    CONTAINER_OPTIONS, RECONNECT, RECREATE, UPDATE, build_spec, compare as compare_container, diff_output,
    needs_recreate)
from ansible_collections.fleet.docker.plugins.module_utils.containers.body import create_config

IMAGE_ID = 'sha256:' + 'a' * 64
OTHER_ID = 'sha256:' + 'b' * 64
IMAGE = {'Id': IMAGE_ID, 'Config': {
    'Env': ['PATH=/usr/bin:/bin', 'WEB_ROOT=/usr/share/nginx/html'],
    'Labels': {'org.fleet.demo': 'web'}, 'Cmd': ['/bin/httpd', '-f'], 'ExposedPorts': {'80/tcp': {}},
    'Volumes': None}}


def _params(**kw):
    params = dict((k, v.get('default')) for k, v in CONTAINER_OPTIONS.items())
    params.update(name='web', image='demo/web:1.0')
    params.update(kw)
    return params


def _created(**kw):
    """What the engine's inspect looks like after creating from our own create_config."""
    params = _params(**kw)
    spec = build_spec(params)
    config = create_config(spec, params)
    host = config.pop('HostConfig')
    config.pop('NetworkingConfig', None)
    env = dict(e.split('=', 1) for e in IMAGE['Config']['Env'])
    env.update(dict(e.split('=', 1) for e in config.get('Env', [])))
    labels = dict(IMAGE['Config']['Labels'])
    labels.update(config.get('Labels') or {})
    merged = dict(Hostname='abc123', User='', WorkingDir='', Tty=False, OpenStdin=False)
    merged.update(config)
    merged.update(Env=['%s=%s' % i for i in env.items()], Labels=labels,
                  Cmd=config.get('Cmd', IMAGE['Config']['Cmd']))
    host.setdefault('NetworkMode', 'default')
    host.setdefault('RestartPolicy', {'Name': '', 'MaximumRetryCount': 0})
    host.setdefault('PortBindings', {})
    host.setdefault('Binds', None)
    networks = {host['NetworkMode'] if host['NetworkMode'] != 'default' else 'bridge': {}}
    for entry in spec.get('networks') or []:
        networks[entry['name']] = {}
    return dict(Id='c' * 64, Image=IMAGE_ID, Config=merged, HostConfig=host,
                NetworkSettings={'Networks': networks})


def _strip(diffs):
    # The engine-form value is checked by the table tests; these compare what users see.
    return [dict((k, v) for k, v in d.items() if k != 'engine') for d in diffs]


def _compare(container, **kw):
    return _strip(compare_container(build_spec(_params(**kw)), container, IMAGE, IMAGE_ID))


ROUND_TRIPS = [
    {},
    dict(ports=['8080:80']),
    dict(ports=['127.0.0.1:8080:80', '53:53/udp', '[::1]:9000:90']),
    dict(ports=['0.0.0.0:8080:80']),
    dict(volumes=['/srv/html:/usr/share/nginx/html', 'data:/data:ro', '/cache']),
    dict(mounts=[{'type': 'tmpfs', 'target': '/t'}, {'type': 'bind', 'source': '/s', 'target': '/b'}]),
    dict(env={'A': 1, 'B': True}),
    dict(labels={'x': 'y'}),
    dict(command='sleep 100'),
    dict(entrypoint=['/bin/sh', '-c'], command=['echo hi']),
    dict(restart_policy='always'),
    dict(restart_policy='on-failure', restart_retries=3),
    dict(restart_policy='no'),
    dict(networks=['n1', 'n2']),
    dict(network_mode='host'),
    dict(network_mode='default'),
    dict(hostname='web1', user='nobody', working_dir='/srv/'),
    dict(tty=True, interactive=True, auto_remove=False, publish_all=True),
]


@pytest.mark.parametrize('kw', ROUND_TRIPS)
def test_container_created_from_spec_has_no_drift(kw):
    assert _compare(_created(**kw), **kw) == []


def test_image_defaults_are_not_drift():
    container = _created()
    # The user sets one variable and one label; PATH, WEB_ROOT and org.fleet.demo come from the image.
    container = _created(env={'A': '1'}, labels={'l': 'v'})
    assert _compare(container, env={'A': '1'}, labels={'l': 'v'}) == []


def test_options_not_set_are_not_compared():
    container = _created(ports=['8080:80'], env={'A': '1'}, restart_policy='always', command='x')
    assert _compare(container) == []


def test_env_value_change_is_recreate_with_before_after():
    diffs = _compare(_created(env={'A': '1'}), env={'A': '2'})
    assert diffs == [dict(option='env', before={'A': '1'}, after={'A': '2'}, how=RECREATE)]


def test_env_removed_variable_is_drift():
    diffs = _compare(_created(env={'A': '1', 'B': '2'}), env={'A': '1'})
    assert diffs[0]['option'] == 'env' and diffs[0]['before'] == {'A': '1', 'B': '2'}


def test_env_overriding_image_value_is_compared():
    container = _created(env={'WEB_ROOT': '/srv'})
    assert _compare(container, env={'WEB_ROOT': '/srv'}) == []
    assert _compare(container, env={})[0]['before'] == {'WEB_ROOT': '/srv'}


def test_env_set_equal_to_image_value_is_stable():
    assert _compare(_created(env={'PATH': '/usr/bin:/bin'}), env={'PATH': '/usr/bin:/bin'}) == []


def test_number_env_matches_string():
    assert _compare(_created(env={'A': '1'}), env={'A': 1}) == []


def test_port_change_is_recreate():
    diffs = _compare(_created(ports=['8080:80']), ports=['9090:80'])
    assert diffs == [dict(option='ports', before=['8080:80/tcp'], after=['9090:80/tcp'], how=RECREATE)]
    assert needs_recreate(diffs)


def test_removing_ports_is_drift():
    assert _compare(_created(ports=['8080:80']), ports=[])[0]['after'] == []


def test_port_ip_change_is_drift():
    assert _compare(_created(ports=['8080:80']), ports=['127.0.0.1:8080:80'])[0]['option'] == 'ports'


def test_engine_spelled_port_bindings():
    container = _created()
    container['HostConfig']['PortBindings'] = {'80/tcp': [{'HostIp': '0.0.0.0', 'HostPort': '8080'}]}
    assert _compare(container, ports=['0.0.0.0:8080:80']) == []
    # P:80 publishes on :: too; a container bound to 0.0.0.0 only is drift for it.
    assert _compare(container, ports=['8080:80'])[0]['option'] == 'ports'


def test_restart_policy_change_is_update():
    diffs = _compare(_created(restart_policy='always'), restart_policy='unless-stopped')
    assert diffs == [dict(option='restart_policy', before={'name': 'always', 'maximum_retry_count': 0},
                          after={'name': 'unless-stopped', 'maximum_retry_count': 0}, how=UPDATE)]
    assert not needs_recreate(diffs)


def test_restart_retries_change_is_update():
    diffs = _compare(_created(restart_policy='on-failure', restart_retries=1),
                     restart_policy='on-failure', restart_retries=5)
    assert diffs[0]['how'] == UPDATE and diffs[0]['after']['maximum_retry_count'] == 5


def test_empty_policy_name_equals_no():
    assert _compare(_created(), restart_policy='no') == []


def test_image_id_change_is_recreate():
    spec = build_spec(_params())
    diffs = compare_container(spec, _created(), IMAGE, OTHER_ID)
    assert diffs[0]['option'] == 'image' and diffs[0]['before']['id'] == IMAGE_ID
    assert diffs[0]['after']['id'] == OTHER_ID


def test_unknown_image_id_is_drift():
    diffs = compare_container(build_spec(_params()), _created(), IMAGE, None)
    assert diffs[0]['after']['id'] == '(to be pulled)'


def test_image_not_set_is_not_compared():
    spec = build_spec(dict(_params(), image=None))
    assert compare_container(spec, _created(), IMAGE, None) == []


def test_command_change():
    diffs = _compare(_created(command='sleep 1'), command=['sleep', '2'])
    assert diffs[0] == dict(option='command', before=['sleep', '1'], after=['sleep', '2'], how=RECREATE)


def test_command_from_image_is_not_drift_when_given_equal():
    assert _compare(_created(), command=['/bin/httpd', '-f']) == []


def test_volume_mode_change():
    diffs = _compare(_created(volumes=['vol:/data']), volumes=['vol:/data:ro'])
    assert diffs[0]['before'] == ['vol:/data'] and diffs[0]['after'] == ['vol:/data:ro']


def test_volume_rw_spelled_out_is_stable():
    assert _compare(_created(volumes=['vol:/data']), volumes=['vol:/data:rw']) == []


def test_anonymous_volume_from_image_ignored():
    image = copy.deepcopy(IMAGE)
    image['Config']['Volumes'] = {'/var/lib/x': {}}
    container = _created(volumes=['vol:/data'])
    container['Config']['Volumes'] = {'/var/lib/x': {}}
    assert compare_container(build_spec(_params(volumes=['vol:/data'])), container, image, IMAGE_ID) == []


def test_mount_read_only_change():
    kw = dict(mounts=[{'type': 'volume', 'source': 'vol', 'target': '/d'}])
    diffs = _compare(_created(**kw), mounts=[{'type': 'volume', 'source': 'vol', 'target': '/d', 'read_only': True}])
    assert diffs[0]['option'] == 'mounts' and diffs[0]['after'] == ['type=volume,target=/d,source=vol,readonly']


def test_labels_change_and_image_label_override():
    diffs = _compare(_created(labels={'a': '1'}), labels={'a': '2'})
    assert diffs[0]['before'] == {'a': '1'}
    assert _compare(_created(labels={'org.fleet.demo': 'x'}), labels={'org.fleet.demo': 'x'}) == []


def test_networks_drift_is_reconnect():
    diffs = _compare(_created(networks=['n1']), networks=['n1', 'n2'])
    assert diffs == [dict(option='networks', before=['n1'], after=['n1', 'n2'], how=RECONNECT)]
    assert not needs_recreate(diffs)


def test_network_mode_change():
    diffs = _compare(_created(), network_mode='host')
    assert diffs[0] == dict(option='network_mode', before='bridge', after='host', how=RECREATE)


def test_network_mode_container_resolved_id():
    container = _created(network_mode='container:' + 'd' * 64)
    spec = build_spec(_params(network_mode='container:other'))
    assert compare_container(spec, container, IMAGE, IMAGE_ID, network_mode='container:' + 'd' * 64) == []


@pytest.mark.parametrize('option, old, new', [
    ('hostname', 'a', 'b'), ('user', 'root', 'nobody'), ('working_dir', '/a', '/b'),
    ('tty', False, True), ('interactive', False, True), ('auto_remove', False, True),
    ('publish_all', False, True),
])
def test_scalar_options(option, old, new):
    diffs = _compare(_created(**{option: old}), **{option: new})
    assert [(d['option'], d['how']) for d in diffs] == [(option, RECREATE)]


def test_several_differences_and_diff_output():
    diffs = _compare(_created(ports=['8080:80'], restart_policy='always'), ports=['9090:80'],
                     restart_policy='no', env={'A': 'x'})
    assert [d['option'] for d in diffs] == ['ports', 'env', 'restart_policy']
    out = diff_output(diffs)
    assert out['before']['ports'] == ['8080:80/tcp'] and out['after']['ports'] == ['9090:80/tcp']
    assert out['before']['env'] == {} and out['after']['env'] == {'A': 'x'}
    assert out['after']['restart_policy']['name'] == 'no'
