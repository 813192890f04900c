# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The container option table: one row per ``docker run`` option.

A row holds the argument spec, the parse into one canonical form, how to read that form back
from ``docker inspect`` (and the image's defaults), how to put it into the create body, how
drift is applied (recreate, update in place, reconnect) and the minimum API version. Adding an
option is one row here plus its documentation in the module.

``build_spec`` validates a task into canonical values (only the options the task set),
``compare`` lists the drift; ``body.py`` writes the engine's create and update bodies from
the rows.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.fleet.docker.plugins.module_utils.containers import values as v
from ansible_collections.fleet.docker.plugins.module_utils.containers.values import ContainerSpecError
from ansible_collections.fleet.docker.plugins.module_utils.engine import values as grammar
from ansible_collections.fleet.docker.plugins.module_utils.images.references import parse_reference
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import (
    ANONYMOUS_VOLUME_NAME, PULL_POLICIES, REPLACEMENT_LABEL, check_restricted_name)

RECREATE, UPDATE, RECONNECT = 'recreate', 'update', 'reconnect'
COMPARISON_MODES = ('strict', 'allow_more_present', 'ignore')


@dataclass(frozen=True)
class Option:
    """One container option. ``parse(params)`` returns the canonical value, or None when unset."""

    name: str
    argspec: dict
    parse: Callable[[dict], Any]
    read: Callable[[dict, dict], Any]            # (container inspect, image inspect) -> canonical
    write: Callable[[dict, Any], None]           # (create body, canonical)
    how: str = RECREATE
    kind: str = 'value'                          # value | set | list | dict: what allow_more_present means
    owns: tuple = ()                             # further task options this row parses, with their argspec
    min_api: Any = None                          # (major, minor), or value -> (major, minor) | None
    defaults: Callable[[dict], dict] | None = None   # dict kinds: the image's entries, which are not drift
    resolve: Callable[[Any, Any, dict], Any] | None = None  # (desired, actual, ctx) -> full desired value
    display: Callable[[Any], Any] | None = None
    update: Callable[[Any], dict] | None = None  # canonical -> fields of POST /containers/{id}/update


# ----------------------------------------------------------------------------- small helpers

def _get(section: str, key: str, default=None):
    def read(container, image):
        value = (container.get(section) or {}).get(key)
        return default if value is None else value
    return read


_BODY = dict(Config='config', HostConfig='host', config='config', host='host')


def _put(section: str, key: str, convert=None):
    def write(body, value):
        body[_BODY[section]][key] = convert(value) if convert else value
    return write


def _param(name: str, parser=None):
    def parse(params):
        value = params.get(name)
        if value is None:
            return None
        return parser(value) if parser else value
    return parse


def _flag(option: str, section: str, key: str, how: str = RECREATE) -> Option:
    return Option(option, dict(type='bool'), _param(option), lambda c, i: bool((c.get(section) or {}).get(key)),
                  _put(section, key), how=how)


def _text(option: str, section: str, key: str, parser=None, **kw) -> Option:
    return Option(option, dict(type='str'), _param(option, parser), _get(section, key, ''), _put(section, key), **kw)


def _image_config(image) -> dict:
    return (image or {}).get('Config') or {}


# ---------------------------------------------------------------------------- row functions

def _parse_command(option):
    return _param(option, lambda value: grammar.parse_command(value, option))


def _resolve_command(desired, actual, ctx):
    # No command means the image's CMD, which the engine copied into the container.
    if not desired and list(actual) == list(_image_config(ctx.get('image')).get('Cmd') or []):
        return list(actual)
    return desired


def _write_command(body, value):
    if value:  # empty: leave Cmd out and the engine fills in the image's
        body['config']['Cmd'] = value


def _resolve_entrypoint(desired, actual, ctx):
    return [a for a in actual if a] if desired in ([], ['']) and not [a for a in actual if a] else desired


def _write_ports(body, value):
    if value:
        body['config'].setdefault('ExposedPorts', {}).update((key, {}) for key in value)
        body['host']['PortBindings'] = v.to_port_bindings(value)


def _read_volumes(container, image):
    return dict(binds=v.normalize_binds((container.get('HostConfig') or {}).get('Binds')),
                anonymous=sorted((container.get('Config') or {}).get('Volumes') or {}))


def _resolve_volumes(desired, actual, ctx):
    """What the container would show if it matched: the image's VOLUMEs and carried-over anonymous
    volumes (binds of a 64-hex name at an anonymous path) are not drift."""
    image_volumes = set(_image_config(ctx.get('image')).get('Volumes') or {})
    anonymous_targets = image_volumes | set(desired['anonymous'])
    carried = [b for b in actual['binds']
               if ANONYMOUS_VOLUME_NAME.match(b['source']) and b['target'] in anonymous_targets]
    anonymous = sorted(set(desired['anonymous']) | (set(actual['anonymous']) & image_volumes))
    return dict(binds=sorted(desired['binds'] + carried, key=lambda b: b['target']), anonymous=anonymous)


def _show_volumes(value):
    return [_volume_text(b) for b in value['binds']] + list(value['anonymous'])


def _volume_text(vol):
    modes = (['ro'] if vol['read_only'] else []) + list(vol.get('flags') or [])
    return '%s:%s%s' % (vol['source'], vol['target'], ':' + ','.join(modes) if modes else '')


def _write_volumes(body, value):
    if value['binds']:
        body['host'].setdefault('Binds', []).extend(v.bind_string(b) for b in value['binds'])
    if value['anonymous']:
        body['config']['Volumes'] = dict((target, {}) for target in value['anonymous'])


def _show_mounts(value):
    return ['type=%s,target=%s%s%s' % (m['type'], m['target'], ',source=%s' % m['source'] if m['source'] else '',
                                       ',readonly' if m['read_only'] else '') for m in value]


def _parse_env(params):
    if params.get('env') is None and params.get('env_file') is None:
        return None
    env = grammar.read_env_file(params['env_file']) if params.get('env_file') else {}
    env.update(grammar.parse_env(params.get('env')))
    return env


def _write_env(body, value):
    body['config']['Env'] = ['%s=%s' % item for item in sorted(value.items())]


def _read_labels(container, image):
    # Containers recreated by older versions of the collection kept the recreate's label; not drift
    # (recreating them all on upgrade for it would be worse), and a recreate now leaves none.
    labels = (container.get('Config') or {}).get('Labels') or {}
    return dict((k, val) for k, val in labels.items() if k != REPLACEMENT_LABEL)


def _write_labels(body, value):
    body['config'].setdefault('Labels', {}).update(value)


def _parse_restart(params):
    return v.parse_restart_policy(params.get('restart_policy'), params.get('restart_retries'))


def _resolve_restart(desired, actual, ctx):
    # Unset retries are not compared; a policy change sets the engine's default, 0.
    if desired['MaximumRetryCount'] is None:
        same = actual['Name'] == desired['Name']
        return dict(desired, MaximumRetryCount=actual['MaximumRetryCount'] if same else 0)
    return desired


def _show_restart(value):
    return dict(name=value['Name'], maximum_retry_count=value['MaximumRetryCount'])


def _read_working_dir(container, image):
    return ((container.get('Config') or {}).get('WorkingDir') or '/').rstrip('/') or '/'


def _parse_working_dir(value):
    if not value.startswith('/'):
        raise ContainerSpecError('working_dir %r must be an absolute path.' % value)
    return value.rstrip('/') or '/'


def _write_interactive(body, value):
    body['config']['OpenStdin'] = value
    body['config']['StdinOnce'] = False


def _network_mode(mode):
    return 'bridge' if mode in (None, '', 'default') else mode


def _parse_network_mode(params):
    networks = params.get('networks')
    names = [n.get('name') if isinstance(n, dict) else n for n in networks or []]
    return v.parse_network_mode(params.get('network_mode'), names)


def _resolve_network_mode(desired, actual, ctx):
    return _network_mode(ctx.get('network_mode') or desired)


def _read_networks(container, image):
    """The container's endpoints as our entries; the engine's automatic aliases are left out."""
    own = set([container.get('Id', '')[:12], (container.get('Name') or '').lstrip('/')])
    out = []
    for name, endpoint in sorted(((container.get('NetworkSettings') or {}).get('Networks') or {}).items()):
        endpoint = endpoint or {}
        ipam = endpoint.get('IPAMConfig') or {}
        links = sorted(_link_text(link) for link in endpoint.get('Links') or [])
        out.append(dict(name=name, aliases=sorted(set(endpoint.get('Aliases') or []) - own), links=links,
                        ipv4_address=ipam.get('IPv4Address') or None, ipv6_address=ipam.get('IPv6Address') or None))
    return out


def _link_text(link):
    # Engines report links as "name:alias" or "/name:/me/alias".
    name, _sep, alias = link.partition(':')
    return '%s:%s' % (name.strip('/'), posixpath.basename(alias) or name.strip('/'))


def _resolve_networks(desired, actual, ctx):
    """The endpoints the container should have: the task's, plus its network mode's network;
    what the task does not set on an endpoint (aliases, addresses, links) is taken as it is."""
    mode = (ctx.get('spec') or {}).get('network_mode')
    wanted = list(desired)
    if mode and mode not in ('host', 'none') and not mode.startswith('container:') \
            and mode not in [d['name'] for d in wanted]:
        wanted.append(dict(name=mode, aliases=[], links=[], ipv4_address=None, ipv6_address=None))
    if ctx.get('mode') == 'allow_more_present':
        # Networks another tool connected stay connected, also when a reconnect applies other drift.
        wanted.extend(a for a in actual if a['name'] not in [d['name'] for d in wanted])
    by_name = dict((a['name'], a) for a in actual)
    own = ((ctx.get('spec') or {}).get('name') or '').lstrip('/')
    out = []
    for entry in wanted:
        have = by_name.get(entry['name']) or {}
        merged = dict(entry)
        for key in ('ipv4_address', 'ipv6_address'):
            if not entry[key]:
                merged[key] = have.get(key)
        for key in ('aliases', 'links'):
            if not entry[key]:
                merged[key] = have.get(key) or []
        # The container's own name always resolves on its networks, and the read leaves it out of the
        # aliases like the engine's automatic ones: an alias equal to the name is no drift.
        merged['aliases'] = [a for a in merged['aliases'] if a != own]
        out.append(merged)
    return sorted(out, key=lambda e: e['name'])


def _show_networks(value):
    return [e['name'] if not (e['aliases'] or e['links'] or e['ipv4_address'] or e['ipv6_address'])
            else dict((k, val) for k, val in e.items() if val) for e in value]


_HEALTH_NUMBERS = ('Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries')


def _read_healthcheck(container, image):
    # The engine leaves zero fields out of inspect (omitempty) and older ones have no StartInterval:
    # a missing number is 0, so ``retries: 0`` reads back equal on every engine.
    health = (container.get('Config') or {}).get('Healthcheck') or {}
    if not health:
        return {}
    return dict(dict((key, 0) for key in _HEALTH_NUMBERS), **health)


def _resolve_healthcheck(desired, actual, ctx):
    # The engine merges unset fields from the image: only the fields the task set are compared.
    # A zero number means "inherit" to the engine (the image's value, else its default), so it is
    # compared like an unset one.
    if desired.get('Test') == ['NONE']:
        return dict(actual, Test=['NONE'])
    return dict(actual, **dict((k, val) for k, val in desired.items() if k == 'Test' or val))


def _healthcheck_api(value):
    return (1, 44) if value.get('StartInterval') else None


def _show_healthcheck(value):
    return dict((k, (val / 10 ** 9 if k in ('Interval', 'Timeout', 'StartPeriod', 'StartInterval') else val))
                for k, val in value.items())


def _read_ulimits(container, image):
    return sorted(((container.get('HostConfig') or {}).get('Ulimits') or []), key=lambda u: u.get('Name', ''))


def _read_caps(key):
    def read(container, image):
        return sorted(set(v.canonical_capability(c) for c in (container.get('HostConfig') or {}).get(key) or []))
    return read


def _read_pids(container, image):
    limit = (container.get('HostConfig') or {}).get('PidsLimit') or 0
    return limit if limit > 0 else 0


def _parse_pids(value):
    # Only 0 and -1 mean unlimited; any other negative number is a typo, not a limit.
    if isinstance(value, bool) or not isinstance(value, int) or value < -1:
        raise ContainerSpecError('Invalid pids_limit %r: a number; 0 or -1 means unlimited.' % (value,))
    return value if value > 0 else 0


def _parse_cpuset(value):
    return v.parse_cpuset('cpuset_cpus', value)


def _read_cpuset(container, image):
    # The engine stores the string as sent; "0,1,2" and "0-2" are the same CPUs.
    text = (container.get('HostConfig') or {}).get('CpusetCpus') or ''
    try:
        return v.parse_cpuset('cpuset_cpus', text) if text else ''
    except ContainerSpecError:
        return text


def _parse_int(option, low=0):
    def parse(value):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ContainerSpecError('Invalid %s %r: a whole number of at least %d.' % (option, value, low))
        return value
    return parse


def _write_log(key):
    def write(body, value):
        body['host'].setdefault('LogConfig', dict(Type='', Config={}))[key] = value
    return write


def _read_log(key, default):
    def read(container, image):
        log = (container.get('HostConfig') or {}).get('LogConfig') or {}
        return log.get(key) or default
    return read


def _read_stop_signal(container, image):
    signal = (container.get('Config') or {}).get('StopSignal') or _image_config(image).get('StopSignal') or 'SIGTERM'
    try:
        return v.parse_signal(signal)
    except ContainerSpecError:
        return signal


def _resolve_exposed(desired, actual, ctx):
    # The image's EXPOSE and the published ports are exposed as well; they are not drift.
    extra = set(_image_config(ctx.get('image')).get('ExposedPorts') or {})
    extra |= set(((ctx.get('spec') or {}).get('ports') or {}).keys())
    return sorted(set(desired) | (set(actual) & extra), key=lambda k: (int(k.split('/')[0]), k))


def _read_exposed(container, image):
    keys = ((container.get('Config') or {}).get('ExposedPorts') or {}).keys()
    return sorted(keys, key=lambda k: (int(k.split('/')[0]) if k.split('/')[0].isdigit() else 0, k))


def _write_exposed(body, value):
    body['config'].setdefault('ExposedPorts', {}).update((key, {}) for key in value)


def _size(option, unlimited=False):
    return lambda value: grammar.parse_size(option, value, unlimited)


def _update(key):
    return lambda value: {key: value}


def _env_defaults(image):
    return grammar.env_list_to_dict(_image_config(image).get('Env'))


def _labels_defaults(image):
    return _image_config(image).get('Labels') or {}


# ----------------------------------------------------------------------------------- the table

_SUB_NETWORK = dict(name=dict(type='str', required=True), aliases=dict(type='list', elements='str'),
                    ipv4_address=dict(type='str'), ipv6_address=dict(type='str'),
                    links=dict(type='list', elements='str'))
_SUB_HEALTHCHECK = dict(test=dict(type='raw'), interval=dict(type='raw'), timeout=dict(type='raw'),
                        retries=dict(type='int'), start_period=dict(type='raw'), start_interval=dict(type='raw'),
                        disable=dict(type='bool'))
_SUB_MOUNT = dict(type=dict(type='str', default='volume', choices=list(grammar.MOUNT_TYPES)), source=dict(type='str'),
                  target=dict(type='str', required=True), read_only=dict(type='bool', default=False))

OPTIONS = (
    Option('command', dict(type='raw'), _parse_command('command'), _get('Config', 'Cmd', []), _write_command,
           kind='list', resolve=_resolve_command),
    Option('entrypoint', dict(type='raw'), _parse_command('entrypoint'), _get('Config', 'Entrypoint', []),
           _put('config', 'Entrypoint', lambda value: value or ['']), kind='list', resolve=_resolve_entrypoint),
    Option('ports', dict(type='list', elements='str'), _param('ports', v.port_bindings),
           lambda c, i: v.normalize_port_bindings((c.get('HostConfig') or {}).get('PortBindings')), _write_ports,
           display=v.port_strings),
    _flag('publish_all', 'HostConfig', 'PublishAllPorts'),
    Option('exposed_ports', dict(type='list', elements='str', aliases=['exposed', 'expose']),
           _param('exposed_ports', v.parse_exposed_ports),
           _read_exposed, _write_exposed, kind='set', resolve=_resolve_exposed),
    Option('volumes', dict(type='list', elements='str'), _param('volumes', v.volume_binds), _read_volumes,
           _write_volumes, resolve=_resolve_volumes, display=_show_volumes),
    Option('mounts', dict(type='list', elements='dict', options=_SUB_MOUNT), _param('mounts', v.container_mounts),
           lambda c, i: v.normalize_mounts((c.get('HostConfig') or {}).get('Mounts')),
           _put('host', 'Mounts', v.to_api_mounts), display=_show_mounts),
    Option('tmpfs', dict(type='list', elements='str'), _param('tmpfs', v.parse_tmpfs),
           lambda c, i: v.normalize_tmpfs((c.get('HostConfig') or {}).get('Tmpfs')), _put('host', 'Tmpfs'),
           kind='dict'),
    Option('volumes_from', dict(type='list', elements='str'), _param('volumes_from', v.volumes_from_entries),
           lambda c, i: v.normalize_volumes_from((c.get('HostConfig') or {}).get('VolumesFrom')),
           _put('host', 'VolumesFrom'),
           kind='set'),
    Option('env', dict(type='dict'), _parse_env, lambda c, i: grammar.env_list_to_dict((c.get('Config') or {}).get('Env')),
           _write_env, kind='dict', owns=(('env_file', dict(type='path')),), defaults=_env_defaults),
    Option('labels', dict(type='dict'), _param('labels', v.parse_labels), _read_labels, _write_labels, kind='dict',
           defaults=_labels_defaults),
    Option('restart_policy', dict(type='str', choices=list(v.RESTART_POLICIES)), _parse_restart,
           lambda c, i: v.normalize_restart_policy((c.get('HostConfig') or {}).get('RestartPolicy')),
           _put('host', 'RestartPolicy', v.restart_policy_body), how=UPDATE,
           owns=(('restart_retries', dict(type='int')),), resolve=_resolve_restart, display=_show_restart,
           update=_update('RestartPolicy')),
    _text('hostname', 'Config', 'Hostname', parser=lambda value: v.parse_hostname('hostname', value)),
    _text('domainname', 'Config', 'Domainname', parser=lambda value: v.parse_hostname('domainname', value)),
    _text('user', 'Config', 'User', parser=v.parse_user),
    Option('working_dir', dict(type='str'), _param('working_dir', _parse_working_dir), _read_working_dir,
           _put('config', 'WorkingDir')),
    _flag('tty', 'Config', 'Tty'),
    Option('interactive', dict(type='bool'), _param('interactive'), lambda c, i: bool((c.get('Config') or {})
                                                                                      .get('OpenStdin')),
           _write_interactive),
    _flag('auto_remove', 'HostConfig', 'AutoRemove'),
    Option('network_mode', dict(type='str'), _parse_network_mode, lambda c, i: _network_mode(
        (c.get('HostConfig') or {}).get('NetworkMode')), lambda body, value: None, resolve=_resolve_network_mode),
    Option('networks', dict(type='list', elements='raw'), _param('networks', v.parse_network_entries),
           _read_networks, lambda body, value: None, how=RECONNECT, resolve=_resolve_networks,
           display=_show_networks),
    Option('healthcheck', dict(type='dict', options=_SUB_HEALTHCHECK), _param('healthcheck', v.parse_healthcheck),
           _read_healthcheck, _put('config', 'Healthcheck'), min_api=_healthcheck_api, resolve=_resolve_healthcheck,
           display=_show_healthcheck),
    # Resources: the engine changes these on a live container (docker update), keeping its ID.
    Option('memory', dict(type='raw'), _param('memory', _size('memory')), _get('HostConfig', 'Memory', 0),
           _put('host', 'Memory'), how=UPDATE, update=_update('Memory')),
    Option('memory_reservation', dict(type='raw'), _param('memory_reservation', _size('memory_reservation')),
           _get('HostConfig', 'MemoryReservation', 0), _put('host', 'MemoryReservation'), how=UPDATE,
           update=_update('MemoryReservation')),
    Option('memory_swap', dict(type='raw'), _param('memory_swap', _size('memory_swap', unlimited=True)),
           _get('HostConfig', 'MemorySwap', 0), _put('host', 'MemorySwap'), how=UPDATE, update=_update('MemorySwap')),
    Option('cpus', dict(type='raw'), _param('cpus', v.parse_cpus), _get('HostConfig', 'NanoCpus', 0),
           _put('host', 'NanoCpus'), how=UPDATE, update=_update('NanoCpus'),
           display=lambda value: value / 10 ** 9),
    Option('cpu_shares', dict(type='int'), _param('cpu_shares', _parse_int('cpu_shares', 2)),
           _get('HostConfig', 'CpuShares', 0), _put('host', 'CpuShares'), how=UPDATE, update=_update('CpuShares')),
    Option('cpuset_cpus', dict(type='str'), _param('cpuset_cpus', _parse_cpuset), _read_cpuset,
           _put('host', 'CpusetCpus'), how=UPDATE, update=_update('CpusetCpus')),
    Option('pids_limit', dict(type='int'), _param('pids_limit', _parse_pids), _read_pids,
           _put('host', 'PidsLimit', lambda value: value or -1), how=UPDATE,
           update=lambda value: dict(PidsLimit=value or -1)),
    Option('log_driver', dict(type='str'), _param('log_driver', lambda value: v.parse_strings('log_driver', [value])[0]),
           _read_log('Type', ''), _write_log('Type')),
    Option('log_options', dict(type='dict', aliases=['log_opt']), _param('log_options', v.parse_log_options),
           _read_log('Config', {}),
           _write_log('Config'), kind='dict'),
    Option('etc_hosts', dict(type='dict'), _param('etc_hosts', v.parse_etc_hosts),
           lambda c, i: v.normalize_extra_hosts((c.get('HostConfig') or {}).get('ExtraHosts')),
           _put('host', 'ExtraHosts'), kind='set'),
    Option('dns_servers', dict(type='list', elements='str'), _param('dns_servers', v.parse_dns_servers),
           _get('HostConfig', 'Dns', []), _put('host', 'Dns'), kind='list'),
    Option('dns_search_domains', dict(type='list', elements='str'),
           _param('dns_search_domains', lambda value: v.parse_strings('dns_search_domains', value)),
           _get('HostConfig', 'DnsSearch', []), _put('host', 'DnsSearch'), kind='list'),
    Option('dns_opts', dict(type='list', elements='str'),
           _param('dns_opts', lambda value: sorted(set(v.parse_strings('dns_opts', value)))),
           lambda c, i: sorted(set((c.get('HostConfig') or {}).get('DnsOptions') or [])), _put('host', 'DnsOptions'),
           kind='set'),
    Option('cap_add', dict(type='list', elements='str'), _param('cap_add', lambda x: v.parse_capabilities('cap_add', x)),
           _read_caps('CapAdd'), _put('host', 'CapAdd'), kind='set'),
    Option('cap_drop', dict(type='list', elements='str'),
           _param('cap_drop', lambda x: v.parse_capabilities('cap_drop', x)), _read_caps('CapDrop'),
           _put('host', 'CapDrop'), kind='set'),
    _flag('privileged', 'HostConfig', 'Privileged'),
    Option('devices', dict(type='list', elements='str'), _param('devices', v.parse_devices),
           lambda c, i: sorted((c.get('HostConfig') or {}).get('Devices') or [],
                               key=lambda d: (d.get('PathInContainer'), d.get('PathOnHost'))),
           _put('host', 'Devices'), kind='set'),
    Option('device_requests', dict(type='list', elements='dict'), _param('device_requests', v.parse_device_requests),
           lambda c, i: v.normalize_device_requests((c.get('HostConfig') or {}).get('DeviceRequests')),
           _put('host', 'DeviceRequests'), kind='set'),
    Option('security_opts', dict(type='list', elements='str'),
           _param('security_opts', lambda value: v.canonical_security_opts(v.parse_strings('security_opts', value))),
           lambda c, i: v.canonical_security_opts((c.get('HostConfig') or {}).get('SecurityOpt')),
           _put('host', 'SecurityOpt'),
           kind='set'),
    Option('group_add', dict(type='list', elements='str'),
           _param('group_add', lambda value: sorted(set(v.parse_strings('group_add', value)))),
           lambda c, i: sorted(set((c.get('HostConfig') or {}).get('GroupAdd') or [])), _put('host', 'GroupAdd'),
           kind='set'),
    _flag('read_only', 'HostConfig', 'ReadonlyRootfs'),
    _flag('init', 'HostConfig', 'Init'),
    Option('ulimits', dict(type='list', elements='raw'), _param('ulimits', grammar.parse_ulimits), _read_ulimits,
           _put('host', 'Ulimits'), kind='set'),
    Option('sysctls', dict(type='dict'), _param('sysctls', v.parse_sysctls), _get('HostConfig', 'Sysctls', {}),
           _put('host', 'Sysctls'), kind='dict'),
    Option('shm_size', dict(type='raw'), _param('shm_size', _size('shm_size')), _get('HostConfig', 'ShmSize', 0),
           _put('host', 'ShmSize')),
    Option('stop_signal', dict(type='str'), _param('stop_signal', v.parse_signal), _read_stop_signal,
           _put('config', 'StopSignal')),
    _text('pid_mode', 'HostConfig', 'PidMode', parser=lambda value: v.parse_mode('pid_mode', value, ('host',))),
    _text('ipc_mode', 'HostConfig', 'IpcMode',
          parser=lambda value: v.parse_mode('ipc_mode', value, ('none', 'private', 'shareable', 'host'))),
)
BY_NAME = dict((option.name, option) for option in OPTIONS)

# Options that describe the task rather than the container.
TASK_OPTIONS = dict(
    name=dict(type='str', required=True),
    image=dict(type='str'),
    state=dict(type='str', default='started', choices=list(v.STATES)),
    restart=dict(type='bool', default=False),
    recreate=dict(type='bool', default=False),
    # true/false: community.docker's older spelling of always/missing (images/pull.py pull_policy).
    pull=dict(type='raw', default='missing', choices=list(PULL_POLICIES) + [True, False]),
    stop_timeout=dict(type='int'),
    detach=dict(type='bool', default=True),
    comparisons=dict(type='dict'),
    wait_healthy=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=120),
)


