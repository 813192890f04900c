# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A service's options in one canonical form, from the task's params and from the engine's stored spec.

``canonical_params(params)`` parses the service module's options (the shared grammars of
engine/values and containers/values, no parser of its own for a value type we already parse) into
{option: value}, None for what the task leaves unset. ``canonical_spec(spec)`` reads the engine's
stored ServiceSpec into the same form, mapping what the engine or the CLI fills in by default to
the same value an unset option has, so a rerun compares equal. ``write_spec(base, canonical)``
writes options into a ServiceSpec body. A ``stack`` hands each compose service here as the service
module's params (one canonical form for both). Pure: no engine calls.
"""

from __future__ import annotations

import copy
import posixpath
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.fleet.docker.plugins.module_utils.containers.values import (
    canonical_capability, parse_capabilities, parse_cpus, parse_dns_servers, parse_etc_hosts, parse_healthcheck,
    parse_labels,
    parse_log_options, parse_signal, parse_strings, parse_sysctls, parse_user)
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import (
    PortSpecError, ValueSpecError, env_list_to_dict, parse_command, parse_duration, parse_env, parse_mount,
    parse_size, parse_ulimits, port_mapping, read_env_file)
from ansible_collections.fleet.docker.plugins.module_utils.swarm.services import mode_of


class ServiceSpecError(ValueSpecError):
    """An option value that cannot describe a service; raised before the engine is contacted."""


MODES = ('replicated', 'global', 'replicated-job', 'global-job')
_MODE_KEYS = {'replicated': 'Replicated', 'global': 'Global', 'replicated-job': 'ReplicatedJob',
              'global-job': 'GlobalJob'}
ENDPOINT_MODES = ('vip', 'dnsrr')
PUBLISH_MODES = ('ingress', 'host')
RESTART_CONDITIONS = ('none', 'on-failure', 'any')
FAILURE_ACTIONS = ('continue', 'pause', 'rollback')
ORDERS = ('stop-first', 'start-first')
SECOND = 10 ** 9
# The engine's defaults (swarmkit api/defaults), which an unset option means: a spec that spells
# them out (the docker CLI sends most of them) is the same service.
UPDATE_DEFAULTS = dict(parallelism=1, delay=0, failure_action='pause', monitor=5 * SECOND, max_failure_ratio=0.0,
                       order='stop-first')
RESTART_DEFAULTS = dict(condition='any', delay=5 * SECOND, max_attempts=0, window=0)
PLACEMENT_DEFAULTS = dict(constraints=[], preferences=[], max_replicas=0)
RESOURCE_DEFAULTS = dict(cpus=0, memory=0, pids=0)
DEFAULTS: Dict[str, Any] = dict(
    labels={}, container_labels={}, env={}, command=None, args=None, hostname='', user='', working_dir='',
    stop_signal='', stop_grace_period=10 * SECOND, read_only=False, init=None, cap_add=[], cap_drop=[], sysctls={},
    ulimits=[], healthcheck=None, mounts=[], dns=[], dns_search=[], dns_options=[], limits=RESOURCE_DEFAULTS,
    reservations=RESOURCE_DEFAULTS, placement=PLACEMENT_DEFAULTS, restart_config=RESTART_DEFAULTS,
    update_config=UPDATE_DEFAULTS, rollback_config=UPDATE_DEFAULTS, logging=None, networks=[], publish=[],
    endpoint_mode='vip', hosts=[], groups=[], tty=False, secrets=[], configs=[], mode=dict(mode='replicated', replicas=1, max_concurrent=None))
# Options by the API version that brought them; the connection's floor (1.41, Docker 20.10) already
# has them all, the table says where a future floor or a newer option would need a gate.
MIN_API = dict(init='1.37', sysctls='1.40', placement_max_replicas='1.40', cap_add='1.41', cap_drop='1.41',
               ulimits='1.41', jobs='1.41')


def _fail(msg: str) -> None:
    raise ServiceSpecError(msg)


def _choice(option: str, value: Any, choices: Tuple[str, ...]) -> Optional[str]:
    if value is None:
        return None
    if value not in choices:
        _fail('Invalid %s %r: use one of %s.' % (option, value, ', '.join(choices)))
    return value


def _int(option: str, value: Any, low: int = 0) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        _fail('Invalid %s %r: expected a whole number, %d or more.' % (option, value, low))
    return value


def _duration(option: str, value: Any) -> Optional[int]:
    return None if value is None else parse_duration(option, value)


# ------------------------------------------------------------------------------ placement

_CONSTRAINT = re.compile(r'^\s*([A-Za-z0-9_.\-]+)\s*(==|!=)\s*(\S(?:.*\S)?)\s*$')
_CONSTRAINT_KEYS = ('node.id', 'node.hostname', 'node.role', 'node.ip', 'node.platform.os', 'node.platform.arch')
_CONSTRAINT_PREFIXES = ('node.labels.', 'engine.labels.')


def parse_constraint(text: str) -> str:
    """``node.role == manager`` -> ``node.role==manager``: the engine's grammar (swarmkit constraint.go),
    checked here so a bad one fails before anything changes."""
    match = _CONSTRAINT.match(text)
    if not match:
        _fail('Invalid placement constraint %r: expected KEY==VALUE or KEY!=VALUE, such as node.role==manager.'
              % text[:100])
    key, operator, value = match.groups()
    if key not in _CONSTRAINT_KEYS and not (key.startswith(_CONSTRAINT_PREFIXES) and
                                            len(key) > len('node.labels.')):
        _fail('Invalid placement constraint %r: %r is not a key the engine knows (%s, node.labels.NAME, '
              'engine.labels.NAME).' % (text[:100], key, ', '.join(_CONSTRAINT_KEYS)))
    if '==' in value or '!=' in value:
        _fail('Invalid placement constraint %r: one operator per constraint.' % text[:100])
    return key + operator + value


def _placement(value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    # Kept as written, in order (the engine stores them so, as the docker CLI sends them); compared normalized.
    constraints = []
    for text in parse_strings('placement constraints', value.get('constraints')):
        parse_constraint(text)
        if text.strip() not in constraints:
            constraints.append(text.strip())
    preferences = []
    for item in value.get('preferences') or []:
        if not isinstance(item, dict) or list(item) != ['spread'] or not isinstance(item['spread'], str):
            _fail('Invalid placement preference %r: expected {spread: node.labels.NAME}.' % (str(item)[:100],))
        preferences.append(dict(spread=item['spread'].strip()))
    return dict(constraints=constraints, preferences=preferences,
                max_replicas=_int('placement max_replicas', value.get('max_replicas')) or 0)


# ---------------------------------------------------------------------------------- ports

def _publish(values: Any) -> Optional[List[Dict[str, Any]]]:
    if values is None:
        return None
    out = []
    for item in values:
        if not isinstance(item, dict):
            _fail('Invalid publish entry %r: expected a dict with target, published, protocol, mode.'
                  % (str(item)[:100],))
        published = item.get('published')
        if isinstance(published, str) and '-' in published:
            _fail('Invalid publish entry %r: a service publishes one port, not a range.' % (published,))
        try:
            mapping = port_mapping(item.get('target'), published, None, item.get('protocol'))
        except PortSpecError as exc:
            _fail('Invalid publish entry: %s' % exc.msg)
        mode = _choice('publish mode', item.get('mode') or 'ingress', PUBLISH_MODES)
        out.append(dict(target=mapping.target, published=int(mapping.published) if mapping.published else None,
                        protocol=mapping.protocol, mode=mode))
    keys = [(p['published'], p['protocol'], p['mode']) for p in out if p['published']]
    if len(keys) != len(set(keys)):
        _fail('Invalid publish: a published port is listed twice.')
    return sorted(out, key=_port_key)


def _port_key(port: Dict[str, Any]) -> tuple:
    return (port['target'], port['protocol'], port['published'] or 0, port['mode'])


# --------------------------------------------------------------------------------- mounts

def _mount(item: Any) -> Dict[str, Any]:
    base = parse_mount(dict(item, read_only=item.get('readonly', item.get('read_only')))
                       if isinstance(item, dict) else item, 'mounts')
    out = dict(base)
    kind = base['type']
    if kind == 'bind':
        out['source'] = str(item['source'])   # as written (/var/lib/docker/ stays so); compared normalized
    if item.get('propagation') is not None:
        if kind != 'bind':
            _fail('Invalid mounts entry for %s: propagation applies to bind mounts.' % base['target'])
        out['propagation'] = item['propagation']
    if kind == 'volume':
        if item.get('no_copy'):
            out['no_copy'] = True
        if item.get('labels'):
            out['labels'] = parse_labels(item['labels'])
        driver = item.get('driver_config') or {}
        if driver.get('name') or driver.get('options'):   # options alone: the default driver's (a stack's driver_opts)
            out['driver'] = dict(name=str(driver.get('name') or ''), options=parse_labels(driver.get('options')))
    if kind == 'tmpfs':
        if item.get('tmpfs_size') is not None:
            out['tmpfs_size'] = parse_size('tmpfs_size of %s' % base['target'], item['tmpfs_size'])
        if item.get('tmpfs_mode') is not None:
            out['tmpfs_mode'] = _int('tmpfs_mode of %s' % base['target'], item['tmpfs_mode'])
    return out


def _mounts(values: Any) -> Optional[List[Dict[str, Any]]]:
    if values is None:
        return None
    out = [_mount(item) for item in values]
    targets = [m['target'] for m in out]
    if len(targets) != len(set(targets)):
        _fail('Invalid mounts: a container path is used twice.')
    return out   # in the task's order; compared sorted by target


# ------------------------------------------------------------------------------ sub-configs

def _update(option: str, value: Any, actions: Tuple[str, ...]) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    # Parallelism is always sent (1 unless given, as the docker CLI sends it); the other keys only when given,
    # None meaning the engine's default (compared as UPDATE_DEFAULTS).
    out: Dict[str, Any] = dict((key, None) for key in UPDATE_DEFAULTS)
    out['parallelism'] = UPDATE_DEFAULTS['parallelism']
    for key in ('parallelism',):
        if value.get(key) is not None:
            out[key] = _int('%s %s' % (option, key), value[key])
    for key in ('delay', 'monitor'):
        if value.get(key) is not None:
            out[key] = parse_duration('%s %s' % (option, key), value[key])
    if value.get('failure_action') is not None:
        out['failure_action'] = _choice('%s failure_action' % option, value['failure_action'], actions)
    if value.get('order') is not None:
        out['order'] = _choice('%s order' % option, value['order'], ORDERS)
    ratio = value.get('max_failure_ratio')
    if ratio is not None:
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
            _fail('Invalid %s max_failure_ratio %r: a fraction from 0 to 1.' % (option, ratio))
        out['max_failure_ratio'] = float(ratio)
    return out


def _restart(value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    out: Dict[str, Any] = dict((key, None) for key in RESTART_DEFAULTS)   # None: the engine's default
    if value.get('condition') is not None:
        out['condition'] = _choice('restart_config condition', value['condition'], RESTART_CONDITIONS)
    for key in ('delay', 'window'):
        if value.get(key) is not None:
            out[key] = parse_duration('restart_config %s' % key, value[key])
    if value.get('max_attempts') is not None:
        out['max_attempts'] = _int('restart_config max_attempts', value['max_attempts'])
    return out


def _resources(option: str, value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    return dict(cpus=parse_cpus(value['cpus']) if value.get('cpus') is not None else 0,
                memory=parse_size('%s memory' % option, value['memory']) if value.get('memory') is not None else 0,
                pids=_int('%s pids' % option, value.get('pids')) or 0)  # Limits.Pids (API 1.41; a stack's limits.pids)


def _hostname(value: Any) -> Optional[str]:
    # Services take Go templates ({{.Node.Hostname}}-{{.Task.Slot}}), so no RFC 1123 check here.
    if value is None:
        return None
    text = str(value).strip()
    if not text or any(ch.isspace() for ch in text.replace('{{ ', '{{').replace(' }}', '}}')):
        _fail('Invalid hostname %r: a host name or a template such as {{.Node.Hostname}}.' % text[:100])
    return text


def _networks(values: Any) -> Optional[List[Dict[str, Any]]]:
    if values is None:
        return None
    out, seen = [], set()
    for item in values:
        entry = dict(name=item) if isinstance(item, str) else item
        if not isinstance(entry, dict) or not isinstance(entry.get('name'), str) or not entry['name'].strip():
            _fail('Invalid networks entry %r: a network name or ID, or a dict with name and aliases.'
                  % (str(item)[:100],))
        unknown = sorted(set(entry) - set(('name', 'aliases', 'options')))
        if unknown:
            _fail('Invalid networks entry for %s: unsupported key(s) %s.' % (entry['name'], ', '.join(unknown)))
        if entry['name'] in seen:
            _fail('Invalid networks: %s is listed twice.' % entry['name'])
        seen.add(entry['name'])
        aliases = []
        for alias in parse_strings('aliases', entry.get('aliases')):
            if alias not in aliases:
                aliases.append(alias)   # in order (compared as a set)
        out.append(dict(name=entry['name'].strip(), aliases=aliases,
                        options=parse_labels(entry.get('options'))))
    return out


def _env(params: Dict[str, Any]) -> Optional[Dict[str, str]]:
    """env_files first (in order), then env: ``docker service create --env-file ... --env`` semantics."""
    if params.get('env') is None and params.get('env_files') is None:
        return None
    out: Dict[str, str] = {}
    for path in params.get('env_files') or []:
        out.update(read_env_file(path))
    env = params.get('env')
    if isinstance(env, list):
        env = env_list_to_dict(parse_strings('env', env))
    out.update(parse_env(env))
    return out


def _mode(params: Dict[str, Any]) -> Dict[str, Any]:
    mode = _choice('mode', params.get('mode') or 'replicated', MODES)
    replicas = params.get('replicas')
    replicas = None if replicas is None or replicas == -1 else _int('replicas', replicas)
    concurrent = _int('max_concurrent', params.get('max_concurrent'), 1)
    if mode.startswith('global') and replicas is not None:
        _fail('replicas applies to mode replicated or replicated-job, not %s: a global service runs one task '
              'per node.' % mode)
    if concurrent is not None and mode != 'replicated-job':
        _fail('max_concurrent applies to mode replicated-job only, not %s.' % mode)
    if mode == 'replicated-job':
        concurrent = concurrent or 1
    return dict(mode=mode, replicas=replicas, max_concurrent=concurrent)


def _logging(value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if not value.get('driver') and not value.get('options'):
        _fail('Invalid logging: set driver (such as json-file or local), or options for the default driver.')
    return dict(driver=str(value.get('driver') or ''), options=parse_log_options(value.get('options')))


def _hosts(value: Any) -> List[str]:
    """``{host: ip}`` (the container module's etc_hosts grammar) -> the service spec's ``IP host`` lines, in the
    task's order (compared sorted)."""
    checked = set(parse_etc_hosts(value))
    lines = []
    for host, address in (value or {}).items():
        entry = [e for e in checked if e.rsplit(':', 1)[0] == str(host)][0]
        lines.append('%s %s' % (entry.rsplit(':', 1)[1], entry.rsplit(':', 1)[0]))
    return lines


def image_reference(value: Any) -> Optional[str]:
    """An image as a service stores it before pinning: ``web`` is ``web:latest``, as the docker client library
    tags it before adding the digest."""
    return _image(value)


def _image(value: Any) -> Optional[str]:
    from ansible_collections.fleet.docker.plugins.module_utils.images.references import parse_reference
    if value is None:
        return None
    ref = parse_reference(value)
    if not ref.digest and not ref.tag:
        ref = ref.with_tag('latest')
    return ref.familiar


# Secret and config references: (list key, ID key, name key) of ContainerSpec, as the engine spells them.
REFERENCES = dict(secrets=('Secrets', 'SecretID', 'SecretName'), configs=('Configs', 'ConfigID', 'ConfigName'))


def _references(option: str, values: Any) -> Optional[List[Dict[str, Any]]]:
    """``secrets``/``configs`` entries -> sorted dict(name, filename, uid, gid, mode); the file is named
    after the object unless ``filename`` says otherwise (/run/secrets/NAME, /NAME for a config)."""
    if values is None:
        return None
    word = option[:-1]
    out = []
    for item in values:
        if not isinstance(item, dict) or not item.get('%s_name' % word):
            _fail('Invalid %s entry %r: a dict with %s_name (and filename, uid, gid, mode).' % (option, str(item)[:100], word))
        name = str(item['%s_name' % word])
        mode = _int('%s mode of %s' % (option, name), item.get('mode'))
        out.append(dict(name=name, filename=str(item.get('filename') or name), uid=str(item.get('uid') or '0'),
                        gid=str(item.get('gid') or '0'), mode=0o444 if mode is None else mode))
    files = [r['filename'] for r in out]
    if len(files) != len(set(files)):
        _fail('Invalid %s: two entries use the same filename.' % option)
    return out   # in the task's order; compared sorted by file name


def same_reference(wanted: str, held: str) -> bool:
    """Whether the object a service holds is the one the task names: the name itself or a rolling version
    of it (NAME_vN, which fleet.docker.secret/config move services onto)."""
    return held == wanted or bool(re.match(r'^%s_v[0-9]+$' % re.escape(wanted), held or ''))


PARSERS: Dict[str, Callable[[Dict[str, Any]], Any]] = dict(
    image=lambda p: _image(p.get('image')),
    labels=lambda p: None if p.get('labels') is None else parse_labels(p['labels']),
    container_labels=lambda p: None if p.get('container_labels') is None else parse_labels(p['container_labels']),
    env=_env,
    command=lambda p: parse_command(p.get('command')),
    args=lambda p: parse_command(p.get('args'), 'args'),
    hostname=lambda p: _hostname(p.get('hostname')),
    user=lambda p: None if p.get('user') is None else parse_user(p['user']),
    working_dir=lambda p: p.get('working_dir'),
    stop_signal=lambda p: None if p.get('stop_signal') is None else parse_signal(p['stop_signal']),
    stop_grace_period=lambda p: _duration('stop_grace_period', p.get('stop_grace_period')),
    read_only=lambda p: p.get('read_only'),
    init=lambda p: p.get('init'),
    cap_add=lambda p: None if p.get('cap_add') is None else parse_capabilities('cap_add', p['cap_add']),
    cap_drop=lambda p: None if p.get('cap_drop') is None else parse_capabilities('cap_drop', p['cap_drop']),
    sysctls=lambda p: None if p.get('sysctls') is None else parse_sysctls(p['sysctls']),
    ulimits=lambda p: None if p.get('ulimits') is None else parse_ulimits(p['ulimits']),
    healthcheck=lambda p: None if p.get('healthcheck') is None else parse_healthcheck(p['healthcheck']),
    mounts=lambda p: _mounts(p.get('mounts')),
    dns=lambda p: None if p.get('dns') is None else parse_dns_servers(p['dns']),
    dns_search=lambda p: None if p.get('dns_search') is None else parse_strings('dns_search', p['dns_search']),
    dns_options=lambda p: None if p.get('dns_options') is None else parse_strings('dns_options', p['dns_options']),
    limits=lambda p: _resources('limits', p.get('limits')),
    reservations=lambda p: _resources('reservations', p.get('reservations')),
    placement=lambda p: _placement(p.get('placement')),
    restart_config=lambda p: _restart(p.get('restart_config')),
    update_config=lambda p: _update('update_config', p.get('update_config'), FAILURE_ACTIONS),
    rollback_config=lambda p: _update('rollback_config', p.get('rollback_config'), FAILURE_ACTIONS[:2]),
    logging=lambda p: _logging(p.get('logging')),
    networks=lambda p: _networks(p.get('networks')),
    publish=lambda p: _publish(p.get('publish')),
    endpoint_mode=lambda p: _choice('endpoint_mode', p.get('endpoint_mode'), ENDPOINT_MODES),
    hosts=lambda p: None if p.get('hosts') is None else _hosts(p['hosts']),
    groups=lambda p: None if p.get('groups') is None else sorted(set(parse_strings('groups', p['groups']))),
    tty=lambda p: p.get('tty'),
    secrets=lambda p: _references('secrets', p.get('secrets')),
    configs=lambda p: _references('configs', p.get('configs')),
    mode=_mode,
)


def canonical_params(params: Dict[str, Any]) -> Dict[str, Any]:
    """The service module's params -> {option: canonical value or None}. Raises ServiceSpecError and the
    shared grammars' ValueSpecErrors (one sentence each)."""
    out = dict((key, parse(params)) for key, parse in PARSERS.items())
    if out['endpoint_mode'] == 'dnsrr' and any(p['mode'] == 'ingress' for p in out['publish'] or []):
        _fail('endpoint_mode dnsrr cannot publish ports in ingress mode (the routing mesh needs a VIP): '
              'use publish mode host.')
    if out['mode']['mode'].endswith('-job') and out['update_config'] is not None:
        _fail('update_config does not apply to jobs (mode %s).' % out['mode']['mode'])
    return out


# ----------------------------------------------------------------------- the stored spec

def _get(spec: Dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(spec, dict):
            return None
        spec = spec.get(key)
    return spec


def _stored_update(config: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not config:
        return None
    return dict(parallelism=config.get('Parallelism') or 0, delay=config.get('Delay') or 0,
                failure_action=config.get('FailureAction') or 'pause',
                # The engine watches a task 5 s when the spec says 0 or nothing.
                monitor=config.get('Monitor') or UPDATE_DEFAULTS['monitor'],
                max_failure_ratio=float(config.get('MaxFailureRatio') or 0), order=config.get('Order') or 'stop-first')


def _stored_mount(mount: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(type=mount.get('Type') or 'volume', source=mount.get('Source') or '', target=mount.get('Target'),
               read_only=bool(mount.get('ReadOnly')))
    if _get(mount, 'BindOptions', 'Propagation'):
        out['propagation'] = mount['BindOptions']['Propagation']
    volume = mount.get('VolumeOptions') or {}
    if volume.get('NoCopy'):
        out['no_copy'] = True
    if volume.get('Labels'):
        out['labels'] = volume['Labels']
    if _get(volume, 'DriverConfig', 'Name') or _get(volume, 'DriverConfig', 'Options'):
        out['driver'] = dict(name=volume['DriverConfig'].get('Name') or '', options=volume['DriverConfig'].get('Options') or {})
    tmpfs = mount.get('TmpfsOptions') or {}
    if tmpfs.get('SizeBytes'):
        out['tmpfs_size'] = tmpfs['SizeBytes']
    if tmpfs.get('Mode'):
        out['tmpfs_mode'] = tmpfs['Mode']
    return out


def _stored_mode(mode: Dict[str, Any]) -> Dict[str, Any]:
    mode = mode or {'Replicated': {}}
    word = mode_of(dict(Mode=mode))
    if word == 'replicated-job':
        job = mode['ReplicatedJob'] or {}
        return dict(mode=word, replicas=job.get('TotalCompletions') or 1, max_concurrent=job.get('MaxConcurrent') or 1)
    if word == 'replicated':
        return dict(mode=word, replicas=_get(mode, 'Replicated', 'Replicas') or 0, max_concurrent=None)
    return dict(mode=word, replicas=None, max_concurrent=None)


def _stored_healthcheck(check: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not check:
        return None
    return dict((key, value) for key, value in check.items() if value not in (None, 0, []))


def _stored_resources(res: Optional[Dict[str, Any]]) -> Dict[str, int]:
    return dict(cpus=(res or {}).get('NanoCPUs') or 0, memory=(res or {}).get('MemoryBytes') or 0,
                pids=(res or {}).get('Pids') or 0)


def canonical_spec(spec: Dict[str, Any]) -> Dict[str, Any]:
    """The engine's stored ServiceSpec -> the canonical form (networks as IDs; names are the planner's job)."""
    task = spec.get('TaskTemplate') or {}
    cont = task.get('ContainerSpec') or {}
    dns = cont.get('DNSConfig') or {}
    res = task.get('Resources') or {}
    placement = task.get('Placement') or {}
    restart = task.get('RestartPolicy')
    log = task.get('LogDriver')
    endpoint = spec.get('EndpointSpec') or {}
    networks = task.get('Networks') or spec.get('Networks') or []  # Spec.Networks: older CLIs
    return dict(
        image=cont.get('Image'), labels=spec.get('Labels') or {}, container_labels=cont.get('Labels') or {},
        env=env_list_to_dict(cont.get('Env')), command=cont.get('Command') or None, args=cont.get('Args') or None,
        hostname=cont.get('Hostname') or '', user=cont.get('User') or '', working_dir=cont.get('Dir') or '',
        stop_signal=cont.get('StopSignal') or '',
        stop_grace_period=cont.get('StopGracePeriod') if cont.get('StopGracePeriod') is not None
        else DEFAULTS['stop_grace_period'],
        read_only=bool(cont.get('ReadOnly')), init=cont.get('Init'),
        cap_add=sorted(set(canonical_capability(c) for c in cont.get('CapabilityAdd') or [])),
        cap_drop=sorted(set(canonical_capability(c) for c in cont.get('CapabilityDrop') or [])),
        sysctls=cont.get('Sysctls') or {}, ulimits=parse_ulimits([dict(name=u['Name'], soft=u['Soft'], hard=u['Hard'])
                                                                  for u in cont.get('Ulimits') or []]),
        healthcheck=_stored_healthcheck(cont.get('Healthcheck')),
        mounts=[_stored_mount(m) for m in cont.get('Mounts') or []],
        dns=dns.get('Nameservers') or [], dns_search=dns.get('Search') or [], dns_options=dns.get('Options') or [],
        limits=_stored_resources(res.get('Limits')), reservations=_stored_resources(res.get('Reservations')),
        placement=dict(constraints=list(placement.get('Constraints') or []),
                       preferences=[dict(spread=_get(p, 'Spread', 'SpreadDescriptor'))
                                    for p in placement.get('Preferences') or []],
                       max_replicas=placement.get('MaxReplicas') or 0),
        restart_config=RESTART_DEFAULTS if not restart else dict(
            condition=restart.get('Condition') or None, delay=restart.get('Delay'),
            max_attempts=restart.get('MaxAttempts'), window=restart.get('Window')),
        update_config=_stored_update(spec.get('UpdateConfig')) or UPDATE_DEFAULTS,
        rollback_config=_stored_update(spec.get('RollbackConfig')) or UPDATE_DEFAULTS,
        logging=dict(driver=log.get('Name') or '', options=log.get('Options') or {})
        if log and (log.get('Name') or log.get('Options')) else None,
        networks=sorted((dict(id=n.get('Target'), aliases=list(n.get('Aliases') or []),
                              options=n.get('DriverOpts') or {}) for n in networks), key=lambda n: n['id']),
        publish=sorted((dict(target=p.get('TargetPort'), published=p.get('PublishedPort') or None,
                             protocol=p.get('Protocol') or 'tcp', mode=p.get('PublishMode') or 'ingress')
                        for p in endpoint.get('Ports') or []), key=_port_key),
        endpoint_mode=endpoint.get('Mode') or 'vip',
        hosts=[' '.join(line.split()) for line in cont.get('Hosts') or []], groups=sorted(cont.get('Groups') or []),
        tty=bool(cont.get('TTY')),
        secrets=_stored_references('secrets', cont), configs=_stored_references('configs', cont),
        mode=_stored_mode(spec.get('Mode')),
    )


def _stored_references(option: str, cont: Dict[str, Any]) -> List[Dict[str, Any]]:
    list_key, id_key, name_key = REFERENCES[option]
    out = []
    for ref in cont.get(list_key) or []:
        file = ref.get('File') or {}
        out.append(dict(name=ref.get(name_key), id=ref.get(id_key), filename=file.get('Name') or ref.get(name_key),
                        uid=str(file.get('UID') or '0'), gid=str(file.get('GID') or '0'),
                        mode=file['Mode'] if file.get('Mode') is not None else 0o444))
    return out


# ------------------------------------------------------------------------------- comparing

def _sorted_references(key: str, value: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return sorted(value, key=lambda r: _in_run_secrets(r['filename']) if key == 'secrets' else r['filename'])


def comparable(key: str, value: Any) -> Any:
    """The value an option compares as: None is the engine's default for it. Lists the engine keeps in the order
    sent (mounts, constraints, hosts, aliases, references) compare in a fixed order; constraints by the engine's
    reading (``node.role == manager`` = ``node.role==manager``), bind sources normalized (``/srv/`` = ``/srv``)."""
    if value is None:
        return copy.deepcopy(DEFAULTS.get(key))
    if key in REFERENCES:
        return [dict((k, _in_run_secrets(v) if k == 'filename' and key == 'secrets' else v) for k, v in ref.items()
                     if k != 'id') for ref in _sorted_references(key, value)]
    if key == 'networks':
        return sorted((dict(id=n.get('id'), aliases=sorted(set(n['aliases'])), options=n.get('options') or {})
                       for n in value), key=lambda n: n['id'] or '')
    if key == 'placement':
        return dict(value, constraints=sorted(set(parse_constraint(c) for c in value['constraints'])))
    if key == 'mounts':
        return sorted((dict(m, source=posixpath.normpath(m['source'])) if m['type'] == 'bind' and m['source'] else m
                       for m in value), key=lambda m: m['target'])
    if key == 'hosts':
        return sorted(value)
    if key in ('update_config', 'rollback_config'):
        return dict((k, UPDATE_DEFAULTS[k] if value.get(k) is None else value[k]) for k in UPDATE_DEFAULTS)
    if key == 'restart_config':
        return dict((k, RESTART_DEFAULTS[k] if value.get(k) is None else value[k]) for k in RESTART_DEFAULTS)
    return value


def _in_run_secrets(filename: str) -> str:
    """A secret's file name relative to /run/secrets, where the engine puts a bare name (the docker CLI's stack
    deploy stores the bare name, a compose loader the full path: the same file)."""
    return filename[len('/run/secrets/'):] if (filename or '').startswith('/run/secrets/') else filename


def same_image(desired: str, current: Optional[str], pinned: bool) -> bool:
    """With a digest on both sides the digests decide; an unpinned task (resolve_image off, or no registry
    answer) leaves a digest the engine holds for the same name:tag alone."""
    if current is None:
        return False
    if pinned or '@' in desired and '@' in current:
        return desired == current
    # ``web`` as the CLI stored it when the registry could not pin it is ``web:latest``
    return _image(desired.split('@')[0]) == _image(current.split('@')[0])


def differences(desired: Dict[str, Any], current: Dict[str, Any], keep_unset: bool = True) -> List[str]:
    """Options whose desired value differs. ``keep_unset`` (the service module): an option the task leaves
    unset is not compared; without it (a stack) an unset option means the engine's default."""
    out = []
    for key, value in desired.items():
        if key in ('image',):
            continue
        if key == 'mode':
            want = dict(value)
            if want['replicas'] is None and want['mode'] in ('replicated', 'replicated-job'):
                want['replicas'] = current['mode']['replicas'] if current['mode']['mode'] == want['mode'] else 1
            if want != current['mode']:
                out.append(key)
            continue
        if value is None and keep_unset:
            continue
        if key in REFERENCES:
            held = _sorted_references(key, current.get(key) or [])
            want = _sorted_references(key, value or [])
            if len(held) != len(want) or not all(
                    same_reference(w['name'], h['name']) and comparable(key, [dict(w, name='')]) ==
                    comparable(key, [dict(h, name='')]) for w, h in zip(want, held)):
                out.append(key)
            continue
        if comparable(key, value) != comparable(key, current.get(key)):
            out.append(key)
    return out


# ------------------------------------------------------------------------------- writing

def _put(spec: Dict[str, Any], path: Tuple[str, ...], value: Any) -> None:
    """Set spec[path] = value, or delete it when value is None or empty."""
    for key in path[:-1]:
        spec = spec.setdefault(key, {})
    if value is None or value == [] or value == {}:
        spec.pop(path[-1], None)
    else:
        spec[path[-1]] = value


_C = ('TaskTemplate', 'ContainerSpec')


def _update_body(config: Dict[str, Any]) -> Dict[str, Any]:
    """Parallelism always, the rest when set (unset: the engine's default), as the docker CLI sends them."""
    body = dict(Parallelism=config['parallelism'] if config.get('parallelism') is not None
                else UPDATE_DEFAULTS['parallelism'])
    for key, api in (('delay', 'Delay'), ('failure_action', 'FailureAction'), ('monitor', 'Monitor'),
                     ('max_failure_ratio', 'MaxFailureRatio'), ('order', 'Order')):
        if config.get(key) is not None:
            body[api] = config[key]
    return body


def _mount_body(mount: Dict[str, Any]) -> Dict[str, Any]:
    body = dict(Type=mount['type'], Target=mount['target'], ReadOnly=mount['read_only'])
    if mount['source']:
        body['Source'] = mount['source']
    if mount.get('propagation'):
        body['BindOptions'] = dict(Propagation=mount['propagation'])
    volume = {}
    if mount.get('no_copy'):
        volume['NoCopy'] = True
    if mount.get('labels'):
        volume['Labels'] = mount['labels']
    if mount.get('driver'):
        volume['DriverConfig'] = dict((api, mount['driver'][key]) for key, api in (('name', 'Name'), ('options', 'Options'))
                                      if mount['driver'][key])
    if volume:
        body['VolumeOptions'] = volume
    tmpfs = dict((api, mount[key]) for key, api in (('tmpfs_size', 'SizeBytes'), ('tmpfs_mode', 'Mode'))
                 if mount.get(key))
    if tmpfs:
        body['TmpfsOptions'] = tmpfs
    return body


def _resources_body(res: Dict[str, int]) -> Dict[str, int]:
    return dict((api, res[key]) for key, api in (('cpus', 'NanoCPUs'), ('memory', 'MemoryBytes'), ('pids', 'Pids'))
                if res.get(key))


def _mode_body(mode: Dict[str, Any]) -> Dict[str, Any]:
    if mode['mode'] == 'replicated':
        return dict(Replicated=dict(Replicas=mode['replicas'] if mode['replicas'] is not None else 1))
    if mode['mode'] == 'replicated-job':
        return dict(ReplicatedJob=dict(TotalCompletions=mode['replicas'] or 1, MaxConcurrent=mode['max_concurrent']))
    return {_MODE_KEYS[mode['mode']]: {}}


def _write(spec: Dict[str, Any], key: str, value: Any) -> None:
    simple = dict(image=_C + ('Image',), container_labels=_C + ('Labels',), command=_C + ('Command',),
                  args=_C + ('Args',), hostname=_C + ('Hostname',), user=_C + ('User',), working_dir=_C + ('Dir',),
                  stop_signal=_C + ('StopSignal',), stop_grace_period=_C + ('StopGracePeriod',),
                  read_only=_C + ('ReadOnly',), cap_add=_C + ('CapabilityAdd',), cap_drop=_C + ('CapabilityDrop',),
                  sysctls=_C + ('Sysctls',), ulimits=_C + ('Ulimits',), healthcheck=_C + ('Healthcheck',),
                  dns=_C + ('DNSConfig', 'Nameservers'), dns_search=_C + ('DNSConfig', 'Search'),
                  dns_options=_C + ('DNSConfig', 'Options'), labels=('Labels',), endpoint_mode=('EndpointSpec', 'Mode'),
                  hosts=_C + ('Hosts',), groups=_C + ('Groups',), tty=_C + ('TTY',))
    if key in simple:
        _put(spec, simple[key], False if key in ('read_only', 'tty') and value is None else value)
    elif key == 'init':
        _put(spec, _C + ('Init',), value)
        if value is not None:
            spec['TaskTemplate']['ContainerSpec']['Init'] = value
    elif key == 'env':
        _put(spec, _C + ('Env',), ['%s=%s' % item for item in sorted((value or {}).items())])
    elif key == 'mounts':
        _put(spec, _C + ('Mounts',), [_mount_body(m) for m in value or []])
    elif key in ('limits', 'reservations'):
        _put(spec, ('TaskTemplate', 'Resources', key.capitalize()), _resources_body(value or RESOURCE_DEFAULTS))
    elif key == 'placement':
        value = value or PLACEMENT_DEFAULTS
        placement = _get(spec, 'TaskTemplate', 'Placement') or {}
        placement = dict(placement, Constraints=value['constraints'],
                         Preferences=[dict(Spread=dict(SpreadDescriptor=p['spread'])) for p in value['preferences']],
                         MaxReplicas=value['max_replicas'])
        _put(spec, ('TaskTemplate', 'Placement'), dict((k, v) for k, v in placement.items() if v))
    elif key == 'restart_config':
        _put(spec, ('TaskTemplate', 'RestartPolicy'), value and dict(
            (api, value[key]) for key, api in (('condition', 'Condition'), ('delay', 'Delay'),
                                               ('max_attempts', 'MaxAttempts'), ('window', 'Window'))
            if value.get(key) is not None))
    elif key in ('update_config', 'rollback_config'):
        _put(spec, ('UpdateConfig' if key == 'update_config' else 'RollbackConfig',), value and _update_body(value))
    elif key == 'logging':
        _put(spec, ('TaskTemplate', 'LogDriver'), value and dict(
            (api, value[key]) for key, api in (('driver', 'Name'), ('options', 'Options')) if value[key]))
    elif key == 'networks':
        spec.pop('Networks', None)
        _put(spec, ('TaskTemplate', 'Networks'), [dict((k, v) for k, v in (('Target', n['id']), ('Aliases', n['aliases']),
                                                                           ('DriverOpts', n.get('options'))) if v)
                                                  for n in value or []])
    elif key == 'publish':
        _put(spec, ('EndpointSpec', 'Ports'), [dict((k, v) for k, v in (
            ('Protocol', p['protocol']), ('TargetPort', p['target']), ('PublishedPort', p['published']),
            ('PublishMode', p['mode'])) if v) for p in value or []])
    elif key in REFERENCES:
        list_key, id_key, name_key = REFERENCES[key]
        _put(spec, _C + (list_key,), [{'File': dict(Name=r['filename'], UID=r['uid'], GID=r['gid'], Mode=r['mode']),
                                       id_key: r['id'], name_key: r['name']} for r in value or []])
    elif key == 'mode':
        spec['Mode'] = _mode_body(value)
    else:  # pragma: no cover - a PARSERS key without a writer is a bug
        raise KeyError(key)


def write_spec(base: Optional[Dict[str, Any]], name: str, values: Dict[str, Any], keep_unset: bool = True
               ) -> Dict[str, Any]:
    """A ServiceSpec body: ``base`` (the stored spec, kept for what the options do not cover: secrets,
    configs, privileges...) with ``values`` written in. With ``keep_unset`` unset options keep what
    ``base`` has; otherwise they are written as the engine's defaults."""
    spec = copy.deepcopy(base or {})
    spec['Name'] = name
    spec.setdefault('TaskTemplate', {}).setdefault('ContainerSpec', {})
    for key, value in values.items():
        if value is None and (keep_unset or key == 'image'):
            continue
        _write(spec, key, value)
    cont = spec['TaskTemplate']['ContainerSpec']
    if cont.get('DNSConfig') == {}:
        del cont['DNSConfig']   # none at all when no DNS option is set, as the docker CLI sends it
    return spec
