# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the swarm modules report of the swarm and its nodes (shared by swarm, swarm_info, node, node_info).

Its own file so the info modules do not ship the planning code. Join tokens and the unlock key go into a
result only when the task runs with no_log.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.swarm import cluster


def facts(swarm: dict | None, local: dict, with_secrets: bool) -> dict:
    """What the result tells of the swarm; tokens only when the task runs with no_log."""
    if not swarm:
        return dict(node_id=local.get('NodeID') or None, local_node_state=local.get('LocalNodeState'))
    out = dict(id=swarm.get('ID'), created_at=swarm.get('CreatedAt'), updated_at=swarm.get('UpdatedAt'),
               version=(swarm.get('Version') or {}).get('Index'), spec=swarm.get('Spec'),
               default_addr_pool=swarm.get('DefaultAddrPool'), subnet_size=swarm.get('SubnetSize'),
               data_path_port=swarm.get('DataPathPort'), node_id=local.get('NodeID') or None,
               local_node_state=local.get('LocalNodeState'))
    if with_secrets:
        tokens = swarm.get('JoinTokens') or {}
        out['join_tokens'] = dict(worker=tokens.get('Worker'), manager=tokens.get('Manager'))
    return out


def with_unlock_key(client, result: dict, swarm: dict | None, with_secrets: bool) -> dict:
    """The unlock key of an autolocked swarm, like the join tokens only under no_log."""
    if with_secrets and swarm and ((swarm.get('Spec') or {}).get('EncryptionConfig') or {}).get('AutoLockManagers'):
        result['swarm']['unlock_key'] = cluster.unlock_key(client)
    return result


def summarize_node(node: dict) -> dict:
    desc, status, spec = node.get('Description') or {}, node.get('Status') or {}, node.get('Spec') or {}
    return dict(id=node.get('ID'), hostname=desc.get('Hostname'), role=spec.get('Role'),
                availability=spec.get('Availability'), labels=dict(spec.get('Labels') or {}),
                state=status.get('State'), addr=status.get('Addr'),
                engine_version=(desc.get('Engine') or {}).get('EngineVersion'),
                leader=bool((node.get('ManagerStatus') or {}).get('Leader')),
                manager_reachability=(node.get('ManagerStatus') or {}).get('Reachability'),
                version=(node.get('Version') or {}).get('Index'))
