# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge one container on the engine: find, create, recreate, update in place, start, stop, wait.

``converge_container(client, params, check_mode, diff, image_cache)`` is the whole job for one
container and takes a plain params dict, so a batch module can call it from several threads
with one shared ``ImageCache`` (each image is then pulled once).
"""

from __future__ import annotations

import threading

from ansible_collections.fleet.docker.plugins.module_utils.connection import (
    APIError, DockerException, EngineStepError, FleetDockerError, NotFound, RequestException)
from ansible_collections.fleet.docker.plugins.module_utils.container_compare import (
    RECREATE, compare_container, diff_output, needs_recreate)
from ansible_collections.fleet.docker.plugins.module_utils.container_ops import (
    create_container, find_container, lookup_container, remove_container, stop_container, summarize_container,
    update_in_place, wait_for_exit)
from ansible_collections.fleet.docker.plugins.module_utils.container_recreate import clear_leftovers, recreate
from ansible_collections.fleet.docker.plugins.module_utils.container_spec import (
    CONTAINER_OPTIONS, ContainerSpecError, build_spec, is_port_number)
from ansible_collections.fleet.docker.plugins.module_utils.images import ensure_image, inspect_image
from ansible_collections.fleet.docker.plugins.module_utils.naming import BUILTIN_NETWORKS


class ImageCache:
    """Thread-safe memo of ensure_image results, so a batch pulls each reference once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._locks = {}
        self._results = {}

    def ensure(self, client, ref, pull, check_mode):
        key = (ref.canonical, pull, check_mode)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._results:
                self._results[key] = ensure_image(client, ref, pull=pull, check_mode=check_mode)
                return self._results[key]
            # Only the first caller pulled; the others found the image already there.
            return dict(self._results[key], changed=False)


def with_defaults(params):
    """The params of one item with the argument spec's defaults filled in."""
    return dict((key, params.get(key, option.get('default'))) for key, option in CONTAINER_OPTIONS.items())


# ------------------------------------------------------------------------------ validations

def _resolve_network_mode(client, spec):
    """``container:<name>`` -> ``container:<id>``; fail before creating anything when it does not exist."""
    mode = spec.get('network_mode')
    if not mode:
        return None
    if mode.startswith('container:'):
        target = mode[len('container:'):]
        other = lookup_container(client, target)
        if other is None:
            raise ContainerSpecError('network_mode %s: there is no container %s.' % (mode, target))
        return 'container:' + other['Id']
    return None


def _check_networks(client, spec):
    names = list(spec.get('networks') or [])
    mode = spec.get('network_mode')
    if mode and mode not in BUILTIN_NETWORKS and not mode.startswith('container:'):
        names.append(mode)
    for name in names:
        if name in BUILTIN_NETWORKS:
            continue
        try:
            client.inspect_network(name)
        except NotFound:
            raise ContainerSpecError('Network %s does not exist; create it first.' % name)


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
    for other in client.containers():
        if other.get('Id') == own_id:
            continue
        for published in other.get('Ports') or []:
            for port, proto, ip in wanted:
                if (published.get('PublicPort') == port and published.get('Type', 'tcp') == proto
                        and _ips_overlap(ip, published.get('IP') or '')):
                    names = ', '.join(n.lstrip('/') for n in other.get('Names') or []) or other['Id'][:12]
                    raise FleetDockerError('Host port %s/%s is already published by container %s; choose another '
                                           'port.' % (port, proto, names))


# -------------------------------------------------------------------------------- converge

def _current_state(container):
    if container is None:
        return 'absent'
    return 'started' if (container.get('State') or {}).get('Running') else 'stopped'


def _absent(client, container, params, check_mode, diff, result):
    result.update(container=None)
    if container is not None:
        result['actions'].append('removed')
        if not check_mode:
            if (container.get('State') or {}).get('Running'):
                stop_container(client, container['Id'], params['stop_timeout'])
                result['changed'] = True
            remove_container(client, container['Id'], volumes=True)
        result['changed'] = True
    if diff:
        result['diff'] = dict(before=dict(state=_current_state(container)), after=dict(state='absent'))
    return result


