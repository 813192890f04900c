"""fleet.docker.swarm / swarm_info / node / node_info on private dockerds (issue #26), never the shared engines.

One bare private dockerd goes through the swarm's life (init, rerun, check, diff, update, rotation, leave);
the node tests use the session's one-node swarm (swarm_engine) and put the node back.
"""

import json

import pytest

from fleet_testlib import run_module


def _swarm(daemon, check=False, diff=False, **args):
    args.setdefault('docker_host', daemon.docker_host)
    if args.get('state', 'present') == 'present':
        # the private daemons share the host's netns: never the default 0.0.0.0:2377
        args.setdefault('listen_addr', daemon.listen_addr)
    return run_module('swarm', args, check=check, diff=diff)


def _tokens(daemon):
    tokens = daemon.client.inspect_swarm()['JoinTokens']
    return tokens['Worker'], tokens['Manager']


def _no_token_in(result, tokens):
    text = json.dumps(result) + result.stdout + result.stderr
    for token in tokens:
        assert token not in text


@pytest.fixture
def bare(private_dockerd):
    return private_dockerd()


def test_swarm_life_init_rerun_check_diff_update_rotate_leave(bare):
    # check mode on an engine in no swarm: reports the init, changes nothing
    res = _swarm(bare, check=True, diff=True, advertise_addr=bare.address)
    assert res.changed and res['actions'] == ['initialise a swarm'], res
    assert bare.client.info()['Swarm']['LocalNodeState'] == 'inactive'

    res = _swarm(bare, advertise_addr=bare.address, default_addr_pool=['10.240.0.0/16'], subnet_size=26,
                 snapshot_interval=5000)
    assert res.changed and not res.failed, res
    swarm = bare.client.inspect_swarm()
    assert swarm['DefaultAddrPool'] == ['10.240.0.0/16'] and swarm['SubnetSize'] == 26
    assert swarm['Spec']['Raft']['SnapshotInterval'] == 5000
    tokens = _tokens(bare)
    _no_token_in(res, tokens)
    assert 'join_tokens' not in res['swarm']
    version = swarm['Version']['Index']

    # rerun: unchanged, the swarm's Version stays
    res = _swarm(bare, advertise_addr=bare.address, default_addr_pool=['10.240.0.0/16'], subnet_size=26,
                 snapshot_interval=5000)
    assert not res.changed and res['actions'] == [], res
    assert bare.client.inspect_swarm()['Version']['Index'] == version

    # check + diff of a settings update: before/after shown, nothing changes
    res = _swarm(bare, check=True, diff=True, snapshot_interval=6000, heartbeat_tick=2, election_tick=20,
                 labels={'tier': 'lab'})
    assert res.changed, res
    assert res['diff']['before']['snapshot_interval'] == 5000 and res['diff']['after']['snapshot_interval'] == 6000
    assert res['diff']['after']['labels'] == {'tier': 'lab'}
    assert bare.client.inspect_swarm()['Version']['Index'] == version

    res = _swarm(bare, diff=True, snapshot_interval=6000, heartbeat_tick=2, election_tick=20, labels={'tier': 'lab'},
                 dispatcher_heartbeat_period=7000000000)
    assert res.changed, res
    spec = bare.client.inspect_swarm()['Spec']
    assert spec['Raft']['SnapshotInterval'] == 6000 and spec['Raft']['HeartbeatTick'] == 2
    assert spec['Raft']['ElectionTick'] == 20 and spec['Labels'] == {'tier': 'lab'}
    assert spec['Dispatcher']['HeartbeatPeriod'] == 7000000000
    res = _swarm(bare, snapshot_interval=6000, heartbeat_tick=2, election_tick=20, labels={'tier': 'lab'})
    assert not res.changed, res

    # token rotation: new tokens, never in results or diffs; with no_log the result carries them
    res = _swarm(bare, diff=True, rotate_worker_token=True)
    assert res.changed, res
    new = _tokens(bare)
    assert new[0] != tokens[0] and new[1] == tokens[1]
    _no_token_in(res, tokens + new)
    res = _swarm(bare, _ansible_no_log=True)
    assert res['swarm']['join_tokens'] == dict(worker=new[0], manager=new[1])

    # an init-only setting that differs: clear error, nothing changed
    res = _swarm(bare, subnet_size=24)
    assert res.failed and 'cannot change' in res['msg'], res
    # joining another swarm while in this one: clear error, nothing changed
    res = _swarm(bare, join_token='SWMTKN-1-' + 'x' * 50 + '-' + 'y' * 25, remote_addrs=['10.9.9.9'])
    assert res.failed and 'already in another swarm' in res['msg'], res
    assert 'SWMTKN' not in res.stdout.replace('"join_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"', '')

    # swarm_info / node_info
    info = run_module('swarm_info', dict(docker_host=bare.docker_host, nodes=True))
    assert info['docker_swarm_manager'] and len(info['nodes']) == 1, info
    _no_token_in(info, new)
    nodes = run_module('node_info', dict(docker_host=bare.docker_host, self=True))
    assert nodes['nodes'][0]['id'] == bare.node_id and nodes['nodes'][0]['role'] == 'manager', nodes

    # leave: check mode first, then for real, then unchanged
    res = _swarm(bare, check=True, state='absent', force=True)
    assert res.changed and bare.client.info()['Swarm']['LocalNodeState'] == 'active'
    res = _swarm(bare, state='absent', force=True)
    assert res.changed and bare.client.info()['Swarm']['LocalNodeState'] == 'inactive', res
    res = _swarm(bare, state='absent', force=True)
    assert not res.changed, res


