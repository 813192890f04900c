"""engine/values: the one parser per value grammar (ports, volumes, mounts, durations, sizes, commands,
ulimits, env), as containers, compose, networks, volumes and services read them."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import (
    EnvSpecError, PortMapping, PortSpecError, ValueSpecError, VolumeSpecError, env_list_to_dict, format_duration,
    parse_command, parse_duration, parse_env, parse_env_file, parse_mount, parse_port, parse_size, parse_ulimits,
    parse_volume, port_mapping, scalar_string, volume_flags)


# ---------------------------------------------------------------------------------------- ports

@pytest.mark.parametrize('text, expected', [
    ('80', [(80, 'tcp', '', '')]),
    ('8080:80', [(80, 'tcp', '', '8080')]),
    ('127.0.0.1:8080:80', [(80, 'tcp', '127.0.0.1', '8080')]),
    ('127.0.0.1::80', [(80, 'tcp', '127.0.0.1', '')]),
    (':8080:80', [(80, 'tcp', '', '8080')]),
    ('53:53/udp', [(53, 'udp', '', '53')]),
    ('53:53/UDP', [(53, 'udp', '', '53')]),
    ('5000:5000/sctp', [(5000, 'sctp', '', '5000')]),
    ('[::1]:8080:80', [(80, 'tcp', '::1', '8080')]),
    ('::1:8080:80', [(80, 'tcp', '::1', '8080')]),  # the engine reads an unbracketed IPv6 address too
    ('[::]:8080:80/tcp', [(80, 'tcp', '::', '8080')]),
    ('[2001:db8::1]::80', [(80, 'tcp', '2001:db8::1', '')]),
    ('2001:db8::1:9000-9001:80-81', [(80, 'tcp', '2001:db8::1', '9000'), (81, 'tcp', '2001:db8::1', '9001')]),
    ('8000-8001:80-81', [(80, 'tcp', '', '8000'), (81, 'tcp', '', '8001')]),
    ('8000-8010:80', [(80, 'tcp', '', '8000-8010')]),
    ('80-82', [(80, 'tcp', '', ''), (81, 'tcp', '', ''), (82, 'tcp', '', '')]),
    (80, [(80, 'tcp', '', '')]),
    ('65535:1', [(1, 'tcp', '', '65535')]),
])
def test_parse_port_valid(text, expected):
    assert parse_port(text) == expected
    assert all(isinstance(m, PortMapping) for m in parse_port(text))


@pytest.mark.parametrize('text, fragment', [
    ('', 'empty'),
    ('   ', 'empty'),
    ('abc', 'not a number'),
    ('80:abc', 'not a number'),
    ('70000:80', 'out of range'),
    ('8080:0', 'out of range'),
    ('8080:65536', 'out of range'),
    ('80/icmp', 'protocol'),
    ('[::1:8080:80', 'IPv6'),
    ('[nothex]:8080:80', 'not an IPv6'),
    ('300.1.1.1:8080:80', 'not an IPv4'),
    ('fe80::zz:8080:80', 'not an IPv6'),
    ('8000-8002:80-81', 'as long as'),
    ('82-80', 'ends before'),
    ('8080:', 'container port is missing'),
    ('1279342', 'base-60'),
])
def test_parse_port_invalid(text, fragment):
    with pytest.raises(PortSpecError, match=fragment) as info:
        parse_port(text)
    assert isinstance(info.value, FleetDockerError)
    assert '\n' not in info.value.msg


# -------------------------------------------------------------------------------------- volumes

def _vol(kind, source, target, read_only=False, selinux='', propagation='', nocopy=False, consistency=''):
    return dict(type=kind, source=source, target=target, read_only=read_only, selinux=selinux,
                propagation=propagation, nocopy=nocopy, consistency=consistency)


@pytest.mark.parametrize('text, expected', [
    ('/srv/html:/usr/share/nginx/html', _vol('bind', '/srv/html', '/usr/share/nginx/html')),
    ('/srv/html/:/data/:ro', _vol('bind', '/srv/html', '/data', read_only=True)),
    ('data:/var/lib/x:Z', _vol('volume', 'data', '/var/lib/x', selinux='Z')),
    ('/srv/c:/etc/x:ro,z', _vol('bind', '/srv/c', '/etc/x', read_only=True, selinux='z')),
    ('/srv/c:/etc/x:rw,z', _vol('bind', '/srv/c', '/etc/x', selinux='z')),
    ('/srv/c:/etc/x:ro,Z', _vol('bind', '/srv/c', '/etc/x', read_only=True, selinux='Z')),
    ('/srv/c:/etc/x:Z,ro', _vol('bind', '/srv/c', '/etc/x', read_only=True, selinux='Z')),
    ('/srv/c:/etc/x:rshared,z,ro', _vol('bind', '/srv/c', '/etc/x', read_only=True, selinux='z', propagation='rshared')),
    ('data:/d:nocopy,ro', _vol('volume', 'data', '/d', read_only=True, nocopy=True)),
    ('/srv:/d:cached', _vol('bind', '/srv', '/d', consistency='cached')),
    ('/data', _vol('volume', '', '/data')),
])
def test_parse_volume_valid(text, expected):
    assert parse_volume(text) == expected


def test_volume_flags_are_a_stable_spelling():
    assert volume_flags(parse_volume('/s:/d:z,ro,rshared')) == volume_flags(parse_volume('/s:/d:rshared,z')) == [
        'rshared', 'z']


@pytest.mark.parametrize('text, fragment', [
    ('', 'empty'),
    ('/srv:/x:z,Z', 'z or Z twice'),
    ('/srv:/x:Z,Z', 'z or Z twice'),
    ('/srv:/x:ro,rw', 'ro or rw twice'),
    ('/srv:/x:shared,rslave', 'propagation twice'),
    ('/srv:/x:nocopy', 'nocopy applies to named volumes only'),
    ('vol1:/x:rshared', 'bind mounts only'),
    ('/srv:/x:rx', "mode 'rx' is not valid"),
    ('/srv:/x:ro,', "mode '' is not valid"),
    ('/data:ro', 'anonymous volume takes no mode'),
    ('/srv:data', 'must be absolute'),
    ('data', 'must be absolute'),
    ('/srv:/', "cannot be '/'"),
    ('./html:/data', 'neither an absolute host path nor a volume name'),
    (':/data', 'empty'),
    ('a:/b:ro:x', 'too many'),
    ('/srv:', 'missing'),
])
def test_parse_volume_invalid(text, fragment):
    with pytest.raises(VolumeSpecError, match=fragment):
        parse_volume(text)


@pytest.mark.parametrize('text, expected, unknown', [
    # Compose (compose-go) reads ./ and ~ as host paths, two parts always as source:target, keeps
    # paths as written, lets the last mode of a kind win and sets unknown words aside.
    ('./conf:/etc/x:ro,z', _vol('bind', './conf', '/etc/x', read_only=True, selinux='z'), []),
    ('~/c:/etc/x/', _vol('bind', '~/c', '/etc/x/'), []),
    ('data:/var/lib/x:Z', _vol('volume', 'data', '/var/lib/x', selinux='Z'), []),
    ('/cache:ro', _vol('bind', '/cache', 'ro'), []),
    ('ab', _vol('volume', '', 'ab'), []),
    ('/srv:/x:ro,rw', _vol('bind', '/srv', '/x'), []),
    ('/srv:/x:z,Z,rx', _vol('bind', '/srv', '/x', selinux='Z'), ['rx']),
])
def test_parse_volume_compose_reading(text, expected, unknown):
    assert parse_volume(text, compose=True) == dict(expected, unknown=unknown)


@pytest.mark.parametrize('text, fragment', [('', 'empty'), (':/x', 'source before'), ('a:b:c:d', 'too many'),
                                            ('a:', 'container path is missing')])
def test_parse_volume_compose_invalid(text, fragment):
    with pytest.raises(VolumeSpecError, match=fragment):
        parse_volume(text, 'volumes[0]', compose=True)


def test_parse_mount():
    assert parse_mount({'type': 'bind', 'source': '/srv/', 'target': '/a', 'read_only': True}) == dict(
        type='bind', source='/srv', target='/a', read_only=True)
    with pytest.raises(VolumeSpecError, match='expected a dict'):
        parse_mount('type=bind')


# ------------------------------------------------------------------------- sizes and durations

@pytest.mark.parametrize('value, expected', [
    ('512m', 512 * 1024 ** 2), ('1g', 1024 ** 3), ('1.5GB', int(1.5 * 1024 ** 3)), ('1gib', 1024 ** 3),
    ('1gi', 1024 ** 3), ('1024', 1024), ('10 k', 10240), ('2b', 2), (4096, 4096), (1.9, 1),
])
def test_parse_size(value, expected):
    assert parse_size('memory', value) == expected


@pytest.mark.parametrize('value, fragment', [
    ('', 'expected bytes'), ('1x', 'expected bytes'), ('-1', 'expected bytes'), (-5, 'negative'),
    (True, 'expected a size'), (None, 'expected a size'), ('1  g', 'expected bytes'),
])
def test_parse_size_invalid(value, fragment):
    with pytest.raises(ValueSpecError, match=fragment):
        parse_size('memory', value)


def test_parse_size_unlimited():
    assert parse_size('memory_swap', -1, unlimited=True) == parse_size('memory_swap', '-1', unlimited=True) == -1


@pytest.mark.parametrize('value, expected', [
    ('30s', 30 * 10 ** 9), ('1m30s', 90 * 10 ** 9), ('500ms', 5 * 10 ** 8), ('1h', 3600 * 10 ** 9),
    ('1.5h', 5400 * 10 ** 9), ('.5s', 5 * 10 ** 8), ('1us', 1000), ('1\u00b5s', 1000), ('1\u03bcs', 1000),
    ('10', 10 ** 10), (10, 10 ** 10), (0.5, 5 * 10 ** 8), ('0', 0), ('2h45m10s', (2 * 3600 + 45 * 60 + 10) * 10 ** 9),
])
def test_parse_duration(value, expected):
    assert parse_duration('interval', value) == expected


@pytest.mark.parametrize('value, fragment', [
    ('', 'expected a duration'), ('1x', 'expected a duration'), ('s', 'expected a duration'),
    ('.s', 'expected a duration'), ('1m 30s', 'expected a duration'), ('-1s', 'cannot be negative'),
    (True, 'expected a duration'), (None, 'expected a duration'),
])
def test_parse_duration_invalid(value, fragment):
    with pytest.raises(ValueSpecError, match=fragment):
        parse_duration('interval', value)


def test_negative_durations_when_allowed():
    assert parse_duration('d', '-1m30s', negative=True) == -90 * 10 ** 9
    assert parse_duration('d', '+1s', negative=True) == 10 ** 9


@pytest.mark.parametrize('ns, text', [
    (0, '0s'), (1, '1ns'), (1500, '1.5\u00b5s'), (5 * 10 ** 8, '500ms'), (60 * 10 ** 9, '1m0s'),
    (90 * 10 ** 9, '1m30s'), (3600 * 10 ** 9 + 1, '1h0m0.000000001s'), (-90 * 10 ** 9, '-1m30s'),
])
def test_format_duration_round_trips(ns, text):
    assert format_duration(ns) == text
    assert parse_duration('d', text, negative=True) == ns


# -------------------------------------------------------------------------------------- command

@pytest.mark.parametrize('value, expected', [
    ('httpd -f -p 80', ['httpd', '-f', '-p', '80']),
    ("sh -c 'echo hi; exit 3'", ['sh', '-c', 'echo hi; exit 3']),
    ('echo "a b" c\\ d', ['echo', 'a b', 'c d']),
    ('', []),
    (['sh', '-c', 'echo $HOME'], ['sh', '-c', 'echo $HOME']),
    (['sleep', 10, True], ['sleep', '10', 'true']),
    ([], []),
    (None, None),
])
def test_parse_command(value, expected):
    assert parse_command(value) == expected


def test_parse_command_scalar_and_errors():
    assert parse_command(['sleep', 1.0], scalar=lambda v: '%g' % v if isinstance(v, float) else str(v)) == [
        'sleep', '1']
    with pytest.raises(ValueSpecError, match='closing quotation'):
        parse_command("echo 'hi")
    with pytest.raises(ValueSpecError, match='every list item'):
        parse_command(['a', {'b': 1}], 'entrypoint')
    with pytest.raises(ValueSpecError, match='string or a list'):
        parse_command({'a': 1})


# -------------------------------------------------------------------------------------- ulimits

@pytest.mark.parametrize('values, expected', [
    (['nofile:1024:2048'], [dict(Name='nofile', Soft=1024, Hard=2048)]),
    (['nofile=1024:2048'], [dict(Name='nofile', Soft=1024, Hard=2048)]),
    (['nproc=512'], [dict(Name='nproc', Soft=512, Hard=512)]),
    (['memlock=-1:-1'], [dict(Name='memlock', Soft=-1, Hard=-1)]),
    ([dict(name='nofile', soft=10, hard=20)], [dict(Name='nofile', Soft=10, Hard=20)]),
    ({'nproc': 65535, 'nofile': {'soft': 20000, 'hard': 40000}},
     [dict(Name='nofile', Soft=20000, Hard=40000), dict(Name='nproc', Soft=65535, Hard=65535)]),
    ({'nofile': '100'}, [dict(Name='nofile', Soft=100, Hard=100)]),
    ([], []),
])
def test_parse_ulimits(values, expected):
    assert parse_ulimits(values) == expected


@pytest.mark.parametrize('values, fragment', [
    (['nofile'], 'expected name:soft'), (['nofile:a'], 'expected name:soft'), (['nofile:2048:1024'], 'above the hard'),
    (['no file:1'], 'name must be'), ([':1:2'], 'name must be'), ({'nofile': True}, 'expected name:soft'),
    ({'nofile': {'soft': 'x', 'hard': 1}}, 'expected name:soft'),
])
def test_parse_ulimits_invalid(values, fragment):
    with pytest.raises(ValueSpecError, match=fragment):
        parse_ulimits(values)


# ------------------------------------------------------------------------------------------ env

def test_scalar_string():
    assert [scalar_string('x', v) for v in (None, True, False, 1, 1.5, 'a', '')] == [
        '', 'true', 'false', '1', '1.5', 'a', '']
    with pytest.raises(ValueSpecError, match='expected a string, number or boolean, got a list'):
        scalar_string('x', [1])
    with pytest.raises(EnvSpecError):
        scalar_string('x', {}, EnvSpecError)


def test_env_mapping_and_engine_list():
    assert parse_env({'A': 1, 'B': None}) == {'A': '1', 'B': ''}
    assert env_list_to_dict(['A=1', 'B=x=y', 'C']) == {'A': '1', 'B': 'x=y', 'C': ''}


def test_env_file_is_read_literally(monkeypatch):
    monkeypatch.setenv('FROM_HOST', 'yes')
    monkeypatch.delenv('NOT_SET_ANYWHERE_42', raising=False)
    text = '\ufeff# c\nA="quoted"\nB=${HOME}\nFROM_HOST\nNOT_SET_ANYWHERE_42\n'
    assert parse_env_file(text) == {'A': '"quoted"', 'B': '${HOME}', 'FROM_HOST': 'yes'}
    with pytest.raises(EnvSpecError, match='line 1'):
        parse_env_file('BAD KEY=1\n', '/x')


# ------------------------------------------------------------------------------ long port form

@pytest.mark.parametrize('kw, short', [
    (dict(target=80), '80'),
    (dict(target=80, published='8080'), '8080:80'),
    (dict(target='80', published=8080, host_ip='127.0.0.1', protocol='UDP'), '127.0.0.1:8080:80/udp'),
    (dict(target=80, published='8000-8010'), '8000-8010:80'),
    (dict(target=80, published='', host_ip='::1'), '[::1]::80'),
    (dict(target=80, published='8080', host_ip='[::1]'), '[::1]:8080:80'),
])
def test_long_port_form_is_the_short_forms_record(kw, short):
    assert [port_mapping(**kw)] == parse_port(short)


@pytest.mark.parametrize('kw, fragment', [
    (dict(target=None), 'not a number'), (dict(target=True), 'not a number'), (dict(target='80-81'), 'not a number'),
    (dict(target=0), 'out of range'), (dict(target=80, published='70000'), 'out of range'),
    (dict(target=80, protocol='icmp'), 'protocol'), (dict(target=80, host_ip='nothost'), 'not an IPv4'), (dict(target=80, host_ip='fe80::zz'), 'not an IPv6'),
])
def test_long_port_form_invalid(kw, fragment):
    with pytest.raises(PortSpecError, match=fragment):
        port_mapping(**kw)
