# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide what converging a compose project takes, without touching the engine.

Input: the project in the normalized form of ``docker compose config --format json`` (what
``load.load_project`` returns) and a snapshot of the engine (``Snapshot``: the project's
containers, which networks, volumes and images exist). Output: a ``ProjectPlan`` -- per service,
per container, what to create, recreate, start, stop or remove, and why. Check mode reports the
plan; ``apply.py`` carries it out through the container engine (``converge_container``).

``service_params`` maps one normalized service onto the container module's options, so every
option is parsed, compared and recreated by the same code as ``fleet.docker.container``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.containers.values import ContainerSpecError, parse_duration

STATES = ('present', 'absent', 'stopped', 'restarted')
RECREATE_MODES = ('auto', 'always', 'never')
PULL_MODES = ('missing', 'always', 'never', 'policy')
BUILD_MODES = ('never', 'missing', 'always')

# Service keys the mapping understands; anything else is an error naming the key.
SUPPORTED_KEYS = frozenset((
    'image', 'command', 'entrypoint', 'environment', 'container_name', 'hostname', 'domainname', 'ports', 'expose',
    'volumes', 'volumes_from', 'tmpfs', 'networks', 'network_mode', 'depends_on', 'healthcheck', 'restart', 'labels',
    'logging', 'deploy', 'mem_limit', 'mem_reservation', 'memswap_limit', 'cpus', 'cpu_shares', 'cpuset',
    'pids_limit', 'shm_size', 'cap_add', 'cap_drop', 'privileged', 'devices', 'security_opt', 'user', 'group_add',
    'working_dir', 'extra_hosts', 'dns', 'dns_search', 'dns_opt', 'init', 'read_only', 'ulimits', 'sysctls',
    'stop_grace_period', 'stop_signal', 'stdin_open', 'tty', 'pid', 'ipc', 'secrets', 'configs', 'profiles',
    'scale', 'pull_policy', 'build', 'links', 'env_file'))
SUPPORTED_DEPLOY = frozenset(('replicas', 'resources', 'restart_policy', 'placement', 'mode'))
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
    params: dict | None = None       # container module params, for create/recreate


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


def _seconds(project, service, key, value) -> int:
    try:
        return int(round(parse_duration(key, value) / 10 ** 9))
    except ContainerSpecError as exc:
        fail(project, service, key, exc.msg)
    return 0


def _size_bytes(value):
    return int(value) if isinstance(value, (int, float)) or str(value).isdigit() else value


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
            fail(project, name, unknown[0], 'this key is not supported by fleet.docker.compose.')
        deploy_unknown = sorted(k for k in (service.get('deploy') or {}) if k not in SUPPORTED_DEPLOY)
        if deploy_unknown:
            fail(project, name, 'deploy.' + deploy_unknown[0], 'this key is not supported by fleet.docker.compose.')
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
            low, _sep, high = published.partition('-')
            if not low.isdigit() or (high and not high.isdigit()):
                fail(project, name, 'ports[%d].published' % index, 'not a port or port range: %r.' % published)
            numbers = range(int(low), int(high or low) + 1)
            if count > 1 and not high:
                fail(project, name, 'ports[%d].published' % index,
                     'host port %s cannot be published by %d replicas.' % (published, count))
            ip = port.get('host_ip') or ''
            proto = port.get('protocol') or 'tcp'
            for number in numbers if not high else numbers[:1]:
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


# ------------------------------------------------------------------------ service -> container

def _ports(project, name, service):
    out = []
    for port in service.get('ports') or []:
        ip = port.get('host_ip') or ''
        ip = '[%s]' % ip if ':' in ip else ip
        published = str(port.get('published') or '')
        text = '%s/%s' % (port['target'], port.get('protocol') or 'tcp')
        if published:
            text = '%s:%s' % (published, text)
            if ip:
                text = '%s:%s' % (ip, text)
        elif ip:
            text = '%s::%s' % (ip, text)
        out.append(text)
    return out


