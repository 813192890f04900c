# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How Compose merges files (``-f a -f b``) and ``extends``, on raw YAML trees.

Default rule: mappings merge key by key, sequences append, scalars are replaced. Per-key rules
follow Compose v2: ``command``, ``entrypoint`` and ``healthcheck.test`` are replaced; environment,
labels, sysctls, build args, dns* and tmpfs merge as KEY=VALUE lists (later wins per key);
depends_on and networks merge as mappings whatever syntax each side uses; logging options merge
only when the driver is the same. After merging, entries that name the same thing (same port
binding, same mount target, same env key...) keep one entry: the last definition, in the first
position.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

Path = Tuple[str, ...]


def _matches(path: Path, pattern: str) -> bool:
    parts = pattern.split('.')
    return len(parts) == len(path) and all(p == '*' or p == k for p, k in zip(parts, path))


def _to_sequence(value: Any) -> List[Any]:
    if isinstance(value, dict):
        seq = []
        for key, val in value.items():
            if val is None:
                seq.append(key)
            elif isinstance(val, list):
                seq.extend('%s=%s' % (key, _go_str(v)) for v in val)
            else:
                seq.append('%s=%s' % (key, _go_str(val)))
        return sorted(seq)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [value]
    return []


def _go_str(value: Any) -> str:
    """A scalar as Go's fmt prints it (true, not True)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e21 else repr(value)
    return str(value)


def _to_mapping(value: Any, default: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(k): (dict(default) if default is not None else None) for k in value}
    return {}


def _merge_to_sequence(base: Any, other: Any, _path: Path) -> Any:
    return _to_sequence(base) + _to_sequence(other)


def _merge_extra_hosts(base: Any, other: Any, _path: Path) -> Any:
    right = _to_sequence(base)
    return right + [v for v in _to_sequence(other) if v not in right]


def _override(_base: Any, other: Any, _path: Path) -> Any:
    return other


def _merge_build(base: Any, other: Any, path: Path) -> Any:
    def as_map(value):
        return {'context': value} if isinstance(value, str) else (value or {})
    return _merge_mappings(as_map(base), as_map(other), path)


_DEPENDS_DEFAULT = {'condition': 'service_started', 'required': True}


def _merge_depends_on(base: Any, other: Any, path: Path) -> Any:
    return _merge_mappings(_to_mapping(base, _DEPENDS_DEFAULT), _to_mapping(other, _DEPENDS_DEFAULT), path)


def _merge_networks(base: Any, other: Any, path: Path) -> Any:
    return _merge_mappings(_to_mapping(base, None), _to_mapping(other, None), path)


def _merge_logging(base: Any, other: Any, path: Path) -> Any:
    if not isinstance(base, dict) or not isinstance(other, dict):
        return other
    if 'driver' not in other or 'driver' not in base or other['driver'] == base['driver']:
        return _merge_mappings(base, other, path)
    return other


def _merge_ulimit(_base: Any, other: Any, _path: Path) -> Any:
    return other


def _merge_ipam_config(base: Any, other: Any, path: Path) -> Any:
    if not isinstance(base, list) or not isinstance(other, list):
        return other
    result: List[Dict[str, Any]] = []
    for original in base:
        right = _to_mapping(original, None)
        for override in other:
            left = _to_mapping(override, None)
            if left.get('subnet') != right.get('subnet'):
                if not any(c.get('subnet') == left.get('subnet') for c in result):
                    result.append(left)
                    continue
            merged = _merge_mappings(right, left, path)
            for i, cfg in enumerate(result):
                if cfg.get('subnet') == merged.get('subnet'):
                    result[i] = merged
                    break
            else:
                result.append(merged)
    return result


_SPECIALS: List[Tuple[str, Callable[[Any, Any, Path], Any]]] = [
    ('networks.*.ipam.config', _merge_ipam_config),
    ('networks.*.labels', _merge_to_sequence),
    ('volumes.*.labels', _merge_to_sequence),
    ('services.*.annotations', _merge_to_sequence),
    ('services.*.build', _merge_build),
    ('services.*.build.args', _merge_to_sequence),
    ('services.*.build.additional_contexts', _merge_to_sequence),
    ('services.*.build.extra_hosts', _merge_extra_hosts),
    ('services.*.build.labels', _merge_to_sequence),
    ('services.*.command', _override),
    ('services.*.depends_on', _merge_depends_on),
    ('services.*.deploy.labels', _merge_to_sequence),
    ('services.*.dns', _merge_to_sequence),
    ('services.*.dns_opt', _merge_to_sequence),
    ('services.*.dns_search', _merge_to_sequence),
    ('services.*.entrypoint', _override),
    ('services.*.env_file', _merge_to_sequence),
    ('services.*.label_file', _merge_to_sequence),
    ('services.*.environment', _merge_to_sequence),
    ('services.*.extra_hosts', _merge_extra_hosts),
    ('services.*.healthcheck.test', _override),
    ('services.*.labels', _merge_to_sequence),
    ('services.*.volumes.*.volume.labels', _merge_to_sequence),
    ('services.*.logging', _merge_logging),
    ('services.*.networks', _merge_networks),
    ('services.*.sysctls', _merge_to_sequence),
    ('services.*.tmpfs', _merge_to_sequence),
    ('services.*.ulimits.*', _merge_ulimit),
]


class MergeError(ValueError):
    """Two definitions of one key that cannot be merged (a mapping over a list...)."""


def merge_yaml(base: Any, other: Any, path: Path) -> Any:
    """``other`` merged over ``base`` at ``path`` (a tuple of keys, '*'-matched)."""
    for pattern, merger in _SPECIALS:
        if _matches(path, pattern):
            return merger(base, other, path)
    if other is None:
        return base
    if isinstance(base, dict):
        if not isinstance(other, dict):
            raise MergeError('cannot override %s' % '.'.join(path))
        return _merge_mappings(base, other, path)
    if isinstance(base, list):
        if not isinstance(other, list):
            raise MergeError('cannot override %s' % '.'.join(path))
        return base + other
    return other


def _merge_mappings(base: Dict[str, Any], other: Dict[str, Any], path: Path) -> Dict[str, Any]:
    for key, value in other.items():
        if key not in base:
            base[key] = value
        else:
            base[key] = merge_yaml(base[key], value, path + (key,))
    return base


# ---- unicity: one entry per port binding, mount target, env key... -------------------------

def _key_value_index(value: Any, _path: Path) -> str:
    if not isinstance(value, str):
        raise MergeError('%s: unexpected type %s' % ('.'.join(_path), type(value).__name__))
    return value.split('=', 1)[0]


def _volume_index(value: Any, path: Path) -> str:
    if isinstance(value, dict):
        target = value.get('target')
        if not isinstance(target, str):
            raise MergeError('service volume %s is missing a mount target' % '.'.join(path))
        return target
    if isinstance(value, str):
        from ansible_collections.fleet.docker.plugins.module_utils.compose.model import ModelError, short_volume
        try:
            return short_volume(value)['target']
        except ModelError as exc:  # named like the loader's other messages: service and entry
            if len(path) == 4:
                raise MergeError('service "%s", key "%s[%s]": %s' % (path[1], path[2], path[3], exc.reason)) from None
            raise
    return ''


def _device_index(value: Any, _path: Path) -> str:
    if isinstance(value, dict):
        return str(value.get('target'))
    parts = str(value).split(':')
    return parts[0] if len(parts) == 1 else parts[1]


def _expose_index(value: Any, _path: Path) -> str:
    return str(value)


def _mount_index(default: str) -> Callable[[Any, Path], str]:
    def index(value: Any, _path: Path) -> str:
        if isinstance(value, str):
            return '%s/%s' % (default, value)
        if isinstance(value, dict):
            if 'target' in value:
                return str(value['target'])
            return '%s/%s' % (default, value.get('source'))
        return repr(value)
    return index


def _port_index(value: Any, _path: Path) -> str:
    if isinstance(value, dict):
        return '%s:%s:%s/%s' % (value.get('host_ip', '0.0.0.0'), value.get('published'),  # nosec B104
                                value.get('target'), value.get('protocol', 'tcp'))
    return str(value)


def _env_file_index(value: Any, _path: Path) -> str:
    if isinstance(value, dict):
        return str(value.get('path'))
    return str(value)


_UNIQUE: List[Tuple[str, Callable[[Any, Path], str]]] = [
    ('networks.*.labels', _key_value_index),
    ('networks.*.ipam.options', _key_value_index),
    ('services.*.annotations', _key_value_index),
    ('services.*.build.args', _key_value_index),
    ('services.*.build.additional_contexts', _key_value_index),
    ('services.*.build.platform', _key_value_index),
    ('services.*.build.tags', _key_value_index),
    ('services.*.build.labels', _key_value_index),
    ('services.*.cap_add', _key_value_index),
    ('services.*.cap_drop', _key_value_index),
    ('services.*.configs', _mount_index('')),
    ('services.*.deploy.labels', _key_value_index),
    ('services.*.dns', _key_value_index),
    ('services.*.dns_opt', _key_value_index),
    ('services.*.dns_search', _key_value_index),
    ('services.*.environment', _key_value_index),
    ('services.*.env_file', _env_file_index),
    ('services.*.expose', _expose_index),
    ('services.*.labels', _key_value_index),
    ('services.*.links', _key_value_index),
    ('services.*.networks.*.aliases', _key_value_index),
    ('services.*.networks.*.link_local_ips', _key_value_index),
    ('services.*.ports', _port_index),
    ('services.*.profiles', _key_value_index),
    ('services.*.secrets', _mount_index('/run/secrets')),
    ('services.*.sysctls', _key_value_index),
    ('services.*.tmpfs', _key_value_index),
    ('services.*.volumes', _volume_index),
    ('services.*.devices', _device_index),
]


def enforce_unicity(value: Any, path: Path = ()) -> Any:
    """Drop redefinitions in sequences: the later entry replaces the earlier one in place."""
    if isinstance(value, dict):
        for key in list(value):
            value[key] = enforce_unicity(value[key], path + (str(key),))
        return value
    if isinstance(value, list):
        for pattern, indexer in _UNIQUE:
            if _matches(path, pattern):
                seq: List[Any] = []
                where: Dict[str, int] = {}
                for i, entry in enumerate(value):
                    key = indexer(entry, path + (str(i),))
                    if key in where:
                        seq[where[key]] = entry
                    else:
                        where[key] = len(seq)
                        seq.append(entry)
                return seq
    return value
