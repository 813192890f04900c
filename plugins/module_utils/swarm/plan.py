# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm module: decide what to do from the engine's state (pure), then do it (cluster.py).

Settings are compared with the engine's normalised Spec, and only the options the task sets, so a
rerun sends nothing and the swarm's Version stays. Join tokens and the unlock key never go into the
diff or the result unless the task runs with ``no_log`` (then the result carries them).
"""

from __future__ import annotations

import copy

from ansible_collections.fleet.docker.plugins.module_utils.swarm import cluster
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.facts import facts, with_unlock_key

# option -> path in the swarm Spec (community.docker docker_swarm names; durations in nanoseconds as there).
SPEC_PATHS = {
    'name': ('Name',),
    'labels': ('Labels',),
    'task_history_retention_limit': ('Orchestration', 'TaskHistoryRetentionLimit'),
    'snapshot_interval': ('Raft', 'SnapshotInterval'),
    'keep_old_snapshots': ('Raft', 'KeepOldSnapshots'),
    'log_entries_for_slow_followers': ('Raft', 'LogEntriesForSlowFollowers'),
    'heartbeat_tick': ('Raft', 'HeartbeatTick'),
    'election_tick': ('Raft', 'ElectionTick'),
    'dispatcher_heartbeat_period': ('Dispatcher', 'HeartbeatPeriod'),
    'node_cert_expiry': ('CAConfig', 'NodeCertExpiry'),
    'signing_ca_cert': ('CAConfig', 'SigningCACert'),
    'ca_force_rotate': ('CAConfig', 'ForceRotate'),
    'autolock_managers': ('EncryptionConfig', 'AutoLockManagers'),
}
DEFAULT_LISTEN = '0.0.0.0:2377'


def _get(spec: dict, path: tuple):
    for key in path:
        if not isinstance(spec, dict):
            return None
        spec = spec.get(key)
    return spec


def _put(spec: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        if not isinstance(spec.get(key), dict):
            spec[key] = {}
        spec = spec[key]
    spec[path[-1]] = value


def validate(params: dict) -> None:
    """Bad input, before anything is asked of the engine."""
    state = params['state']
    if state == 'join' and not params.get('join_token'):
        raise SwarmError('state=join needs join_token (and remote_addrs)')
    if params.get('join_token') and not params.get('remote_addrs'):
        raise SwarmError('join_token needs remote_addrs: the address (host[:port]) of at least one manager')
    if state == 'remove' and not params.get('node_id'):
        raise SwarmError('state=remove needs node_id (the id or hostname of the node to remove)')
    for name in ('snapshot_interval', 'keep_old_snapshots', 'log_entries_for_slow_followers', 'heartbeat_tick',
                 'election_tick', 'dispatcher_heartbeat_period', 'node_cert_expiry', 'task_history_retention_limit',
                 'subnet_size', 'ca_force_rotate'):
        value = params.get(name)
        if value is not None and value < 0:
            raise SwarmError('%s must be 0 or more, got %s' % (name, value))
    ticks = params.get('heartbeat_tick'), params.get('election_tick')
    if None not in ticks and ticks[1] <= ticks[0]:
        raise SwarmError('election_tick (%s) must be greater than heartbeat_tick (%s)' % (ticks[1], ticks[0]))
    if params.get('signing_ca_key') and not params.get('signing_ca_cert'):
        raise SwarmError('signing_ca_key needs signing_ca_cert')
    if params.get('subnet_size') is not None and not 16 <= params['subnet_size'] <= 29:
        raise SwarmError('subnet_size must be between 16 and 29, got %s' % params['subnet_size'])


def wanted_settings(params: dict) -> dict:
    """The Spec settings the task sets: {option: value}; unset options are left as the engine has them."""
    return dict((name, params[name]) for name in SPEC_PATHS if params.get(name) is not None)


def settings_of(spec: dict, names) -> dict:
    """The same options read from an engine Spec (for the diff and the comparison)."""
    out = {}
    for name in names:
        value = _get(spec or {}, SPEC_PATHS[name])
        if name == 'labels':
            value = dict(value or {})
        out[name] = value
    return out


def settings_diff(spec: dict, wanted: dict) -> dict:
    """{option: (have, want)} for what differs."""
    have = settings_of(spec, wanted)
    return dict((k, (have[k], v)) for k, v in wanted.items() if have[k] != v)


def merged_spec(spec: dict, wanted: dict, params: dict) -> dict:
    out = copy.deepcopy(spec or {})
    for name, value in wanted.items():
        _put(out, SPEC_PATHS[name], value)
    if params.get('signing_ca_key') and 'signing_ca_cert' in wanted:
        _put(out, ('CAConfig', 'SigningCAKey'), params['signing_ca_key'])
    return out


def init_body(params: dict) -> dict:
    spec = merged_spec({}, wanted_settings(params), params)
    body = dict(ListenAddr=params.get('listen_addr') or DEFAULT_LISTEN, AdvertiseAddr=params.get('advertise_addr') or '',
                ForceNewCluster=bool(params.get('force')), Spec=spec)
    if params.get('data_path_addr'):
        body['DataPathAddr'] = params['data_path_addr']
    if params.get('data_path_port') is not None:
        body['DataPathPort'] = params['data_path_port']
    if params.get('default_addr_pool'):
        body['DefaultAddrPool'] = list(params['default_addr_pool'])
    if params.get('subnet_size') is not None:
        body['SubnetSize'] = params['subnet_size']
    if params.get('availability'):
        body['Availability'] = params['availability']
    return body


def join_body(params: dict) -> dict:
    body = dict(ListenAddr=params.get('listen_addr') or DEFAULT_LISTEN, AdvertiseAddr=params.get('advertise_addr') or '',
                RemoteAddrs=list(params['remote_addrs']), JoinToken=params['join_token'])
    if params.get('data_path_addr'):
        body['DataPathAddr'] = params['data_path_addr']
    if params.get('availability'):
        body['Availability'] = params['availability']
    return body


def _with_port(addr: str) -> str:
    return addr if addr.rpartition(':')[2].isdigit() and not addr.endswith(']') else addr + ':2377'


def joined_here(local: dict, remote_addrs) -> bool:
    """Whether the engine's swarm is the one behind ``remote_addrs`` (one of them is a manager it knows)."""
    known = set(m.get('Addr') for m in local.get('RemoteManagers') or [])
    return any(_with_port(a) in known for a in remote_addrs)


