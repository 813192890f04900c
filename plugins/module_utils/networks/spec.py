# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network options: the argument spec, parsing and validation (compose creates its networks from these).

The engine's normalised form is in ``info.py``, the comparison in ``plan.py``: compose does not ship them.

Everything here is pure. The task is checked against the engine's own rules before the engine is
contacted: a bad request can change the host (dockerd 20.10 keeps an address pool reserved after
refusing an auxiliary address outside its subnet), so nothing doubtful is ever sent.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import string_mapping
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import check_network_name

IPAM_ENTRY_OPTIONS = dict(
    subnet=dict(type='str', required=True),
    gateway=dict(type='str'),
    ip_range=dict(type='str', aliases=['iprange']),
    aux_addresses=dict(type='dict'),
)

NETWORK_OPTIONS = dict(
    name=dict(type='str', required=True, aliases=['network_name']),  # community.docker's alias
    state=dict(type='str', default='present', choices=['present', 'absent']),
    driver=dict(type='str', default='bridge'),
    driver_options=dict(type='dict'),
    ipam_driver=dict(type='str'),
    ipam_driver_options=dict(type='dict'),
    ipam_config=dict(type='list', elements='dict', options=IPAM_ENTRY_OPTIONS),
    enable_ipv6=dict(type='bool'),
    internal=dict(type='bool'),
    attachable=dict(type='bool'),
    labels=dict(type='dict'),
    force=dict(type='bool', default=False),
)

# Settings compared only when the task sets them; unset ones are kept on a recreate.
OPTIONAL_FLAGS = ('enable_ipv6', 'internal', 'attachable')
# Settings dockerd cannot change on a live network: any difference means remove and create.
COMPARED = ('driver', 'driver_options', 'ipam_driver', 'ipam_driver_options', 'ipam_config') + OPTIONAL_FLAGS + (
    'labels',)


class NetworkSpecError(FleetDockerError):
    """A network task the engine would refuse, or that makes no sense."""


def _family(net) -> str:
    return 'IPv%d' % net.version


def parse_subnet(text: Any, where: str):
    """A CIDR as the engine reads it: host bits allowed (10.1.2.3/24 is 10.1.2.0/24), prefix required."""
    if not isinstance(text, str) or '/' not in text:
        raise NetworkSpecError('%s: %r is not a valid CIDR (address/prefix, e.g. 10.231.7.0/24).' % (where, text))
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise NetworkSpecError('%s: %r is not a valid CIDR (address/prefix, e.g. 10.231.7.0/24).'
                               % (where, text)) from None


def parse_address(text: Any, where: str):
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise NetworkSpecError('%s: %r is not a valid IP address.' % (where, text)) from None


def _in_subnet(address, subnet, where: str, subnet_text: str) -> None:
    if address.version != subnet.version:
        raise NetworkSpecError('%s %s is %s but subnet %s is %s.'
                               % (where, address, _family(address), subnet_text, _family(subnet)))
    if address not in subnet:
        raise NetworkSpecError('%s %s is outside subnet %s.' % (where, address, subnet_text))


