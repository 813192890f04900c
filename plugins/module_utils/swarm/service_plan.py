# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service module: read the engine, decide (check mode stops there), then act and watch the update.

An update whose tasks fail is the engine's to roll back (update_config failure_action rollback); we
wait for the engine's UpdateStatus and fail the task with its message, the previous spec running.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import format_duration
from ansible_collections.fleet.docker.plugins.module_utils.swarm import services as ops
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_spec import (
    REFERENCES, ServiceSpecError, canonical_params, canonical_spec, comparable, differences, same_image, same_reference,
    write_spec)

# The engine's UpdateStatus states that end an update (or a rollback).
SETTLED = ('completed', 'paused', 'rollback_completed', 'rollback_paused')
FAILED_TASK_STATES = ('failed', 'rejected')
_DURATIONS = ('stop_grace_period', 'delay', 'monitor', 'window', 'interval', 'timeout', 'start_period',
              'Interval', 'Timeout', 'StartPeriod', 'StartInterval')


def resolve_image(image: str, client=None) -> Tuple[str, Optional[str]]:
    """``image`` pinned to the registry's manifest digest, as ``docker service create`` pins it.

    The engine is asked first (``client``: GET /distribution, as the docker client library asks it, so the
    engine's insecure registries and mirrors apply), then the registry itself (with the credentials of the
    managed host's docker config, for a private registry the engine has no login for).
    Returns (image, warning): when neither can answer, the tag is used as given, with a warning, as the CLI
    does ("image could not be accessed on a registry to record its digest").
    """
    from ansible_collections.fleet.docker.plugins.module_utils.images.references import parse_reference, registry_path
    ref = parse_reference(image)
    if ref.digest:
        return image, None
    found = ops.distribution(client, image) if client is not None else None
    digest = ((found or {}).get('Descriptor') or {}).get('digest')
    if digest:
        return '%s@%s' % (image, digest), None
    from ansible_collections.fleet.docker.plugins.module_utils.images.registry import RegistryClient  # the fallback only
    try:
        registry = RegistryClient.for_registry(ref.registry or 'docker.io', timeout=15)
        digest = registry.manifest_digest(registry_path(ref), ref.tag or 'latest')
    except FleetDockerError as exc:
        if getattr(exc, 'status', None) == 404:
            raise FleetDockerError('Image %s was not found in its registry: %s' % (image, exc.msg))
        return image, ('Image %s could not be resolved to a digest (%s); the service uses the tag as given, so '
                       'nodes may run different versions of it.' % (image, exc.msg))
    if not digest:
        return image, 'The registry of %s sent no digest; the service uses the tag as given.' % image
    return '%s@%s' % (image, digest), None


def _resolve_networks(client, desired: Dict[str, Any], pending: Optional[Dict[str, Any]] = None) -> None:
    """Network names (or IDs) -> IDs in place: the engine stores IDs, so a name is no difference. A network in
    ``pending['networks']`` (a stack's, which check mode has not created) gets a placeholder ID."""
    for net in desired.get('networks') or []:
        found = ops.network_of(client, net['name'])
        if not found and net['name'] in (pending or {}).get('networks', ()):
            net['id'] = 'new:' + net['name']
            continue
        if not found:
            raise FleetDockerError('Network %s does not exist: create it first (an overlay network for services '
                                   'across nodes, fleet.docker.network with driver overlay).' % net['name'])
        if found.get('Scope') not in ('swarm', None) and found.get('Name') != 'host':
            raise FleetDockerError('Network %s is %s-scoped: a service attaches to swarm-scoped networks (overlay) '
                                   'or host.' % (net['name'], found.get('Scope')))
        net['id'] = found['Id']


def _resolve_references(client, desired: Dict[str, Any], current: Optional[Dict[str, Any]],
                        pending: Optional[Dict[str, Any]] = None) -> None:
    """Secret and config names -> the objects' IDs in place. A reference the service holds to the object or to
    a rolling version of it (NAME_vN) is kept; otherwise the object named so, or its newest version."""
    from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects import list_objects
    for option in REFERENCES:
        kind = option[:-1]
        for ref in desired.get(option) or []:
            held = [h for h in (current or {}).get(option) or [] if same_reference(ref['name'], h['name'])]
            if held:
                ref.update(id=held[0]['id'], name=held[0]['name'])
                continue
            found = dict((e['Spec']['Name'], e['ID']) for e in list_objects(client, kind, ref['name']))
            versions = sorted((int(n.rsplit('_v', 1)[1]), n) for n in found if same_reference(ref['name'], n)
                              and n != ref['name'])
            name = ref['name'] if ref['name'] in found else (versions[-1][1] if versions else None)
            if name is None and ref['name'] in (pending or {}).get(option, ()):
                ref.update(id='new:' + ref['name'])   # check mode: the stack has not made it yet
                continue
            if name is None:
                raise FleetDockerError('%s %s does not exist: create it first (fleet.docker.%s).'
                                       % (kind.capitalize(), ref['name'], kind))
            ref.update(id=found[name], name=name)


