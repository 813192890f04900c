"""fleet.docker.swarm / swarm_info / node / node_info on private dockerds (issue #26), never the shared engines.

One bare private dockerd goes through the swarm's life (init, rerun, check, diff, update, rotation, leave);
the node tests use the session's one-node swarm (swarm_engine) and put the node back.
"""

import json
import os
import textwrap

import pytest

from fleet_swarmlib import SID_DOCKERD, dockerd_binary
from fleet_testlib import PYTHON, run_module, run_playbook


def _swarm(daemon, check=False, diff=False, **args):
    args.setdefault('docker_host', daemon.docker_host)
    if args.get('state', 'present') == 'present':
        # the private daemons share the host's netns: never the default 0.0.0.0:2377
        args.setdefault('listen_addr', daemon.listen_addr)
        if not args.get('join_token'):
            args.setdefault('data_path_port', daemon.data_path_port)
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


@pytest.fixture(params=['20.10', '28.5'])
def bare_engine(request, private_dockerd):
    """A private dockerd not in a swarm: the host's 20.10, then the sid rootfs's 28.5."""
    path = dockerd_binary(request.param)
    if not os.path.exists(path):
        pytest.skip('%s is not built (make engines)' % path)
    return private_dockerd(path)


def test_swarm_life_init_rerun_check_diff_update_rotate_leave(bare_engine):
    bare = bare_engine
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

    # autolock: the unlock key, like the tokens, only under no_log; rerun unchanged; back off
    res = _swarm(bare, autolock_managers=True)
    assert res.changed and bare.client.inspect_swarm()['Spec']['EncryptionConfig']['AutoLockManagers'], res
    key = bare.client.get_unlock_key()['UnlockKey']
    assert key not in json.dumps(res) + res.stdout and 'unlock_key' not in res['swarm']
    res = _swarm(bare, autolock_managers=True, _ansible_no_log=True)
    assert not res.changed and res['swarm']['unlock_key'] == key, res
    info = run_module('swarm_info', dict(docker_host=bare.docker_host, unlock_key=True, _ansible_no_log=True))
    assert info['swarm']['unlock_key'] == key, info
    info = run_module('swarm_info', dict(docker_host=bare.docker_host, unlock_key=True))
    assert key not in info.stdout and 'unlock_key' not in info['swarm'] and info.get('warnings'), info
    assert _swarm(bare, autolock_managers=False).changed

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
    info = run_module('swarm_info', dict(docker_host=bare.docker_host))
    assert not info.failed and not info['docker_swarm_active'] and not info['docker_swarm_manager'], info
    res = run_module('swarm_info', dict(docker_host=bare.docker_host, nodes=True))
    assert res.failed and 'not in a swarm' in res['msg'], res
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


