# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide what converging a compose project takes, without touching the engine.

Input: the project in the normalized form of ``docker compose config --format json`` (what
``load.load_project`` returns) and a snapshot of the engine (``Snapshot``: the project's
containers, which networks, volumes and images exist). Output: a ``ProjectPlan`` -- per service,
per container, what to create, recreate, start, stop or remove, and why. Check mode reports the
plan; ``apply.py`` builds each created container's spec (``spec.py``) and carries the plan out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import compose_accepts
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import ValueSpecError, port_range

STATES = ('present', 'absent', 'stopped', 'restarted')
RECREATE_MODES = ('auto', 'always', 'never')
PULL_MODES = ('missing', 'always', 'never', 'policy')
BUILD_MODES = ('never', 'missing', 'always', 'policy')

# Service keys the mapping understands; anything else is an error naming the key.
SUPPORTED_KEYS = frozenset((
    'image', 'command', 'entrypoint', 'environment', 'container_name', 'hostname', 'domainname', 'ports', 'expose',
    'volumes', 'volumes_from', 'tmpfs', 'networks', 'network_mode', 'depends_on', 'healthcheck', 'restart', 'labels',
    'logging', 'deploy', 'mem_limit', 'mem_reservation', 'memswap_limit', 'cpus', 'cpu_shares', 'cpuset',
    'pids_limit', 'shm_size', 'cap_add', 'cap_drop', 'privileged', 'devices', 'security_opt', 'user', 'group_add',
    'working_dir', 'extra_hosts', 'dns', 'dns_search', 'dns_opt', 'init', 'read_only', 'ulimits', 'sysctls',
    'stop_grace_period', 'stop_signal', 'stdin_open', 'tty', 'pid', 'ipc', 'secrets', 'configs', 'profiles',
    'scale', 'pull_policy', 'build', 'links', 'env_file',
    'attach', 'develop'))  # the last two only steer the compose CLI (logs, watch): nothing reaches the engine
# labels, endpoint_mode, update_config and rollback_config are Swarm's: `docker compose up` ignores them too.
SUPPORTED_DEPLOY = frozenset(('replicas', 'resources', 'restart_policy', 'placement', 'mode', 'labels',
                              'endpoint_mode', 'update_config', 'rollback_config'))
# Why a key `docker compose config` accepts is refused (docs/compose.md); others: no container option yet.
UNSUPPORTED_WHY = {
    'post_start': 'lifecycle hooks run commands inside the container, which this module does not do',
    'pre_stop': 'lifecycle hooks run commands inside the container, which this module does not do',
    'use_api_socket': 'it mounts the engine socket and the CLI credentials into the container',
    'provider': 'a provider service is run by a Compose plugin, not by the engine',
    'models': 'models are run by Docker Model Runner, not by the engine',
    'label_file': 'label files are not read yet',
    'credential_spec': 'it applies to Windows containers only',
    'isolation': 'it applies to Windows containers only',
    'external_links': 'links to containers outside the project are not supported',
}
CONDITIONS = ('service_started', 'service_healthy', 'service_completed_successfully')


class ComposePlanError(FleetDockerError):
    """A project this module cannot converge; the message names file, service and key."""


@dataclass
class Snapshot:
    """What the engine holds for the project (read by apply.read_snapshot)."""

    containers: list = field(default_factory=list)    # list entries (client.containers) with the project label
    networks: dict = field(default_factory=dict)      # engine name -> inspect (existing only)
    volumes: dict = field(default_factory=dict)       # engine name -> inspect (existing only)
    images: dict = field(default_factory=dict)        # image reference -> image ID, None when missing
    names_taken: dict = field(default_factory=dict)   # container name -> project label of a foreign holder
    to_build: set = field(default_factory=set)        # images a run would build (check mode)