def ca_cert_in_use(swarm: dict, cert: str) -> bool:
    """Whether ``cert`` is already the swarm's signing CA: the spec keeps it, and TLSInfo.TrustRoot is the root
    in use once a rotation finished (the engine may not echo the spec's copy back)."""
    cert = (cert or '').strip()
    return cert in ((_get(swarm.get('Spec') or {}, SPEC_PATHS['signing_ca_cert']) or '').strip(),
                    ((swarm.get('TLSInfo') or {}).get('TrustRoot') or '').strip())


class Plan:
    """What a swarm task does: engine steps (op, args) in order, their words, and the diff's two sides."""

    def __init__(self):
        self.steps, self.actions, self.before, self.after = [], [], {}, {}

    def add(self, action: str, op: str, *args) -> None:
        self.actions.append(action)
        self.steps.append((op, args))


def _not_a_manager(local: dict) -> str:
    return 'a worker' if local.get('LocalNodeState') == 'active' else 'not in a swarm'


def decide(params: dict, local: dict, swarm: dict | None = None, node: dict | None = None) -> Plan:
    """The plan from the engine's state (pure): ``local`` is docker info's Swarm block, ``swarm`` the cluster
    (on a manager), ``node`` the node named by node_id (state=remove). Raises SwarmError for what cannot be done."""
    validate(params)
    state, plan = params['state'], Plan()
    node_state = local.get('LocalNodeState') or 'inactive'
    # Leaving is the way out of those states (a node removed from the cluster while its engine was down comes
    # back pending); anything else waits until the engine is out of them.
    if node_state in ('pending', 'locked', 'error') and state != 'absent':
        raise SwarmError('the engine\'s swarm state is %s (%s); resolve it first (unlock, or leave with force)'
                         % (node_state, local.get('Error') or 'no detail'))
    if state in ('present', 'join'):
        joining = bool(params.get('join_token'))
        if node_state == 'inactive':
            plan.before = dict(state='inactive')
            if joining:
                plan.add('join the swarm through %s' % ', '.join(params['remote_addrs']), 'join', join_body(params))
                plan.after = dict(state='active', joined_through=list(params['remote_addrs']))
            else:
                wanted = wanted_settings(params)
                plan.add('initialise a swarm', 'init', init_body(params))
                plan.after = dict(state='active', **settings_of(merged_spec({}, wanted, params), wanted))
        elif joining:
            if not joined_here(local, params['remote_addrs']):
                managers = ', '.join(sorted(m.get('Addr') for m in local.get('RemoteManagers') or [])) or 'unknown'
                raise SwarmError('this engine is already in another swarm (cluster %s, managers %s), not the one at %s;'
                                 ' leave it first (state=absent) to join another' % (
                                     (local.get('Cluster') or {}).get('ID') or 'unknown', managers,
                                     ', '.join(params['remote_addrs'])))
        elif params.get('force') and local.get('ControlAvailable'):
            # community.docker's meaning: a new single-manager cluster from this manager's state (disaster recovery).
            plan.add('force a new cluster from this manager', 'init', init_body(params))
            plan.before, plan.after = dict(cluster=(swarm or {}).get('ID')), dict(cluster='new (force_new_cluster)')
        elif not local.get('ControlAvailable'):
            if wanted_settings(params) or params.get('rotate_worker_token') or params.get('rotate_manager_token'):
                raise SwarmError('this engine is a worker of a swarm: its settings can only be changed on a manager')
        else:
            _decide_update(plan, swarm or {}, params)
    elif state == 'absent':
        if node_state != 'inactive':
            plan.add('leave the swarm', 'leave', bool(params.get('force')))
            plan.before, plan.after = dict(state=node_state), dict(state='inactive')
    elif state == 'remove':
        if not local.get('ControlAvailable'):
            raise SwarmError('state=remove needs a manager of the swarm: this engine is %s' % _not_a_manager(local))
        if node is not None:
            if node['ID'] == local.get('NodeID'):
                raise SwarmError('state=remove cannot remove the node the task talks to; use state=absent on it')
            plan.add('remove node %s' % ((node.get('Description') or {}).get('Hostname') or node['ID']),
                     'remove_node', node['ID'], bool(params.get('force')))
            plan.before, plan.after = dict(node=node['ID']), dict(node=None)
    return plan