def _published_elsewhere(client, name: str, publish: List[Dict[str, Any]]) -> None:
    """An ingress port another service publishes: the engine would refuse the whole spec; say which."""
    wanted = dict(((p['published'], p['protocol']), p) for p in publish or [] if p['mode'] == 'ingress' and p['published'])
    if not wanted:
        return
    for other in ops.list_services(client):
        if (other.get('Spec') or {}).get('Name') == name:
            continue
        ports = ((other.get('Endpoint') or {}).get('Spec') or (other.get('Spec') or {}).get('EndpointSpec') or {})
        for port in ports.get('Ports') or []:
            key = (port.get('PublishedPort'), port.get('Protocol') or 'tcp')
            if key in wanted and (port.get('PublishMode') or 'ingress') == 'ingress':
                raise FleetDockerError('Published port %s/%s is already used by service %s.'
                                       % (key[0], key[1], other['Spec']['Name']))


def _readable(value: Any, key: str = '') -> Any:
    """Durations as Go prints them, for diffs a person reads."""
    if isinstance(value, dict):
        return dict((k, _readable(v, k)) for k, v in value.items())
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if key in _DURATIONS and isinstance(value, int) and not isinstance(value, bool):
        return format_duration(value)
    return value


def _network_names(client, canon: Dict[str, Any]) -> None:
    if canon.get('networks'):
        names = ops.networks_by_id(client)
        for net in canon['networks']:
            net['name'] = names.get(net['id'], net['id'])


def _view(canon: Dict[str, Any], keys: List[str]) -> Dict[str, Any]:
    view = dict((key, _readable(comparable(key, canon.get(key)), key)) for key in keys)
    if 'networks' in view:   # names for a person, IDs only where no name is known
        view['networks'] = [dict(name=n.get('name') or n['id'], aliases=n['aliases'], options=n.get('options') or {})
                            for n in canon.get('networks') or []]
    return view


def _task_error(client, service_id: str) -> str:
    """The newest failed task's error, for a message."""
    failed = [t for t in ops.service_tasks(client, service_id) if (t.get('Status') or {}).get('State') in
              FAILED_TASK_STATES + ('shutdown', 'complete')]
    failed.sort(key=lambda t: t.get('UpdatedAt') or '', reverse=True)
    for task in failed:
        status = task.get('Status') or {}
        if status.get('Err'):
            return status['Err']
        exit_code = (status.get('ContainerStatus') or {}).get('ExitCode')
        if exit_code:
            return 'task exited with code %s' % exit_code
    return ''


def _unplaced(client, service_id: str, tasks: Optional[List[Dict[str, Any]]] = None) -> List[str]:
    """Why the scheduler cannot place tasks ("no suitable node (host-mode port already in use on 1 node)")."""
    tasks = ops.service_tasks(client, service_id, desired='running') if tasks is None else tasks
    return [t['Status']['Err'] for t in tasks if (t.get('Status') or {}).get('State') == 'pending'
            and t['Status'].get('Err')]


def _settle(client, service_id: str, mode: Dict[str, Any], timeout: float) -> None:
    """Wait (at most ``timeout``) until the service's tasks run again; failures are not judged here."""
    want = mode['replicas'] or 1 if mode['mode'] == 'replicated' else 1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = ops.service_tasks(client, service_id, desired='running')
        if sum(1 for t in tasks if (t.get('Status') or {}).get('State') == 'running') >= want:
            return
        time.sleep(0.5)


