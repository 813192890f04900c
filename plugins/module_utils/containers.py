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
    APIError, DockerException, FleetDockerError, NotFound, RequestException, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.container_compare import (
    RECREATE, UPDATE, compare_container, diff_output, needs_recreate)
from ansible_collections.fleet.docker.plugins.module_utils.container_spec import (
    CONTAINER_OPTIONS, ContainerSpecError, build_spec, create_config)
from ansible_collections.fleet.docker.plugins.module_utils.images import ensure_image, inspect_image


# The networks every engine has; they need no existence check.
BUILTIN_NETWORKS = ('bridge', 'host', 'none', 'default')


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


# ---------------------------------------------------------------------------------- lookups

def find_container(client, name):
    """Inspect of the container with exactly this name, or None (never an ID-prefix match)."""
    try:
        container = client.inspect_container(name)
    except NotFound:
        return None
    if container.get('Name', '').lstrip('/') != name.lstrip('/'):
        return None
    return container


def lookup_container(client, name_or_id):
    """Inspect by name or ID prefix, or None."""
    try:
        return client.inspect_container(name_or_id)
    except NotFound:
        return None


def _port_text(key, binding):
    if not binding:
        return key
    ip = binding.get('HostIp') or '0.0.0.0'
    ip = '[%s]' % ip if ':' in ip else ip
    return '%s:%s->%s' % (ip, binding.get('HostPort'), key)


def summarize_container(container):
    """The fields people read in `docker ps` and `docker inspect`, from an inspect dict."""
    if not container:
        return None
    state = container.get('State') or {}
    host = container.get('HostConfig') or {}
    network = container.get('NetworkSettings') or {}
    ports = []
    for key, bindings in sorted((network.get('Ports') or {}).items()):
        for binding in bindings or [None]:
            ports.append(_port_text(key, binding))
    mounts = [dict(type=m.get('Type'), name=m.get('Name'), source=m.get('Source'), destination=m.get('Destination'),
                   mode=m.get('Mode'), rw=m.get('RW')) for m in container.get('Mounts') or []]
    policy = host.get('RestartPolicy') or {}
    return dict(
        id=container.get('Id'), name=container.get('Name', '').lstrip('/'),
        image=(container.get('Config') or {}).get('Image'), image_id=container.get('Image'),
        state=state.get('Status'), running=bool(state.get('Running')), exit_code=state.get('ExitCode'),
        created=container.get('Created'), ports=ports, mounts=mounts,
        restart_policy=dict(name=policy.get('Name') or 'no', maximum_retry_count=policy.get('MaximumRetryCount') or 0),
        networks=sorted((network.get('Networks') or {}).keys()),
        labels=(container.get('Config') or {}).get('Labels') or {},
    )


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
        wanted.extend((int(port), proto, ip) for ip, port in entries if port.isdigit())
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


# ------------------------------------------------------------------------------ operations

def create_container(client, spec, params, network_mode=None):
    """Create (not start) the container; returns its ID. Extra networks are connected after create."""
    config = create_config(spec, params)
    if network_mode:
        config['HostConfig']['NetworkMode'] = network_mode
    created = client.create_container_from_config(config, name=spec['name'])
    container_id = created['Id']
    first = set(((config.get('NetworkingConfig') or {}).get('EndpointsConfig') or {}).keys())
    try:
        for network in spec.get('networks') or []:
            if network not in first:
                client.connect_container_to_network(container_id, network)
    except (APIError, RequestException):
        remove_container(client, container_id, volumes=True)
        raise
    return container_id


def remove_container(client, container_id, volumes=False):
    """Remove, forcing a running one. ``volumes`` removes anonymous volumes only; named ones always stay."""
    try:
        client.remove_container(container_id, force=True, v=volumes)
    except NotFound:
        pass


def stop_container(client, container_id, timeout=None):
    client.stop(container_id, timeout=timeout)


def start_new_container(client, container_id, name):
    """Start a container we just created; on failure remove it so nothing is left behind."""
    try:
        client.start(container_id)
    except (APIError, RequestException) as exc:
        remove_container(client, container_id, volumes=True)
        raise FleetDockerError('Container %s could not start, so it was removed: %s' % (name, describe_error(exc)))


