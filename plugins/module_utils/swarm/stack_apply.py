# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.stack: deploy a compose project as a Swarm stack through the Engine API, as ``docker stack deploy``.

Decide, then act. The plan pass runs every step in check mode: the project is loaded and converted
(stack_convert), each network, secret and config is compared, and each service goes through the service
module's pipeline (service_plan.converge_service, declarative: keep_unset=False) in check mode. Any bad input
fails there, before anything is changed. Check mode stops after it; otherwise the steps that differ are carried
out: networks, then secrets and configs, then services, then the pruned services.
"""

from __future__ import annotations

import base64
import time
from typing import Any, Callable, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.networks import ops as network_ops
from ansible_collections.fleet.docker.plugins.module_utils.swarm import services as ops
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects import find_object, list_objects, remove_object
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_plan import (
    converge_service, resolve_image, wait_running, wait_update)
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_spec import canonical_params, image_reference
from ansible_collections.fleet.docker.plugins.module_utils.swarm.stack_convert import (
    NAMESPACE_LABEL, NOT_USER_DEFINED, check_stack_name, convert)

KINDS = ('secrets', 'configs')
COMPOSE_FILES = ('compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml')
STACK_FILES = ('docker-stack.yml', 'docker-stack.yaml')   # the name the docker docs give stack files
REMOVE_TIMEOUT = 60
# What `docker stack deploy` sends in every new service besides the file's options (stored by the engine as
# {"CredentialSpec": null, "SELinuxContext": null}).
SERVICE_TEMPLATE = {'TaskTemplate': {'ContainerSpec': {'Privileges': {'CredentialSpec': None, 'SELinuxContext': None}}}}


def load_stack(params: Dict[str, Any]) -> Dict[str, Any]:
    """The project named by the task's options, loaded as ``compose`` loads it, converted into the stack's wants."""
    from ansible_collections.fleet.docker.plugins.module_utils.compose.project import load
    import os
    name = check_stack_name(params['name'])
    params = dict(params, project_name=name)
    files = params.get('files') or []
    if params.get('project_src') is None and files and os.path.isabs(files[0]):
        params['project_src'] = os.path.dirname(files[0])   # as `docker stack deploy -c FILE`: its directory
    if not files and params.get('project_src') and params.get('definition') is None:
        src = os.path.expanduser(params['project_src'])
        stack_files = [f for f in STACK_FILES if os.path.exists(os.path.join(src, f))]
        if stack_files and not any(os.path.exists(os.path.join(src, f)) for f in COMPOSE_FILES):
            params['files'] = stack_files[:1]
    project = load(params)
    project['x-fleet-environment'] = params.get('environment') if params.get('environment') is not None else os.environ
    wants = convert(project, name)
    # Compose v2 calls `version` obsolete; the docker CLI's stack loader reads it (3.x): no warning here.
    wants['warnings'] = [w for w in project.get('x-fleet-warnings') or [] if 'attribute `version` is obsolete' not in w] \
        + wants['warnings']
    return wants


def stack_services(client, name: str) -> Dict[str, Dict[str, Any]]:
    """{service name: service} of the stack (the services labelled with its namespace)."""
    return dict((s['Spec']['Name'], s) for s in ops.list_services(client, filters={'label': '%s=%s' % (NAMESPACE_LABEL, name)}))


def _object_params(kind: str, name: str, want: Dict[str, Any]) -> Dict[str, Any]:
    """The secret/config module's params for a stack object (its data as base64: a file may be binary)."""
    params = dict(name=name, state='present', labels=want['labels'], force=False, rolling_versions=False,
                  versions_to_keep=0, update_timeout=300, src=None, data=None, data_is_b64=True)
    if want.get('data') is not None:
        params['data'] = base64.b64encode(want['data']).decode('ascii')
    if kind == 'secrets' and want.get('driver'):
        params.update(driver=want['driver'], driver_options=want.get('driver_options'))
    if want.get('template_driver'):
        params['template_driver'] = want['template_driver']
    return params


