# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge a compose project: load, read the engine, plan (plan.py), then carry the plan out.

Containers go through ``converge_container`` (the container module's own code: the option
table, the create-before-destroy recreate) with the spec ``spec.py`` built once, one start
level after the other, the services of a level in parallel. Networks and volumes are created by
``networks/`` and ``volumes/``, and every other container step goes through ``containers/ops.py``.
Every check that can refuse the task runs before the first change.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.compose import build as cb
from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p
from ansible_collections.fleet.docker.plugins.module_utils.compose.project import load
from ansible_collections.fleet.docker.plugins.module_utils.compose.spec import container_spec, service_params
from ansible_collections.fleet.docker.plugins.module_utils.containers.converge import (
    ImageCache, converge_container, wait_healthy)
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    find_container, list_by_label, lookup_container, remove_container, restart_container, start_container,
    stop_container, wait_container)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    APIError, DockerException, FleetDockerError, NotFound, RequestException, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.engine.parallel import run_parallel
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import find_local_image
from ansible_collections.fleet.docker.plugins.module_utils.images.references import parse_reference
from ansible_collections.fleet.docker.plugins.module_utils.networks.ops import (
    create_network, find_network, list_networks, remove_network)
from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import parse_network, target_settings
from ansible_collections.fleet.docker.plugins.module_utils.volumes.ops import (
    create_volume, find_volume, list_volumes, remove_volume)

PULL_POLICY_MAP = dict(if_not_present='missing', missing='missing', always='always', never='never')


# --------------------------------------------------------------------------------- engine reads

def project_containers(client, name: str) -> list:
    return list_by_label(client, n.PROJECT, name)


def read_snapshot(client, project: dict, targets: list, pull: str) -> p.Snapshot:
    snap = p.Snapshot(containers=project_containers(client, project['name']))
    for kind, reader in (('networks', find_network), ('volumes', find_volume)):
        for key, definition in (project.get(kind) or {}).items():
            engine_name = n.resource_name(project['name'], key, definition)
            found = reader(client, engine_name)
            if found and found.get('Name') == engine_name:
                getattr(snap, kind)[engine_name] = found
    for svc in targets:
        image = project['services'][svc].get('image')
        if image and image not in snap.images:
            found = find_local_image(client, parse_reference(image, default_tag='latest'))
            snap.images[image] = found['Id'] if found else None
    own = set(c['Id'] for c in snap.containers)
    for svc in targets:
        service = project['services'][svc]
        for number in range(1, p.service_count(service, None, svc) + 1):
            name = n.container_name(project['name'], svc, service, number)
            other = find_container(client, name)
            if other is not None and other['Id'] not in own:
                snap.names_taken[name] = ((other.get('Config') or {}).get('Labels') or {}).get(n.PROJECT) or ''
    return snap


def check_external(project: dict, snapshot: p.Snapshot, targets: list) -> None:
    """External networks and volumes must exist; name the service and key that uses them."""
    for kind in ('networks', 'volumes'):
        for key, definition in sorted((project.get(kind) or {}).items()):
            definition = definition or {}
            if not definition.get('external'):
                continue
            engine_name = n.resource_name(project['name'], key, definition)
            if engine_name in getattr(snapshot, kind):
                continue
            users = [s for s in targets if key in _uses(project['services'][s], kind)]
            if users:
                p.fail(project, users[0], '%s.%s' % (kind, key), 'the external %s %s does not exist; create it first.'
                       % (kind[:-1], engine_name))


def _uses(service, kind):
    if kind == 'networks':
        return list((service.get('networks') or {}).keys())
    return [v.get('source') for v in service.get('volumes') or [] if v.get('type') == 'volume']