def _argument_spec() -> dict:
    spec = dict(TASK_OPTIONS)
    for option in OPTIONS:
        spec[option.name] = option.argspec
        spec.update(option.owns)
    return spec


# The one argument spec for a container; the container module and the batch module use it.
CONTAINER_OPTIONS = _argument_spec()


# -------------------------------------------------------------------------------- build_spec

def parse_comparisons(value) -> dict:
    """``{option: strict|allow_more_present|ignore}``, ``*`` for every option."""
    out = {}
    for key, mode in (value or {}).items():
        if key != '*' and key not in BY_NAME and key != 'image':
            raise ContainerSpecError('Invalid comparisons key %r: not a container option.' % str(key)[:100])
        if mode not in COMPARISON_MODES:
            raise ContainerSpecError('Invalid comparisons mode %r for %s: use strict, allow_more_present or ignore.'
                                     % (str(mode)[:100], key))
        out[key] = mode
    return out


def build_spec(params: dict, parsed: dict | None = None) -> dict:
    """Validate one container's params; return the desired spec in canonical values.

    The spec holds only the options the task set, so comparison never invents drift from options
    nobody asked for. Raises ContainerSpecError (one sentence) for the first bad value.
    ``parsed`` holds canonical values a caller built from structured input (compose's long
    syntax), used as they are instead of parsing the option from ``params``.
    """
    parsed = parsed or {}
    params = dict((k, params.get(k, s.get('default'))) for k, s in CONTAINER_OPTIONS.items())
    spec = dict(name=check_restricted_name('container', params['name']))
    if params['image'] is not None:
        spec['image_ref'] = parse_reference(params['image'], default_tag='latest')
        spec['image'] = params['image']
    for option in OPTIONS:
        value = parsed[option.name] if option.name in parsed else option.parse(params)
        if value is not None:
            spec[option.name] = value
    targets = [b['target'] for b in spec.get('volumes', {}).get('binds', [])]
    targets += spec.get('volumes', {}).get('anonymous', []) + [m['target'] for m in spec.get('mounts', [])]
    targets += list(spec.get('tmpfs', {}))
    duplicate = sorted(set(t for t in targets if targets.count(t) > 1))
    if duplicate:
        raise v.VolumeSpecError('The container path %s is given twice (volumes, mounts or tmpfs).' % duplicate[0])
    if params['stop_timeout'] is not None and params['stop_timeout'] < 0:
        raise ContainerSpecError('stop_timeout must be 0 or more seconds.')
    if params['wait_timeout'] is not None and params['wait_timeout'] < 0:
        raise ContainerSpecError('wait_timeout must be 0 or more seconds.')
    if params['auto_remove'] and params['detach'] is False:
        raise ContainerSpecError('detach: false cannot collect the output of an auto_remove container; '
                                 'drop one of the two.')
    comparisons = parse_comparisons(params['comparisons'])
    if comparisons:
        spec['comparisons'] = comparisons
    return spec