def wait_update(client, service_id: str, before: Optional[Dict[str, Any]], timeout: float) -> Dict[str, Any]:
    """Wait until the engine settles the rolling update that started after ``before`` (the UpdateStatus
    seen before updating); raise with the engine's message when it paused or rolled back."""
    deadline = time.monotonic() + timeout
    started = (before or {}).get('StartedAt')
    quiet_until = time.monotonic() + 15
    stuck_since = None
    while True:
        service = ops.inspect_service(client, service_id) or {}
        status = service.get('UpdateStatus') or {}
        fresh = status and status.get('StartedAt') != started
        if fresh and status.get('State') in SETTLED:
            break
        if not fresh and time.monotonic() > quiet_until:
            return service  # the change needed no task replaced (the engine started no rolling update)
        unplaced = _unplaced(client, service_id)
        stuck_since = (stuck_since or time.monotonic()) if unplaced else None
        if stuck_since and time.monotonic() - stuck_since > 10:
            raise FleetDockerError('Service %s: the update is stuck, a new task cannot be placed: %s.'
                                   % (service_id[:12], unplaced[0]), changed=True, service=service)
        if time.monotonic() > deadline:
            raise FleetDockerError('Service %s: the update did not finish in %d s (engine state %s: %s).'
                                   % (service_id[:12], timeout, status.get('State'), status.get('Message') or ''),
                                   changed=True, service=service)
        time.sleep(0.5)
    state, message = status['State'], status.get('Message') or ''
    name = (service.get('Spec') or {}).get('Name')
    if state == 'completed':
        return service
    reason = _task_error(client, service_id)
    reason = ' (%s)' % reason if reason else ''
    if state == 'rollback_completed':
        # The engine calls the rollback complete when it has started the old tasks; say so once they run.
        _settle(client, service_id, canonical_spec(service.get('Spec') or {})['mode'], 30)
        raise FleetDockerError('Service %s: the update failed and the engine rolled it back: %s%s. The previous spec '
                               'is running.' % (name, message, reason), changed=True, service=service,
                               update_status=status)
    raise FleetDockerError('Service %s: the engine %s the update: %s%s.'
                           % (name, 'paused the rollback of' if state == 'rollback_paused' else 'paused', message,
                              reason), changed=True, service=service, update_status=status)


def wait_running(client, service_id: str, canon: Dict[str, Any], timeout: float) -> None:
    """After a create: wait until the tasks run (replicated: the replica count; global: every task started);
    a task the engine rejects or that fails makes this fail with its error."""
    mode = canon['mode']
    if mode['mode'].endswith('-job'):
        return
    deadline = time.monotonic() + timeout
    stuck_since = None
    while True:
        tasks = ops.service_tasks(client, service_id, desired='running')
        running = [t for t in tasks if (t.get('Status') or {}).get('State') == 'running']
        want = (mode['replicas'] if mode['replicas'] is not None else 1) if mode['mode'] == 'replicated' \
            else max(len(tasks), 1)
        if len(running) >= want:
            return
        failures = [t for t in ops.service_tasks(client, service_id)
                    if (t.get('Status') or {}).get('State') in FAILED_TASK_STATES]
        unplaced = _unplaced(client, service_id, tasks)
        stuck_since = (stuck_since or time.monotonic()) if unplaced else None
        # The engine retries a failing task for ever (restart_config condition any): three failures say enough.
        if len(failures) >= 3 or (stuck_since and time.monotonic() - stuck_since > 10) or time.monotonic() > deadline:
            error = unplaced[0] if unplaced else _task_error(client, service_id)
            raise FleetDockerError('Service %s was created, but %d of %s task(s) run%s%s.'
                                   % (service_id[:12], len(running), want,
                                      ' after %d s' % timeout if time.monotonic() > deadline else '',
                                      ': ' + error if error else ''), changed=True)
        time.sleep(0.5)


def _pin_platforms(client, body: Dict[str, Any], params: Dict[str, Any]) -> None:
    """Placement.Platforms from the image, as the docker client library sets them with a pinned image (so the
    scheduler only picks nodes that can run it); not compared: the engine's lookup, not the task's."""
    if not params.get('resolve_image', True) and '@' not in body['TaskTemplate']['ContainerSpec'].get('Image', ''):
        return
    platforms = ops.image_platforms(client, body['TaskTemplate']['ContainerSpec']['Image'])
    if platforms:
        body['TaskTemplate'].setdefault('Placement', {})['Platforms'] = platforms