def parse_ipam_entry(entry: Dict[str, Any], index: int) -> Dict[str, Any]:
    """One ipam_config item, validated and normalised (canonical CIDRs and addresses)."""
    where = 'ipam_config[%d]' % index
    subnet = parse_subnet(entry.get('subnet'), where + '.subnet')
    out = dict(subnet=str(subnet), gateway=None, ip_range=None, aux_addresses=None)
    if entry.get('gateway') not in (None, ''):
        gateway = parse_address(entry['gateway'], where + '.gateway')
        _in_subnet(gateway, subnet, where + ': gateway', str(subnet))
        # The engine refuses the subnet's own address and, for IPv4, its broadcast address.
        if subnet.num_addresses > 2 and (gateway == subnet.network_address or
                                         (subnet.version == 4 and gateway == subnet.broadcast_address)):
            raise NetworkSpecError('%s: gateway %s is the network or broadcast address of %s; use a host address.'
                                   % (where, gateway, subnet))
        out['gateway'] = str(gateway)
    if entry.get('ip_range') not in (None, ''):
        ip_range = parse_subnet(entry['ip_range'], where + '.ip_range')
        if ip_range.version != subnet.version or not ip_range.subnet_of(subnet):
            raise NetworkSpecError('%s: ip_range %s is not inside subnet %s.' % (where, ip_range, subnet))
        out['ip_range'] = str(ip_range)
    if entry.get('aux_addresses') is not None:
        aux = {}
        for host, value in entry['aux_addresses'].items():
            address = parse_address(value, '%s.aux_addresses.%s' % (where, host))
            _in_subnet(address, subnet, '%s: aux address %s' % (where, host), str(subnet))
            aux[str(host)] = str(address)
        out['aux_addresses'] = aux
    return out


def check_overlaps(entries: List[Dict[str, Any]]) -> None:
    """The engine allows one pool per address range in a network; say which two entries collide."""
    nets = [ipaddress.ip_network(e['subnet']) for e in entries]
    for i, first in enumerate(nets):
        for j in range(i + 1, len(nets)):
            if first.version == nets[j].version and first.overlaps(nets[j]):
                raise NetworkSpecError('ipam_config[%d].subnet %s overlaps ipam_config[%d].subnet %s.'
                                       % (i, first, j, nets[j]))


def parse_network(params: Dict[str, Any]) -> Dict[str, Any]:
    """The task, validated and normalised; raises NetworkSpecError (nothing is sent to the engine)."""
    name = check_network_name(params.get('name'))
    driver = params.get('driver') or 'bridge'
    if not driver.strip():
        raise NetworkSpecError('driver must not be empty.')
    spec = dict(name=name, state=params.get('state') or 'present', force=bool(params.get('force')),
                driver=driver, ipam_driver=params.get('ipam_driver') or None,
                driver_options=string_mapping('driver_options', params.get('driver_options'), NetworkSpecError),
                ipam_driver_options=string_mapping('ipam_driver_options', params.get('ipam_driver_options'), NetworkSpecError),
                labels=string_mapping('labels', params.get('labels'), NetworkSpecError), ipam_config=None)
    for flag in OPTIONAL_FLAGS:
        spec[flag] = params.get(flag)
    if params.get('ipam_config') is not None:
        entries = [parse_ipam_entry(entry or {}, index) for index, entry in enumerate(params['ipam_config'])]
        check_overlaps(entries)
        spec['ipam_config'] = sort_entries(entries)
    return spec


def sort_entries(entries: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """IPv4 first, then by address: the order of ipam_config is not a setting."""
    def key(entry):
        try:
            net = ipaddress.ip_network(entry['subnet'])
            return (net.version, int(net.network_address), net.prefixlen, '')
        except ValueError:
            return (9, 0, 0, entry['subnet'])
    return sorted(entries, key=key)


def target_settings(spec: Dict[str, Any], current: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """What to create: the task's settings, and for what it leaves unset, the existing network's.

    A recreate must not silently drop a setting the task never mentioned (labels, internal, a pool).
    """
    out = dict((key, spec.get(key)) for key in COMPARED)
    if current is None:
        return out
    for key in OPTIONAL_FLAGS + ('labels', 'ipam_driver', 'ipam_config'):
        if out[key] is None:
            out[key] = current[key]
    for key in ('driver_options', 'ipam_driver_options'):
        if out[key] is not None and spec['driver'] == current['driver']:
            merged = dict(current.get(key) or {})
            merged.update(out[key])
            out[key] = merged
        elif out[key] is None and spec['driver'] == current['driver']:
            out[key] = current.get(key) or None
    if out['ipam_driver'] == 'default' and not spec.get('ipam_driver'):
        out['ipam_driver'] = None
    return out