def _volumes(project, name, service, volume_names):
    binds, tmpfs = [], []
    for index, vol in enumerate(service.get('volumes') or []):
        key = 'volumes[%d]' % index
        kind = vol.get('type')
        target = vol.get('target')
        modes = ['ro'] if vol.get('read_only') else []
        if kind == 'volume':
            if (vol.get('volume') or {}).get('nocopy'):
                modes.append('nocopy')
            if (vol.get('volume') or {}).get('subpath'):
                fail(project, name, key + '.volume.subpath', 'not supported yet.')
            source = vol.get('source')
            if not source:
                binds.append(target)
                continue
            binds.append('%s:%s%s' % (volume_names.get(source, source), target, ':' + ','.join(modes) if modes else ''))
        elif kind == 'bind':
            bind = vol.get('bind') or {}
            if bind.get('selinux'):
                modes.append(bind['selinux'])
            if bind.get('propagation'):
                modes.append(bind['propagation'])
            binds.append('%s:%s%s' % (vol['source'], target, ':' + ','.join(modes) if modes else ''))
        elif kind == 'tmpfs':
            options = []
            tmp = vol.get('tmpfs') or {}
            if tmp.get('size'):
                options.append('size=%s' % tmp['size'])
            if tmp.get('mode'):
                options.append('mode=%o' % int(tmp['mode']) if isinstance(tmp['mode'], int) else 'mode=%s' % tmp['mode'])
            tmpfs.append(target + (':' + ','.join(options) if options else ''))
        else:
            fail(project, name, key + '.type', 'volume type %r is not supported.' % kind)
    return binds, tmpfs


def _files(project, name, service, kind):
    """Secrets and configs with file sources: read-only binds, where Compose mounts them."""
    out = []
    top = project.get(kind) or {}
    for index, ref in enumerate(service.get(kind) or []):
        key = '%s[%d]' % (kind, index)
        source = ref.get('source')
        definition = top.get(source)
        if definition is None:
            fail(project, name, key, 'there is no top-level %s %s.' % (kind[:-1], source))
        if not definition.get('file'):
            fail(project, name, key, 'only file-based %s are supported (%s has no file:).' % (kind, source))
        for extra in ('uid', 'gid', 'mode'):
            if ref.get(extra) is not None:
                fail(project, name, '%s.%s' % (key, extra), 'not supported for file-based %s.' % kind)
        target = ref.get('target')
        if kind == 'secrets':
            target = target or source
            if not target.startswith('/'):
                target = '/run/secrets/' + target
        else:
            target = target or '/' + source
        out.append('%s:%s:ro' % (definition['file'], target))
    return out


def _restart(project, name, service):
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


def _networks(project, name, service, container, network_names):
    entries = []
    raw = service.get('networks') or {}
    ordered = sorted(raw.items(), key=lambda item: (-int((item[1] or {}).get('priority') or 0), item[0]))
    for key, spec in ordered:
        spec = spec or {}
        for extra in ('mac_address', 'link_local_ips', 'driver_opts', 'gw_priority', 'interface_name'):
            if spec.get(extra):
                fail(project, name, 'networks.%s.%s' % (key, extra), 'not supported yet.')
        aliases = [container, name] + list(spec.get('aliases') or [])  # as Compose: no de-duplication
        entry = dict(name=network_names.get(key, key), aliases=aliases)
        if spec.get('ipv4_address'):
            entry['ipv4_address'] = spec['ipv4_address']
        if spec.get('ipv6_address'):
            entry['ipv6_address'] = spec['ipv6_address']
        entries.append(entry)
    links = []
    for link in service.get('links') or []:
        target, _sep, alias = link.partition(':')
        other = (project.get('services') or {}).get(target)
        target_name = n.container_name(project['name'], target, other, 1) if other is not None else target
        links.append('%s:%s' % (target_name, alias or target))
    if links and entries:
        entries[0]['links'] = links
    return entries


