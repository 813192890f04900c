# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node module: availability, role and labels of a swarm node, compared with its engine Spec.

Only what differs is sent, so a rerun leaves the node's Version alone. Names as community.docker's
docker_node: hostname (an id or a hostname), labels, labels_state merge/replace, labels_to_remove.
"""

from __future__ import annotations

import copy
import time

from ansible_collections.fleet.docker.plugins.module_utils.swarm import cluster
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.facts import summarize_node


def node_settings(spec: dict) -> dict:
    return dict(role=spec.get('Role'), availability=spec.get('Availability'), labels=dict(spec.get('Labels') or {}))


def wanted_node(current: dict, params: dict) -> dict:
    """The settings after the task (pure): current ``node_settings`` with the task's options applied."""
    out = copy.deepcopy(current)
    if params.get('role'):
        out['role'] = params['role']
    if params.get('availability'):
        out['availability'] = params['availability']
    labels = params.get('labels')
    if labels is not None or params.get('labels_state') == 'replace':
        labels = dict((str(k), '' if v is None else str(v)) for k, v in (labels or {}).items())
        out['labels'] = labels if params.get('labels_state') == 'replace' else dict(out['labels'], **labels)
    for key in params.get('labels_to_remove') or ():
        if labels and key in labels:
            raise SwarmError('label %r is both in labels and in labels_to_remove' % key)
        out['labels'].pop(key, None)
    return out


# How long a just-promoted manager may take to join the raft group before it can be demoted.
RAFT_JOIN_TIMEOUT = 30.0


def wait_until_reachable(client, node: dict, timeout: float = RAFT_JOIN_TIMEOUT) -> dict:
    """The node once its manager is a reachable raft member (or as last seen when the time is up).

    Right after a promotion the engine already stores Role=manager, but a demotion fails with
    "rpc error: code = NotFound" until the new manager has joined the raft group, so a promote
    then demote in two tasks would fail depending on timing.
    """
    deadline = time.monotonic() + timeout
    # 'unreachable' (a manager that is down) is left to the engine: waiting would not change it.
    while (node.get('ManagerStatus') or {}).get('Reachability') in (None, 'unknown') and time.monotonic() < deadline:
        time.sleep(0.5)
        node = cluster.inspect_node(client, node['ID']) or node
    return node


def converge_node(client, params: dict, check_mode: bool = False, want_diff: bool = False) -> dict:
    local = cluster.local_state(client)
    if not local.get('ControlAvailable'):
        raise SwarmError('the node module needs a manager of a swarm: this engine is %s'
                         % ('a worker' if local.get('LocalNodeState') == 'active' else 'not in a swarm'))
    node = cluster.inspect_node(client, params['hostname'])
    if node is None:
        raise SwarmError('no swarm node %r (give its id or hostname; nodes: %s)' % (
            params['hostname'], ', '.join(sorted(n['Description'].get('Hostname') or n['ID']
                                                 for n in cluster.list_nodes(client)))))
    spec = node.get('Spec') or {}
    before = node_settings(spec)
    after = wanted_node(before, params)
    changed = before != after
    if changed and not check_mode:
        if before['role'] == 'manager' and after['role'] == 'worker':
            node = wait_until_reachable(client, node)
            spec = node.get('Spec') or {}
        body = dict(copy.deepcopy(spec), Role=after['role'], Availability=after['availability'], Labels=after['labels'])
        cluster.update_node(client, node['ID'], node['Version']['Index'], body)
        node = cluster.inspect_node(client, node['ID'])
    result = dict(changed=changed, node=summarize_node(node))
    if want_diff:
        result['diff'] = dict(before=before, after=after)
    return result
