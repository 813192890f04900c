# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loaded compose project (compose/project.load) as a Swarm stack, named as ``docker stack deploy`` names it.

``convert(project, stack)`` returns what the stack wants: per compose service the ``service`` module's params
(handed to swarm/service_plan.converge_service, the one service pipeline), and the networks, secrets and configs
to create. Names and labels follow the docker CLI (cli/compose/convert): ``<stack>_<name>`` (or the resource's
``name:``), ``com.docker.stack.namespace`` on every object the stack makes, ``com.docker.stack.image`` on
services, the service's short name as its alias on user-defined networks, ``<stack>_default`` (overlay) for
services without networks. Keys a service cannot have give the CLI's warnings ("Ignoring unsupported options:
...") and the keys the CLI refuses fail with its reason.

Pure but for reading the secret and config files (a missing one fails here, before the engine is asked).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError

NAMESPACE_LABEL = 'com.docker.stack.namespace'
IMAGE_LABEL = 'com.docker.stack.image'
DEFAULT_NETWORK = 'default'
DEFAULT_DRIVER = 'overlay'
# The docker CLI's lists (cli/compose/types): warned about and ignored, or refused.
CLI_UNSUPPORTED = ('build', 'cgroupns_mode', 'cgroup_parent', 'devices', 'domainname', 'external_links', 'ipc', 'links',
                   'mac_address', 'network_mode', 'pid', 'privileged', 'restart', 'security_opt', 'shm_size',
                   'userns_mode')
CLI_DEPRECATED = {
    'container_name': 'Setting the container name is not supported.',
    'expose': 'Exposing ports is unnecessary - services on the same network can access each other\'s containers on '
              'any port.',
}
CLI_FORBIDDEN = {
    'volume_driver': 'Instead of setting the volume driver on the service, define a volume using the top-level '
                     '`volumes` option and specify the driver there.',
    'volumes_from': 'To share a volume between services, define it using the top-level `volumes` option and reference '
                    'it from each service that shares it using the service-level `volumes` option.',
    'cpu_quota': 'Set resource limits using deploy.resources',
    'cpu_shares': 'Set resource limits using deploy.resources',
    'cpuset': 'Set resource limits using deploy.resources',
    'mem_limit': 'Set resource limits using deploy.resources',
    'memswap_limit': 'Set resource limits using deploy.resources',
}
# Service keys that become part of the ServiceSpec; the rest (besides the CLI's lists) cannot apply to a
# service and are ignored with a warning (the docker CLI ignores most of them without a word).
APPLIED = frozenset((
    'image', 'command', 'entrypoint', 'environment', 'env_file', 'hostname', 'user', 'working_dir', 'stop_signal',
    'stop_grace_period', 'read_only', 'init', 'tty', 'cap_add', 'cap_drop', 'sysctls', 'ulimits', 'dns', 'dns_search',
    'dns_opt', 'extra_hosts', 'logging', 'healthcheck', 'volumes', 'ports', 'networks', 'secrets', 'configs', 'labels',
    'deploy', 'profiles', 'restart', 'network_mode', 'scale', 'group_add'))
UPDATE_KEYS = ('parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order')
PLACEMENT_KEYS = ('constraints', 'preferences', 'max_replicas_per_node')
SERVICE_NETWORK_APPLIED = ('aliases', 'driver_opts')
NOT_USER_DEFINED = ('default', 'bridge', 'host', 'none')


def scope(stack: str, name: str) -> str:
    return '%s_%s' % (stack, name)


def _fail(service: Optional[str], key: str, reason: str) -> None:
    where = 'service %s: %s' % (service, key) if service else key
    raise SwarmError('%s: %s' % (where, reason))


def check_stack_name(name: Any) -> str:
    import re
    if not isinstance(name, str) or not re.match(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]*$', name or ''):
        raise SwarmError('Invalid stack name %r: letters, digits, "_", "." and "-", starting with a letter or digit.'
                         % (str(name)[:100],))
    if len(name) > 50:
        raise SwarmError('Invalid stack name %r: at most 50 characters (service names are <stack>_<service>).' % name)
    return name


# ------------------------------------------------------------------------------------------ warnings