@dataclass
class Step:
    """One container: what happens to it and why."""

    service: str
    name: str
    number: int
    action: str                  # create | recreate | start | stop | restart | remove | none
    reasons: list = field(default_factory=list)
    container: dict | None = None    # the list entry, when it exists
    params: dict | None = None       # create/recreate: the container task options (compose/spec.py) ...
    spec: dict | None = None         # ... and the canonical container spec, built once before any change
    config_hash: str | None = None   # create/recreate: the service's configuration hash to be


@dataclass
class ProjectPlan:
    name: str
    state: str
    networks: list = field(default_factory=list)   # dicts: key, name, action (create|exists|external), body
    volumes: list = field(default_factory=list)
    levels: list = field(default_factory=list)     # service names in start order, level by level
    steps: dict = field(default_factory=dict)      # service -> [Step]
    removals: list = field(default_factory=list)   # Steps: orphans and scaled-down containers
    orphans: list = field(default_factory=list)    # names of orphans kept (remove_orphans false)
    warnings: list = field(default_factory=list)

    def all_steps(self):
        for service in [s for level in self.levels for s in level]:
            yield from self.steps.get(service, [])
        yield from self.removals

    @property
    def changes(self) -> bool:
        return any(step.action != 'none' for step in self.all_steps()) or any(
            item['action'] == 'create' for item in self.networks + self.volumes)


# ------------------------------------------------------------------------------------ helpers

def where(project: dict, service: str | None = None, key: str | None = None) -> str:
    files = project.get('x-fleet-files') or ['definition']
    text = ', '.join(files)
    if service:
        text += ': service %s' % service
    if key:
        text += ': %s' % key
    return text


def fail(project, service, key, message):
    raise ComposePlanError('%s: %s' % (where(project, service, key), message))


def service_count(service: dict, scale: dict | None, name: str) -> int:
    if scale and name in scale:
        return int(scale[name])
    if service.get('scale') is not None:
        return int(service['scale'])
    replicas = (service.get('deploy') or {}).get('replicas')
    return 1 if replicas is None else int(replicas)


# ------------------------------------------------------------------------------- validation

def check_project(project: dict, scale: dict | None = None) -> None:
    """Refuse what cannot be converged before anything changes: unknown keys, depends_on on a
    missing service or in a cycle, two services on one host port, container_name with scale."""
    services = project.get('services') or {}
    if not services:
        fail(project, None, 'services', 'the project has no services.')
    for key in scale or {}:
        if key not in services:
            fail(project, key, 'scale', 'there is no such service.')
    for name, service in sorted(services.items()):
        unknown = sorted(k for k in service if k not in SUPPORTED_KEYS and not k.startswith('x-'))
        if unknown:
            fail(project, name, unknown[0], compose_accepts(UNSUPPORTED_WHY.get(
                unknown[0], 'the container options have no setting for this key yet')) + '.')
        deploy_unknown = sorted(k for k in (service.get('deploy') or {}) if k not in SUPPORTED_DEPLOY)
        if deploy_unknown:
            fail(project, name, 'deploy.' + deploy_unknown[0], compose_accepts('this key is not supported yet') + '.')
        for dep, spec in sorted((service.get('depends_on') or {}).items()):
            spec = spec or {}
            if (spec.get('condition') or 'service_started') not in CONDITIONS:
                fail(project, name, 'depends_on.%s.condition' % dep, 'must be one of %s.' % ', '.join(CONDITIONS))
            if dep not in services and spec.get('required', True):
                fail(project, name, 'depends_on.%s' % dep, 'there is no service %s in the project.' % dep)
        count = service_count(service, scale, name)
        if count < 0:
            fail(project, name, 'scale', 'must be 0 or more.')
        if count > 1 and service.get('container_name'):
            fail(project, name, 'container_name', 'a service with container_name cannot have %d replicas.' % count)
    start_levels(project, list(services))
    _check_host_ports(project, scale)