def converge_service(client, params: Dict[str, Any], check_mode: bool = False, diff: bool = False,
                     keep_unset: bool = True, pending: Optional[Dict[str, Any]] = None,
                     template: Optional[Dict[str, Any]] = None, manager_checked: bool = False) -> Dict[str, Any]:
    """The service module's logic; ``params`` are its options (a stack's compose service, mapped).

    ``pending`` ({'networks'|'secrets'|'configs': names}): what the caller (a stack) creates before this service;
    in check mode they may not exist yet and count as new. ``template``: the spec a new service starts from (a
    stack's, with what the docker CLI always sends). ``manager_checked``: the caller asked the engine already
    (a stack, once for all its services)."""
    name = params['name']
    if not name or not isinstance(name, str):
        raise FleetDockerError('name must be a non-empty string.')
    result: Dict[str, Any] = dict(changed=False, changes=[], rebuilt=False)
    if params.get('state') == 'absent':
        ops.swarm_manager_check(client)
        current = ops.find_service(client, name)
        if current:
            result['changed'] = True
            if not check_mode:
                ops.remove_service(client, current['ID'])
        if diff:
            result['diff'] = dict(before=dict(name=name, state='present' if current else 'absent'),
                                  after=dict(name=name, state='absent'))
        return result
    if not params.get('image'):
        raise ServiceSpecError('image is required with state present.')
    desired = canonical_params(params)     # every input error before the engine is asked anything
    if not manager_checked:
        ops.swarm_manager_check(client)
    _resolve_networks(client, desired, pending)
    _published_elsewhere(client, name, desired['publish'])
    warnings = []
    if params.get('resolve_image', True):
        desired['image'], warning = resolve_image(desired['image'], client)
        if warning:
            warnings.append(warning)
    pinned = '@' in desired['image']
    current = ops.find_service(client, name)
    current_canon = canonical_spec(current['Spec']) if current else None
    _resolve_references(client, desired, current_canon, pending)
    if current_canon is None:
        changes = ['created']
    else:
        changes = differences(desired, current_canon, keep_unset)
        if not same_image(desired['image'], current_canon['image'], pinned):
            changes.insert(0, 'image')
    rebuild = bool(current_canon) and 'mode' in changes and desired['mode']['mode'] != current_canon['mode']['mode']
    force = bool(params.get('force_update')) and current is not None
    result.update(changed=bool(changes) or force, changes=changes + (['force_update'] if force else []),
                  rebuilt=rebuild, image=desired['image'])
    if warnings:
        result['warnings'] = warnings
    if diff:
        keys = [k for k in desired if desired[k] is not None or not keep_unset]
        after = dict(desired)
        if current_canon is not None:
            _network_names(client, current_canon)
            if after['mode']['replicas'] is None and current_canon['mode']['mode'] == after['mode']['mode']:
                after['mode'] = dict(after['mode'], replicas=current_canon['mode']['replicas'])
            if 'image' not in changes:
                after['image'] = current_canon['image']
        result['diff'] = dict(before=_view(current_canon, keys) if current_canon else {},
                              after=_view(after, keys))
    if not result['changed'] or check_mode:
        if current is not None:
            result['service'] = current
        return result
    values = dict(desired)
    if current is not None and 'image' not in changes:
        values['image'] = current_canon['image']   # an unpinned task keeps the digest the engine holds
    timeout = params.get('wait_timeout') or 300
    if current is None or rebuild:
        if rebuild:
            ops.remove_service(client, current['ID'])
        if values['mode']['replicas'] is None and values['mode']['mode'] == 'replicated' and rebuild:
            values['mode'] = dict(values['mode'], replicas=current_canon['mode']['replicas'])
        body = write_spec(template, name, values, keep_unset=False if current is None else keep_unset)
        _pin_platforms(client, body, params)
        service_id = ops.create_service(client, body)
        if params.get('wait', True):
            wait_running(client, service_id, values, timeout)
        result['service'] = ops.inspect_service(client, service_id)
        return result
    body = write_spec(current['Spec'], name, values, keep_unset)
    if 'image' in changes:
        _pin_platforms(client, body, params)
    if force:
        task = body['TaskTemplate']
        task['ForceUpdate'] = int(task.get('ForceUpdate') or 0) + 1
    ops.update_service(client, current['ID'], current['Version']['Index'], body)
    template_changed = body.get('TaskTemplate') != current['Spec'].get('TaskTemplate')
    result['rolling'] = template_changed   # the engine replaces tasks: a caller with wait false may wait_update
    if params.get('wait', True) and template_changed:
        result['service'] = wait_update(client, current['ID'], current.get('UpdateStatus'), timeout)
    else:
        result['service'] = ops.inspect_service(client, current['ID'])
    return result
