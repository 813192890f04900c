# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine calls for networks: exact-name lookup, list by label, create (with the IPAM body), remove.

Used by the network module and by compose, so a network is created one way whoever asks.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError, NotFound


def find_network(client, name: str) -> Optional[Dict[str, Any]]:
    """The network called exactly ``name``, or None.

    Inspecting by name would also match an ID prefix of another network, and the engine's name
    filter matches substrings: list, keep exact names, then inspect by ID.
    """
    matches = [n for n in client.networks(names=[name]) if n.get('Name') == name]
    if len(matches) > 1:
        raise FleetDockerError('%d networks are named %s (IDs %s); remove the extra ones by ID first.'
                               % (len(matches), name, ', '.join(sorted(n['Id'][:12] for n in matches))))
    if not matches:
        return None
    return inspect_network(client, matches[0]['Id'])


def inspect_network(client, network_id: str) -> Optional[Dict[str, Any]]:
    try:
        return client.inspect_network(network_id)
    except NotFound:  # removed since the list
        return None


def list_networks(client, label: Optional[str] = None) -> List[Dict[str, Any]]:
    """The engine's network list entries (with their IPAM config), those carrying ``label`` when given."""
    return client.networks(filters={'label': label}) if label else client.networks()


def ipam_body(settings: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The engine's IPAM object for the settings, or None to let it choose everything."""
    entries = settings.get('ipam_config') or []
    if not entries and not settings.get('ipam_driver') and not settings.get('ipam_driver_options'):
        return None
    config = []
    for entry in entries:
        pool = dict(Subnet=entry['subnet'])
        if entry.get('gateway'):
            pool['Gateway'] = entry['gateway']
        if entry.get('ip_range'):
            pool['IPRange'] = entry['ip_range']
        if entry.get('aux_addresses'):
            pool['AuxiliaryAddresses'] = dict(entry['aux_addresses'])
        config.append(pool)
    return dict(Driver=settings.get('ipam_driver') or 'default', Config=config,
                Options=dict(settings.get('ipam_driver_options') or {}))


def create_network(client, name: str, settings: Dict[str, Any]) -> str:
    """Create from ``networks.spec.target_settings``; the new network's ID."""
    created = client.create_network(
        name, driver=settings['driver'], options=settings.get('driver_options') or None,
        ipam=ipam_body(settings), check_duplicate=True, internal=bool(settings.get('internal')),
        labels=settings.get('labels') or None, enable_ipv6=bool(settings.get('enable_ipv6')),
        attachable=bool(settings.get('attachable')))
    return created['Id']


def remove_network(client, network_id: str) -> None:
    client.remove_network(network_id)
