"""Pure parts of module_utils/swarm (issue #26): settings vs the stored spec, bodies, node settings, layout."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.swarm import facts, nodes, plan
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError

STORED = {'Name': 'default', 'Labels': {}, 'Orchestration': {'TaskHistoryRetentionLimit': 5},
          'Raft': {'SnapshotInterval': 10000, 'KeepOldSnapshots': 0, 'LogEntriesForSlowFollowers': 500,
                   'ElectionTick': 10, 'HeartbeatTick': 1},
          'Dispatcher': {'HeartbeatPeriod': 5000000000}, 'CAConfig': {'NodeCertExpiry': 7776000000000000},
          'TaskDefaults': {}, 'EncryptionConfig': {'AutoLockManagers': False}}


def _params(**kw):
    base = dict((k, None) for k in plan.SPEC_PATHS)
    base.update(state='present', join_token=None, remote_addrs=None, node_id=None, signing_ca_key=None,
                subnet_size=None, listen_addr=None, advertise_addr=None, force=False)
    base.update(kw)
    return base


def test_only_the_settings_the_task_sets_are_compared():
    assert plan.settings_diff(STORED, plan.wanted_settings(_params(snapshot_interval=10000, election_tick=10))) == {}
    diff = plan.settings_diff(STORED, plan.wanted_settings(_params(snapshot_interval=5000, labels={'a': 'b'})))
    assert diff == {'snapshot_interval': (10000, 5000), 'labels': ({}, {'a': 'b'})}


def test_merged_spec_keeps_what_the_task_does_not_set():
    spec = plan.merged_spec(STORED, {'heartbeat_tick': 2, 'autolock_managers': True}, _params())
    assert spec['Raft'] == dict(STORED['Raft'], HeartbeatTick=2)
    assert spec['EncryptionConfig'] == {'AutoLockManagers': True} and spec['Dispatcher'] == STORED['Dispatcher']
    assert STORED['Raft']['HeartbeatTick'] == 1   # the stored spec is not touched


def test_init_and_join_bodies():
    body = plan.init_body(_params(advertise_addr='10.0.0.1', default_addr_pool=['10.50.0.0/16'], subnet_size=26,
                                  data_path_addr=None, data_path_port=None, availability='drain'))
    assert body['ListenAddr'] == '0.0.0.0:2377' and body['DefaultAddrPool'] == ['10.50.0.0/16']
    assert body['SubnetSize'] == 26 and body['Availability'] == 'drain' and body['Spec'] == {}
    join = plan.join_body(_params(join_token='T', remote_addrs=['10.0.0.1'], availability='pause', data_path_addr=None))
    assert join['RemoteAddrs'] == ['10.0.0.1'] and join['JoinToken'] == 'T' and join['Availability'] == 'pause'


def test_joined_here_matches_manager_addresses_with_the_default_port():
    local = {'RemoteManagers': [{'NodeID': 'x', 'Addr': '10.0.0.1:2377'}]}
    assert plan.joined_here(local, ['10.0.0.1'])
    assert plan.joined_here(local, ['10.0.0.1:2377'])
    assert not plan.joined_here(local, ['10.0.0.2'])


@pytest.mark.parametrize('kw, words', [
    (dict(state='join'), 'needs join_token'),
    (dict(join_token='x'), 'needs remote_addrs'),
    (dict(state='remove'), 'needs node_id'),
    (dict(heartbeat_tick=3, election_tick=3), 'greater than heartbeat_tick'),
    (dict(snapshot_interval=-1), 'must be 0 or more'),
    (dict(subnet_size=30), 'between 16 and 29'),
    (dict(signing_ca_key='k'), 'needs signing_ca_cert'),
])
def test_bad_input(kw, words):
    with pytest.raises(SwarmError, match=words):
        plan.validate(_params(**kw))


def test_facts_carry_tokens_only_with_no_log():
    swarm = {'ID': 'c', 'Version': {'Index': 3}, 'Spec': STORED, 'JoinTokens': {'Worker': 'W', 'Manager': 'M'}}
    assert 'join_tokens' not in facts.facts(swarm, {'NodeID': 'n'}, False)
    assert facts.facts(swarm, {'NodeID': 'n'}, True)['join_tokens'] == {'worker': 'W', 'manager': 'M'}


def test_ca_cert_in_use_reads_the_spec_or_the_trust_root():
    swarm = {'Spec': {'CAConfig': {}}, 'TLSInfo': {'TrustRoot': 'PEM-A\n'}}
    assert plan.ca_cert_in_use(swarm, 'PEM-A')
    assert not plan.ca_cert_in_use(swarm, 'PEM-B')
    assert plan.ca_cert_in_use({'Spec': {'CAConfig': {'SigningCACert': 'PEM-B'}}}, 'PEM-B\n')


def test_node_labels_merge_replace_remove():
    cur = {'role': 'worker', 'availability': 'active', 'labels': {'a': '1', 'b': '2'}}
    assert nodes.wanted_node(cur, dict(labels={'c': 3}, labels_state='merge'))['labels'] == {'a': '1', 'b': '2', 'c': '3'}
    assert nodes.wanted_node(cur, dict(labels={'c': None}, labels_state='replace'))['labels'] == {'c': ''}
    assert nodes.wanted_node(cur, dict(labels_to_remove=['a'], labels_state='merge'))['labels'] == {'b': '2'}
    assert nodes.wanted_node(cur, dict(labels={'a': '1'}, labels_state='merge')) == cur
    out = nodes.wanted_node(cur, dict(role='manager', availability='drain', labels_state='merge'))
    assert out['role'] == 'manager' and out['availability'] == 'drain'
    with pytest.raises(SwarmError, match='both in labels and in labels_to_remove'):
        nodes.wanted_node(cur, dict(labels={'a': 'x'}, labels_to_remove=['a'], labels_state='merge'))


# swarm/ sits on top: it may import engine/, images/, networks/, volumes/, containers/values and the compose
# loader; nothing outside swarm/ imports it (the floor rule of tests/unit/test_layout.py).
SWARM_MAY_IMPORT = ('engine', 'images', 'networks', 'volumes', 'swarm')
SWARM_MAY_IMPORT_FILES = ('containers.values', 'compose.load', 'compose.model', 'compose.render', 'compose.merge',
                          'compose.errors', 'compose.interpolate', 'compose.envfile', 'compose.yamlload',
                          'compose.names', 'compose.project')


def test_swarm_floor():
    layout = pytest.importorskip('test_layout')
    bad = dict((mod, sorted(t for t in layout.GRAPH[mod] if layout._domain(t) not in SWARM_MAY_IMPORT
                            and t not in SWARM_MAY_IMPORT_FILES)
                ) for mod in layout.FILES if layout._domain(mod) == 'swarm')
    assert dict((m, t) for m, t in bad.items() if t) == {}
    users = sorted(mod for mod in layout.FILES if layout._domain(mod) != 'swarm'
                   and any(layout._domain(t) == 'swarm' for t in layout.GRAPH[mod]))
    assert users == []


# decide(): the whole swarm plan from the engine's state, without an engine.
MANAGER = {'LocalNodeState': 'active', 'ControlAvailable': True, 'NodeID': 'self1',
           'RemoteManagers': [{'NodeID': 'self1', 'Addr': '10.0.0.1:2377'}], 'Cluster': {'ID': 'c1'}}
WORKER = dict(MANAGER, ControlAvailable=False, NodeID='w1')
SWARM = {'ID': 'c1', 'Version': {'Index': 7}, 'Spec': STORED, 'DefaultAddrPool': ['10.0.0.0/8'], 'SubnetSize': 24,
         'DataPathPort': 4789}


def test_decide_init_join_and_rerun():
    plan_ = plan.decide(_params(advertise_addr='10.0.0.1', snapshot_interval=5000), {'LocalNodeState': 'inactive'})
    assert [op for op, _a in plan_.steps] == ['init'] and plan_.after['snapshot_interval'] == 5000
    join = _params(join_token='SWMTKN-1-x', remote_addrs=['10.0.0.1'])
    assert [op for op, _a in plan.decide(join, {'LocalNodeState': 'inactive'}).steps] == ['join']
    assert 'SWMTKN' not in repr(plan.decide(join, {'LocalNodeState': 'inactive'}).after)
    assert plan.decide(join, WORKER).steps == []                      # already in that swarm
    assert plan.decide(_params(snapshot_interval=10000), MANAGER, SWARM).steps == []


def test_decide_refuses_a_second_cluster_and_a_worker_update():
    with pytest.raises(SwarmError, match='already in another swarm .cluster c1, managers 10.0.0.1:2377'):
        plan.decide(_params(join_token='t', remote_addrs=['10.9.9.9']), WORKER)
    with pytest.raises(SwarmError, match='worker of a swarm'):
        plan.decide(_params(heartbeat_tick=2), WORKER)
    with pytest.raises(SwarmError, match='subnet_size is set when the swarm is initialised'):
        plan.decide(_params(subnet_size=26), MANAGER, SWARM)
    with pytest.raises(SwarmError, match='swarm state is locked'):
        plan.decide(_params(), {'LocalNodeState': 'locked'})


def test_decide_update_and_rotation_one_step_with_the_stored_version():
    plan_ = plan.decide(_params(heartbeat_tick=2, rotate_worker_token=True), MANAGER, SWARM)
    ((op, (version, body, rotate)),) = plan_.steps
    assert op == 'update' and version == 7 and body['Raft']['HeartbeatTick'] == 2
    assert rotate == {'rotate_worker_token': True, 'rotate_manager_token': False}
    assert plan_.before == {'heartbeat_tick': 1, 'worker_token': 'current'}
    assert plan_.after == {'heartbeat_tick': 2, 'worker_token': 'rotated'}


def test_decide_leave_and_remove():
    assert [op for op, _a in plan.decide(_params(state='absent'), WORKER).steps] == ['leave']
    assert plan.decide(_params(state='absent'), {'LocalNodeState': 'inactive'}).steps == []
    other = {'ID': 'n2', 'Description': {'Hostname': 'lab2'}}
    plan_ = plan.decide(_params(state='remove', node_id='lab2'), MANAGER, SWARM, other)
    assert plan_.steps == [('remove_node', ('n2', False))] and plan_.actions == ['remove node lab2']
    assert plan.decide(_params(state='remove', node_id='gone'), MANAGER, SWARM, None).steps == []
    with pytest.raises(SwarmError, match='cannot remove the node the task talks to'):
        plan.decide(_params(state='remove', node_id='self1'), MANAGER, SWARM, {'ID': 'self1'})
    with pytest.raises(SwarmError, match='needs a manager'):
        plan.decide(_params(state='remove', node_id='x'), WORKER)


def test_decide_force_on_a_manager_is_a_new_cluster_and_name_is_a_setting():
    plan_ = plan.decide(_params(force=True, advertise_addr='10.0.0.1'), MANAGER, SWARM)
    ((op, (body,)),) = plan_.steps
    assert op == 'init' and body['ForceNewCluster'] is True
    plan_ = plan.decide(_params(name='prod'), MANAGER, SWARM)
    assert plan_.before == {'name': 'default'} and plan_.after == {'name': 'prod'}
