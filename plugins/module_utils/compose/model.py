# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose model: which keys exist, short syntax to long, and the typed form that
``docker compose config --format json`` prints (ports as dicts, sizes in bytes as strings,
durations as Go prints them, ...).

The value grammars themselves (ports, volumes, durations, sizes, command lines, ulimits) are
engine/values; the functions here are Compose's adapters: its key names, its printed form.
Parsers raise ``ModelError`` with a short reason; the loader adds file, service and key.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import compose_accepts
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import (
    SELINUX_MODES, ValueSpecError, format_duration, parse_command, parse_duration, parse_port, parse_size, parse_ulimits,
    parse_volume)

TOP_LEVEL_KEYS = frozenset(('version', 'name', 'include', 'services', 'networks', 'volumes', 'secrets',
                            'configs', 'models'))
SERVICE_KEYS = frozenset((
    'annotations', 'attach', 'blkio_config', 'build', 'cap_add', 'cap_drop', 'cgroup', 'cgroup_parent',
    'command', 'configs', 'container_name', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota',
    'cpu_rt_period', 'cpu_rt_runtime', 'cpu_shares', 'cpus', 'cpuset', 'credential_spec', 'depends_on',
    'deploy', 'develop', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt', 'dns_search', 'domainname',
    'entrypoint', 'env_file', 'environment', 'expose', 'extends', 'external_links', 'extra_hosts', 'gpus',
    'group_add', 'healthcheck', 'hostname', 'image', 'init', 'ipc', 'isolation', 'label_file', 'labels',
    'links', 'logging', 'mac_address', 'mem_limit', 'mem_reservation', 'mem_swappiness', 'memswap_limit',
    'models', 'network_mode', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit',
    'platform', 'ports', 'post_start', 'pre_start', 'pre_stop', 'privileged', 'profiles', 'provider',
    'pull_policy', 'pull_refresh_after', 'read_only', 'restart', 'runtime', 'scale', 'secrets',
    'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'sysctls',
    'tmpfs', 'tty', 'ulimits', 'use_api_socket', 'user', 'userns_mode', 'uts', 'volumes', 'volumes_from',
    'working_dir'))
RESOURCE_KEYS = {
    'networks': frozenset(('attachable', 'driver', 'driver_opts', 'enable_ipv4', 'enable_ipv6', 'external',
                           'internal', 'ipam', 'labels', 'name')),
    'volumes': frozenset(('driver', 'driver_opts', 'external', 'labels', 'name')),
    'secrets': frozenset(('driver', 'driver_opts', 'environment', 'external', 'file', 'labels', 'name',
                          'template_driver')),
    'configs': frozenset(('content', 'environment', 'external', 'file', 'labels', 'name', 'template_driver')),
}
BUILD_KEYS = frozenset(('context', 'dockerfile', 'dockerfile_inline', 'entitlements', 'args', 'ssh', 'labels',
                        'cache_from', 'cache_to', 'no_cache', 'no_cache_filter', 'additional_contexts',
                        'network', 'provenance', 'sbom', 'pull', 'target', 'shm_size', 'extra_hosts',
                        'isolation', 'privileged', 'secrets', 'tags', 'ulimits', 'platforms'))
HEALTHCHECK_KEYS = frozenset(('disable', 'interval', 'retries', 'start_interval', 'start_period', 'test',
                              'timeout'))
DEPLOY_KEYS = frozenset(('endpoint_mode', 'labels', 'mode', 'placement', 'replicas', 'resources',
                         'restart_policy', 'rollback_config', 'update_config'))
DEPENDS_ON_KEYS = frozenset(('condition', 'required', 'restart'))
DEPENDS_CONDITIONS = ('service_started', 'service_healthy', 'service_completed_successfully')
SERVICE_NETWORK_KEYS = frozenset(('aliases', 'interface_name', 'ipv4_address', 'ipv6_address',
                                  'link_local_ips', 'mac_address', 'driver_opts', 'priority', 'gw_priority'))
VOLUME_MOUNT_KEYS = frozenset(('type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume',
                               'tmpfs', 'image'))