def validate(project: dict, plan: p.ProjectPlan, snapshot: p.Snapshot) -> dict:
    """Every container's spec (built once, kept on its step) and every network to create, checked
    before any change; returns the create settings of those networks."""
    for step in plan.all_steps():
        if step.action == 'remove':
            continue
        image_id = snapshot.images.get(project['services'][step.service].get('image'))
        if step.action in ('create', 'recreate'):
            step.params, step.spec = container_spec(project, step.service, step.number, image_id)
        else:  # the container stays: the service's keys are still checked, the table's parse is not needed
            service_params(project, step.service, step.number, image_id)
    settings = {}
    for item in plan.networks:
        if item['action'] != 'create':
            continue
        definition = item['definition']
        ipam = definition.get('ipam') or {}
        labels = dict(definition.get('labels') or {})
        labels.update(_project_labels(project, 'network', item['key']))
        task = dict(name=item['name'], driver=definition.get('driver'), driver_options=definition.get('driver_opts'),
                    ipam_driver=ipam.get('driver'), ipam_driver_options=ipam.get('options'),
                    ipam_config=ipam.get('config'), labels=labels, internal=definition.get('internal'),
                    attachable=definition.get('attachable'), enable_ipv6=definition.get('enable_ipv6'))
        try:
            settings[item['name']] = target_settings(parse_network(task), None)
        except FleetDockerError as exc:
            p.fail(project, None, 'networks.%s' % item['key'], exc.msg)
    return settings


# ------------------------------------------------------------------------------------ converge

def effective_pull(service: dict, pull: str) -> str:
    if pull != 'policy':
        return pull
    policy = service.get('pull_policy') or 'missing'
    if policy == 'build':
        return 'missing'  # built (compose/build.py), never pulled
    return PULL_POLICY_MAP.get(policy, 'missing')


