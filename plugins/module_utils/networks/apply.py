# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the engine for the plan, and carrying the plan out.

A failure part way leaves ``changed`` true and a message that says where the host stands. When
the new network cannot be created after the old one was removed, the old one is created again
and its containers reconnected, so no container is left off its network because of a bad option.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import connect_network, disconnect_network
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    DockerException, FleetDockerError, RequestException, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.networks.info import attached, normalise_network, summarize_network
from ansible_collections.fleet.docker.plugins.module_utils.networks.ops import (
    create_network as create, find_network, list_networks, remove_network)
from ansible_collections.fleet.docker.plugins.module_utils.networks.plan import plan_network
from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import parse_network, target_settings


def gather(client, spec: Dict[str, Any]) -> Tuple[Optional[Dict], Optional[Dict], List[Dict], List[Dict]]:
    """(raw network, normalised network, attached containers, other networks normalised): reads only."""
    raw = find_network(client, spec['name'])
    current = normalise_network(raw) if raw else None
    containers = attached(client, raw) if raw else []
    others = []
    if spec['state'] == 'present':
        # The list endpoint carries each network's IPAM config: no inspect per network needed.
        others = [normalise_network(n) for n in list_networks(client) if not raw or n.get('Id') != raw['Id']]
    return raw, current, containers, others


def _links(container: Dict[str, Any]) -> List[str]:
    """Inspect shows links as "/name:/me/alias"; connect takes "name:alias"."""
    out = []
    for link in container.get('links') or []:
        target, _sep, alias = link.partition(':')
        alias = alias.rsplit('/', 1)[-1]
        out.append('%s:%s' % (target.lstrip('/'), alias) if alias else target.lstrip('/'))
    return out


def connect(client, container: Dict[str, Any], network_id: str) -> None:
    """Connect a container again with the endpoint it had (addresses, aliases, links)."""
    ipam = dict((key, container[name]) for name, key in (('ipv4_address', 'IPv4Address'), ('ipv6_address', 'IPv6Address'))
                if container.get(name))
    connect_network(client, container['id'], network_id,
                    dict(Aliases=container.get('aliases') or None, Links=_links(container), IPAMConfig=ipam))


def _restore(client, name: str, old: Dict[str, Any], disconnected: List[Dict], removed: bool) -> str:
    """Put the old network back (if removed) and reconnect what was disconnected; say how it went."""
    network_id = old['id']
    try:
        if removed:
            network_id = create(client, name, target_settings(dict(old, force=False), None))
    except (DockerException, RequestException, OSError) as exc:  # the engine's refusals and faults
        return ('The old network could not be created again (%s): network %s is gone and container(s) %s are '
                'disconnected from it.' % (describe_error(exc), name,
                                           ', '.join(c['name'] for c in disconnected) or 'none'))
    lost = []
    for container in disconnected:
        try:
            connect(client, container, network_id)
        except (DockerException, RequestException, OSError) as exc:  # the engine's refusals and faults
            lost.append('%s (%s)' % (container['name'], describe_error(exc)))
    what = 'The network was created again with its previous settings' if removed else 'The network is unchanged'
    if lost:
        return '%s, but these containers could not be reconnected: %s.' % (what, '; '.join(lost))
    return '%s and its containers are reconnected.' % what if disconnected else what + '.'


def apply_plan(client, name: str, plan: Dict[str, Any], current: Optional[Dict[str, Any]]) -> Optional[str]:
    """Carry out the plan's steps; returns the network's ID (None once removed). Raises with the state."""
    network_id = current['id'] if current else None
    disconnected: List[Dict] = []
    removed = False
    for step, arg in plan['steps']:
        try:
            if step == 'disconnect':
                disconnect_network(client, arg['id'], network_id, force=True)
                disconnected.append(arg)
            elif step == 'remove':
                remove_network(client, network_id)
                removed = True
            elif step == 'create':
                network_id = create(client, name, arg)
        except (DockerException, RequestException, OSError) as exc:  # the engine's refusals and faults
            done = bool(disconnected) or removed
            state = _restore(client, name, current, disconnected, removed) if done else 'Nothing was changed.'
            raise FleetDockerError('Network %s: %s failed: %s. %s' % (name, _step_text(step, arg),
                                                                      describe_error(exc).rstrip('.'), state),
                                   changed=done, actions=[]) from None
    if removed and network_id == (current or {}).get('id'):
        network_id = None
    failed = []
    for step, arg in plan['steps']:
        if step != 'connect':
            continue
        try:
            connect(client, arg, network_id)
        except (DockerException, RequestException, OSError) as exc:  # the engine's refusals and faults
            failed.append('%s (%s)' % (arg['name'], describe_error(exc)))
    if failed:
        raise FleetDockerError('Network %s was recreated with the new settings, but these containers could not be '
                               'reconnected: %s. They are left off this network.'
                               % (name, '; '.join(failed)), changed=True, actions=plan['actions'])
    return network_id


def _step_text(step: str, arg: Any) -> str:
    if step in ('disconnect', 'connect'):
        return '%s of container %s' % (step, arg['name'])
    return step


def _diff(current: Optional[Dict[str, Any]], plan: Dict[str, Any], state: str) -> Dict[str, Any]:
    before = dict(state='present' if current else 'absent')
    after = dict(state=state)
    if current is not None and state == 'present':
        for change in plan['changes']:
            before[change['option']] = change['before']
            after[change['option']] = change['after']
    elif current is None and plan.get('settings'):
        after.update((k, v) for k, v in plan['settings'].items() if v is not None)
    if plan['steps'] and any(step in ('disconnect', 'connect') for step, _arg in plan['steps']):
        before['containers'] = sorted(arg['name'] for step, arg in plan['steps'] if step == 'disconnect')
        after['containers'] = sorted(arg['name'] for step, arg in plan['steps'] if step == 'connect')
    return dict(before=before, after=after)


def converge_network(client, params: Dict[str, Any], check_mode: bool = False, diff: bool = False) -> Dict:
    spec = parse_network(params)
    _raw, current, containers, others = gather(client, spec)
    plan = plan_network(spec, current, containers, others)
    result: Dict[str, Any] = dict(changed=bool(plan['steps']), actions=plan['actions'], changes=plan['changes'])
    if diff:
        result['diff'] = _diff(current, plan, spec['state'])
    if not plan['steps']:
        result['network'] = summarize_network(_raw, containers) if _raw else None
        return result
    if check_mode:
        result['network'] = summarize_network(_raw, containers) if _raw else None
        return result
    network_id = apply_plan(client, spec['name'], plan, current)
    if network_id is None:
        result['network'] = None
        return result
    raw = client.inspect_network(network_id)
    result['network'] = summarize_network(raw, attached(client, raw))
    if 'recreated' in plan['actions'] and containers:
        result['msg'] = ('Network %s was recreated; containers %s were disconnected and reconnected with their '
                         'aliases and static addresses.' % (spec['name'], ', '.join(c['name'] for c in containers)))
    return result