class _Plan:
    """The plan pass and what the apply pass does with it."""

    def __init__(self, client, params: Dict[str, Any], wants: Dict[str, Any], diff: bool):
        self.client, self.params, self.wants, self.diff = client, params, wants, diff
        self.name = params['name']
        self.warnings: List[str] = list(wants['warnings'])
        self.networks_to_create: List[str] = []
        self.objects: Dict[str, Dict[str, Dict[str, Any]]] = dict(secrets={}, configs={})
        self.services: Dict[str, Dict[str, Any]] = {}
        self.prune: List[Dict[str, Any]] = []
        self.before: Dict[str, Dict[str, Any]] = dict(services={}, networks={}, secrets={}, configs={})
        self.after: Dict[str, Dict[str, Any]] = dict(services={}, networks={}, secrets={}, configs={})

    # ------------------------------------------------------------------------------------------ plan
    def plan(self) -> None:
        ops.swarm_manager_check(self.client)
        self._plan_networks()
        for kind in KINDS:
            if self.wants[kind]:   # the secret/config pipeline is imported only for a stack that has some
                self._plan_objects(kind)
        pending = dict(networks=set(self.networks_to_create),
                       secrets=set(n for n, o in self.objects['secrets'].items() if o['result'].get('changed')),
                       configs=set(n for n, o in self.objects['configs'].items() if o['result'].get('changed')))
        existing = stack_services(self.client, self.name)
        pinned: Dict[str, Any] = {}
        for short, params in sorted(self.wants['services'].items()):
            params = dict(params, resolve_image=False, wait=False)
            try:
                if self.params.get('resolve_image', True):
                    # each image once, however many services run it; then the service pipeline compares the digest
                    if params['image'] not in pinned:
                        pinned[params['image']] = resolve_image(image_reference(params['image']), self.client)
                    params['image'], warning = pinned[params['image']]
                    if warning and warning not in self.warnings:
                        self.warnings.append(warning)
                result = converge_service(self.client, params, check_mode=True, diff=self.diff, keep_unset=False,
                                          pending=pending, manager_checked=True)
            except FleetDockerError as exc:
                raise SwarmError('service %s: %s Nothing was changed.' % (short, exc.msg.rstrip()))
            for warning in result.get('warnings') or []:
                self.warnings.append('service %s: %s' % (short, warning))
            self.services[short] = dict(params=params, result=result, current=existing.get(params['name']))
            if result['changed'] and self.diff:
                self.before['services'][params['name']] = result['diff']['before']
                self.after['services'][params['name']] = result['diff']['after']
        wanted = set(p['name'] for p in self.wants['services'].values())
        if self.params.get('prune'):
            self.prune = [s for n, s in sorted(existing.items()) if n not in wanted]
            for service in self.prune:
                self.before['services'][service['Spec']['Name']] = dict(state='present')
                self.after['services'][service['Spec']['Name']] = dict(state='absent')

    def _plan_networks(self) -> None:
        for name, settings in sorted(self.wants['networks'].items()):
            if settings is None:
                if name in NOT_USER_DEFINED:
                    continue
                found = network_ops.find_network(self.client, name)
                if found is None:
                    raise SwarmError('network %r is declared as external, but could not be found. You need to create a '
                                     'swarm-scoped network before the stack is deployed. Nothing was changed.' % name)
                if found.get('Scope') != 'swarm':
                    raise SwarmError('network %r is declared as external, but it is not in the right scope: %r instead '
                                     'of "swarm". Nothing was changed.' % (name, found.get('Scope')))
                continue
            if network_ops.find_network(self.client, name) is None:
                self.networks_to_create.append(name)
                self.before['networks'][name] = dict(state='absent')
                self.after['networks'][name] = dict(state='present', driver=settings['driver'],
                                                    attachable=settings['attachable'], internal=settings['internal'],
                                                    labels=settings['labels'])

    def _plan_objects(self, kind: str) -> None:
        from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects_apply import converge_object
        word = kind[:-1]
        for name, want in sorted(self.wants[kind].items()):
            if want['external']:
                if find_object(self.client, word, name) is None:
                    raise SwarmError('%s %s (%s) is declared as external, but could not be found: create it first '
                                     '(fleet.docker.%s). Nothing was changed.' % (word, want['key'], name, word))
                continue
            params = dict(_object_params(kind, name, want), update_timeout=self.params.get('wait_timeout') or 300)
            try:
                try:
                    result = converge_object(self.client, word, params, check_mode=True, diff=self.diff,
                                             warn=self.warnings.append)
                except SwarmError as exc:
                    if ' is used by service(s) ' not in exc.msg:
                        raise
                    # A new content for an object services use: the engine changes none in place, so it goes
                    # through fleet.docker.secret's force path (the services move to a copy, the object is made
                    # again under its name, they move back), where `docker stack deploy` fails.
                    params['force'] = True
                    result = converge_object(self.client, word, params, check_mode=True, diff=self.diff,
                                             warn=self.warnings.append)
            except FleetDockerError as exc:
                raise SwarmError('%s %s: %s' % (kind, want['key'], exc.msg))
            self.objects[kind][name] = dict(params=params, result=result)
            if result['changed'] and self.diff:
                self.before[kind][name] = result['diff']['before']
                self.after[kind][name] = result['diff']['after']

    @property
    def changed(self) -> bool:
        return bool(self.networks_to_create or self.prune or
                    any(o['result']['changed'] for k in KINDS for o in self.objects[k].values()) or
                    any(s['result']['changed'] for s in self.services.values()))

    # ------------------------------------------------------------------------------------------ apply
    def apply(self) -> None:
        for name in self.networks_to_create:
            network_ops.create_network(self.client, name, self.wants['networks'][name])
        for kind in KINDS:
            for name, entry in sorted(self.objects[kind].items()):
                if entry['result']['changed']:
                    from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects_apply import converge_object
                    entry['result'] = converge_object(self.client, kind[:-1], entry['params'], warn=lambda text: None)
        # Every service is created or updated first, then waited for: the rolling updates run side by side.
        waits = []
        for short, entry in sorted(self.services.items()):
            if not entry['result']['changed']:
                continue
            # the digest the plan pass resolved: the registry is asked once per service and run
            params = dict(entry['params'], image=entry['result'].get('image') or entry['params']['image'],
                          resolve_image=False, wait=False)
            try:
                result = converge_service(self.client, params, keep_unset=False, template=SERVICE_TEMPLATE,
                                          manager_checked=True)
            except FleetDockerError as exc:
                raise FleetDockerError('service %s: %s' % (short, exc.msg), **dict(exc.result, changed=True))
            entry['result'].update(changes=result['changes'], service=result.get('service'))
            if entry['current'] is None or result.get('rebuilt'):
                waits.append((short, params, result, None))
            elif result.get('rolling'):
                waits.append((short, params, result, entry['current'].get('UpdateStatus') or {}))
        for service in self.prune:
            ops.remove_service(self.client, service['ID'])
        if self.params.get('wait', True):
            self._wait(waits)

    def _wait(self, waits) -> None:
        timeout = self.params.get('wait_timeout') or 300
        for short, params, result, before in waits:
            service_id = (result.get('service') or {}).get('ID')
            if not service_id:
                continue
            try:
                if before is None:
                    wait_running(self.client, service_id, canonical_params(params), timeout)
                else:
                    self.services[short]['result']['service'] = wait_update(self.client, service_id, before, timeout)
            except FleetDockerError as exc:
                raise FleetDockerError('service %s: %s' % (short, exc.msg), **dict(exc.result, changed=True))

    # ----------------------------------------------------------------------------------------- result
    def result(self) -> Dict[str, Any]:
        services = []
        for short, entry in sorted(self.services.items()):
            service = entry['result'].get('service') or entry['current'] or {}
            services.append(dict(name=entry['params']['name'], service=short, id=service.get('ID'),
                                 changed=entry['result']['changed'], changes=entry['result']['changes']))
        out: Dict[str, Any] = dict(
            changed=self.changed, stack=self.name, services=services,
            networks=dict(created=self.networks_to_create,
                          external=sorted(n for n, s in self.wants['networks'].items() if s is None)),
            pruned=[s['Spec']['Name'] for s in self.prune])
        for kind in KINDS:
            out[kind] = [dict(name=name, actions=entry['result'].get('actions') or [])
                         for name, entry in sorted(self.objects[kind].items())]
        if self.diff:
            out['diff'] = dict(before=self.before, after=self.after)
        return out