def service_params(project: dict, name: str, number: int, image_id: str | None = None) -> dict:
    """The container module's params for container ``number`` of service ``name``."""
    service = project['services'][name]
    pname = project['name']
    container = n.container_name(pname, name, service, number)
    network_names = dict((k, n.resource_name(pname, k, d)) for k, d in (project.get('networks') or {}).items())
    volume_names = dict((k, n.resource_name(pname, k, d)) for k, d in (project.get('volumes') or {}).items())
    params = dict(name=container, image=service.get('image'), state='started')
    if not service.get('image'):
        fail(project, name, 'image', 'the service has no image.')
    for key, option in (('command', 'command'), ('entrypoint', 'entrypoint')):
        if service.get(key) is not None:
            params[option] = list(service[key]) if isinstance(service[key], list) else service[key]
    env = dict((k, '' if val is None else str(val)) for k, val in (service.get('environment') or {}).items()
               if val is not None)
    if env:
        params['env'] = env
    for key, option in (('hostname', 'hostname'), ('domainname', 'domainname'), ('user', 'user'),
                        ('working_dir', 'working_dir'), ('stop_signal', 'stop_signal'), ('pid', 'pid_mode'),
                        ('ipc', 'ipc_mode'), ('cpuset', 'cpuset_cpus')):
        if service.get(key):
            params[option] = str(service[key])
    for key, option in (('tty', 'tty'), ('stdin_open', 'interactive'), ('privileged', 'privileged'),
                        ('init', 'init'), ('read_only', 'read_only')):
        if service.get(key) is not None:
            params[option] = bool(service[key])
    ports = _ports(project, name, service)
    if ports:
        params['ports'] = ports
    if service.get('expose'):
        params['exposed_ports'] = [str(p) for p in service['expose']]
    binds, tmpfs = _volumes(project, name, service, volume_names)
    binds += _files(project, name, service, 'secrets') + _files(project, name, service, 'configs')
    if binds:
        params['volumes'] = binds
    tmpfs += [str(t) for t in service.get('tmpfs') or []]
    if tmpfs:
        params['tmpfs'] = tmpfs
    if service.get('volumes_from'):
        out = []
        for entry in service['volumes_from']:
            kind, _sep, rest = entry.partition(':')
            if kind == 'container':
                out.append(rest)
                continue
            svc, _sep, mode = entry.partition(':')
            other = (project.get('services') or {}).get(svc)
            target = n.container_name(pname, svc, other, 1) if other is not None else svc
            out.append(target + (':' + mode if mode else ''))
        params['volumes_from'] = out
    mode = service.get('network_mode')
    if mode:
        if mode.startswith('service:'):
            other = mode[len('service:'):]
            if other not in (project.get('services') or {}):
                fail(project, name, 'network_mode', 'there is no service %s.' % other)
            mode = 'container:' + n.container_name(pname, other, project['services'][other], 1)
        params['network_mode'] = mode
    else:
        entries = _networks(project, name, service, container, network_names)
        if entries:
            params['networks'] = entries
    health = service.get('healthcheck')
    if health:
        if health.get('disable'):
            params['healthcheck'] = dict(disable=True)
        else:
            keys = ('test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval')
            params['healthcheck'] = dict((k, health[k]) for k in keys if health.get(k) is not None)
    policy, retries = _restart(project, name, service)
    if policy:
        params['restart_policy'] = policy
        if retries is not None:
            params['restart_retries'] = int(retries)
    logging = service.get('logging') or {}
    if logging.get('driver'):
        params['log_driver'] = logging['driver']
    if logging.get('options'):
        params['log_options'] = dict((k, str(val)) for k, val in logging['options'].items())
    resources = (service.get('deploy') or {}).get('resources') or {}
    limits, reservations = resources.get('limits') or {}, resources.get('reservations') or {}
    if reservations.get('devices') or reservations.get('generic_resources'):
        fail(project, name, 'deploy.resources.reservations.devices', 'not supported yet.')
    memory = service.get('mem_limit') or limits.get('memory')
    if memory:
        params['memory'] = _size_bytes(memory)
    reservation = service.get('mem_reservation') or reservations.get('memory')
    if reservation:
        params['memory_reservation'] = _size_bytes(reservation)
    if service.get('memswap_limit'):
        params['memory_swap'] = _size_bytes(service['memswap_limit'])
    cpus = service.get('cpus') or limits.get('cpus')
    if cpus:
        params['cpus'] = float(cpus)
    if service.get('cpu_shares'):
        params['cpu_shares'] = int(service['cpu_shares'])
    pids = service.get('pids_limit') or limits.get('pids')
    if pids:
        params['pids_limit'] = int(pids)
    if service.get('shm_size'):
        params['shm_size'] = _size_bytes(service['shm_size'])
    for key, option in (('cap_add', 'cap_add'), ('cap_drop', 'cap_drop'), ('security_opt', 'security_opts'),
                        ('group_add', 'group_add'), ('dns', 'dns_servers'), ('dns_search', 'dns_search_domains'),
                        ('dns_opt', 'dns_opts')):
        if service.get(key):
            value = service[key]
            params[option] = [str(x) for x in (value if isinstance(value, list) else [value])]
    if service.get('devices'):
        params['devices'] = [d if isinstance(d, str) else '%s:%s:%s' % (
            d['source'], d.get('target') or d['source'], d.get('permissions') or 'rwm') for d in service['devices']]
    if service.get('extra_hosts'):
        hosts = {}
        entries = service['extra_hosts']
        items = entries.items() if isinstance(entries, dict) else [re.split(r'[=:]', e, 1) if '=' in e or ':' in e
                                                                   else (e, '') for e in entries]
        for host, address in items:
            hosts[host] = (address[0] if isinstance(address, list) else str(address)).strip('[]')
        params['etc_hosts'] = hosts
    if service.get('ulimits'):
        params['ulimits'] = [dict(name=k, soft=val, hard=val) if not isinstance(val, dict)
                             else dict(name=k, soft=val.get('soft'), hard=val.get('hard')) for k, val in
                             sorted(service['ulimits'].items())]
    if service.get('sysctls'):
        sysctls = service['sysctls']
        if isinstance(sysctls, list):
            sysctls = dict(item.split('=', 1) for item in sysctls)
        params['sysctls'] = dict((k, str(val)) for k, val in sysctls.items())
    if service.get('stop_grace_period') is not None:
        params['stop_timeout'] = _seconds(project, name, 'stop_grace_period', service['stop_grace_period'])
    labels = dict((k, str(val)) for k, val in (service.get('labels') or {}).items())
    labels.update(compose_labels(project, name, number, image_id))
    params['labels'] = labels
    params['comparisons'] = {'*': 'ignore'}
    return params