def check_api(spec: dict, api: tuple) -> None:
    """Fail, naming the option, when the engine's API is older than an option needs."""
    for option in OPTIONS:
        if option.name not in spec or option.min_api is None:
            continue
        needed = option.min_api(spec[option.name]) if callable(option.min_api) else option.min_api
        if needed and tuple(api) < tuple(needed):
            raise ContainerSpecError('%s needs Docker API %d.%d or newer; this engine speaks %d.%d.'
                                     % (option.name, needed[0], needed[1], api[0], api[1]))


# ------------------------------------------------------------------------------------ compare

def _key(item) -> str:
    return json.dumps(item, sort_keys=True)


def _equal(option: Option, desired, actual, mode: str, defaults: dict) -> bool:
    if option.kind == 'dict':
        if any(actual.get(k) != val for k, val in desired.items()):
            return False
        if mode == 'allow_more_present':
            return True
        return all(k in desired or defaults.get(k) == val for k, val in actual.items())
    if option.kind == 'set':
        want, have = set(map(_key, desired)), set(map(_key, actual))
        return want <= have if mode == 'allow_more_present' else want == have
    if option.kind == 'list' and mode == 'allow_more_present':
        return all(item in actual for item in desired)
    return desired == actual


def _before(option: Option, actual, desired, defaults: dict):
    if option.kind == 'dict':
        return dict((k, val) for k, val in actual.items() if k in desired or defaults.get(k) != val)
    return actual