def _check_host_ports(project, scale):
    seen = {}
    for name, service in sorted((project.get('services') or {}).items()):
        count = service_count(service, scale, name)
        for index, port in enumerate(service.get('ports') or []):
            published = str(port.get('published') or '')
            if not published or count == 0:
                continue
            try:
                number, high = port_range(published, published, 'host port')
            except ValueSpecError as exc:
                fail(project, name, 'ports[%d].published' % index, exc.msg)
            if count > 1 and high == number:
                fail(project, name, 'ports[%d].published' % index,
                     'host port %s cannot be published by %d replicas.' % (published, count))
            ip = port.get('host_ip') or ''
            proto = port.get('protocol') or 'tcp'
            # For a host range the engine picks a free port in it, so only its first one is checked.
            for (other_ip, other_number, other_proto), (other, other_index) in seen.items():
                if other_number == number and other_proto == proto and (
                        ip in ('', '0.0.0.0', '::') or other_ip in ('', '0.0.0.0', '::') or ip == other_ip):
                    fail(project, name, 'ports[%d]' % index,
                         'host port %d/%s is also published by service %s (ports[%d]).'
                         % (number, proto, other, other_index))
            seen[(ip, number, proto)] = (name, index)


def start_levels(project: dict, targets: list) -> list:
    """Services in start order, level by level (every dependency in an earlier level).

    Raises on a depends_on cycle, naming the services in it."""
    services = project.get('services') or {}
    deps = dict((s, sorted(d for d in ((services[s].get('depends_on') or {})) if d in services)) for s in targets)
    levels, placed = [], set()
    remaining = set(targets)
    while remaining:
        ready = sorted(s for s in remaining if all(d in placed or d not in remaining for d in deps[s]))
        if not ready:
            cycle = _find_cycle(deps, sorted(remaining))
            fail(project, cycle[0], 'depends_on', 'dependency cycle: %s.' % ' -> '.join(cycle))
        levels.append(ready)
        placed.update(ready)
        remaining.difference_update(ready)
    return levels


def _find_cycle(deps, candidates):
    for start in candidates:
        path, node = [start], start
        while True:
            nxt = [d for d in deps.get(node, []) if d in candidates]
            if not nxt:
                break
            node = nxt[0]
            if node in path:
                return path[path.index(node):] + [node]
            path.append(node)
    return candidates


def targets_of(project: dict, services: list | None, dependencies: bool) -> list:
    """The services to converge: the named ones (plus what they depend on), else all."""
    known = project.get('services') or {}
    if not services:
        return sorted(known)
    for name in services:
        if name not in known:
            fail(project, name, 'services', 'there is no such service in the project (or its profile is not active).')
    out, todo = set(), list(services)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        if dependencies:
            todo.extend(d for d in (known[name].get('depends_on') or {}) if d in known)
    return sorted(out)


# --------------------------------------------------------------------------------- services

def restart_policy(service: dict) -> tuple:
    """(policy, retries) from ``restart`` or ``deploy.restart_policy``; (None, None) when neither is set."""
    policy = service.get('restart')
    if policy:
        base, _sep, retries = str(policy).partition(':')
        return base, int(retries) if retries else None
    deploy = (service.get('deploy') or {}).get('restart_policy')
    if deploy:
        condition = deploy.get('condition') or 'any'
        mapped = dict(none='no', any='always').get(condition, condition)
        return mapped, deploy.get('max_attempts')
    return None, None


# ------------------------------------------------------------------------------------ the plan

def _number(container) -> int:
    try:
        return int((container.get('Labels') or {}).get(n.NUMBER) or 0)
    except ValueError:
        return 0


def entry_name(container) -> str:
    return ((container.get('Names') or ['/' + container.get('Id', '')])[0]).lstrip('/')


def exit_code(container) -> int | None:
    match = re.match(r'^Exited \((-?[0-9]+)\)', container.get('Status') or '')
    return int(match.group(1)) if match else None


def is_one_shot(project: dict, name: str) -> bool:
    """Something waits for it to complete, or it has no restart policy."""
    services = project.get('services') or {}
    for other in services.values():
        dep = (other.get('depends_on') or {}).get(name)
        if dep and (dep.get('condition') == 'service_completed_successfully'):
            return True
    policy, _retries = restart_policy(services[name])
    return policy in (None, 'no')