def remove_stack(client, name: str, check_mode: bool, diff: bool, wait: bool = True) -> Dict[str, Any]:
    """``docker stack rm``: the stack's services, then its networks, secrets and configs (volumes stay). With
    ``wait``, until the manager has let the networks go (their tasks stopped), so a deploy right after works."""
    check_stack_name(name)
    ops.swarm_manager_check(client)
    label = '%s=%s' % (NAMESPACE_LABEL, name)
    services = sorted(stack_services(client, name).values(), key=lambda s: s['Spec']['Name'])
    networks = sorted(network_ops.list_networks(client, label=label), key=lambda n: n['Name'])
    objects = dict((kind, sorted(list_objects(client, kind[:-1], label=label), key=lambda o: o['Spec']['Name']))
                   for kind in KINDS)
    removed = dict(services=[s['Spec']['Name'] for s in services], networks=[n['Name'] for n in networks],
                   secrets=[o['Spec']['Name'] for o in objects['secrets']],
                   configs=[o['Spec']['Name'] for o in objects['configs']])
    changed = any(removed.values())
    result: Dict[str, Any] = dict(changed=changed, stack=name, removed=removed)
    if diff:
        result['diff'] = dict(before=dict((k, dict((n, dict(state='present')) for n in v)) for k, v in removed.items()),
                              after=dict((k, dict((n, dict(state='absent')) for n in v)) for k, v in removed.items()))
    if check_mode or not changed:
        return result
    for service in services:
        ops.remove_service(client, service['ID'])
    # The manager refuses to remove a network (or an object) while the removed services' tasks still hold it.
    for network in networks:
        _retry(lambda: network_ops.remove_network(client, network['Id']), 'network %s' % network['Name'])
    # The manager removes a network once the removed tasks let go of it: wait, so a deploy right after works.
    deadline = time.monotonic() + REMOVE_TIMEOUT
    while wait and network_ops.list_networks(client, label=label) and time.monotonic() < deadline:
        time.sleep(0.5)
    for kind in KINDS:
        for entry in objects[kind]:
            _retry(lambda: remove_object(client, kind[:-1], entry['ID']), '%s %s' % (kind[:-1], entry['Spec']['Name']))
    return result


def _retry(step: Callable[[], None], what: str, timeout: float = REMOVE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            step()
            return
        except Exception as exc:  # pylint: disable=broad-except
            text = str(exc)
            if 'not found' in text.lower() or 'No such' in text:
                return
            if time.monotonic() > deadline:
                raise FleetDockerError('Removing %s: %s' % (what, text), changed=True)
            time.sleep(0.5)


def converge_stack(client, params: Dict[str, Any], check_mode: bool = False, diff: bool = False,
                   warn: Optional[Callable[[str], None]] = None) -> Dict[str, Any]:
    if params.get('state') == 'absent':
        return remove_stack(client, params['name'], check_mode, diff, params.get('wait', True))
    wants = load_stack(params)
    plan = _Plan(client, params, wants, diff)
    plan.plan()
    if plan.changed and not check_mode:
        plan.apply()
    result = plan.result()
    result['warnings_list'] = plan.warnings
    return result
