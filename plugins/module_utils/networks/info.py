# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading networks: exact-name lookup, attached containers with their addresses, the summary."""

from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_entries, lookup_container
from ansible_collections.fleet.docker.plugins.module_utils.networks.ops import (
    find_network, inspect_network as _inspect, list_networks)
from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import sort_entries


def _canonical_cidr(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text  # keep what the engine says when we cannot read it


def _canonical_address(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text.split('/')[0]))
    except ValueError:
        return text


def normalise_network(net: Dict[str, Any]) -> Dict[str, Any]:
    """An engine network (inspect) in the task's terms, CIDRs and addresses canonical.

    dockerd 20.10 keeps CIDRs as typed (10.1.2.3/24, fd00:0001::/64); newer engines canonicalise.
    """
    ipam = net.get('IPAM') or {}
    entries = []
    for entry in ipam.get('Config') or []:
        aux = entry.get('AuxiliaryAddresses') or entry.get('AuxAddress')
        entries.append(dict(subnet=_canonical_cidr(entry.get('Subnet')),
                            gateway=_canonical_address(entry.get('Gateway')),
                            ip_range=_canonical_cidr(entry.get('IPRange')),
                            aux_addresses=dict((k, _canonical_address(v)) for k, v in aux.items()) if aux else None))
    return dict(name=net.get('Name'), id=net.get('Id'), driver=net.get('Driver'), scope=net.get('Scope'),
                created=net.get('Created'), driver_options=dict(net.get('Options') or {}),
                ipam_driver=ipam.get('Driver') or 'default', ipam_driver_options=dict(ipam.get('Options') or {}),
                ipam_config=sort_entries([e for e in entries if e['subnet']]),
                enable_ipv6=bool(net.get('EnableIPv6')), internal=bool(net.get('Internal')),
                attachable=bool(net.get('Attachable')), labels=dict(net.get('Labels') or {}))


def _bare(address: Optional[str]) -> Optional[str]:
    return address.split('/')[0] if address else None


def attached(client, network: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The containers on ``network``, running or not, with what a reconnect needs: static addresses, aliases, links.

    The network lists only running containers (they have an endpoint); stopped and created ones are
    configured on it by name and would not start once it is gone, so they count as attached too.
    Aliases drop the container's short ID, which dockerd 20.10 lists and adds again on connect.
    """
    endpoints = dict(network.get('Containers') or {})
    ids = set(endpoints)
    ids.update(c['Id'] for c in list_entries(client, {'network': network['Name']}))
    out = []
    for cid in sorted(ids):
        endpoint = endpoints.get(cid) or {}
        container = lookup_container(client, cid)
        if container is None:  # endpoints of swarm load balancers, or a container just removed
            continue
        networks = (container.get('NetworkSettings') or {}).get('Networks') or {}
        settings = networks.get(network['Name'])
        if settings is None:
            settings = next((s for s in networks.values() if s.get('NetworkID') == network['Id']), None)
        if settings is None:  # the engine's filter also matches ID prefixes of other networks
            continue
        ipam = settings.get('IPAMConfig') or {}
        short = container['Id'][:12]
        out.append(dict(
            name=container['Name'].lstrip('/'), id=container['Id'],
            status=(container.get('State') or {}).get('Status'),
            ipv4=_bare(endpoint.get('IPv4Address')) or settings.get('IPAddress') or None,
            ipv6=_bare(endpoint.get('IPv6Address')) or settings.get('GlobalIPv6Address') or None,
            mac=endpoint.get('MacAddress') or settings.get('MacAddress') or None,
            aliases=[a for a in settings.get('Aliases') or [] if a != short],
            links=list(settings.get('Links') or []),
            ipv4_address=ipam.get('IPv4Address') or None,
            ipv6_address=ipam.get('IPv6Address') or None,
        ))
    return out


def summarize_network(network: Optional[Dict[str, Any]], containers: List[Dict[str, Any]]) -> Optional[Dict]:
    """The network's settings in the module's option names, plus its containers."""
    if not network:
        return None
    out = normalise_network(network)
    out['containers'] = containers
    return out


def network_info(client, names: Optional[List[str]] = None) -> Dict[str, Any]:
    """One entry per requested name (missing ones with exists false), or every network."""
    if names is None:
        found = [n for n in (_inspect(client, listed['Id']) for listed in list_networks(client)) if n]
        nets = [dict(summarize_network(n, attached(client, n)), exists=True)
                for n in sorted(found, key=lambda n: n.get('Name') or '')]
        return dict(changed=False, exists=True, networks=nets)
    nets = []
    for name in names:
        network = find_network(client, name) if name else None
        if network is None:
            nets.append(dict(name=name, exists=False))
        else:
            nets.append(dict(summarize_network(network, attached(client, network)), exists=True))
    result = dict(changed=False, exists=all(n['exists'] for n in nets), networks=nets)
    if len(names) == 1:
        result['network'] = nets[0] if nets[0]['exists'] else None
    return result