def key_warnings(project: Dict[str, Any]) -> List[str]:
    """The docker CLI's warnings for keys a stack ignores (its exact words), then ours for keys it ignores
    silently; raises for the keys the CLI refuses."""
    services = project.get('services') or {}
    used = set()
    for svc in services.values():
        used.update(key for key in svc if svc.get(key) is not None or key in ('restart', 'build'))
    forbidden = sorted('%s: %s' % (key, CLI_FORBIDDEN[key]) for key in used if key in CLI_FORBIDDEN)
    if forbidden:
        raise SwarmError('compose file contains unsupported options:\n\n%s\n' % '\n\n'.join(forbidden))
    out = []
    unsupported = sorted(key for key in used if key in CLI_UNSUPPORTED)
    if unsupported:
        out.append('Ignoring unsupported options: %s' % ', '.join(unsupported))
    deprecated = sorted('%s: %s' % (key, CLI_DEPRECATED[key]) for key in used if key in CLI_DEPRECATED)
    if deprecated:
        out.append('Ignoring deprecated options:\n\n%s' % '\n\n'.join(deprecated))
    other = sorted(key for key in used if key not in APPLIED and key not in CLI_UNSUPPORTED
                   and key not in CLI_DEPRECATED and not key.startswith('x-'))
    if other:
        out.append('Ignoring options a swarm service does not have: %s (the docker CLI ignores or refuses them).'
                   % ', '.join(other))
    return out


# ------------------------------------------------------------------------------------------ services

