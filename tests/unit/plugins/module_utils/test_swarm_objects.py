"""swarm/objects_apply.py pure parts: content, digest label, versions, users, pruning (no engine)."""

import base64
import hashlib

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects_apply import (
    DIGEST_LABEL, check_object_name, content_differs, digest_matches, extras_differ, engine_extras, label_changes,
    make_digest, prune_candidates, read_content, users_of, version_of)


def test_digest_is_salted_and_verifiable():
    one, two = make_digest(b'hunter2'), make_digest(b'hunter2')
    assert one != two                      # a salt each time: equal secrets do not show as equal labels
    assert 'hunter2' not in one and hashlib.sha256(b'hunter2').hexdigest() not in one
    assert digest_matches({DIGEST_LABEL: one}, b'hunter2') is True
    assert digest_matches({DIGEST_LABEL: one}, b'hunter3') is False
    assert digest_matches({}, b'x') is None
    assert digest_matches({DIGEST_LABEL: 'garbage'}, b'x') is None
    # community.docker's label is read, so its secrets are adopted without a change.
    assert digest_matches({'ansible_key': hashlib.sha224(b'x').hexdigest()}, b'x') is True


def test_read_content_sources(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'\x00bin')
    assert read_content('secret', dict(name='n', src=str(path))) == b'\x00bin'
    assert read_content('secret', dict(name='n', data='aGk=', data_is_b64=True)) == b'hi'
    assert read_content('config', dict(name='n', data='plain')) == b'plain'
    assert read_content('config', dict(name='n')) is None
    with pytest.raises(FleetDockerError, match='src: cannot read .*missing'):
        read_content('secret', dict(name='n', src=str(tmp_path / 'missing')))
    with pytest.raises(FleetDockerError) as info:
        read_content('secret', dict(name='n', data='pass word!', data_is_b64=True))
    assert 'pass word!' not in info.value.msg
    with pytest.raises(FleetDockerError, match='at most'):
        read_content('secret', dict(name='n', data='x' * (500 * 1024 + 1)))


@pytest.mark.parametrize('name, rolling, ok', [
    ('db_password', False, True), ('a', False, True), ('-bad', False, False), ('bad-', False, False),
    ('x' * 64, False, True), ('x' * 64, True, False), ('x' * 59, True, True), ('sp ace', False, False)])
def test_names(name, rolling, ok):
    if ok:
        assert check_object_name('secret', name, rolling) == name
    else:
        with pytest.raises(FleetDockerError):
            check_object_name('secret', name, rolling)


def test_versions_need_the_name_pattern_and_a_version_label():
    def entry(name, **labels):
        return dict(Spec=dict(Name=name, Labels=labels))
    assert version_of(entry('db_v3', **{'fleet.docker.version': '3'}), 'db') == 3
    assert version_of(entry('db_v3', ansible_version='3'), 'db') == 3     # community.docker's
    assert version_of(entry('db_v3'), 'db') is None                      # someone else's object
    assert version_of(entry('db_v3', **{'fleet.docker.version': '2'}), 'db') is None
    assert version_of(entry('db_x_v3', **{'fleet.docker.version': '3'}), 'db') is None


def test_users_and_pruning():
    services = [dict(Spec=dict(Name='api', TaskTemplate=dict(ContainerSpec=dict(
        Secrets=[dict(SecretID='s1', SecretName='db_v1')], Configs=[dict(ConfigID='c1')])))),
        dict(Spec=dict(Name='web', TaskTemplate=dict(ContainerSpec=dict())))]
    assert users_of(services, 'secret', {'s1', 's2'}) == {'s1': ['api']}
    assert users_of(services, 'config', {'c1'}) == {'c1': ['api']}
    assert prune_candidates(['v4', 'v3', 'v2', 'v1'], 2) == ['v2', 'v1']
    assert prune_candidates(['v4', 'v3'], 0) == ['v4', 'v3']
    assert prune_candidates(['v4', 'v3'], -1) == []


def test_labels_extras_and_config_content():
    assert label_changes({'a': '1', 'b': '2'}, {'a': '1', 'b': '3', 'other': 'x'}) == {'b': '2'}
    assert engine_extras('config', dict(template_driver='golang')) == dict(Templating=dict(Name='golang'))
    assert extras_differ('config', {}, dict(Templating=dict(Name='golang'))) == ['templating']
    assert extras_differ('config', dict(Templating=dict(Name='golang')), dict(Templating=dict(Name='golang'))) == []
    entry = dict(Spec=dict(Data=base64.b64encode(b'port=80').decode()))
    assert content_differs('config', entry, b'port=80') is False
    assert content_differs('config', entry, b'port=81') is True
