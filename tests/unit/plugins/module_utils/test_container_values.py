import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS, build_spec
from ansible_collections.fleet.docker.plugins.module_utils.containers.body import create_config
from ansible_collections.fleet.docker.plugins.module_utils.containers.values import (
    ContainerSpecError, bind_string, container_mounts, normalize_binds, normalize_port_bindings, parse_restart_policy,
    port_bindings, port_strings, volume_binds, volume_entry)
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import (
    EnvSpecError, VolumeSpecError, parse_command, parse_env, parse_env_file, read_env_file)


def test_port_bindings_groups_and_sorts():
    assert port_bindings(['127.0.0.1:9000:80', '8080:80', '53:53/udp']) == {
        '80/tcp': [['', '8080'], ['127.0.0.1', '9000']], '53/udp': [['', '53']]}


def test_zero_ip_differs_from_empty_ip():
    # P:80 also publishes on IPv6 (::); 0.0.0.0:P:80 does not. They are different settings.
    assert normalize_port_bindings(port_bindings(['0.0.0.0:8080:80'])) != port_bindings(['8080:80'])


def test_normalize_engine_port_bindings():
    engine = {'80/tcp': [{'HostIp': '', 'HostPort': '8080'}], '53/udp': [{'HostIp': '0.0.0.0', 'HostPort': '53'}]}
    assert normalize_port_bindings(engine) == port_bindings(['8080:80', '0.0.0.0:53:53/udp'])


def test_port_strings():
    assert port_strings(port_bindings(['127.0.0.1:1:80', '8080:80', '90', '[::1]:5:5'])) == [
        '127.0.0.1:1:80/tcp', '8080:80/tcp', '90/tcp', '[::1]:5:5/tcp']


@pytest.mark.parametrize('text, expected', [
    ('/srv/html:/usr/share/nginx/html', dict(type='bind', source='/srv/html', target='/usr/share/nginx/html',
                                             read_only=False, flags=[])),
    ('/srv/html/:/data/:ro', dict(type='bind', source='/srv/html', target='/data', read_only=True, flags=[])),
    ('web-data:/data:rw', dict(type='volume', source='web-data', target='/data', read_only=False, flags=[])),
    ('web-data:/data:ro,z', dict(type='volume', source='web-data', target='/data', read_only=True, flags=['z'])),
    ('/data', dict(type='volume', source='', target='/data', read_only=False, flags=[])),
])
def test_volume_entry_valid(text, expected):
    assert volume_entry(text) == expected


@pytest.mark.parametrize('text, fragment', [
    ('/srv:data', 'must be absolute'),
    ('data', 'must be absolute'),
    ('/srv:/data:rx', 'mode'),
    ('/srv:/data:ro,rw', 'mode'),
    ('./html:/data', 'neither an absolute host path nor a volume name'),
    (':/data', 'empty'),
    ('a:/b:ro:x', 'expected src:dst'),
    ('/srv:', 'missing'),
])
def test_volume_entry_invalid(text, fragment):
    with pytest.raises(VolumeSpecError, match=fragment):
        volume_entry(text)


def test_parse_volumes_splits_binds_and_anonymous():
    vols = volume_binds(['/cache', 'v1:/b', '/h:/a:ro'])
    assert vols['anonymous'] == ['/cache']
    assert [bind_string(v) for v in vols['binds']] == ['/h:/a:ro', 'v1:/b']


def test_parse_volumes_duplicate_target():
    with pytest.raises(VolumeSpecError, match='used twice'):
        volume_binds(['/a:/data', 'vol:/data'])


def test_binds_round_trip_through_engine_form():
    vols = volume_binds(['/h/:/a/:rw', 'vol:/b:ro'])
    engine_binds = [bind_string(v) for v in vols['binds']]
    assert normalize_binds(engine_binds) == vols['binds']
    assert normalize_binds(['/h:/a']) == vols['binds'][:1]


