"""containers/plan.py without an engine: the steps one converge takes, from inspect and list answers as
dockerd 20.10 gives them (a fake client that only reads). Also how leftover replacements are recognised."""

from __future__ import annotations

import copy
import re

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.containers import recreate
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS, build_spec
from ansible_collections.fleet.docker.plugins.module_utils.containers.plan import after_state, current_state, plan
from ansible_collections.fleet.docker.plugins.module_utils.containers.recreate import (
    LeftoverIndex, find_leftovers, is_temporary_for, temporary_name)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError, NotFound
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import MAX_CONTAINER_NAME

IMAGE_REF = '127.0.0.1:5000/demo/web:1.0'
IMAGE_ID = 'sha256:8c6090ccb223ca44bb6e603088101201c67fa1e0c75418e9246d6700ec6e3773'
NEW_IMAGE_ID = 'sha256:' + '9' * 64
IMAGE = {
    'Id': IMAGE_ID, 'RepoTags': [IMAGE_REF],
    'Config': {'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                       'WEB_ROOT=/usr/share/nginx/html'],
               'Cmd': ['/bin/httpd', '-f', '-p', '80', '-h', '/usr/share/nginx/html'], 'Entrypoint': None,
               'Labels': {'org.fleet.demo': 'web'}, 'ExposedPorts': {'80/tcp': {}}, 'Volumes': None,
               'WorkingDir': '', 'StopSignal': None},
}


def _inspect(name, cid, running=True, env=('GEN=1',), created='2026-12-06T05:21:41.001587621Z'):
    """`docker inspect` (trimmed) of a container the module made: GEN=1, label a=b, memory 64m, 127.0.0.1:18080:80."""
    return {
        'Id': cid, 'Name': '/' + name, 'Created': created, 'Image': IMAGE_ID,
        'State': {'Status': 'running' if running else 'exited', 'Running': running, 'ExitCode': 0},
        'Mounts': [],
        'Config': {'Hostname': cid[:12], 'Domainname': '', 'User': '',
                   'Env': list(env) + IMAGE['Config']['Env'], 'Cmd': IMAGE['Config']['Cmd'], 'Entrypoint': None,
                   'Image': IMAGE_REF, 'Labels': {'a': 'b', 'org.fleet.demo': 'web'},
                   'ExposedPorts': {'80/tcp': {}}, 'Volumes': None, 'WorkingDir': '', 'Tty': False,
                   'OpenStdin': False},
        'HostConfig': {'Binds': None, 'NetworkMode': 'default', 'Memory': 67108864, 'MemorySwap': 134217728,
                       'PortBindings': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '18080'}]},
                       'RestartPolicy': {'Name': 'no', 'MaximumRetryCount': 0}, 'AutoRemove': False},
        'NetworkSettings': {'Ports': {}, 'Networks': {'bridge': {'IPAMConfig': None, 'Links': None,
                                                                 'Aliases': None, 'NetworkID': 'b1'}}},
    }


def _entry(container):
    """The list API's entry for an inspect dict."""
    ports = [dict(IP=b['HostIp'], PrivatePort=int(key.split('/')[0]), PublicPort=int(b['HostPort']),
                  Type=key.split('/')[1])
             for key, bindings in container['HostConfig']['PortBindings'].items() for b in bindings] \
        if container['State']['Running'] else []
    return dict(Id=container['Id'], Names=[container['Name']], Image=container['Config']['Image'],
                ImageID=container['Image'], Labels=container['Config']['Labels'], State=container['State']['Status'],
                Created=int(container['Created'][8:10]) * 86400 + int(container['Created'][11:13]) * 3600
                + int(container['Created'][14:16]) * 60 + int(container['Created'][17:19]), Ports=ports)


