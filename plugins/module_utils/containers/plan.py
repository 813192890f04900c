# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide what to do with one container, without changing anything: ``plan()``.

The plan reads the engine (inspect, lists) and returns the steps; check mode reports it, and
``apply.apply()`` carries it out. Every check that can refuse the task (networks, host ports,
API version) happens here, before the first change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError, NotFound
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import find_container, list_entries, lookup_container
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import (
    RECONNECT, RECREATE, UPDATE, compare, needs_recreate)
from ansible_collections.fleet.docker.plugins.module_utils.containers.recreate import find_leftovers
from ansible_collections.fleet.docker.plugins.module_utils.containers.values import ContainerSpecError, is_port_number
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import inspect_image
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import BUILTIN_NETWORKS

# The steps a plan can hold, in the order apply() runs them.
STEPS = ('removed-leftover', 'adopted-leftover', 'created', 'recreated', 'updated', 'reconnected', 'started',
         'restarted', 'stopped', 'removed')


@dataclass
class Plan:
    """What converging one container takes. ``steps`` is empty when it already matches."""

    name: str
    state: str
    spec: dict
    params: dict
    container: dict | None = None         # the container as it is (the adopted leftover, if any)
    leftovers: list = field(default_factory=list)   # replacements under a temporary name, to remove
    adopt: dict | None = None             # a leftover to rename into place (the old one is gone)
    image: dict | None = None             # inspect of the image the container should run
    network_mode: str | None = None       # container:<id> when the task names another container
    diffs: list = field(default_factory=list)
    steps: list = field(default_factory=list)

    @property
    def was_running(self) -> bool:
        return bool(self.container and (self.container.get('State') or {}).get('Running'))


def plan(client, spec: dict, params: dict, image: dict | None = None, image_id: str | None = None,
         leftover_index=None) -> Plan:
    """The steps that make the container match ``spec``; reads the engine, changes nothing.

    ``image`` and ``image_id`` describe the image the task names after the pull phase (None in
    check mode when it would still be pulled, which counts as drift). A batch passes its
    ``LeftoverIndex`` so it lists the engine's replacements once, not once per container.
    """
    name, state = spec['name'], params['state']
    result = Plan(name=name, state=state, spec=spec, params=params)
    container = find_container(client, name)
    leftovers = leftover_index.find(name) if leftover_index is not None else find_leftovers(client, name)
    if container is None and leftovers:
        result.adopt = leftovers.pop(0)
        result.steps.append('adopted-leftover')
        container = lookup_container(client, result.adopt['Id'])
    result.leftovers = leftovers
    if leftovers:
        result.steps.insert(0, 'removed-leftover')
    result.container = container
    if state == 'absent':
        if container is not None:
            result.steps.append('removed')
        return result

    if 'image' not in spec and container is None:
        raise ContainerSpecError('image is required to create container %s.' % name)
    result.network_mode = _resolve_network_mode(client, spec)
    _check_networks(client, spec)
    if container is None:
        container_image = None
    elif image is not None and container['Image'] == image_id:
        container_image = image  # already inspected by the pull phase: the usual no-op
    else:
        container_image = inspect_image(client, container['Image'])
    result.image = image if 'image' in spec else container_image
    compared = _resolve_namespace_modes(client, spec)
    if container is not None:
        result.diffs = compare(compared, container, container_image, image_id, result.network_mode)
        if params['recreate'] and not needs_recreate(result.diffs):
            result.diffs.append(dict(option='recreate', before=False, after=True, how=RECREATE))
    recreating = needs_recreate(result.diffs)
    creating = container is None
    if creating or recreating:
        check_host_ports(client, spec, own_id=container['Id'] if container else None)
    running = result.was_running and not recreating
    start = (state == 'started' and not running) or (state == 'present' and recreating and result.was_running)
    if creating:
        result.steps.append('created')
    elif recreating:
        result.steps.append('recreated')
    else:
        if any(d['how'] == UPDATE for d in result.diffs):
            result.steps.append('updated')
        if any(d['how'] == RECONNECT for d in result.diffs):
            result.steps.append('reconnected')
    if start:
        result.steps.append('started')
    elif state == 'started' and params['restart']:
        result.steps.append('restarted')
    elif state == 'stopped' and running:
        result.steps.append('stopped')
    return result


def after_state(p: Plan) -> str:
    """The state the container ends in, for the diff."""
    if p.state != 'present':
        return p.state
    return 'started' if 'started' in p.steps or (p.was_running and 'recreated' not in p.steps) else 'stopped'


def current_state(container: dict | None) -> str:
    if container is None:
        return 'absent'
    return 'started' if (container.get('State') or {}).get('Running') else 'stopped'


# ------------------------------------------------------------------------------ validations

def _resolve_network_mode(client, spec):
    """``container:<name>`` -> ``container:<id>``; fail before creating anything when it does not exist."""
    mode = spec.get('network_mode')
    if not mode or not mode.startswith('container:'):
        return None
    target = mode[len('container:'):]
    other = lookup_container(client, target)
    if other is None:
        raise ContainerSpecError('network_mode %s: there is no container %s.' % (mode, target))
    return 'container:' + other['Id']


def _resolve_namespace_modes(client, spec):
    """The spec to compare with: ``pid_mode``/``ipc_mode`` ``container:<name>`` as ``container:<id>``, which
    is what the engine stores. Fails before anything changes when that container does not exist."""
    resolved = dict(spec)
    for option in ('pid_mode', 'ipc_mode'):
        mode = spec.get(option) or ''
        if not mode.startswith('container:'):
            continue
        other = lookup_container(client, mode[len('container:'):])
        if other is None:
            raise ContainerSpecError('%s %s: there is no container %s.' % (option, mode, mode[len('container:'):]))
        resolved[option] = 'container:' + other['Id']
    return resolved


def _check_networks(client, spec):
    names = [entry['name'] for entry in spec.get('networks') or []]
    mode = spec.get('network_mode')
    if mode and mode not in BUILTIN_NETWORKS and not mode.startswith('container:'):
        names.append(mode)
    for name in names:
        if name in BUILTIN_NETWORKS:
            continue
        try:
            client.inspect_network(name)
        except NotFound:
            raise ContainerSpecError('Network %s does not exist; create it first (fleet.docker.network).' % name)


def _ips_overlap(first, second):
    wildcard = ('', '0.0.0.0', '::')
    return first in wildcard or second in wildcard or first == second


def check_host_ports(client, spec, own_id=None):
    """Fail before creating when another running container already publishes a wanted host port."""
    wanted = []
    for key, entries in (spec.get('ports') or {}).items():
        proto = key.split('/', 1)[1]
        wanted.extend((int(port), proto, ip) for ip, port in entries if is_port_number(port))
    if not wanted:
        return
    for other in list_entries(client, all_containers=False):
        if other.get('Id') == own_id:
            continue
        for published in other.get('Ports') or []:
            for port, proto, ip in wanted:
                if (published.get('PublicPort') == port and published.get('Type', 'tcp') == proto
                        and _ips_overlap(ip, published.get('IP') or '')):
                    names = ', '.join(n.lstrip('/') for n in other.get('Names') or []) or other['Id'][:12]
                    raise FleetDockerError('Host port %s/%s is already published by container %s; choose another '
                                           'port.' % (port, proto, names))