PORT_KEYS = frozenset(('name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'))
LOGGING_KEYS = frozenset(('driver', 'options'))


class ModelError(ValueError):
    """Bad value; ``key`` is the dotted key inside the service or resource."""

    def __init__(self, key: str, reason: str):
        super().__init__(reason)
        self.key = key
        self.reason = reason


# ---- scalars --------------------------------------------------------------------------------

def go_str(value: Any) -> str:
    """A YAML scalar as Compose turns it into a string (true, 1.5, 10)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false', '1', '0', 't', 'f'):
        return value.lower() in ('true', '1', 't')
    raise ModelError(key, 'must be a boolean, got %r' % (value,))


def to_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ModelError(key, 'must be an integer, got %r' % (value,))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r'[-+]?[0-9]+', value.strip()):
        return int(value)
    raise ModelError(key, 'must be an integer, got %r' % (value,))


def to_float(key: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ModelError(key, 'must be a number, got %r' % (value,))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ModelError(key, 'must be a number, got %r' % (value,)) from None


def to_str(key: str, value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        raise ModelError(key, 'must be a string, got %s' % kind_of(value))
    return go_str(value)


def to_bytes(key: str, value: Any) -> str:
    """Bytes as a string; Compose keeps an integer as written (memswap_limit: -1), a string is docker's size."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    try:
        return str(parse_size(key, value))
    except ValueSpecError as exc:
        raise ModelError(key, exc.msg) from None


def to_duration(key: str, value: Any) -> str:
    """A Go duration (Compose takes negative ones too) printed as Go prints it."""
    try:
        return format_duration(parse_duration(key, value, negative=True))
    except ValueSpecError as exc:
        raise ModelError(key, exc.msg) from None


def kind_of(value: Any) -> str:
    return {dict: 'a mapping', list: 'a list', type(None): 'null'}.get(type(value), type(value).__name__)


def to_str_list(key: str, value: Any, allow_string: bool = True) -> List[str]:
    if isinstance(value, str) and allow_string:
        return [value]
    if not isinstance(value, list):
        raise ModelError(key, 'must be a list, got %s' % kind_of(value))
    return [to_str('%s[%d]' % (key, i), v) for i, v in enumerate(value)]


def to_mapping(key: str, value: Any, allow_null: bool = False) -> Dict[str, Optional[str]]:
    """list_or_dict: ['K=V', 'K'] or {K: V}; values as strings (None kept when allowed)."""
    out: Dict[str, Optional[str]] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if v is None:
                out[str(k)] = None if allow_null else ''
            elif isinstance(v, (dict, list)):
                raise ModelError('%s.%s' % (key, k), 'must be a string, number, boolean or null')
            else:
                out[str(k)] = go_str(v)
        return out
    if isinstance(value, list):
        for i, item in enumerate(value):
            text = to_str('%s[%d]' % (key, i), item)
            name, sep, val = text.partition('=')
            out[name] = val if sep else (None if allow_null else '')
        return out
    raise ModelError(key, 'must be a list or a mapping, got %s' % kind_of(value))


def command_argv(key: str, value: Any) -> Optional[List[str]]:
    """command/entrypoint: the schema takes a string (split like a shell would), a list or null."""
    if value is not None and not isinstance(value, (str, list)):
        raise ModelError(key, 'must be a string or a list, got %s' % kind_of(value))
    try:
        return parse_command(value, key, scalar=go_str)
    except ValueSpecError as exc:
        raise ModelError(key, exc.msg) from None


# ---- ports ----------------------------------------------------------------------------------

def short_port(key: str, spec: Any) -> List[Dict[str, Any]]:
    """Short port syntax (engine/values.parse_port) to the long entries Compose prints."""
    try:
        mappings = parse_port(go_str(spec))
    except ValueSpecError as exc:
        raise ModelError(key, exc.msg) from None
    result = []
    for mapping in mappings:
        entry: Dict[str, Any] = {'mode': 'ingress', 'target': mapping.target, 'protocol': mapping.protocol}
        if mapping.host_ip:
            entry['host_ip'] = mapping.host_ip
        if mapping.published:
            entry['published'] = mapping.published
        result.append(entry)
    return result