def _decide_update(plan: Plan, swarm: dict, params: dict) -> None:
    spec = swarm.get('Spec') or {}
    wanted = wanted_settings(params)
    if 'signing_ca_cert' in wanted and ca_cert_in_use(swarm, wanted['signing_ca_cert']):
        del wanted['signing_ca_cert']
    changes = settings_diff(spec, wanted)
    for name, key in (('default_addr_pool', 'DefaultAddrPool'), ('subnet_size', 'SubnetSize'),
                      ('data_path_port', 'DataPathPort')):
        want, have = params.get(name), swarm.get(key)
        if want is None or want == []:
            continue
        if (list(want) if isinstance(want, list) else want) != have:
            raise SwarmError('%s is set when the swarm is initialised and cannot change (the swarm has %s, the'
                             ' task asks %s); leave and init again to change it' % (name, have, want))
    rotate = dict(rotate_worker_token=bool(params.get('rotate_worker_token')),
                  rotate_manager_token=bool(params.get('rotate_manager_token')))
    words = []
    if changes:
        words.append('update the swarm settings: %s' % ', '.join(sorted(changes)))
        plan.before.update(dict((k, v[0]) for k, v in changes.items()))
        plan.after.update(dict((k, v[1]) for k, v in changes.items()))
    for name, flag in sorted(rotate.items()):
        if flag:
            words.append(name.replace('_', ' '))
            plan.before[name.replace('rotate_', '')] = 'current'
            plan.after[name.replace('rotate_', '')] = 'rotated'
    if words:
        body = merged_spec(spec, dict((k, v[1]) for k, v in changes.items()), params)
        plan.add('; '.join(words), 'update', swarm['Version']['Index'], body, rotate)


def apply(client, plan: Plan) -> None:
    """Do the plan's steps, in order."""
    for op, args in plan.steps:
        if op == 'init':
            cluster.init_swarm(client, *args)
        elif op == 'join':
            cluster.join_swarm(client, *args)
        elif op == 'leave':
            cluster.leave_swarm(client, *args)
        elif op == 'update':
            version, body, rotate = args
            cluster.update_swarm(client, version, body, **rotate)
        elif op == 'remove_node':
            cluster.remove_node(client, *args)
        else:
            raise ValueError('unknown swarm step %r' % (op,))


def converge_swarm(client, params: dict, check_mode: bool = False, want_diff: bool = False,
                   no_log: bool = False) -> dict:
    """The swarm module's whole run: read the state, decide, act (not in check mode); the result dict."""
    validate(params)
    local = cluster.local_state(client)
    manager = bool(local.get('ControlAvailable'))
    swarm = cluster.inspect_swarm(client) if manager else None
    node = cluster.inspect_node(client, params['node_id']) if params['state'] == 'remove' and manager else None
    plan = decide(params, local, swarm, node)
    if plan.steps and not check_mode:
        apply(client, plan)
        local = cluster.local_state(client)
        swarm = cluster.inspect_swarm(client) if local.get('ControlAvailable') else None
    result = with_unlock_key(client, dict(changed=bool(plan.steps), actions=plan.actions,
                                          swarm=facts(swarm, local, no_log)), swarm, no_log)
    if want_diff:
        result['diff'] = dict(before=plan.before, after=plan.after)
    return result