def compare(spec: dict, container: dict, image: dict | None = None, desired_image_id: str | None = None,
            network_mode: str | None = None) -> list:
    """The differences between ``spec`` and ``container`` (an inspect dict), one entry per option.

    ``image`` is the inspect of the image the container runs (its defaults are not drift).
    ``desired_image_id`` is what the spec's image resolves to now (None: not known yet, e.g. an
    image check mode would pull: that counts as drift). ``network_mode`` is the resolved mode
    (``container:<id>``). Each entry carries ``engine``, the desired value in the engine's form.
    """
    comparisons = spec.get('comparisons') or {}
    ctx = dict(image=image, network_mode=network_mode, spec=spec)
    diffs = []
    if 'image' in spec and comparisons.get('image', comparisons.get('*')) != 'ignore':
        current = container.get('Image')
        if desired_image_id is None or desired_image_id != current:
            diffs.append(dict(option='image', before=dict(name=(container.get('Config') or {}).get('Image'),
                                                          id=current),
                              after=dict(name=spec['image'], id=desired_image_id or '(to be pulled)'),
                              how=RECREATE, engine=desired_image_id))
    for option in OPTIONS:
        if option.name not in spec:
            continue
        mode = comparisons.get(option.name, comparisons.get('*', 'strict'))
        if mode == 'ignore':
            continue
        actual = option.read(container, image)
        desired = spec[option.name]
        if option.resolve:
            desired = option.resolve(desired, actual, dict(ctx, mode=mode))
        defaults = option.defaults(image) if option.defaults else {}
        if _equal(option, desired, actual, mode, defaults):
            continue
        show = option.display or (lambda value: value)
        diffs.append(dict(option=option.name, before=show(_before(option, actual, desired, defaults)),
                          after=show(desired), how=option.how, engine=desired))
    return diffs


def needs_recreate(diffs) -> bool:
    return any(d['how'] == RECREATE for d in diffs)


def diff_output(diffs, before_extra=None, after_extra=None) -> dict:
    """Ansible's diff dict: before and after per drifting option."""
    before, after = dict(before_extra or {}), dict(after_extra or {})
    for entry in diffs:
        before[entry['option']] = entry['before']
        after[entry['option']] = entry['after']
    return dict(before=before, after=after)