def converge_container(client, params, check_mode=False, diff=False, image_cache=None):
    """Make one container match ``params`` (a CONTAINER_OPTIONS dict); return the result dict.

    Raises FleetDockerError on bad input, and EngineStepError (the engine's error, untranslated,
    with the partial result: ``changed`` is true when the host changed) on engine errors. Input
    is validated, and the image, networks and host ports checked, before anything changes.
    """
    params = with_defaults(params)
    result = dict(changed=False, actions=[], changes=[])
    try:
        return _converge(client, params, check_mode, diff, image_cache or ImageCache(), result)
    except FleetDockerError as exc:
        exc.result = dict(result, **exc.result)
        exc.result['changed'] = bool(result['changed'] or exc.result.get('changed'))
        raise
    except (DockerException, RequestException, OSError) as exc:
        name = str(params.get('name') or '').lstrip('/')
        outcome = ('Some changes were made before the error: %s.' % ', '.join(result['actions'])
                   if result['changed'] else 'Nothing was changed.')
        raise EngineStepError('Container %s' % name, exc, outcome, **result)


def _converge(client, params, check_mode, diff, image_cache, result):
    spec = build_spec(params)
    name, state = spec['name'], params['state']
    container, cleared = clear_leftovers(client, name, find_container(client, name), check_mode)
    result['actions'].extend(cleared)
    result['changed'] = bool(cleared)
    if state == 'absent':
        return _absent(client, container, params, check_mode, diff, result)

    image_id = image = None
    if 'image' in spec:
        pulled = image_cache.ensure(client, spec['image_ref'], params['pull'], check_mode)
        image = pulled['image']
        image_id = image['Id'] if image else None
        if pulled['changed']:
            result['actions'].append('pulled')
            result['changed'] = True
    elif container is None:
        raise ContainerSpecError('image is required to create container %s.' % name)
    network_mode = _resolve_network_mode(client, spec)
    _check_networks(client, spec)

    diffs = []
    if container is not None:
        container_image = inspect_image(client, container['Image'])
        if image is None:
            image = container_image
        diffs = compare_container(spec, container, container_image, image_id, network_mode)
        if params['recreate'] and not needs_recreate(diffs):
            diffs.append(dict(option='recreate', before=False, after=True, how=RECREATE))
    result['changes'] = diffs
    recreating = needs_recreate(diffs)
    creating = container is None
    if creating or recreating:
        check_host_ports(client, spec, own_id=container['Id'] if container else None)
    was_running = _current_state(container) == 'started'
    running = was_running and not recreating
    start = (state == 'started' and not running) or (state == 'present' and recreating and was_running)

    container_id = container['Id'] if container else None
    if recreating:
        result['actions'].append('recreated')
        if start:
            result['actions'].append('started')
        if not check_mode:
            container_id = recreate(client, container, spec, params, result, network_mode=network_mode,
                                    new_image=image, start=start)
        result['changed'] = True
    elif creating:
        result['actions'].append('created')
        if not check_mode:
            container_id = create_container(client, spec, params, network_mode)
            result['changed'] = True
    elif diffs:
        result['actions'].append('updated')
        if not check_mode:
            update_in_place(client, container, diffs)
        result['changed'] = True

    if start and not recreating:
        result['actions'].append('started')
        if not check_mode:
            _start(client, container_id, name, creating, result)
    elif state == 'started' and params['restart'] and not start:
        result['actions'].append('restarted')
        if not check_mode:
            # The SDK's restart has its own default of 10 s; only pass ours when the task sets one.
            timeout = params['stop_timeout']
            client.restart(container_id, **({} if timeout is None else dict(timeout=timeout)))
    elif state == 'stopped' and running:
        result['actions'].append('stopped')
        if not check_mode:
            stop_container(client, container_id, params['stop_timeout'])
    result['changed'] = result['changed'] or creating or any(
        a in result['actions'] for a in ('started', 'restarted', 'stopped'))

    if diff:
        after_state = state if state != 'present' else ('started' if start or running else 'stopped')
        result['diff'] = diff_output(diffs, dict(state=_current_state(container)), dict(state=after_state))
    if start and not params['detach'] and not check_mode:
        rc, stdout, stderr = wait_for_exit(client, container_id)
        result.update(rc=rc, stdout=stdout, stderr=stderr)
        result['container'] = summarize_container(lookup_container(client, container_id))
        if rc != 0:
            raise FleetDockerError('Container %s exited with code %s.' % (name, rc), **result)
        return result
    if check_mode:
        result['container'] = summarize_container(container)
    else:
        result['container'] = summarize_container(lookup_container(client, container_id))
    return result


def _start(client, container_id, name, created, result):
    """Start a container; one we just created is removed again when it cannot start."""
    try:
        client.start(container_id)
    except (APIError, RequestException) as exc:
        if not created:
            raise
        remove_container(client, container_id, volumes=True)
        result['changed'] = False
        raise EngineStepError('Container %s could not start' % name, exc,
                              'The container was created and removed again, so nothing was changed.', **result)
