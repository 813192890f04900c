# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Swarm nodes as inventory hosts: host variables and default groups from ``GET /nodes`` (pure)."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.hosts.inventory import safe_group


def _address(addr: str) -> str:
    """The IP of an address as the engine writes it (``10.0.0.5``, ``10.0.0.5:2377``, ``[fd00::5]:2377``)."""
    addr = addr or ''
    if addr.startswith('['):
        return addr[1:].split(']', 1)[0]
    if addr.count(':') == 1:
        return addr.split(':', 1)[0]
    return addr


def node_vars(node: dict) -> dict:
    """The host variables of one node (an entry of the engine's node list)."""
    spec = node.get('Spec') or {}
    desc = node.get('Description') or {}
    status = node.get('Status') or {}
    manager = node.get('ManagerStatus') or {}
    engine = desc.get('Engine') or {}
    platform = desc.get('Platform') or {}
    # Status.Addr is the address the node advertises; a manager's ManagerStatus.Addr is the same
    # host with the swarm port. 0.0.0.0 (an old engine before the node reported) falls back to it.
    address = _address(status.get('Addr'))
    if address in ('', '0.0.0.0') and manager.get('Addr'):
        address = _address(manager['Addr'])
    return dict(
        swarm_node_id=node.get('ID', ''),
        swarm_hostname=desc.get('Hostname', ''),
        swarm_role=spec.get('Role', ''),
        swarm_availability=spec.get('Availability', ''),
        swarm_state=status.get('State', ''),
        swarm_leader=bool(manager.get('Leader')),
        swarm_reachability=manager.get('Reachability', ''),
        swarm_addr=address,
        swarm_labels=dict(spec.get('Labels') or {}),
        swarm_engine_labels=dict(engine.get('Labels') or {}),
        swarm_engine_version=engine.get('EngineVersion', ''),
        swarm_platform='%s/%s' % (platform.get('OS', ''), platform.get('Architecture', '')),
    )


def node_groups(facts: dict) -> list:
    """Role, availability, state, leader and node-label groups of a node."""
    groups = [safe_group('swarm', facts['swarm_role'] or 'unknown'),
              safe_group('swarm_availability', facts['swarm_availability'] or 'unknown'),
              safe_group('swarm_state', facts['swarm_state'] or 'unknown')]
    if facts['swarm_leader']:
        groups.append('swarm_leader')
    for key, value in sorted(facts['swarm_labels'].items()):
        groups.append(safe_group('swarm_label', key, value) if value not in (None, '') else safe_group('swarm_label', key))
    return groups