def plan_project(project: dict, snapshot: Snapshot, state: str = 'present', services: list | None = None,
                 dependencies: bool = True, scale: dict | None = None, recreate: str = 'auto',
                 remove_orphans: bool = False) -> ProjectPlan:
    """The whole decision, from the project and the engine snapshot; changes nothing."""
    pname = project['name']
    plan = ProjectPlan(name=pname, state=state)
    existing = {}
    orphan_containers = []
    known = project.get('services') or {}
    for container in snapshot.containers:
        labels = container.get('Labels') or {}
        if labels.get(n.ONEOFF) == 'True':
            continue
        svc = labels.get(n.SERVICE)
        if svc in known:
            existing.setdefault(svc, []).append(container)
        else:
            orphan_containers.append(container)
    targets = targets_of(project, services, dependencies)
    plan.levels = start_levels(project, targets)
    used_networks, used_volumes = set(), set()
    for svc in targets:
        used_networks.update((known[svc].get('networks') or {}).keys())
        used_volumes.update(v.get('source') for v in known[svc].get('volumes') or [] if v.get('type') == 'volume')
    for kind, used, have, out in (('networks', used_networks, snapshot.networks, plan.networks),
                                  ('volumes', used_volumes, snapshot.volumes, plan.volumes)):
        for key, definition in sorted((project.get(kind) or {}).items()):
            if key not in used:
                continue
            definition = definition or {}
            engine_name = n.resource_name(pname, key, definition)
            if definition.get('external'):
                action = 'external'
            else:
                action = 'exists' if engine_name in have else 'create'
            out.append(dict(key=key, name=engine_name, action=action, definition=definition))
    for svc in targets:
        plan.steps[svc] = _service_steps(project, svc, existing.get(svc, []), snapshot, state, scale, recreate, plan)
    for container in orphan_containers:
        if remove_orphans:
            plan.removals.append(Step(service=(container.get('Labels') or {}).get(n.SERVICE) or '?',
                                      name=entry_name(container), number=_number(container), action='remove',
                                      reasons=['orphan: its service is not in the project'], container=container))
        else:
            plan.orphans.append(entry_name(container))
    if plan.orphans:
        plan.warnings.append('Found orphan containers (%s) for project %s; set remove_orphans to remove them.'
                             % (', '.join(sorted(plan.orphans)), pname))
    return plan


def _service_steps(project, svc, containers, snapshot, state, scale, recreate, plan):
    service = project['services'][svc]
    count = service_count(service, scale, svc)
    by_number = sorted(containers, key=_number)
    keep, extra = by_number[:count], by_number[count:]
    for container in reversed(extra):   # highest numbers go first
        plan.removals.append(Step(service=svc, name=entry_name(container), number=_number(container), action='remove',
                                  reasons=['scale: %d wanted' % count], container=container))
    taken = set(_number(c) for c in keep)
    numbers = [_number(c) for c in keep]
    candidate = 1
    while len(numbers) < count:
        if candidate not in taken:
            numbers.append(candidate)
            taken.add(candidate)
        candidate += 1
    image = service.get('image')
    image_id = snapshot.images.get(image)
    want_hash = n.config_hash(service)
    want_keys = n.key_hashes(service)
    steps = []
    for number in numbers:
        container = next((c for c in keep if _number(c) == number), None)
        name = n.container_name(project['name'], svc, service, number)
        if container is None:
            holder = snapshot.names_taken.get(name)
            if holder is not None:
                fail(project, svc, 'container_name' if service.get('container_name') else 'name',
                     'the container name %s is already used by %s.' % (
                         name, 'project %s' % holder if holder else 'a container outside any compose project'))
            action = 'create' if state != 'absent' else 'none'
            steps.append(Step(svc, name, number, action, ['new'] if action == 'create' else [],
                              config_hash=want_hash if action == 'create' else None))
            continue
        labels = container.get('Labels') or {}
        running = container.get('State') == 'running'
        reasons = []
        if recreate == 'always':
            reasons = ['recreate: always']
        elif recreate == 'auto':
            if labels.get(n.CONFIG_HASH) != want_hash:
                reasons = ['changed: %s' % ', '.join(n.changed_keys(labels.get(n.KEY_HASHES), want_keys))]
            elif image_id is None:
                reasons = ['image %s: to be %s' % (image, 'built' if image in snapshot.to_build else 'pulled')]
            elif labels.get(n.IMAGE) and labels.get(n.IMAGE) != image_id:
                reasons = ['image %s: now %s' % (image, image_id[:19])]
        if reasons:
            action = 'recreate'
        elif state in ('present', 'restarted') and not running:
            done = exit_code(container) == 0 and is_one_shot(project, svc)
            action = 'none' if done else 'start'
            reasons = ['completed (one-shot)'] if done else ['not running (%s)' % container.get('Status')]
        elif state == 'stopped' and running:
            action, reasons = 'stop', ['state: stopped']
        elif state == 'restarted' and running:
            action, reasons = 'restart', ['state: restarted']
        else:
            action = 'none'
        steps.append(Step(svc, name, number, action, reasons, container,
                          config_hash=want_hash if action == 'recreate' else None))
    return steps


