# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure plan: from the task and what the engine holds, the steps to take, or a refusal.

Decide, then act: every refusal (containers attached, a static address that would not fit, a pool
another network holds) is raised here, before ``apply`` touches anything. Check mode is this plan.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import OPTIONAL_FLAGS, NetworkSpecError, target_settings


def _versions(entries: List[Dict[str, Any]]) -> set:
    out = set()
    for entry in entries:
        try:
            out.add(ipaddress.ip_network(entry['subnet']).version)
        except ValueError:
            pass
    return out


def _entry_matches(wanted: Dict[str, Any], actual: Dict[str, Any]) -> bool:
    """Fields the task left unset are the engine's to fill (the gateway above all): not compared."""
    for field in ('gateway', 'ip_range', 'aux_addresses'):
        if wanted.get(field) is not None and wanted[field] != actual.get(field):
            return False
    return True


def ipam_differs(wanted: List[Dict[str, Any]], actual: List[Dict[str, Any]]) -> bool:
    """Compare per address family the task names; pools of a family it does not name are engine-filled."""
    families = _versions(wanted)
    relevant = [a for a in actual if _versions([a]) & families or not _versions([a])]
    by_subnet = dict((a['subnet'], a) for a in relevant)
    if sorted(by_subnet) != sorted(w['subnet'] for w in wanted) or len(by_subnet) != len(relevant):
        return True
    return not all(_entry_matches(w, by_subnet[w['subnet']]) for w in wanted)


def compare_network(spec: Dict[str, Any], current: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Differences between the task and the engine's normalised network, only for what the task set (pure).

    driver_options, ipam_driver_options and labels compare the keys the task names: the engine may add its own.
    """
    diffs = []

    def add(option, before, after):
        diffs.append(dict(option=option, before=before, after=after))

    if spec['driver'] != current['driver']:
        add('driver', current['driver'], spec['driver'])
    for option in ('driver_options', 'ipam_driver_options'):
        wanted = spec.get(option)
        if wanted is not None:
            have = current.get(option) or {}
            if any(have.get(key) != value for key, value in wanted.items()):
                add(option, have, wanted)
    if spec.get('ipam_driver') and spec['ipam_driver'] != current['ipam_driver']:
        add('ipam_driver', current['ipam_driver'], spec['ipam_driver'])
    if spec.get('ipam_config') is not None and ipam_differs(spec['ipam_config'], current['ipam_config']):
        add('ipam_config', current['ipam_config'], spec['ipam_config'])
    for flag in OPTIONAL_FLAGS:
        if spec.get(flag) is not None and bool(spec[flag]) != current[flag]:
            add(flag, current[flag], spec[flag])
    # Labels compare the keys the task names, as in community.docker.docker_network: a label another
    # tool added is no reason to recreate the network.
    labels = spec.get('labels')
    if labels is not None and any(current['labels'].get(key) != value for key, value in labels.items()):
        add('labels', current['labels'], labels)
    return diffs


def _names(attached: List[Dict[str, Any]]) -> str:
    return ', '.join(sorted(c['name'] for c in attached))


def engine_overlaps(entries: List[Dict[str, Any]], others: List[Dict[str, Any]], ipam_driver: Optional[str]) -> None:
    """dockerd's default IPAM gives each local pool to one network; name the network holding ours."""
    if ipam_driver not in (None, 'default'):
        return
    for other in others:
        if other.get('ipam_driver') not in (None, 'default'):
            continue
        for theirs in other.get('ipam_config') or []:
            try:
                held = ipaddress.ip_network(theirs['subnet'])
            except ValueError:
                continue
            for index, entry in enumerate(entries):
                wanted = ipaddress.ip_network(entry['subnet'])
                if wanted.version == held.version and wanted.overlaps(held):
                    raise NetworkSpecError('ipam_config[%d].subnet %s overlaps subnet %s of network %s.'
                                           % (index, wanted, held, other['name']))


def check_static_addresses(attached: List[Dict[str, Any]], entries: List[Dict[str, Any]]) -> None:
    """A container keeps its static addresses only if they fit a configured pool of the new network."""
    problems = []
    for container in attached:
        for field in ('ipv4_address', 'ipv6_address'):
            text = container.get(field)
            if not text:
                continue
            address = ipaddress.ip_address(text)
            pools = [e for e in entries if ipaddress.ip_network(e['subnet']).version == address.version]
            fits = [e for e in pools if address in ipaddress.ip_network(e['subnet'])]
            if not fits:
                where = ', '.join(e['subnet'] for e in pools) or 'no configured IPv%d subnet' % address.version
                problems.append('%s has static address %s, outside the new network (%s)'
                                % (container['name'], address, where))
            elif any(e.get('gateway') == str(address) for e in fits):
                problems.append('%s has static address %s, the new gateway' % (container['name'], address))
    if problems:
        raise NetworkSpecError('Cannot recreate the network: %s. Nothing was changed.' % '; '.join(problems))


def plan_network(spec: Dict[str, Any], current: Optional[Dict[str, Any]], attached: List[Dict[str, Any]],
                 others: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Return dict(actions, steps, changes, settings) for ``apply``; raise NetworkSpecError to refuse.

    ``current`` is the normalised network or None, ``attached`` its containers (see info.attached),
    ``others`` every other network, normalised.
    """
    name = spec['name']
    result = dict(actions=[], steps=[], changes=[], settings=None)
    if spec['state'] == 'absent':
        if current is None:
            return result
        if attached and not spec['force']:
            raise NetworkSpecError('Network %s has container(s) attached: %s. Disconnect them first, or set '
                                   'force: true to disconnect them and remove the network. Nothing was changed.'
                                   % (name, _names(attached)))
        result['steps'] = [('disconnect', c) for c in attached] + [('remove', current)]
        result['actions'] = ['disconnected %s' % c['name'] for c in attached] + ['removed']
        return result

    if current is not None:
        diffs = compare_network(spec, current)
        result['changes'] = diffs
        if not diffs:
            return result
    settings = target_settings(spec, current)
    result['settings'] = settings
    engine_overlaps(settings.get('ipam_config') or [], [o for o in others if not current or o['id'] != current['id']],
                    settings.get('ipam_driver'))
    if current is None:
        result['steps'] = [('create', settings)]
        result['actions'] = ['created']
        return result

    if attached and not spec['force']:
        raise NetworkSpecError('Network %s must be recreated to change %s (the engine cannot change a network in '
                               'place), but container(s) are attached: %s. Set force: true to disconnect them, '
                               'recreate the network and reconnect them. Nothing was changed.'
                               % (name, ', '.join(d['option'] for d in diffs), _names(attached)))
    check_static_addresses(attached, settings.get('ipam_config') or [])
    result['steps'] = ([('disconnect', c) for c in attached] + [('remove', current), ('create', settings)] +
                       [('connect', c) for c in attached])
    result['actions'] = (['disconnected %s' % c['name'] for c in attached] + ['recreated'] +
                         ['reconnected %s' % c['name'] for c in attached])
    return result
