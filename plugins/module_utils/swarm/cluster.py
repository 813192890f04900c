# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that calls the engine for the swarm itself and its nodes (issue #26).

Init and join go through ``engine_request``: the SDK's ``join_swarm`` cannot send ``Availability``
and its ``init_swarm`` rebuilds the spec with its own defaults; we send exactly the body we planned.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, engine_request
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError


def local_state(client) -> dict:
    """``docker info``'s Swarm block: LocalNodeState (inactive/pending/active/error/locked), NodeID,
    ControlAvailable (a manager), Cluster (its ID) ..."""
    return client.info().get('Swarm') or {}


def inspect_swarm(client) -> dict | None:
    """The cluster (ID, Version, Spec, JoinTokens, DefaultAddrPool, SubnetSize ...), or None off a manager."""
    try:
        return client.inspect_swarm()
    except APIError as exc:
        if exc.status_code in (406, 503):   # not in a swarm / not a manager
            return None
        raise


def init_swarm(client, body: dict) -> str:
    """POST /swarm/init; returns the new node id."""
    return engine_request(client, 'POST', '/swarm/init', body=body).json()


def join_swarm(client, body: dict) -> None:
    engine_request(client, 'POST', '/swarm/join', body=body)


def leave_swarm(client, force: bool) -> None:
    engine_request(client, 'POST', '/swarm/leave', params={'force': 'true' if force else 'false'})


def update_swarm(client, version: int, spec: dict, rotate_worker_token: bool = False,
                 rotate_manager_token: bool = False, rotate_unlock_key: bool = False) -> None:
    params = {'version': version, 'rotateWorkerToken': str(rotate_worker_token).lower(),
              'rotateManagerToken': str(rotate_manager_token).lower(),
              'rotateManagerUnlockKey': str(rotate_unlock_key).lower()}
    engine_request(client, 'POST', '/swarm/update', params=params, body=spec)


def unlock_key(client) -> str | None:
    return (engine_request(client, 'GET', '/swarm/unlockkey').json() or {}).get('UnlockKey') or None


def list_nodes(client, filters: dict | None = None) -> list:
    return client.nodes(filters=filters) or []


def inspect_node(client, node: str) -> dict | None:
    """A node by id or hostname, or None. A hostname several nodes share raises AmbiguousNode: hostnames are not
    identities (every lab host used to be `vm`), so the caller must ask for the node id."""
    try:
        return client.inspect_node(node)
    except APIError as exc:
        if exc.status_code == 404:
            return None
        if exc.status_code == 400 and 'ambiguous' in str(exc.explanation or ''):
            matches = [n for n in list_nodes(client) if (n.get('Description') or {}).get('Hostname') == node]
            raise AmbiguousNode(node, [n['ID'] for n in matches]) from exc
        raise


class AmbiguousNode(SwarmError):
    def __init__(self, name: str, ids: list):
        super().__init__('%d swarm nodes have the hostname %r (%s): name the node by its id'
                         % (len(ids), name, ', '.join(sorted(ids)) or 'ids unknown'))


def update_node(client, node_id: str, version: int, spec: dict) -> None:
    engine_request(client, 'POST', '/nodes/{0}/update', node_id, params={'version': version}, body=spec)


def remove_node(client, node_id: str, force: bool = False) -> None:
    engine_request(client, 'DELETE', '/nodes/{0}', node_id, params={'force': 'true' if force else 'false'})