def converge_project(client, params: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """The compose module's logic; returns the result dict or raises FleetDockerError."""
    state = params['state']
    if state == 'absent' and params.get('project_src') is None and params.get('definition') is None:
        if not params.get('project_name'):
            raise FleetDockerError('state=absent needs project_name, project_src or definition.')
        return remove_project(client, dict(name=params['project_name']), params, check_mode, diff)
    project = load(params)
    if state == 'absent':
        return remove_project(client, project, params, check_mode, diff)
    scale = dict((k, int(v)) for k, v in (params.get('scale') or {}).items())
    p.check_project(project, scale)
    targets = p.targets_of(project, params.get('services'), params.get('dependencies', True))
    build = params.get('build') or 'never'
    specs = cb.plan_builds(project, targets, build)
    snapshot = read_snapshot(client, project, targets, params.get('pull'))
    check_external(project, snapshot, targets)
    cb.missing_without_build(project, targets, build, snapshot)
    result = dict(changed=False, project=project['name'], pulled=[], built=[])
    cache = ImageCache()
    cb.run_builds(client, project, specs, build, snapshot, check_mode, result)
    # Pull what is missing (or everything with pull=always) before the plan compares image IDs.
    for svc in targets:
        service = project['services'][svc]
        image = service.get('image')
        if not image or svc in specs:
            continue  # built, not pulled
        pull = effective_pull(service, params.get('pull') or 'missing')
        if snapshot.images.get(image) is not None and pull != 'always':
            continue
        try:
            pulled = cache.ensure(client, parse_reference(image, default_tag='latest'), pull, check_mode)
        except FleetDockerError as exc:
            raise FleetDockerError('%s: %s' % (p.where(project, svc, 'image'), exc.msg), **result)
        except (APIError, DockerException, RequestException) as exc:
            text = '%s: pulling %s failed: %s' % (p.where(project, svc, 'image'), image, describe_error(exc))
            raise FleetDockerError(text, **result)
        if pulled.get('changed'):
            result['pulled'].append(image)
            result['changed'] = True
        if pulled.get('image'):
            snapshot.images[image] = pulled['image']['Id']
    plan = p.plan_project(project, snapshot, state, params.get('services'), params.get('dependencies', True), scale,
                          params.get('recreate') or 'auto', params.get('remove_orphans', False))
    network_settings = validate(project, plan, snapshot)
    result.update(p.report(plan))
    result['warnings_list'] = project.get('x-fleet-warnings', []) + plan.warnings
    if diff:
        result['diff'] = p.diff(plan)
    if check_mode:
        result['changed'] = result['changed'] or plan.changes
        return result
    try:
        execute(client, project, plan, params, cache, result, network_settings)
    except FleetDockerError as exc:
        exc.result = dict(result, **exc.result)
        exc.result['changed'] = bool(result['changed'] or exc.result.get('changed'))
        raise
    except (APIError, DockerException, RequestException, OSError) as exc:
        raise FleetDockerError('Project %s: %s' % (project['name'], describe_error(exc)), **result)
    return result


def execute(client, project: dict, plan: p.ProjectPlan, params: dict, cache: ImageCache, result: dict,
            network_settings: dict) -> None:
    def new_network(item):
        create_network(client, item['name'], network_settings[item['name']])

    def new_volume(item):
        definition = item['definition']
        labels = dict(definition.get('labels') or {})
        labels.update(_project_labels(project, 'volume', item['key']))
        create_volume(client, item['name'], definition.get('driver'), definition.get('driver_opts'), labels)

    for kind, items, create in (('networks', plan.networks, new_network), ('volumes', plan.volumes, new_volume)):
        for item in items:
            if item['action'] != 'create':
                continue
            try:
                create(item)
            except (APIError, DockerException, RequestException) as exc:
                raise FleetDockerError('%s: creating %s %s failed: %s' % (
                    p.where(project, None, '%s.%s' % (kind, item['key'])), kind[:-1], item['name'],
                    describe_error(exc)), **result)
            result['changed'] = True
    touched = set()
    wait_timeout = params.get('wait_timeout') or 120
    for level in plan.levels:
        def one(svc):
            try:
                return svc, converge_service(client, project, plan, svc, params, cache, touched), None
            except FleetDockerError as exc:
                return svc, exc.result.get('changed', False), exc
        outcomes = run_parallel(one, level, 8)
        failures = []
        for svc, changed, error in outcomes:
            if changed:
                touched.add(svc)
                result['changed'] = True
            if error is not None:
                failures.append((svc, error))
        if failures:
            raise FleetDockerError('; '.join('Service %s: %s' % (svc, describe_error(err)) for svc, err in failures),
                                   **result)
    removals = plan.removals
    if removals:
        run_parallel(lambda step: remove_step(client, step, params.get('timeout')), removals, 8)
        result['changed'] = True
    if params.get('wait') and plan.state in ('present', 'restarted'):
        for level in plan.levels:
            for svc in level:
                wait_service(client, project, svc, 'service_healthy', wait_timeout, result, required=False)


def converge_service(client, project, plan, svc, params, cache, touched) -> bool:
    """Wait for what the service depends on (when it is about to start), then its container steps."""
    steps = plan.steps.get(svc) or []
    service = project['services'][svc]
    acting = [s for s in steps if s.action in ('create', 'recreate', 'start', 'restart')]
    changed = False
    if acting and plan.state != 'stopped':
        for dep, spec in sorted((service.get('depends_on') or {}).items()):
            spec = spec or {}
            if dep not in project['services']:
                continue
            wait_service(client, project, dep, spec.get('condition') or 'service_started',
                         params.get('wait_timeout') or 120, dict(changed=False), required=spec.get('required', True),
                         waiter=svc)
    restart_for_deps = [d for d, spec in (service.get('depends_on') or {}).items()
                        if (spec or {}).get('restart') and d in touched]
    for step in steps:
        action = step.action
        if action == 'none' and restart_for_deps and step.container and step.container.get('State') == 'running':
            action = 'restart'
            step.reasons = ['restart: %s changed' % ', '.join(sorted(restart_for_deps))]
            step.action = action
        if action == 'none':
            continue
        try:
            if action in ('create', 'recreate'):
                item = dict(step.params)
                item['recreate'] = action == 'recreate'
                item['state'] = 'stopped' if plan.state == 'stopped' else 'started'
                item['pull'] = effective_pull(service, params.get('pull') or 'missing')
                if item['pull'] == 'always':
                    item['pull'] = 'missing'  # pulled once in the pull phase
                out = converge_container(client, item, False, False, cache, spec=step.spec)
                changed = changed or bool(out.get('changed'))
            elif action == 'start':
                start_container(client, step.container['Id'])
                changed = True
            elif action == 'stop':
                stop_container(client, step.container['Id'], params.get('timeout'))
                changed = True
            elif action == 'restart':
                restart_container(client, step.container['Id'], params.get('timeout'))
                changed = True
        except FleetDockerError as exc:
            raise FleetDockerError('%s (%s)' % (describe_error(exc), step.name),
                                   changed=changed or bool(exc.result.get('changed')))
        except (APIError, DockerException, RequestException) as exc:
            raise FleetDockerError('%s %s: %s' % (action, step.name, describe_error(exc)), changed=changed)
    return changed


def wait_service(client, project, svc, condition, timeout, result, required=True, waiter=None):
    """Block until every container of ``svc`` meets ``condition``; fail after ``timeout`` naming it."""
    if condition == 'service_started':
        return
    containers = [c for c in project_containers(client, project['name'])
                  if (c.get('Labels') or {}).get(n.SERVICE) == svc]
    if not containers:
        if required and p.service_count(project['services'][svc], None, svc) > 0:
            raise FleetDockerError('Service %s has no container to wait for.' % svc, **result)
        return
    who = ' (%s depends on it)' % waiter if waiter else ''
    for container in containers:
        name = p.entry_name(container)
        if condition == 'service_completed_successfully':
            code = wait_container(client, container['Id'], timeout=max(1, timeout)).get('StatusCode')
            if code != 0:
                raise FleetDockerError('Service %s did not complete successfully%s: container %s exited with code %s.'
                                       % (svc, who, name, code), **result)
            continue
        inspect = lookup_container(client, container['Id']) or {}
        if not (inspect.get('State') or {}).get('Health'):
            if condition == 'service_healthy' and waiter:
                raise FleetDockerError('Service %s has no healthcheck, but %s waits for it to be healthy.'
                                       % (svc, waiter), **result)
            continue
        try:
            wait_healthy(client, container['Id'], name, timeout, result)
        except FleetDockerError as exc:
            raise FleetDockerError('Service %s did not turn healthy within %d s%s: %s' % (svc, timeout, who, exc.msg),
                                   **result)


def remove_step(client, step, timeout):
    """Stop (within the task's timeout) and remove one container, with its anonymous volumes."""
    try:
        if step.container.get('State') == 'running':
            stop_container(client, step.container['Id'], timeout)
    except NotFound:
        return  # gone already
    remove_container(client, step.container['Id'], volumes=True)


def _project_labels(project, kind, key):
    return {n.PROJECT: project['name'], (n.NETWORK if kind == 'network' else n.VOLUME): key}


# -------------------------------------------------------------------------------------- absent

def remove_project(client, project: dict, params: dict, check_mode: bool, diff: bool) -> dict:
    """Remove the project's containers and networks; its volumes with remove_volumes; images with remove_images."""
    name = project['name']
    snapshot = p.Snapshot(containers=project_containers(client, name))
    plan = p.plan_removal(name, snapshot)
    networks = [net for net in list_networks(client, '%s=%s' % (n.PROJECT, name))
                if (net.get('Labels') or {}).get(n.PROJECT) == name]
    volumes = []
    if params.get('remove_volumes'):
        listed = list_volumes(client, '%s=%s' % (n.PROJECT, name))
        volumes = [vol for vol in listed if (vol.get('Labels') or {}).get(n.PROJECT) == name]
        # Anonymous volumes of the containers go with them (remove v=True).
    images = []
    if params.get('remove_images'):
        for container in snapshot.containers:
            ref = container.get('Image')
            svc = (container.get('Labels') or {}).get(n.SERVICE)
            service = (project.get('services') or {}).get(svc) or {}
            # local: only the images Compose names itself (no image: key), as `docker compose down --rmi local`
            # and so community.docker.docker_compose_v2; an image: the file names is kept.
            if params['remove_images'] == 'local' and service.get('image') != n.image_name(name, svc):
                continue
            if ref and ref not in images:
                images.append(ref)
    result = p.report(plan)
    result.update(project=name, changed=bool(plan.removals or networks or volumes or images),
                  removed_networks=sorted(net['Name'] for net in networks),
                  removed_volumes=sorted(vol['Name'] for vol in volumes), removed_images=sorted(images))
    if diff:
        result['diff'] = p.diff(plan)
        result['diff']['before'].update(networks=sorted(net['Name'] for net in networks),
                                        volumes=sorted(vol['Name'] for vol in volumes))
        result['diff']['after'].update(networks=[], volumes=[])
    if check_mode:
        return result
    done = dict(changed=False)
    try:
        run_parallel(lambda step: remove_step(client, step, params.get('timeout')), plan.removals, 8)
        done['changed'] = bool(plan.removals)
        for net in networks:
            remove_network(client, net['Id'])
            done['changed'] = True
        for vol in volumes:
            remove_volume(client, vol['Name'])
            done['changed'] = True
        for image in images:
            try:
                client.remove_image(image)
                done['changed'] = True
            except APIError as exc:
                result.setdefault('warnings_list', []).append('Image %s kept: %s' % (image, describe_error(exc)))
    except (APIError, DockerException, RequestException) as exc:
        result['changed'] = done['changed']
        raise FleetDockerError('Removing project %s: %s' % (name, describe_error(exc)), **result)
    return result