class FakeEngine:
    """Answers the reads plan() makes; any write would be an AttributeError."""

    def __init__(self, *containers, networks=('bridge', 'front')):
        self.by_id = dict((c['Id'], c) for c in containers)
        self.networks = set(networks)
        self.lists = []

    def inspect_container(self, name_or_id):
        for container in self.by_id.values():
            if container['Name'] == '/' + name_or_id.lstrip('/') or container['Id'].startswith(name_or_id):
                return copy.deepcopy(container)
        raise NotFound('No such container: %s' % name_or_id)

    def containers(self, all=False, filters=None):  # pylint: disable=redefined-builtin
        self.lists.append(filters)
        out = [_entry(c) for c in self.by_id.values() if all or c['State']['Running']]
        if filters and 'name' in filters:
            out = [e for e in out if any(re.search(filters['name'], n) for n in e['Names'])]
        return out

    def inspect_image(self, ref):
        if ref in (IMAGE_ID, IMAGE_REF):
            return copy.deepcopy(IMAGE)
        raise NotFound('No such image: %s' % ref)

    def inspect_network(self, name):
        if name not in self.networks:
            raise NotFound('network %s not found' % name)
        return dict(Name=name)


def _params(**kw):
    params = dict((k, v.get('default')) for k, v in CONTAINER_OPTIONS.items())
    params.update(name='web', image=IMAGE_REF, env={'GEN': '1'}, labels={'a': 'b'}, memory='64m',
                  ports=['127.0.0.1:18080:80'])
    params.update(kw)
    return params


def _plan(client, image_id=IMAGE_ID, leftover_index=None, **kw):
    params = _params(**kw)
    image = IMAGE if image_id == IMAGE_ID else dict(IMAGE, Id=image_id)
    return plan(client, build_spec(params), params, image, image_id, leftover_index)


WEB = _inspect('web', 'a' * 64)


# ------------------------------------------------------------------------------ the steps

def test_a_matching_running_container_is_a_no_op():
    p = _plan(FakeEngine(WEB))
    assert p.steps == [] and p.diffs == [] and p.container['Id'] == WEB['Id']
    assert current_state(p.container) == after_state(p) == 'started'


def test_no_container_is_created_and_started():
    p = _plan(FakeEngine())
    assert p.steps == ['created', 'started'] and p.container is None
    assert current_state(None) == 'absent' and after_state(p) == 'started'


def test_drift_the_engine_cannot_change_live_recreates_and_starts():
    p = _plan(FakeEngine(WEB), env={'GEN': '2'})
    assert p.steps == ['recreated', 'started']
    assert [(d['option'], d['before'], d['after']) for d in p.diffs] == [('env', {'GEN': '1'}, {'GEN': '2'})]


def test_a_new_image_recreates_and_check_mode_without_the_image_too():
    assert _plan(FakeEngine(WEB), image_id=NEW_IMAGE_ID).steps == ['recreated', 'started']
    # Check mode, image not pulled yet: no ID to compare with counts as drift.
    params = _params()
    p = plan(FakeEngine(WEB), build_spec(params), params, None, None)
    assert p.steps == ['recreated', 'started'] and p.diffs[0]['after']['id'] == '(to be pulled)'


def test_a_resource_change_is_an_update_in_place():
    p = _plan(FakeEngine(WEB), memory='128m')
    assert p.steps == ['updated']
    assert [(d['option'], d['how']) for d in p.diffs] == [('memory', 'update')]


def test_recreate_true_without_drift_still_recreates():
    p = _plan(FakeEngine(WEB), recreate=True)
    assert p.steps == ['recreated', 'started'] and p.diffs[-1]['option'] == 'recreate'


def test_present_keeps_a_stopped_container_stopped_through_a_recreate():
    stopped = _inspect('web', 'b' * 64, running=False)
    assert _plan(FakeEngine(stopped), state='present', env={'GEN': '2'}).steps == ['recreated']
    assert after_state(_plan(FakeEngine(WEB), state='present', env={'GEN': '2'})) == 'started'
    assert _plan(FakeEngine(stopped), state='started').steps == ['started']


def test_stopped_restart_and_absent():
    assert _plan(FakeEngine(WEB), state='stopped').steps == ['stopped']
    assert _plan(FakeEngine(WEB), restart=True).steps == ['restarted']
    assert _plan(FakeEngine(WEB), state='absent').steps == ['removed']
    assert _plan(FakeEngine(), state='absent').steps == []


def test_a_name_that_is_only_an_id_prefix_is_not_the_container():
    other = _inspect('other', 'web0' + 'c' * 60)
    assert _plan(FakeEngine(other), name='web0', ports=None).steps == ['created', 'started']


# ------------------------------------------------------------------------------ refusals before any change