def _restart_config(name: str, svc: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """deploy.restart_policy, else the legacy ``restart`` as the CLI reads it (no -> none set, always and
    unless-stopped -> any, on-failure[:N] -> on-failure with N attempts)."""
    policy = (svc.get('deploy') or {}).get('restart_policy')
    if policy is not None:
        return dict(policy)
    restart = svc.get('restart')
    if not restart or restart == 'no':
        return None
    word, _sep, count = str(restart).partition(':')
    if word not in ('always', 'unless-stopped', 'on-failure') or (count and not count.isdigit()):
        _fail(name, 'restart', 'invalid restart policy %r (no, always, on-failure[:N] or unless-stopped).' % restart)
    out: Dict[str, Any] = dict(condition='on-failure' if word == 'on-failure' else 'any')
    if count and int(count) > 0:
        out['max_attempts'] = int(count)
    return out


def _update(name: str, key: str, value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if not isinstance(value, dict):
        _fail(name, 'deploy.' + key, 'expected a mapping of %s.' % ', '.join(UPDATE_KEYS))
    unknown = sorted(set(value) - set(UPDATE_KEYS))
    if unknown:
        _fail(name, 'deploy.%s.%s' % (key, unknown[0]), 'unknown key (use %s).' % ', '.join(UPDATE_KEYS))
    return dict(value)


def _placement(name: str, value: Any) -> Optional[Dict[str, Any]]:
    if not value:
        return None
    unknown = sorted(set(value) - set(PLACEMENT_KEYS))
    if unknown:
        _fail(name, 'deploy.placement.%s' % unknown[0], 'unknown key (use %s).' % ', '.join(PLACEMENT_KEYS))
    return dict(constraints=value.get('constraints') or [], preferences=value.get('preferences') or [],
                max_replicas=value.get('max_replicas_per_node'))


def _resources(name: str, part: str, value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if value.get('devices') or value.get('generic_resources'):
        _fail(name, 'deploy.resources.%s' % part, 'devices and generic_resources are not supported by fleet.docker.stack.')
    out = dict((key, value[key]) for key in ('cpus', 'memory') if value.get(key) not in (None, ''))
    if value.get('pids'):
        if part != 'limits':
            _fail(name, 'deploy.resources.reservations.pids', 'a pids limit is a limit, not a reservation.')
        out['pids'] = value['pids']
    return out


def _mounts(project: Dict[str, Any], stack: str, name: str, svc: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Compose ``volumes`` -> the service module's mounts, as the CLI's convertVolumeToMount builds them."""
    volumes = project.get('volumes') or {}
    out = []
    for index, vol in enumerate(svc.get('volumes') or []):
        key = 'volumes[%d]' % index
        kind = vol.get('type')
        entry: Dict[str, Any] = dict(type=kind, target=vol.get('target'), read_only=bool(vol.get('read_only')))
        if kind == 'volume':
            source = vol.get('source')
            options = vol.get('volume') or {}
            if options.get('subpath'):
                _fail(name, key + '.volume.subpath', 'volume subpaths are not supported by fleet.docker.stack.')
            if source:
                top = volumes.get(source)
                if top is None:
                    _fail(name, key, 'undefined volume %r.' % source)
                entry['source'] = top.get('name') or scope(stack, source)
                if options.get('nocopy'):
                    entry['no_copy'] = True
                if not top.get('external'):
                    entry['labels'] = dict(top.get('labels') or {}, **{NAMESPACE_LABEL: stack})
                    if top.get('driver') or top.get('driver_opts') is not None:   # as the CLI: either makes a DriverConfig
                        entry['driver_config'] = dict(name=top.get('driver') or '', options=top.get('driver_opts') or {})
        elif kind == 'bind':
            entry['source'] = vol.get('source')
            propagation = (vol.get('bind') or {}).get('propagation')
            if propagation:
                entry['propagation'] = propagation
        elif kind == 'tmpfs':
            tmpfs = vol.get('tmpfs') or {}
            if tmpfs.get('size') is not None:
                entry['tmpfs_size'] = int(tmpfs['size'])
            if tmpfs.get('mode') is not None:
                entry['tmpfs_mode'] = int(tmpfs['mode'])
        else:
            _fail(name, key + '.type', 'mounts of type %r are not supported by fleet.docker.stack.' % kind)
        out.append(entry)
    return out


def _networks(project: Dict[str, Any], stack: str, name: str, svc: Dict[str, Any], warnings: List[str]
              ) -> Tuple[List[Dict[str, Any]], List[str]]:
    """(the service module's networks, the compose network keys used)."""
    networks = project.get('networks') or {}
    wanted = svc.get('networks') or {DEFAULT_NETWORK: None}
    out, keys = [], []
    for key in sorted(wanted, key=lambda k: (networks.get(k) or {}).get('name') or scope(stack, k)):  # as the CLI
        cfg = wanted[key] or {}
        if key not in networks and key != DEFAULT_NETWORK:
            _fail(name, 'networks', 'undefined network %r.' % key)
        ignored = sorted(k for k in cfg if k not in SERVICE_NETWORK_APPLIED and cfg[k] not in (None, '', [], {}))
        if ignored:
            warnings.append('service %s: networks.%s: ignoring %s (a swarm service cannot set them).'
                            % (name, key, ', '.join(ignored)))
        target = (networks.get(key) or {}).get('name') or scope(stack, key)
        aliases = list(cfg.get('aliases') or [])
        if target not in NOT_USER_DEFINED and not target.startswith('container:'):
            aliases.append(name)  # the CLI adds the short name on user-defined networks
        out.append(dict(name=target, aliases=aliases, options=dict(cfg.get('driver_opts') or {})))
        keys.append(key)
    return out, keys


def _references(project: Dict[str, Any], stack: str, name: str, svc: Dict[str, Any], kind: str
                ) -> List[Dict[str, Any]]:
    top = project.get(kind) or {}
    word = kind[:-1]
    out = []
    for index, ref in enumerate(svc.get(kind) or []):
        source = ref.get('source')
        definition = top.get(source)
        if definition is None:
            _fail(name, '%s[%d]' % (kind, index), 'undefined %s %r.' % (word, source))
        target = ref.get('target') or source
        if kind == 'secrets' and target == '/run/secrets/%s' % source:
            target = source   # the loader's default target; the CLI stores the bare name
        entry = {'%s_name' % word: definition.get('name') or scope(stack, source), 'filename': target,
                 'uid': ref.get('uid') or '0', 'gid': ref.get('gid') or '0'}
        if ref.get('mode') is not None:
            mode = ref['mode']
            entry['mode'] = int(mode, 8) if isinstance(mode, str) else int(mode)
        out.append(entry)
    return sorted(out, key=lambda e: e['%s_name' % word])   # stable, by object name, as the CLI sorts them


def _hosts(entries: List[str]) -> Dict[str, str]:
    return dict((entry.partition('=')[0], entry.partition('=')[2].strip('[]')) for entry in entries or [])


def service_params(project: Dict[str, Any], stack: str, name: str, warnings: List[str]) -> Tuple[Dict[str, Any], List[str]]:
    """(the ``service`` module's params for compose service ``name``, the compose network keys it uses)."""
    svc = project['services'][name]
    deploy = svc.get('deploy') or {}
    image = svc.get('image')
    if not image:
        _fail(name, 'image', 'invalid image reference: no image specified (a stack does not build images).')
    params: Dict[str, Any] = dict(name=scope(stack, name), image=image, state='present')
    labels = dict((str(k), str(v)) for k, v in (deploy.get('labels') or {}).items())
    labels.update({NAMESPACE_LABEL: stack, IMAGE_LABEL: image})
    params['labels'] = labels
    params['container_labels'] = dict(dict((str(k), str(v)) for k, v in (svc.get('labels') or {}).items()),
                                      **{NAMESPACE_LABEL: stack})
    params['command'] = svc.get('entrypoint')   # the image's ENTRYPOINT is the service's Command
    params['args'] = svc.get('command')
    params['env'] = dict((k, v) for k, v in (svc.get('environment') or {}).items() if v is not None)
    for key in ('hostname', 'user', 'working_dir', 'stop_signal', 'stop_grace_period', 'init', 'cap_add', 'cap_drop',
                'sysctls', 'dns', 'dns_search', 'logging'):
        if svc.get(key) is not None:
            params[key] = svc[key]
    params['read_only'] = bool(svc.get('read_only'))
    params['tty'] = bool(svc.get('tty'))
    if svc.get('dns_opt'):
        params['dns_options'] = svc['dns_opt']
    if svc.get('group_add'):
        params['groups'] = svc['group_add']   # ContainerSpec.Groups (the CLI's v3 schema has no group_add)
    if svc.get('ulimits'):
        params['ulimits'] = svc['ulimits']
    if svc.get('extra_hosts'):
        params['hosts'] = _hosts(svc['extra_hosts'])
    if svc.get('healthcheck'):
        params['healthcheck'] = dict(svc['healthcheck'])
        if params['healthcheck'].get('disable') and params['healthcheck'].get('test'):
            _fail(name, 'healthcheck', "test and disable can't be set at the same time.")
    params['mounts'] = _mounts(project, stack, name, svc)
    params['publish'] = [dict(target=p.get('target'), published=p.get('published') or None,
                              protocol=p.get('protocol') or 'tcp', mode=p.get('mode') or 'ingress')
                         for p in svc.get('ports') or []]
    params['networks'], keys = _networks(project, stack, name, svc, warnings)
    params['secrets'] = _references(project, stack, name, svc, 'secrets')
    params['configs'] = _references(project, stack, name, svc, 'configs')
    mode = deploy.get('mode') or 'replicated'
    params['mode'] = mode
    replicas = deploy.get('replicas')
    if replicas is None and svc.get('scale') is not None:
        replicas = svc['scale']
    if mode == 'replicated' and replicas is None:
        replicas = 1   # declarative, as the CLI: a rerun sets the file's count (1 when unset) again
    params['replicas'] = replicas
    if mode == 'replicated-job':
        params['max_concurrent'] = replicas
    params['placement'] = _placement(name, deploy.get('placement'))
    resources = deploy.get('resources') or {}
    params['limits'] = _resources(name, 'limits', resources.get('limits'))
    params['reservations'] = _resources(name, 'reservations', resources.get('reservations'))
    params['restart_config'] = _restart_config(name, svc)
    params['update_config'] = _update(name, 'update_config', deploy.get('update_config'))
    params['rollback_config'] = _update(name, 'rollback_config', deploy.get('rollback_config'))
    if deploy.get('endpoint_mode'):
        params['endpoint_mode'] = str(deploy['endpoint_mode']).lower()
    return params, keys


# ------------------------------------------------------------------------------ networks, secrets, configs

def network_settings(project: Dict[str, Any], stack: str, key: str) -> Tuple[str, Optional[Dict[str, Any]]]:
    """(engine name, create settings for networks/ops.create_network) of compose network ``key``; settings None
    for an external network."""
    top = (project.get('networks') or {}).get(key) or {}
    name = top.get('name') or scope(stack, key)
    if top.get('external'):
        return name, None
    ipam = top.get('ipam') or {}
    settings: Dict[str, Any] = dict(
        driver=top.get('driver') or DEFAULT_DRIVER, driver_options=dict(top.get('driver_opts') or {}),
        internal=bool(top.get('internal')), attachable=bool(top.get('attachable')),
        labels=dict(dict((str(k), str(v)) for k, v in (top.get('labels') or {}).items()), **{NAMESPACE_LABEL: stack}))
    if ipam.get('driver') or ipam.get('config'):
        settings['ipam_driver'] = ipam.get('driver') or 'default'
        settings['ipam_config'] = [dict(subnet=c['subnet']) for c in ipam.get('config') or [] if c.get('subnet')]
    if top.get('enable_ipv6'):
        settings['enable_ipv6'] = True
    return name, settings


def object_content(project: Dict[str, Any], kind: str, key: str, top: Dict[str, Any]) -> bytes:
    """The data of a secret or config: its file, its ``content`` (configs) or its ``environment`` variable."""
    word = kind[:-1]
    if top.get('file'):
        try:
            with open(top['file'], 'rb') as handle:
                return handle.read()
        except OSError as exc:
            _fail(None, '%s.%s' % (kind, key), 'cannot read the %s file %s (%s); nothing was changed.'
                  % (word, top['file'], exc.strerror or exc))
    if top.get('content') is not None:
        return str(top['content']).encode('utf-8')
    if top.get('environment'):
        env = project.get('x-fleet-environment') or os.environ
        if top['environment'] not in env:
            _fail(None, '%s.%s' % (kind, key), 'the environment variable %s is not set; nothing was changed.'
                  % top['environment'])
        return str(env[top['environment']]).encode('utf-8')
    _fail(None, '%s.%s' % (kind, key), 'set file%s (or external: true).'
          % (', content or environment' if kind == 'configs' else ' or environment'))
    return b''


def object_wants(project: Dict[str, Any], stack: str, kind: str) -> Dict[str, Dict[str, Any]]:
    """{engine name: dict(key, external, data, labels, driver, template_driver)} of every top-level secret or
    config (the CLI makes all of them, used or not)."""
    out = {}
    for key, top in sorted((project.get(kind) or {}).items()):
        top = top or {}
        name = top.get('name') or scope(stack, key)
        if top.get('external'):
            out[name] = dict(key=key, external=True)
            continue
        entry = dict(key=key, external=False,
                     labels=dict(dict((str(k), str(v)) for k, v in (top.get('labels') or {}).items()),
                                 **{NAMESPACE_LABEL: stack}))
        if kind == 'secrets' and top.get('driver'):
            entry['driver'] = top['driver']
            entry['driver_options'] = dict(top.get('driver_opts') or {})
            entry['data'] = None
        else:
            entry['data'] = object_content(project, kind, key, top)
        if top.get('template_driver'):
            entry['template_driver'] = top['template_driver']
        out[name] = entry
    return out


def _ports_once(services: Dict[str, Dict[str, Any]]) -> None:
    """An ingress port published by two services of the stack: the engine would refuse the second one after the
    first was made; say so before anything changes."""
    seen: Dict[Tuple[str, str], str] = {}
    for name, params in sorted(services.items()):
        for port in params['publish']:
            if port['mode'] != 'ingress' or not port['published']:
                continue
            key = (str(port['published']), port['protocol'])
            if key in seen and seen[key] != name:
                _fail(name, 'ports', 'published port %s/%s is also published by service %s of the stack.'
                      % (key[0], key[1], seen[key]))
            seen[key] = name


def convert(project: Dict[str, Any], stack: str) -> Dict[str, Any]:
    """The stack's wants: dict(services={short: params}, networks={engine name: settings or None (external)},
    secrets=..., configs=..., warnings=[...]). Raises SwarmError for what the CLI refuses or we cannot apply."""
    warnings = key_warnings(project)
    services, used = {}, set()
    for name in sorted(project.get('services') or {}):
        params, keys = service_params(project, stack, name, warnings)
        services[name] = params
        used.update(keys)
    _ports_once(services)
    networks = dict(network_settings(project, stack, key) for key in sorted(used))
    return dict(services=services, networks=networks, secrets=object_wants(project, stack, 'secrets'),
                configs=object_wants(project, stack, 'configs'), warnings=warnings)