def plan_removal(project_name: str, snapshot: Snapshot) -> ProjectPlan:
    """state=absent: every container of the project goes, highest numbers first."""
    plan = ProjectPlan(name=project_name, state='absent')
    for container in sorted(snapshot.containers, key=lambda c: (-_number(c), entry_name(c))):
        plan.removals.append(Step(service=(container.get('Labels') or {}).get(n.SERVICE) or '?',
                                  name=entry_name(container), number=_number(container), action='remove',
                                  reasons=['state: absent'], container=container))
    return plan


def report(plan: ProjectPlan) -> dict:
    """The plan as the module returns it: per service, what happens to each container and why."""
    services = {}
    for step in plan.all_steps():
        entry = services.setdefault(step.service, dict(containers=[]))
        entry['containers'].append(dict(name=step.name, number=step.number, action=step.action,
                                        reasons=list(step.reasons)))
    actions = ['%s %s (%s)' % (s.action, s.name, '; '.join(s.reasons)) for s in plan.all_steps() if s.action != 'none']
    actions = ['create network %s' % i['name'] for i in plan.networks if i['action'] == 'create'] + \
        ['create volume %s' % i['name'] for i in plan.volumes if i['action'] == 'create'] + actions
    return dict(services=services, actions=actions,
                networks=[dict(name=i['name'], action=i['action']) for i in plan.networks],
                volumes=[dict(name=i['name'], action=i['action']) for i in plan.volumes])


_AFTER = dict(create='running', recreate='running', start='running', restart='running', stop='exited', remove='absent')


def diff(plan: ProjectPlan) -> dict:
    """Ansible's before/after: each container's state and configuration hash."""
    before, after = {}, {}
    for step in plan.all_steps():
        labels = (step.container or {}).get('Labels') or {}
        was = (step.container or {}).get('State') or 'absent'
        before.setdefault(step.service, {})[step.name] = dict(state=was, config_hash=labels.get(n.CONFIG_HASH))
        if step.action == 'none':
            after.setdefault(step.service, {})[step.name] = before[step.service][step.name]
            continue
        new_hash = step.config_hash or labels.get(n.CONFIG_HASH)
        after.setdefault(step.service, {})[step.name] = dict(
            state=_AFTER.get(step.action, was), config_hash=None if step.action == 'remove' else new_hash,
            why=list(step.reasons))
    for kind in ('networks', 'volumes'):
        for item in getattr(plan, kind):
            before.setdefault(kind, {})[item['name']] = 'absent' if item['action'] == 'create' else 'present'
            after.setdefault(kind, {})[item['name']] = 'present'
    return dict(before=before, after=after)