def test_parse_mounts():
    mounts = container_mounts([{'type': 'tmpfs', 'target': '/tmp/x'},
                               {'type': 'bind', 'source': '/srv/', 'target': '/a', 'read_only': True},
                               {'type': 'volume', 'source': 'vol', 'target': '/b'}])
    assert mounts == [dict(type='bind', source='/srv', target='/a', read_only=True),
                      dict(type='volume', source='vol', target='/b', read_only=False),
                      dict(type='tmpfs', source='', target='/tmp/x', read_only=False)]


@pytest.mark.parametrize('item, fragment', [
    ({'type': 'bind', 'source': 'rel', 'target': '/a'}, 'absolute source'),
    ({'type': 'bind', 'target': '/a'}, 'absolute source'),
    ({'type': 'tmpfs', 'source': 'x', 'target': '/a'}, 'no source'),
    ({'type': 'volume', 'source': 'bad/name', 'target': '/a'}, 'not a volume name'),
    ({'type': 'volume', 'target': 'a'}, 'must be absolute'),
    ({'type': 'nfs', 'target': '/a'}, 'type must be'),
])
def test_parse_mounts_invalid(item, fragment):
    with pytest.raises(VolumeSpecError, match=fragment):
        container_mounts([item])


def test_env_values_become_strings():
    assert parse_env({'A': 1, 'B': True, 'C': False, 'D': 1.5, 'E': None, 'F': 'x'}) == {
        'A': '1', 'B': 'true', 'C': 'false', 'D': '1.5', 'E': '', 'F': 'x'}


def test_env_rejects_nested_and_bad_names():
    with pytest.raises(EnvSpecError, match='expected a string'):
        parse_env({'A': [1]})
    with pytest.raises(EnvSpecError, match='no "="'):
        parse_env({'A=B': 1})


def test_env_file_format(monkeypatch):
    monkeypatch.setenv('FROM_HOST', 'yes')
    text = '# comment\n\nA=1\nB=x=y\n  C=spaced \nFROM_HOST\nNOT_SET_ANYWHERE_42\nQ="quoted"\n'
    assert parse_env_file(text) == {'A': '1', 'B': 'x=y', 'C': 'spaced ', 'FROM_HOST': 'yes',
                                         'Q': '"quoted"'}


def test_env_file_bad_line():
    with pytest.raises(EnvSpecError, match='line 2'):
        parse_env_file('A=1\nBAD KEY=2\n', '/x')


def test_env_file_missing(tmp_path):
    with pytest.raises(EnvSpecError, match='does not exist'):
        read_env_file(str(tmp_path / 'nope.env'))


def test_env_file_read(tmp_path):
    path = tmp_path / 'a.env'
    path.write_text('A=1\n')
    assert read_env_file(str(path)) == {'A': '1'}


@pytest.mark.parametrize('value, expected', [
    ('httpd -f -p 80', ['httpd', '-f', '-p', '80']),
    ("sh -c 'echo hi; exit 3'", ['sh', '-c', 'echo hi; exit 3']),
    (['sh', '-c', 'echo $HOME'], ['sh', '-c', 'echo $HOME']),
    (['sleep', 10], ['sleep', '10']),
    (None, None),
])
def test_parse_command(value, expected):
    assert parse_command(value) == expected


def test_parse_command_unbalanced_quote():
    with pytest.raises(ContainerSpecError, match='closing quotation'):
        parse_command("echo 'hi")


@pytest.mark.parametrize('policy, retries, expected', [
    # Unset retries stay unset (not compared); 0 is accepted with every policy, as the engine does.
    ('always', None, {'Name': 'always', 'MaximumRetryCount': None}),
    ('always', 0, {'Name': 'always', 'MaximumRetryCount': 0}),
    ('unless-stopped', 0, {'Name': 'unless-stopped', 'MaximumRetryCount': 0}),
    ('on-failure', 3, {'Name': 'on-failure', 'MaximumRetryCount': 3}),
    ('no', None, {'Name': 'no', 'MaximumRetryCount': None}),
    (None, None, None),
])
def test_restart_policy(policy, retries, expected):
    assert parse_restart_policy(policy, retries) == expected