def test_bad_input_is_one_clear_error(bare):
    for args, words in ((dict(state='join'), 'needs join_token'),
                        (dict(join_token='SWMTKN-1-abc'), 'needs remote_addrs'),
                        (dict(heartbeat_tick=5, election_tick=3), 'must be greater than heartbeat_tick'),
                        (dict(state='remove'), 'needs node_id')):
        res = _swarm(bare, **args)
        assert res.failed and words in res['msg'], (args, res)
        assert 'SWMTKN-1-abc' not in res.stdout
    assert bare.client.info()['Swarm']['LocalNodeState'] == 'inactive'
    res = run_module('node', dict(docker_host=bare.docker_host, hostname='x', availability='drain'))
    assert res.failed and 'not in a swarm' in res['msg'], res


def test_node_labels_and_availability_are_idempotent(swarm_engine):
    client, node = swarm_engine.client, swarm_engine.node_id
    spec = client.inspect_node(node)['Spec']
    args = dict(docker_host=swarm_engine.docker_host, hostname=node)
    try:
        res = run_module('node', dict(args, labels={'zone': 'eu-1', 'ssd': ''}), check=True, diff=True)
        assert res.changed and res['diff']['after']['labels'] == dict(spec.get('Labels') or {}, zone='eu-1', ssd='')
        assert client.inspect_node(node)['Spec'] == spec
        res = run_module('node', dict(args, labels={'zone': 'eu-1', 'ssd': ''}, availability='pause'))
        assert res.changed, res
        after = client.inspect_node(node)
        assert after['Spec']['Labels']['zone'] == 'eu-1' and after['Spec']['Availability'] == 'pause'
        res = run_module('node', dict(args, labels={'zone': 'eu-1'}, availability='pause'))
        assert not res.changed and client.inspect_node(node)['Version'] == after['Version'], res
        res = run_module('node', dict(args, labels={'zone': 'eu-2'}, labels_state='replace'), diff=True)
        assert res.changed and client.inspect_node(node)['Spec']['Labels'] == {'zone': 'eu-2'}, res
        res = run_module('node', dict(args, labels_to_remove=['zone']))
        assert res.changed and client.inspect_node(node)['Spec']['Labels'] == {}, res
        res = run_module('node', dict(args, hostname='no-such-node', availability='drain'))
        assert res.failed and 'no swarm node' in res['msg'], res
    finally:
        cur = client.inspect_node(node)
        client.update_node(node, cur['Version']['Index'], spec)
