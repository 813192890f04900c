# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_info and node_info: read-only facts about the swarm and its nodes."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.swarm import cluster
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.facts import facts, summarize_node, with_unlock_key


def swarm_info(client, nodes: bool = False, nodes_filters: dict | None = None, no_log: bool = False,
               unlock_key: bool = False) -> dict:
    local = cluster.local_state(client)
    manager = bool(local.get('ControlAvailable'))
    swarm = cluster.inspect_swarm(client) if manager else None
    result = dict(changed=False, docker_swarm_active=local.get('LocalNodeState') == 'active',
                  docker_swarm_manager=manager, swarm=facts(swarm, local, no_log))
    if unlock_key and not no_log:
        result['warnings'] = ['unlock_key: the unlock key is returned only when the task runs with no_log']
    with_unlock_key(client, result, swarm, no_log and unlock_key)
    if nodes:
        if not manager:
            raise SwarmError('nodes: true needs a manager of a swarm: this engine is %s'
                             % ('a worker' if local.get('LocalNodeState') == 'active' else 'not in a swarm'))
        result['nodes'] = [summarize_node(n) for n in cluster.list_nodes(client, nodes_filters)]
    return result


def node_info(client, names=None, self_only: bool = False) -> dict:
    local = cluster.local_state(client)
    if not local.get('ControlAvailable'):
        raise SwarmError('node_info needs a manager of a swarm: this engine is %s'
                         % ('a worker' if local.get('LocalNodeState') == 'active' else 'not in a swarm'))
    if self_only:
        names = [local.get('NodeID')]
    if names:
        found = [cluster.inspect_node(client, n) for n in names]
        nodes = [n for n in found if n is not None]
    else:
        nodes = cluster.list_nodes(client)
    return dict(changed=False, nodes=[summarize_node(n) for n in nodes], raw=nodes)