def long_port(key: str, value: Dict[str, Any]) -> Dict[str, Any]:
    check_keys(key, value, PORT_KEYS)
    out: Dict[str, Any] = {'mode': to_str(key + '.mode', value.get('mode', 'ingress')),
                           'protocol': to_str(key + '.protocol', value.get('protocol', 'tcp'))}
    if 'target' not in value:
        raise ModelError(key, 'is missing a target port')
    out['target'] = to_int(key + '.target', value['target'])
    if value.get('published') not in (None, ''):
        out['published'] = go_str(value['published'])
    for name in ('host_ip', 'name', 'app_protocol'):
        if value.get(name) not in (None, ''):
            out[name] = to_str('%s.%s' % (key, name), value[name])
    return out


# ---- volumes --------------------------------------------------------------------------------

def short_volume(spec: str, key: str = 'volumes') -> Dict[str, Any]:
    """Short volume syntax (engine/values.parse_volume, Compose's reading) to the long form Compose prints."""
    try:
        parsed = parse_volume(spec, key, compose=True)
    except ValueSpecError as exc:
        raise ModelError(key, exc.msg) from None
    vol: Dict[str, Any] = {'target': parsed['target']}
    if parsed['type'] == 'bind':
        vol.update(type='bind', source=parsed['source'], bind={'create_host_path': True})
    else:
        vol['type'] = 'volume'
        if parsed['source']:
            vol['source'] = parsed['source']
        vol['volume'] = {}
    if parsed['read_only']:
        vol['read_only'] = True
    # Compose takes z/Z on a named volume too (config prints bind.selinux beside type volume, up sends
    # Binds NAME:DST:rw,Z); propagation on a volume and nocopy on a bind pass config, the engine refuses them.
    if parsed['propagation'] and parsed['type'] != 'bind':
        raise ModelError(key, compose_accepts('the engine refuses a propagation mode (%s) on a named volume, '
                                              'in %r' % (parsed['propagation'], spec)))
    if parsed['nocopy'] and parsed['type'] != 'volume':
        raise ModelError(key, compose_accepts('the engine refuses nocopy on a bind mount, in %r' % spec))
    for name in ('selinux', 'propagation'):
        if parsed[name]:
            vol.setdefault('bind', {})[name] = parsed[name]
    if parsed['nocopy']:
        vol['volume']['nocopy'] = True
    # Compose ignores other words, consistent/cached/delegated included (config prints none of them); an
    # unknown one is refused rather than ignored.
    unknown = [w for w in parsed.get('unknown') or [] if w not in ('consistent', 'cached', 'delegated')]
    if unknown:
        raise ModelError(key, compose_accepts('Compose would ignore the unknown mode %r in %r (a typo of ro '
                                              'would mount read-write); remove it' % (unknown[0], spec)))
    return vol


def check_keys(key: str, value: Any, allowed) -> None:
    if not isinstance(value, dict):
        raise ModelError(key, 'must be a mapping, got %s' % kind_of(value))
    for name in value:
        if name not in allowed and not str(name).startswith('x-'):
            raise ModelError('%s.%s' % (key, name), 'is not allowed by the Compose specification')


