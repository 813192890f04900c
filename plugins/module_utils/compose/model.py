# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose model: which keys exist, short syntax to long, and the typed form that
``docker compose config --format json`` prints (ports as dicts, sizes in bytes as strings,
durations as Go prints them, ...).

Parsers raise ``ValueError`` with a short reason; the loader adds file, service and key.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.compose.units import (
    format_duration, parse_bytes, parse_duration)

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
    try:
        return str(parse_bytes(value))
    except ValueError as exc:
        raise ModelError(key, str(exc)) from None


def to_duration(key: str, value: Any) -> str:
    try:
        return format_duration(parse_duration(value))
    except ValueError as exc:
        raise ModelError(key, str(exc)) from None


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


def shell_split(key: str, value: Any) -> Optional[List[str]]:
    """command/entrypoint: a string is split like a shell would; a list is kept."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ModelError(key, str(exc)) from None
    return to_str_list(key, value, allow_string=False)


# ---- ports ----------------------------------------------------------------------------------

def _port_range(key: str, text: str) -> List[int]:
    match = re.fullmatch(r'([0-9]+)(?:-([0-9]+))?', text)
    if not match:
        raise ModelError(key, 'invalid port %r' % text)
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else start
    if end < start or end > 65535:
        raise ModelError(key, 'invalid port range %r' % text)
    return list(range(start, end + 1))


def parse_port(key: str, spec: Any) -> List[Dict[str, Any]]:
    """Short port syntax ``[ip:][host[-range]:]container[-range][/proto]`` to long entries."""
    text = go_str(spec)
    proto = 'tcp'
    if '/' in text:
        text, proto = text.rsplit('/', 1)
    host_ip, published = '', ''
    if text.startswith('['):  # [IPv6]:host:container
        end = text.find(']')
        host_ip, text = text[1:end], text[end + 2:]
        published, _sep, container = text.rpartition(':')
    else:
        parts = text.split(':')
        if len(parts) == 1:
            container = parts[0]
        elif len(parts) == 2:
            published, container = parts
        else:
            container = parts[-1]
            published = parts[-2]
            host_ip = ':'.join(parts[:-2])
    targets = _port_range(key, container)
    entries = []
    if published:
        hosts = _port_range(key, published)
        if len(targets) == 1 and len(hosts) > 1:
            # One container port, a range on the host: Compose keeps the range as published.
            entries.append((targets[0], published))
        elif len(hosts) != len(targets):
            raise ModelError(key, 'port ranges do not match: %s' % go_str(spec))
        else:
            entries.extend((t, str(h)) for t, h in zip(targets, hosts))
    else:
        entries.extend((t, None) for t in targets)
    result = []
    for target, pub in entries:
        entry: Dict[str, Any] = {'mode': 'ingress', 'target': target, 'protocol': proto}
        if host_ip:
            entry['host_ip'] = host_ip
        if pub is not None:
            entry['published'] = pub
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

_BIND_PROPAGATION = ('shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate')


def _is_path(source: str) -> bool:
    return source.startswith(('/', '.', '~')) or source in ('.', '..')


def parse_volume(spec: str, key: str = 'volumes') -> Dict[str, Any]:
    """Short volume syntax ``[source:]target[:mode]`` to the long form Compose prints."""
    parts = spec.split(':')
    if len(parts) > 3 or not spec:
        raise ModelError(key, 'invalid volume specification %r' % spec)
    mode = ''
    if len(parts) == 1:
        source, target = '', parts[0]
    elif len(parts) == 2:
        source, target = parts
        if not target.startswith('/'):  # "/target:ro"
            source, target, mode = '', parts[0], parts[1]
    else:
        source, target, mode = parts
    if not target:
        raise ModelError(key, 'invalid volume specification %r: empty target' % spec)
    vol: Dict[str, Any] = {'target': target}
    if not source:
        vol['type'] = 'volume'
        vol['volume'] = {}
    elif _is_path(source):
        vol['type'] = 'bind'
        vol['source'] = source
        vol['bind'] = {'create_host_path': True}
    else:
        vol['type'] = 'volume'
        vol['source'] = source
        vol['volume'] = {}
    for opt in (mode.split(',') if mode else []):
        if opt == 'ro':
            vol['read_only'] = True
        elif opt == 'rw':
            pass
        elif opt in ('z', 'Z') and vol['type'] == 'bind':
            vol['bind']['selinux'] = opt
        elif opt in _BIND_PROPAGATION and vol['type'] == 'bind':
            vol['bind']['propagation'] = opt
        elif opt == 'nocopy' and vol['type'] == 'volume':
            vol['volume']['nocopy'] = True
        elif opt in ('consistent', 'cached', 'delegated'):
            vol['consistency'] = opt
        else:
            raise ModelError(key, 'invalid volume mode %r in %r' % (opt, spec))
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
        if to_bool(key + '.bind.create_host_path', bind.get('create_host_path', True)):
            out_bind['create_host_path'] = True
        if bind.get('selinux'):
            out_bind['selinux'] = to_str(key + '.bind.selinux', bind['selinux'])
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