def test_mixed_engines_join_with_availability_remove_and_no_token_in_vvv(private_dockerd, swarm_engine, tmp_path):
    if not os.path.exists(SID_DOCKERD):
        pytest.skip('the sid rootfs (28.5 dockerd) is not built: make engines')
    manager, worker = private_dockerd(SID_DOCKERD, label='mgr'), private_dockerd(label='wrk')
    assert manager.client.version()['Version'].startswith('28.') and worker.client.version()['Version'].startswith('20.')
    res = _swarm(manager, advertise_addr=manager.address)
    assert res.changed, res
    token = run_module('swarm_info', dict(docker_host=manager.docker_host, _ansible_no_log=True))['swarm']['join_tokens']
    join = dict(join_token=token['worker'], remote_addrs=[manager.address], advertise_addr=worker.address,
                availability='drain')
    res = _swarm(worker, check=True, **join)
    assert res.changed and worker.client.info()['Swarm']['LocalNodeState'] == 'inactive', res
    res = _swarm(worker, **join)
    assert res.changed and worker.client.info()['Swarm']['LocalNodeState'] == 'active', res
    _no_token_in(res, token.values())
    res = _swarm(worker, **join)
    assert not res.changed, res
    wid = worker.client.info()['Swarm']['NodeID']
    # a real second cluster (the session's swarm) with its real token: refused, still in the first
    other = swarm_engine.client.inspect_swarm()['JoinTokens']['Worker']
    res = _swarm(worker, join_token=other, remote_addrs=[swarm_engine.listen_addr])
    assert res.failed and 'already in another swarm' in res['msg'] and other not in res.stdout, res
    assert worker.client.info()['Swarm']['NodeID'] == wid and len(swarm_engine.client.nodes()) == 1
    node = manager.client.inspect_node(wid)
    assert node['Spec']['Availability'] == 'drain' and node['Spec']['Role'] == 'worker'
    # a worker cannot change settings; node_info lists both, the worker on 20.10
    res = _swarm(worker, snapshot_interval=100)
    assert res.failed and 'worker' in res['msg'], res
    nodes = run_module('node_info', dict(docker_host=manager.docker_host))['nodes']
    assert sorted(n['engine_version'][:2] for n in nodes) == ['20', '28'], nodes

    # -vvv, --diff: no token in any result, diff or invocation (join_token is a no_log option)
    playbook = tmp_path / 'swarm.yml'
    playbook.write_text(textwrap.dedent('''\
        - hosts: localhost
          gather_facts: false
          vars:
            ansible_python_interpreter: %s
            dh: "%s"
          tasks:
            - fleet.docker.swarm_info: {docker_host: "{{ dh }}", nodes: true}
              register: info
            - ansible.builtin.debug: {var: info}
            - fleet.docker.swarm: {docker_host: "{{ dh }}", rotate_manager_token: true}
            - fleet.docker.swarm: {docker_host: "{{ dh }}"}
              register: secret
              no_log: true
            - fleet.docker.swarm:
                docker_host: "{{ dh }}"
                join_token: "{{ secret.swarm.join_tokens.worker }}"
                remote_addrs: [10.9.9.9]
              ignore_errors: true
        ''' % (PYTHON, manager.docker_host)))
    proc = run_playbook(str(playbook), extra_args=['--diff', '-vvv'])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'already in another swarm' in output, output[-3000:]
    tokens = manager.client.inspect_swarm()['JoinTokens']
    for value in list(token.values()) + [tokens['Worker'], tokens['Manager']]:
        assert value not in output, output[-3000:]
    assert tokens['Manager'] != token['manager']

    # both private daemons have the host's hostname: a hostname two nodes share is refused, with their ids
    hostname = node['Description']['Hostname']
    res = run_module('node', dict(docker_host=manager.docker_host, hostname=hostname, availability='active'))
    assert res.failed and '2 swarm nodes have the hostname' in res['msg'] and wid in res['msg'], res
    assert manager.client.inspect_node(wid)['Spec']['Availability'] == 'drain'

    # promote, then demote (the role as the engine stores it; rerun unchanged)
    node_args = dict(docker_host=manager.docker_host, hostname=wid)
    res = run_module('node', dict(node_args, role='manager'), diff=True)
    assert res.changed and res['diff']['before']['role'] == 'worker' and res['diff']['after']['role'] == 'manager', res
    assert manager.client.inspect_node(wid)['Spec']['Role'] == 'manager'
    assert not run_module('node', dict(node_args, role='manager')).changed
    res = run_module('node', dict(node_args, role='worker', availability='active'))
    assert res.changed and manager.client.inspect_node(wid)['Spec']['Role'] == 'worker', res

    # the worker leaves; the manager removes its node (then unchanged)
    assert _swarm(worker, state='absent').changed
    res = _swarm(manager, state='remove', node_id=wid, force=True)
    assert res.changed and all(n['ID'] != wid for n in manager.client.nodes()), res
    assert not _swarm(manager, state='remove', node_id=wid, force=True).changed