def long_volume(key: str, value: Dict[str, Any]) -> Dict[str, Any]:
    check_keys(key, value, VOLUME_MOUNT_KEYS)
    vtype = value.get('type')
    if vtype not in ('bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'):
        raise ModelError(key + '.type', 'must be bind, volume, tmpfs, npipe, cluster or image, got %r' % (vtype,))
    if 'target' not in value:
        raise ModelError(key, 'is missing a mount target')
    out: Dict[str, Any] = {'type': vtype, 'target': to_str(key + '.target', value['target'])}
    if value.get('source') not in (None, ''):
        out['source'] = to_str(key + '.source', value['source'])
    if value.get('read_only') is not None and to_bool(key + '.read_only', value['read_only']):
        out['read_only'] = True
    if value.get('consistency'):
        out['consistency'] = to_str(key + '.consistency', value['consistency'])
    if 'bind' in value:
        bind = value['bind'] or {}
        check_keys(key + '.bind', bind, ('propagation', 'create_host_path', 'selinux', 'recursive'))
        out_bind: Dict[str, Any] = {}
        if bind.get('propagation'):
            out_bind['propagation'] = to_str(key + '.bind.propagation', bind['propagation'])
        # Long syntax has no create_host_path default (config prints none; up then uses the Mount API).
        if to_bool(key + '.bind.create_host_path', bind.get('create_host_path', False)):
            out_bind['create_host_path'] = True
        if bind.get('selinux'):
            out_bind['selinux'] = to_str(key + '.bind.selinux', bind['selinux'])
            if out_bind['selinux'] not in SELINUX_MODES:
                raise ModelError(key + '.bind.selinux', 'must be z or Z, got %r' % out_bind['selinux'])
        if bind.get('recursive'):
            out_bind['recursive'] = to_str(key + '.bind.recursive', bind['recursive'])
        out['bind'] = out_bind
    if 'volume' in value:
        vol = value['volume'] or {}
        check_keys(key + '.volume', vol, ('nocopy', 'subpath', 'labels'))
        out_vol: Dict[str, Any] = {}
        if vol.get('nocopy') is not None and to_bool(key + '.volume.nocopy', vol['nocopy']):
            out_vol['nocopy'] = True
        if vol.get('subpath'):
            out_vol['subpath'] = to_str(key + '.volume.subpath', vol['subpath'])
        if vol.get('labels') is not None:
            out_vol['labels'] = to_mapping(key + '.volume.labels', vol['labels'])
        out['volume'] = out_vol
    if 'tmpfs' in value:
        tmpfs = value['tmpfs'] or {}
        check_keys(key + '.tmpfs', tmpfs, ('size', 'mode'))
        out_tmpfs: Dict[str, Any] = {}
        if tmpfs.get('size') is not None:
            out_tmpfs['size'] = to_bytes(key + '.tmpfs.size', tmpfs['size'])
        if tmpfs.get('mode') is not None:
            out_tmpfs['mode'] = to_int(key + '.tmpfs.mode', tmpfs['mode'])
        out['tmpfs'] = out_tmpfs
    if 'image' in value:
        out['image'] = value['image']
    return out


# ---- ulimits -------------------------------------------------------------------------------

def ulimits_mapping(value: Any) -> Dict[str, Any]:
    """``ulimits`` in Compose's printed form (``{nproc: 65535, nofile: {soft, hard}}``), checked by the
    shared ulimit grammar (engine/values.parse_ulimits)."""
    if not isinstance(value, dict):
        raise ModelError('ulimits', 'must be a mapping')
    out: Dict[str, Any] = {}
    for name, limit in value.items():
        key = 'ulimits.%s' % name
        if isinstance(limit, dict):
            check_keys(key, limit, ('soft', 'hard'))
            for part in ('soft', 'hard'):  # the schema wants both
                if limit.get(part) is None:
                    raise ModelError('%s.%s' % (key, part), 'must be an integer, got None')
        try:
            ulimit = parse_ulimits({str(name): limit})[0]
        except ValueSpecError as exc:
            raise ModelError(key, exc.msg) from None
        out[str(name)] = {'soft': ulimit['Soft'], 'hard': ulimit['Hard']} if isinstance(limit, dict) else ulimit['Soft']
    return out


# ---- paths ----------------------------------------------------------------------------------

def expand_user(path: str, home: str) -> str:
    if path == '~':
        return home
    if path.startswith('~/'):
        return home + path[1:]
    return path


def abs_path(path: str, base: str, home: str) -> str:
    path = expand_user(path, home)
    if os.path.isabs(path) or not path:
        return path
    return posixpath.normpath(posixpath.join(base, path))


def is_remote_context(context: str) -> bool:
    return bool(re.match(r'^(https?://|git@|git://|github\.com/|ssh://)', context)) or context.endswith('.git')
