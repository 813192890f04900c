# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One compose service container as the container module's canonical spec, built once.

``container_spec`` maps a service of the normalized project (``load.load_project``) onto the
container option table. Values the table takes in the form the loader already has (strings,
lists, mappings: hostname, env, healthcheck, ulimits, ...) go in as params and through the
table's own parsers; values the loader holds in Compose's long syntax (ports, volumes, tmpfs
mounts, devices, secrets and configs) are written straight into their canonical form, never
back into ``docker run`` strings. ``converge_container`` then takes the spec as it is.
"""

from __future__ import annotations

import posixpath

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p
from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import compose_accepts
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS, build_spec
from ansible_collections.fleet.docker.plugins.module_utils.containers.values import bindings_of, parse_tmpfs
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import (
    ValueSpecError, container_path, parse_duration, port_mapping)

_VALIDATOR = ArgumentSpecValidator(CONTAINER_OPTIONS)


def container_spec(project: dict, name: str, number: int, image_id: str | None = None) -> tuple:
    """(params, spec) for container ``number`` of service ``name``: the task options converge_container
    reads and the canonical spec; ComposePlanError naming file, service and key for a bad value."""
    params, parsed = service_params(project, name, number, image_id)
    result = _VALIDATOR.validate(params)
    # The loader has refused what `docker compose config` refuses; what is left, Compose would send.
    if result.error_messages:
        p.fail(project, name, None, compose_accepts(result.error_messages[0]))
    try:
        spec = build_spec(result.validated_parameters, parsed)
    except FleetDockerError as exc:
        p.fail(project, name, None, compose_accepts(exc.msg))
    return result.validated_parameters, spec


def compose_labels(project: dict, name: str, number: int, image_id: str | None) -> dict:
    """The labels Compose puts on a service container (and our per-key hashes)."""
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


# ------------------------------------------------------------- long syntax -> canonical values

def port_bindings(project: dict, name: str, service: dict) -> dict:
    """Long-syntax ``ports`` -> ``{'80/tcp': [[host_ip, host_port], ...]}`` (the ports option's form)."""
    mappings = []
    for index, port in enumerate(service.get('ports') or []):
        try:
            mappings.append(port_mapping(port.get('target'), port.get('published'), port.get('host_ip'),
                                         port.get('protocol')))
        except ValueSpecError as exc:
            p.fail(project, name, 'ports[%d]' % index, exc.msg)
    return bindings_of(mappings)


def _container_path(project, name, key, path) -> str:
    try:
        return container_path(str(path or ''), path, key)
    except ValueSpecError as exc:
        why = exc.msg if str(path or '').startswith('/') else (
            'the engine refuses the container path %r: it must be absolute (the short syntax is '
            'SOURCE:TARGET[:MODE], so /x:ro mounts /x on the path ro).' % (path,))
        p.fail(project, name, key, compose_accepts(why))
    return ''


def _bind(kind: str, source: str, target: str, read_only: bool, flags=()) -> dict:
    return dict(type=kind, source=source, target=target, read_only=read_only, flags=sorted(flags))


def mounts(project: dict, name: str, service: dict, volume_names: dict) -> tuple:
    """Long-syntax ``volumes``, ``secrets``, ``configs`` and ``tmpfs`` -> the volumes option's
    ``dict(binds, anonymous)``, the tmpfs option's ``{path: options}`` and the mounts option's list."""
    binds, anonymous, tmpfs, api_mounts = [], [], {}, []
    for index, vol in enumerate(service.get('volumes') or []):
        key = 'volumes[%d]' % index
        kind = vol.get('type')
        target = _container_path(project, name, key + '.target', vol.get('target'))
        read_only = bool(vol.get('read_only'))
        if kind == 'volume':
            options = vol.get('volume') or {}
            if options.get('subpath'):
                p.fail(project, name, key + '.volume.subpath', compose_accepts('volume subpaths are not supported yet.'))
            source = vol.get('source')
            if not source:
                anonymous.append(target)
                continue
            flags = ['nocopy'] if options.get('nocopy') else []
            if (vol.get('bind') or {}).get('selinux'):  # `data:/x:Z`: Compose sends NAME:/x:rw,Z
                flags.append(vol['bind']['selinux'])
            binds.append(_bind('volume', volume_names.get(source, source), target, read_only, flags))
        elif kind == 'bind':
            options = vol.get('bind') or {}
            flags = [options[k] for k in ('selinux', 'propagation') if options.get(k)]
            source = str(vol.get('source') or '')
            if not source.startswith('/'):
                p.fail(project, name, key + '.source', 'a bind mount needs an absolute host path, got %r.' % source)
            if 'bind' in vol and not options.get('create_host_path') and not options.get('propagation'):
                # Long syntax without create_host_path: Compose uses the Mount API, which creates no
                # missing host path and has no SELinux relabel (a bind.selinux is not sent).
                api_mounts.append(dict(type='bind', source=posixpath.normpath(source), target=target,
                                       read_only=read_only))
                continue
            binds.append(_bind('bind', posixpath.normpath(source), target, read_only, flags))
        elif kind == 'tmpfs':
            options = vol.get('tmpfs') or {}
            text = []
            if options.get('size'):
                text.append('size=%s' % options['size'])
            if options.get('mode'):
                text.append('mode=%o' % int(options['mode']))
            tmpfs[target] = ','.join(sorted(text))
        else:
            p.fail(project, name, key + '.type', compose_accepts('mounts of type %r are not supported.' % kind))
    for kind in ('secrets', 'configs'):
        binds.extend(_files(project, name, service, kind))
    try:
        for path, options in parse_tmpfs([str(t) for t in service.get('tmpfs') or []]).items():
            if path in tmpfs:
                p.fail(project, name, 'tmpfs', 'the container path %s is also a tmpfs volume.' % path)
            tmpfs[path] = options
    except ValueSpecError as exc:
        p.fail(project, name, 'tmpfs', compose_accepts(exc.msg))
    targets = [b['target'] for b in binds + api_mounts] + anonymous
    twice = sorted(set(t for t in targets if targets.count(t) > 1))
    if twice:
        p.fail(project, name, 'volumes', 'the container path %s is mounted twice.' % twice[0])
    volumes = dict(binds=sorted(binds, key=lambda b: b['target']), anonymous=sorted(anonymous)) \
        if binds or anonymous else None
    return volumes, tmpfs or None, sorted(api_mounts, key=lambda m: m['target']) or None


def _files(project, name, service, kind):
    """Secrets and configs with file sources: read-only binds, where Compose mounts them."""
    out = []
    top = project.get(kind) or {}
    for index, ref in enumerate(service.get(kind) or []):
        key = '%s[%d]' % (kind, index)
        source = ref.get('source')
        definition = top.get(source)
        if definition is None:
            p.fail(project, name, key, 'there is no top-level %s %s.' % (kind[:-1], source))
        if not definition.get('file'):
            p.fail(project, name, key, compose_accepts('only file-based %s are supported (%s has no file:).'
                                                       % (kind, source)))
        for extra in ('uid', 'gid', 'mode'):
            if ref.get(extra) is not None:
                p.fail(project, name, '%s.%s' % (key, extra), compose_accepts(
                    'Compose ignores it for a file-based %s (it bind-mounts the file as it is).' % kind[:-1]))
        target = ref.get('target') or source
        if not target.startswith('/'):  # as Compose: relative to /run/secrets/ or to /
            target = ('/run/secrets/' if kind == 'secrets' else '/') + target
        out.append(_bind('bind', posixpath.normpath(definition['file']), posixpath.normpath(target), True))
    return out


def devices(project: dict, name: str, service: dict) -> list:
    """Long-syntax ``devices`` -> the engine's DeviceMappings, sorted like the devices option."""
    out = []
    for index, device in enumerate(service.get('devices') or []):
        source = str(device.get('source') or '')
        target = str(device.get('target') or source)
        perms = str(device.get('permissions') or 'rwm')
        if not source.startswith('/') or not target.startswith('/') or not perms or set(perms) - set('rwm'):
            p.fail(project, name, 'devices[%d]' % index, compose_accepts(
                'expected an absolute host and container path and permissions of r, w, m (CDI device names are '
                'not supported yet).'))
        out.append(dict(PathOnHost=source, PathInContainer=target, CgroupPermissions=perms))
    return sorted(out, key=lambda d: (d['PathInContainer'], d['PathOnHost']))


# ---------------------------------------------------------------------------- service -> params

def _seconds(project, service, key, value) -> int:
    try:
        return int(round(parse_duration(key, value) / 10 ** 9))
    except ValueSpecError as exc:
        p.fail(project, service, key, exc.msg)
    return 0


def _size_bytes(value):
    return int(value) if isinstance(value, (int, float)) or str(value).isdigit() else value


def _networks(project, name, service, container, network_names):
    entries = []
    raw = service.get('networks') or {}
    ordered = sorted(raw.items(), key=lambda item: (-int((item[1] or {}).get('priority') or 0), item[0]))
    for key, spec in ordered:
        spec = spec or {}
        for extra in ('mac_address', 'link_local_ips', 'driver_opts', 'gw_priority', 'interface_name'):
            if spec.get(extra):
                p.fail(project, name, 'networks.%s.%s' % (key, extra), compose_accepts('not supported yet.'))
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


def service_params(project: dict, name: str, number: int, image_id: str | None = None) -> tuple:
    """(params, parsed): the container module's params for what the table parses from the loader's
    form, and canonical values (option name -> value) for what the loader holds in long syntax."""
    service = project['services'][name]
    pname = project['name']
    container = n.container_name(pname, name, service, number)
    network_names = dict((k, n.resource_name(pname, k, d)) for k, d in (project.get('networks') or {}).items())
    volume_names = dict((k, n.resource_name(pname, k, d)) for k, d in (project.get('volumes') or {}).items())
    if not service.get('image'):
        p.fail(project, name, 'image', 'the service has no image.')
    params = dict(name=container, image=service.get('image'), state='started')
    parsed = {}
    for key in ('command', 'entrypoint'):
        if service.get(key) is not None:
            params[key] = list(service[key]) if isinstance(service[key], list) else service[key]
    env = dict((k, str(val)) for k, val in (service.get('environment') or {}).items() if val is not None)
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
    ports = port_bindings(project, name, service)
    if ports:
        parsed['ports'] = ports
    if service.get('expose'):
        params['exposed_ports'] = [str(x) for x in service['expose']]
    parsed['volumes'], parsed['tmpfs'], parsed['mounts'] = mounts(project, name, service, volume_names)
    if service.get('devices'):
        parsed['devices'] = devices(project, name, service)
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
                p.fail(project, name, 'network_mode', 'there is no service %s.' % other)
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
    policy, retries = p.restart_policy(service)
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
        p.fail(project, name, 'deploy.resources.reservations.devices', compose_accepts('not supported yet.'))
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
                        ('group_add', 'group_add'), ('dns', 'dns_servers')):
        if service.get(key):
            value = service[key]
            params[option] = [str(x) for x in (value if isinstance(value, list) else [value])]
    # Compose sends dns_search: "" as DnsSearch [""] (and dns_opt [""] alike); the container
    # options refuse empty entries, so these go in as they are.
    if service.get('dns_search'):
        parsed['dns_search_domains'] = [str(x) for x in service['dns_search']]
    if service.get('dns_opt'):
        parsed['dns_opts'] = sorted(set(str(x) for x in service['dns_opt']))
    if service.get('extra_hosts'):
        hosts = {}
        for entry in service['extra_hosts']:  # the loader's HOST=IP form
            host, _sep, address = entry.partition('=')
            hosts[host] = address.strip('[]')
        params['etc_hosts'] = hosts
    if service.get('ulimits'):
        params['ulimits'] = [dict(name=k, soft=val, hard=val) if not isinstance(val, dict)
                             else dict(name=k, soft=val.get('soft'), hard=val.get('hard')) for k, val in
                             sorted(service['ulimits'].items())]
    if service.get('sysctls'):
        params['sysctls'] = dict((k, str(val)) for k, val in service['sysctls'].items())
    if service.get('stop_grace_period') is not None:
        params['stop_timeout'] = _seconds(project, name, 'stop_grace_period', service['stop_grace_period'])
    labels = dict((k, str(val)) for k, val in (service.get('labels') or {}).items())
    labels.update(compose_labels(project, name, number, image_id))
    params['labels'] = labels
    params['comparisons'] = {'*': 'ignore'}
    return params, dict((k, v) for k, v in parsed.items() if v is not None)