def update_in_place(client, container, diffs):
    """Apply the differences the engine can change on a live container."""
    for entry in diffs:
        if entry['how'] != UPDATE:
            continue
        if entry['option'] == 'restart_policy':
            after = entry['after']
            client.update_container(container['Id'], restart_policy=dict(
                Name=after['name'], MaximumRetryCount=after['maximum_retry_count']))
        elif entry['option'] == 'networks':
            before, after = set(entry['before']), set(entry['after'])
            for network in sorted(after - before):
                client.connect_container_to_network(container['Id'], network)
            for network in sorted(before - after):
                client.disconnect_container_from_network(container['Id'], network)


def wait_for_exit(client, container_id):
    """Block until the container exits; return (exit code, stdout, stderr)."""
    status = client.wait(container_id, timeout=None)
    stdout = client.logs(container_id, stdout=True, stderr=False) or b''
    stderr = client.logs(container_id, stdout=False, stderr=True) or b''
    return (status.get('StatusCode'), stdout.decode('utf-8', 'replace'), stderr.decode('utf-8', 'replace'))


# -------------------------------------------------------------------------------- converge

def _current_state(container):
    if container is None:
        return 'absent'
    return 'started' if (container.get('State') or {}).get('Running') else 'stopped'


def _absent(client, container, params, check_mode, diff):
    result = dict(changed=False, actions=[], changes=[], container=None)
    if container is not None:
        result.update(changed=True, actions=['removed'])
        if not check_mode:
            if (container.get('State') or {}).get('Running'):
                stop_container(client, container['Id'], params['stop_timeout'])
            remove_container(client, container['Id'], volumes=True)
    if diff:
        result['diff'] = dict(before=dict(state=_current_state(container)), after=dict(state='absent'))
    return result


def converge_container(client, params, check_mode=False, diff=False, image_cache=None):
    """Make one container match ``params`` (a CONTAINER_OPTIONS dict); return the result dict.

    Raises FleetDockerError (one sentence) on bad input or engine errors. Input is validated and
    the image, networks and host ports are checked before anything is created or removed.
    """
    try:
        return _converge(client, with_defaults(params), check_mode, diff, image_cache or ImageCache())
    except FleetDockerError:
        raise
    except (DockerException, RequestException, OSError) as exc:
        raise FleetDockerError(describe_error(exc))


def _converge(client, params, check_mode, diff, image_cache):
    spec = build_spec(params)
    name, state = spec['name'], params['state']
    container = find_container(client, name)
    if state == 'absent':
        return _absent(client, container, params, check_mode, diff)

    result = dict(changed=False, actions=[], changes=[])
    image_id = None
    if 'image' in spec:
        pulled = image_cache.ensure(client, spec['image_ref'], params['pull'], check_mode)
        image_id = pulled['image']['Id'] if pulled['image'] else None
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

    container_id = container['Id'] if container else None
    if recreating:
        result['actions'].append('recreated')
        if not check_mode:
            # Stop first so the process shuts down cleanly; named volumes and binds survive removal.
            if was_running:
                stop_container(client, container_id, params['stop_timeout'])
            remove_container(client, container_id, volumes=False)
    elif creating:
        result['actions'].append('created')
    if (creating or recreating) and not check_mode:
        container_id = create_container(client, spec, params, network_mode)
    if not creating and not recreating and diffs:
        result['actions'].append('updated')
        if not check_mode:
            update_in_place(client, container, diffs)

    start = (state == 'started' and not running) or (state == 'present' and recreating and was_running)
    if start:
        result['actions'].append('started')
        if not check_mode:
            if creating or recreating:
                start_new_container(client, container_id, name)
            else:
                client.start(container_id)
    elif state == 'started' and params['restart']:
        result['actions'].append('restarted')
        if not check_mode:
            # The SDK's restart has its own default of 10 s; only pass ours when the task sets one.
            timeout = params['stop_timeout']
            client.restart(container_id, **({} if timeout is None else dict(timeout=timeout)))
    elif state == 'stopped' and running:
        result['actions'].append('stopped')
        if not check_mode:
            stop_container(client, container_id, params['stop_timeout'])

    result['changed'] = result['changed'] or bool(diffs) or creating or any(
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