@pytest.mark.parametrize('policy, retries, fragment', [
    ('sometimes', None, 'Invalid restart_policy'),
    ('always', 3, 'only applies'),
    (None, 3, 'needs restart_policy'),
    ('on-failure', -1, '0 or more'),
])
def test_restart_policy_invalid(policy, retries, fragment):
    with pytest.raises(ContainerSpecError, match=fragment):
        parse_restart_policy(policy, retries)


def _params(**kw):
    params = dict((k, v.get('default')) for k, v in CONTAINER_OPTIONS.items())
    params.update(kw)
    return params


def test_build_spec_keeps_only_set_options():
    spec = build_spec(_params(name='web', image='127.0.0.1:5000/demo/web:1.0'))
    assert set(spec) == {'name', 'image', 'image_ref'}


def test_build_spec_full():
    spec = build_spec(_params(name='web', image='demo/web:1.0', ports=['8080:80'], volumes=['vol:/data'],
                              env={'A': 1}, labels={'x': 'y'}, restart_policy='always', command='a b',
                              networks=['n2', 'n1'], tty=True))
    assert spec['ports'] == {'80/tcp': [['', '8080']]}
    assert spec['env'] == {'A': '1'} and spec['command'] == ['a', 'b']
    # The user's order: the first network becomes the network mode.
    assert [n['name'] for n in spec['networks']] == ['n2', 'n1']


def test_build_spec_env_file_then_env_wins(tmp_path):
    path = tmp_path / 'e.env'
    path.write_text('A=file\nB=file\n')
    spec = build_spec(_params(name='wb', env_file=str(path), env={'B': 'task'}))
    assert spec['env'] == {'A': 'file', 'B': 'task'}


@pytest.mark.parametrize('kw, fragment', [
    (dict(name='bad name'), 'Invalid container name'),
    (dict(name='wb', image='UPPER:1'), 'lowercase'),
    (dict(name='wb', volumes=['/a:/d'], mounts=[{'type': 'volume', 'target': '/d'}]), 'given twice'),
    (dict(name='wb', network_mode='host', networks=['x']), 'cannot be combined'),
    (dict(name='wb', network_mode='container:'), 'needs a container'),
    (dict(name='wb', working_dir='rel'), 'absolute'),
    (dict(name='wb', auto_remove=True, detach=False), 'auto_remove'),
])
def test_build_spec_errors(kw, fragment):
    with pytest.raises(FleetDockerError, match=fragment):
        build_spec(_params(**kw))


def test_create_config_shape():
    spec = build_spec(_params(name='web', image='demo/web:1.0', ports=['127.0.0.1:8080:80'],
                              volumes=['vol:/data:ro', '/cache'], env={'A': 1}, restart_policy='on-failure',
                              restart_retries=2, networks=['n1', 'n2'], interactive=True))
    config = create_config(spec, _params(stop_timeout=3))
    assert config['Image'] == 'demo/web:1.0'
    assert config['ExposedPorts'] == {'80/tcp': {}}
    assert config['Env'] == ['A=1'] and config['StopTimeout'] == 3
    assert config['Volumes'] == {'/cache': {}}
    host = config['HostConfig']
    assert host['PortBindings'] == {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8080'}]}
    assert host['Binds'] == ['vol:/data:ro']
    assert host['RestartPolicy'] == {'Name': 'on-failure', 'MaximumRetryCount': 2}
    assert host['NetworkMode'] == 'n1'
    assert config['NetworkingConfig'] == {'EndpointsConfig': {'n1': {}}}
    assert config['OpenStdin'] is True
    assert 'Cmd' not in config and 'Labels' not in config


def test_create_config_minimal_lets_image_fill_in():
    config = create_config(build_spec(_params(name='wb', image='busybox')), _params())
    assert config == {'Image': 'busybox', 'HostConfig': {}}