def test_a_host_port_another_running_container_publishes_is_refused():
    other = _inspect('other', 'd' * 64)
    with pytest.raises(FleetDockerError, match='Host port 18080/tcp is already published by container other'):
        _plan(FakeEngine(other))
    # Its own port is no conflict when the container is recreated.
    assert _plan(FakeEngine(WEB), env={'GEN': '2'}).steps == ['recreated', 'started']


def test_a_missing_network_or_image_is_refused():
    with pytest.raises(FleetDockerError, match='Network back does not exist'):
        _plan(FakeEngine(), networks=['front', 'back'])
    with pytest.raises(FleetDockerError, match='image is required to create container web'):
        _plan(FakeEngine(), image=None)
    with pytest.raises(FleetDockerError, match='network_mode container:db: there is no container db'):
        _plan(FakeEngine(), network_mode='container:db')


# ------------------------------------------------------------------------------ leftovers of an interrupted recreate

def _leftover(name, token='0badcafe', running=False, created='2026-12-06T05:30:00.000000000Z'):
    leftover = _inspect('%s-fleet-next-%s' % (name, token), token * 8, running=running, env=('GEN=2',),
                        created=created)
    return leftover


def test_a_leftover_beside_the_container_is_removed_first():
    client = FakeEngine(WEB, _leftover('web'))
    p = _plan(client)
    assert p.steps == ['removed-leftover'] and [c['Id'] for c in p.leftovers] == ['0badcafe' * 8]
    assert p.adopt is None and p.container['Id'] == WEB['Id']


def test_a_leftover_is_adopted_when_the_old_container_is_gone():
    older = _leftover('web', 'feedface', created='2026-12-06T05:00:00.000000000Z')
    client = FakeEngine(_leftover('web', running=True), older)
    p = _plan(client, env={'GEN': '2'})
    # The newest is renamed into place and compared like the container; the older one goes.
    assert p.adopt['Id'] == '0badcafe' * 8 and [c['Id'] for c in p.leftovers] == ['feedface' * 8]
    assert p.steps == ['removed-leftover', 'adopted-leftover'] and p.diffs == []


def test_other_containers_are_never_taken_for_leftovers():
    client = FakeEngine(WEB, _leftover('web-b'), _leftover('xweb'), _leftover('web', token='0BADCAFE'),
                        _inspect('web-fleet-next-0badcaf', 'e' * 64, running=False))
    assert _plan(client).steps == []


def test_the_batch_index_lists_once_and_answers_like_the_single_lookup():
    client = FakeEngine(WEB, _leftover('web'), _leftover('db', 'feedface'))
    index = LeftoverIndex(client)
    assert client.lists == [{'name': '-fleet-next-'}]
    for name in ('web', 'db', 'cache'):
        assert [c['Id'] for c in index.find(name)] == [c['Id'] for c in find_leftovers(client, name)]
    assert [c['Id'] for c in index.find('db')] == ['feedface' * 8]
    p = _plan(client, leftover_index=index)
    assert p.steps == ['removed-leftover'] and len(client.lists) == 4  # plan used the index, not a fifth list


def test_temporary_names_round_trip_also_for_names_cut_to_fit():
    temp = temporary_name('web')
    assert re.match(r'^web-fleet-next-[0-9a-f]{8}$', temp) and is_temporary_for(temp, 'web')
    assert is_temporary_for('/' + temp, 'web') and not is_temporary_for(temp, 'we')
    long_a, long_b = 'a' * 240, 'a' * 239 + 'b'
    temp = temporary_name(long_a)
    assert len(temp) == MAX_CONTAINER_NAME and temporary_name(long_a) == temp  # the token is the name's hash
    assert is_temporary_for(temp, long_a) and not is_temporary_for(temp, long_b)
    # A name exactly as long as the cut prefix is cut too (hash token), so it cannot claim long_a's leftover.
    exact = 'a' * (MAX_CONTAINER_NAME - len('-fleet-next-') - 8)
    assert not is_temporary_for(temp, exact) and is_temporary_for(temporary_name(exact), exact)
    assert not is_temporary_for(temporary_name('a' * 234), exact) and is_temporary_for(temporary_name('a' * 234), 'a' * 234)
    assert recreate._PREFIX_MAX == MAX_CONTAINER_NAME - len('-fleet-next-') - 8  # pylint: disable=protected-access