def compose_labels(project: dict, name: str, number: int, image_id: str | None) -> dict:
    service = project['services'][name]
    labels = {
        n.PROJECT: project['name'], n.SERVICE: name, n.NUMBER: str(number), n.ONEOFF: 'False',
        n.WORKING_DIR: project.get('x-fleet-working-dir') or '', n.CONFIG_HASH: n.config_hash(service),
        n.KEY_HASHES: n.key_hashes(service), n.DEPENDS_ON: n.depends_on_label(service),
        n.CONFIG_FILES: ','.join(project.get('x-fleet-files') or []),
    }
    if image_id:
        labels[n.IMAGE] = image_id
    return labels


# ------------------------------------------------------------------------------------ the plan

def _number(container) -> int:
    try:
        return int((container.get('Labels') or {}).get(n.NUMBER) or 0)
    except ValueError:
        return 0


def _name(container) -> str:
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
    policy, _retries = _restart(project, name, services[name])
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
                                      name=_name(container), number=_number(container), action='remove',
                                      reasons=['orphan: its service is not in the project'], container=container))
        else:
            plan.orphans.append(_name(container))
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
        plan.removals.append(Step(service=svc, name=_name(container), number=_number(container), action='remove',
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
        params = service_params(project, svc, number, image_id)
        name = params['name']
        if container is None:
            holder = snapshot.names_taken.get(name)
            if holder is not None:
                fail(project, svc, 'container_name' if service.get('container_name') else 'name',
                     'the container name %s is already used by %s.' % (
                         name, 'project %s' % holder if holder else 'a container outside any compose project'))
            action = 'create' if state != 'absent' else 'none'
            steps.append(Step(svc, name, number, action, ['new'] if action == 'create' else [], None, params))
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
        steps.append(Step(svc, name, number, action, reasons, container, params if action == 'recreate' else None))
    return steps


def plan_removal(project_name: str, snapshot: Snapshot) -> ProjectPlan:
    """state=absent: every container of the project goes, highest numbers first."""
    plan = ProjectPlan(name=project_name, state='absent')
    for container in sorted(snapshot.containers, key=lambda c: (-_number(c), _name(c))):
        plan.removals.append(Step(service=(container.get('Labels') or {}).get(n.SERVICE) or '?',
                                  name=_name(container), number=_number(container), action='remove',
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
        new_hash = ((step.params or {}).get('labels') or {}).get(n.CONFIG_HASH, labels.get(n.CONFIG_HASH))
        after.setdefault(step.service, {})[step.name] = dict(
            state=_AFTER.get(step.action, was), config_hash=None if step.action == 'remove' else new_hash,
            why=list(step.reasons))
    for kind in ('networks', 'volumes'):
        for item in getattr(plan, kind):
            before.setdefault(kind, {})[item['name']] = 'absent' if item['action'] == 'create' else 'present'
            after.setdefault(kind, {})[item['name']] = 'present'
    return dict(before=before, after=after)
