# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container option values: one pure parser per kind of value, into one canonical form each.

Nothing here talks to the engine, so every input error is found before anything is created.
Parsers raise ContainerSpecError (never fail_json); ``options.py`` puts them into the table.
"""

from __future__ import annotations

import ipaddress
import math
import os
import posixpath
import re
import shlex

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import (
    RESTART_POLICIES, SPECIAL_NETWORK_MODES, is_volume_name)

STATES = ('started', 'stopped', 'present', 'absent')
MOUNT_TYPES = ('bind', 'volume', 'tmpfs')
PROTOCOLS = ('tcp', 'udp', 'sctp')
# Modes the engine accepts after src:dst; ro/rw are exclusive, the rest are SELinux/propagation flags.
VOLUME_FLAGS = ('z', 'Z', 'nocopy', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave')
# str.isdigit() also accepts superscripts and Arabic-Indic digits, which int() reads or rejects.
_ASCII_DIGITS = re.compile(r'^[0-9]+$')


class ContainerSpecError(FleetDockerError):
    """An option value that cannot describe a container."""


class PortSpecError(ContainerSpecError):
    pass


class VolumeSpecError(ContainerSpecError):
    pass


class EnvSpecError(ContainerSpecError):
    pass


# ---------------------------------------------------------------------------------------- ports

def _sexagesimal_hint(spec):
    """YAML 1.1 reads an unquoted 21322:22 as the base-60 integer 1279342; say how to write it."""
    if not _ASCII_DIGITS.match(spec) or int(spec) <= 65535:
        return ''
    host, container = divmod(int(spec), 60)
    return (' If you wrote "%d:%d" unquoted, YAML read it as a base-60 number: quote port mappings, '
            'e.g. "%d:%d".' % (host, container, host, container))


def _port_number(text, spec, what):
    if not _ASCII_DIGITS.match(text):
        raise PortSpecError('Invalid port %r: %s %r is not a number (ASCII digits 0-9).' % (spec, what, text))
    number = int(text)
    if not 1 <= number <= 65535:
        raise PortSpecError('Invalid port %r: %s %s is out of range (1-65535).%s'
                            % (spec, what, number, _sexagesimal_hint(spec)))
    return number


def is_port_number(text):
    return bool(_ASCII_DIGITS.match(text or ''))


def _port_range(text, spec, what):
    if '-' in text:
        low, high = text.split('-', 1)
        low, high = _port_number(low, spec, what), _port_number(high, spec, what)
        if low > high:
            raise PortSpecError('Invalid port %r: %s range %s-%s ends before it starts.' % (spec, what, low, high))
        return low, high
    number = _port_number(text, spec, what)
    return number, number


def parse_port(value):
    """``[ip:][host[-range]:]container[-range][/proto]`` -> list of (container_port, proto, host_ip, host_port).

    ``host_port`` is a string: '' for an engine-chosen port, '8000-8010' for a host range that
    serves one container port (the engine picks a free one).
    """
    spec = str(value).strip()
    if not spec:
        raise PortSpecError('Invalid port: it is empty.')
    text, proto = spec, 'tcp'
    if '/' in text:
        text, proto = text.rsplit('/', 1)
        proto = proto.lower()
        if proto not in PROTOCOLS:
            raise PortSpecError('Invalid port %r: the protocol must be tcp, udp or sctp.' % spec)
    host_ip = ''
    if text.startswith('['):
        end = text.find(']')
        if end < 0 or text[end + 1:end + 2] != ':':
            raise PortSpecError('Invalid port %r: expected [IPv6]:host:container.' % spec)
        host_ip = text[1:end]
        try:
            ipaddress.IPv6Address(host_ip)
        except ValueError:
            raise PortSpecError('Invalid port %r: %r is not an IPv6 address.' % (spec, host_ip))
        parts = text[end + 2:].split(':')
        if len(parts) != 2:
            raise PortSpecError('Invalid port %r: expected [IPv6]:host:container.' % spec)
        host, container = parts
    else:
        parts = text.split(':')
        if len(parts) == 1:
            host, container = '', parts[0]
        elif len(parts) == 2:
            host, container = parts
        elif len(parts) == 3:
            host_ip, host, container = parts
            try:
                ipaddress.IPv4Address(host_ip)
            except ValueError:
                raise PortSpecError('Invalid port %r: %r is not an IPv4 address.' % (spec, host_ip))
        else:
            raise PortSpecError('Invalid port %r: expected [ip:][host:]container[/proto]; '
                                'write IPv6 addresses in brackets, like [::1]:8080:80.' % spec)
    if not container:
        raise PortSpecError('Invalid port %r: the container port is missing.' % spec)
    c_low, c_high = _port_range(container, spec, 'container port')
    if not host:
        return [(port, proto, host_ip, '') for port in range(c_low, c_high + 1)]
    h_low, h_high = _port_range(host, spec, 'host port')
    if c_low == c_high:
        host_port = str(h_low) if h_low == h_high else '%d-%d' % (h_low, h_high)
        return [(c_low, proto, host_ip, host_port)]
    if h_high - h_low != c_high - c_low:
        raise PortSpecError('Invalid port %r: the host port range must be as long as the container port range.'
                            % spec)
    return [(c_low + i, proto, host_ip, str(h_low + i)) for i in range(c_high - c_low + 1)]


def parse_ports(values):
    """A list of -p strings -> ``{'80/tcp': [[host_ip, host_port], ...]}`` with sorted bindings."""
    bindings = {}
    for value in values or []:
        for port, proto, host_ip, host_port in parse_port(value):
            key = '%d/%s' % (port, proto)
            entry = [host_ip, host_port]
            if entry not in bindings.setdefault(key, []):
                bindings[key].append(entry)
    return dict((key, sorted(entries)) for key, entries in bindings.items())


def normalize_port_bindings(bindings):
    """Engine ``HostConfig.PortBindings`` (or our own form) -> comparable form."""
    result = {}
    for key, entries in (bindings or {}).items():
        port, sep, proto = key.partition('/')
        key = '%s/%s' % (port, proto if sep else 'tcp')
        for entry in entries or [{}]:
            if isinstance(entry, dict):
                # '' (every address, IPv6 too) and 0.0.0.0 (IPv4 only) publish differently: keep both.
                pair = [entry.get('HostIp') or '', str(entry.get('HostPort') or '')]
            else:
                pair = [entry[0], str(entry[1])]
            if pair not in result.setdefault(key, []):
                result[key].append(pair)
    return dict((key, sorted(entries)) for key, entries in result.items())


def port_strings(bindings):
    """Readable form for diffs: ``127.0.0.1:8080:80/tcp``, ``8080:80/tcp``, ``80/tcp``."""
    out = []
    for key, entries in (bindings or {}).items():
        for host_ip, host_port in entries:
            ip = '[%s]' % host_ip if ':' in host_ip else host_ip
            prefix = ''
            if host_port or ip:
                prefix = '%s:' % host_port if not ip else '%s:%s:' % (ip, host_port)
            out.append(prefix + key)
    return sorted(out)


def to_port_bindings(bindings):
    """Our form -> the engine's HostConfig.PortBindings."""
    return dict((key, [dict(HostIp=ip, HostPort=port) for ip, port in entries])
                for key, entries in bindings.items())


# -------------------------------------------------------------------------------------- volumes

def _container_path(path, spec, option='volumes'):
    if not path:
        raise VolumeSpecError('Invalid %s entry %r: the container path is missing.' % (option, spec))
    if not path.startswith('/'):
        raise VolumeSpecError('Invalid %s entry %r: the container path %r must be absolute.' % (option, spec, path))
    return posixpath.normpath(path)


def _volume_source(source, spec, option='volumes'):
    """('bind', normalized path) for an absolute path, ('volume', name) for a volume name."""
    if source.startswith('/'):
        return 'bind', posixpath.normpath(source)
    if is_volume_name(source):
        return 'volume', source
    raise VolumeSpecError('Invalid %s entry %r: the source %r is neither an absolute host path nor a volume name '
                          '(a volume name is at least 2 characters: a letter or digit, then letters, digits, _ . -).'
                          % (option, spec, source))


def parse_volume(value):
    """``src:dst[:mode]`` or ``dst`` -> dict(type, source, target, read_only, flags)."""
    spec = str(value).strip()
    parts = spec.split(':')
    if len(parts) > 3:
        raise VolumeSpecError('Invalid volumes entry %r: expected src:dst[:ro|rw].' % spec)
    if len(parts) == 1:
        return dict(type='volume', source='', target=_container_path(parts[0], spec), read_only=False, flags=[])
    source, target = parts[0], parts[1]
    if not source:
        raise VolumeSpecError('Invalid volumes entry %r: the source before ":" is empty.' % spec)
    kind, source = _volume_source(source, spec)
    target = _container_path(target, spec)
    read_only, flags = False, []
    if len(parts) == 3:
        modes = parts[2].split(',')
        access = [m for m in modes if m in ('ro', 'rw')]
        bad = [m for m in modes if m not in ('ro', 'rw') and m not in VOLUME_FLAGS]
        if bad or len(access) > 1:
            raise VolumeSpecError('Invalid volumes entry %r: mode %r is not valid (use ro or rw).' % (spec, parts[2]))
        read_only = access == ['ro']
        flags = sorted(m for m in modes if m not in ('ro', 'rw'))
    return dict(type=kind, source=source, target=target, read_only=read_only, flags=flags)


def parse_volumes(values):
    """A list of volume strings -> dict(binds=[...], anonymous=[...]), each sorted and comparable."""
    binds, anonymous, targets = [], [], set()
    for value in values or []:
        vol = parse_volume(value)
        if vol['target'] in targets:
            raise VolumeSpecError('Invalid volumes: the container path %s is used twice.' % vol['target'])
        targets.add(vol['target'])
        if vol['source']:
            binds.append(vol)
        else:
            anonymous.append(vol['target'])
    return dict(binds=sorted(binds, key=lambda v: v['target']), anonymous=sorted(anonymous))


def bind_string(vol):
    modes = (['ro'] if vol['read_only'] else []) + list(vol['flags'])
    text = '%s:%s' % (vol['source'], vol['target'])
    return text + (':' + ','.join(modes) if modes else '')


def normalize_binds(binds):
    """Engine ``HostConfig.Binds`` -> the comparable list parse_volumes produces; tolerant of odd entries."""
    out = []
    for text in binds or []:
        try:
            out.append(parse_volume(text))
        except ContainerSpecError:
            out.append(dict(type='unknown', source=text, target=text, read_only=False, flags=[]))
    return sorted(out, key=lambda v: v['target'])


def parse_mounts(values):
    """The ``mounts`` option -> sorted list of dict(type, source, target, read_only)."""
    out, targets = [], set()
    for item in values or []:
        kind = item.get('type') or 'volume'
        if kind not in MOUNT_TYPES:
            raise VolumeSpecError('Invalid mounts entry: type must be bind, volume or tmpfs, got %r.' % kind)
        target = _container_path(item.get('target') or '', item, 'mounts')
        source = item.get('source') or ''
        if kind == 'bind':
            if not source.startswith('/'):
                raise VolumeSpecError('Invalid mounts entry for %s: a bind mount needs an absolute source path.'
                                      % target)
            source = posixpath.normpath(source)
        elif kind == 'volume' and source and not is_volume_name(source):
            raise VolumeSpecError('Invalid mounts entry for %s: %r is not a volume name.' % (target, source))
        elif kind == 'tmpfs' and source:
            raise VolumeSpecError('Invalid mounts entry for %s: a tmpfs mount takes no source.' % target)
        if target in targets:
            raise VolumeSpecError('Invalid mounts: the container path %s is used twice.' % target)
        targets.add(target)
        out.append(dict(type=kind, source=source, target=target, read_only=bool(item.get('read_only'))))
    return sorted(out, key=lambda m: m['target'])


def normalize_mounts(mounts):
    """Engine ``HostConfig.Mounts`` -> the comparable form."""
    out = []
    for mount in mounts or []:
        source = mount.get('Source') or ''
        if mount.get('Type') == 'bind' and source:
            source = posixpath.normpath(source)
        out.append(dict(type=mount.get('Type'), source=source, target=posixpath.normpath(mount.get('Target') or '/'),
                        read_only=bool(mount.get('ReadOnly'))))
    return sorted(out, key=lambda m: m['target'])


def to_api_mounts(mounts):
    out = []
    for mount in mounts:
        api = dict(Type=mount['type'], Target=mount['target'], ReadOnly=mount['read_only'])
        if mount['source']:
            api['Source'] = mount['source']
        out.append(api)
    return out


# ------------------------------------------------------------------------------------------ env

def scalar_string(what, value, error=ContainerSpecError):
    """An env, label or option value as the string the engine stores; numbers and booleans never fail."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float, str)):
        return str(value)
    raise error('Invalid %s: expected a string, number or boolean, got a %s.' % (what, type(value).__name__))


def env_value(key, value):
    return scalar_string('env value for %s' % key, value, EnvSpecError)


def parse_env(env):
    out = {}
    for key, value in (env or {}).items():
        key = str(key)
        if not key or '=' in key:
            raise EnvSpecError('Invalid env name %r: it must be non-empty and contain no "=".' % key)
        out[key] = env_value(key, value)
    return out


def parse_env_file_text(text, path='env_file'):
    """``docker --env-file`` format: KEY=VALUE lines, # comments, a bare KEY copies the caller's value."""
    out = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.lstrip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition('=')
        if not key or any(ch.isspace() for ch in key):
            raise EnvSpecError('Invalid env_file %s line %d: %r is not KEY=VALUE.' % (path, number, raw))
        if sep:
            out[key] = value
        elif key in os.environ:
            out[key] = os.environ[key]
    return out


def read_env_file(path):
    if not os.path.isfile(path):
        raise EnvSpecError('env_file %s does not exist on the managed host.' % path)
    try:
        with open(path, encoding='utf-8') as handle:
            return parse_env_file_text(handle.read(), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvSpecError('env_file %s cannot be read: %s.' % (path, exc))


def env_list_to_dict(values):
    out = {}
    for item in values or []:
        key, value = item.partition('=')[::2]
        out[key] = value
    return out


# --------------------------------------------------------------------------- labels and command

def parse_labels(labels):
    out = {}
    for key, value in (labels or {}).items():
        out[str(key)] = env_value('label ' + str(key), value)
    return out


def parse_log_options(options) -> dict:
    """``log_options`` -> the engine's LogConfig.Config: string keys and values (``max-file: 3`` is "3")."""
    out = {}
    for key, value in (options or {}).items():
        key = str(key)
        if not key or '\x00' in key:
            raise ContainerSpecError('Invalid log_options name %r: it must be a non-empty string.' % key[:100])
        out[key] = scalar_string('log_options value for %s' % key, value)
    return out


_HOST_LABEL = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')


def parse_hostname(option: str, value) -> str:
    """hostname / domainname: RFC 1123 labels joined by dots, at most 64 characters (the kernel's limit)."""
    text = scalar_string(option, value)
    if not text or len(text) > 64 or not all(_HOST_LABEL.match(label) for label in text.split('.')):
        raise ContainerSpecError('Invalid %s %r: letters, digits and hyphens in dot-separated labels, '
                                 'at most 64 characters.' % (option, text[:100]))
    return text


_USER = re.compile(r'^[^\s:]+(:[^\s:]+)?$')


def parse_user(value) -> str:
    """``name``, ``uid``, ``name:group`` or ``uid:gid``; whitespace or control characters are refused here,
    because the engine would only find out at start."""
    text = scalar_string('user', value)
    if not _USER.match(text) or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ContainerSpecError('Invalid user %r: expected NAME or UID, optionally :GROUP or :GID.' % text[:100])
    return text


def parse_command(value, option='command'):
    """A string is split like a shell would (no expansion); a list is taken as argv."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ContainerSpecError('Invalid %s %r: %s.' % (option, value, exc))
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, (dict, list, tuple)) or item is None:
                raise ContainerSpecError('Invalid %s: every list item must be a string, got %r.' % (option, item))
            out.append(env_value(option, item))
        return out
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    raise ContainerSpecError('Invalid %s: expected a string or a list of strings.' % option)


def parse_restart_policy(policy, retries):
    """-> engine RestartPolicy dict, or None when the user set neither option.

    ``MaximumRetryCount`` stays None when restart_retries is unset, so it is not compared: on an
    ``on-failure:5`` container, ``restart_policy: on-failure`` alone is no drift (0 means unlimited).
    """
    if policy is None and retries is None:
        return None
    if policy is None:
        raise ContainerSpecError('restart_retries needs restart_policy: on-failure.')
    if policy not in RESTART_POLICIES:
        raise ContainerSpecError('Invalid restart_policy %r: use one of %s.' % (policy, ', '.join(RESTART_POLICIES)))
    if retries is not None and retries < 0:
        raise ContainerSpecError('restart_retries must be 0 or more, got %s.' % retries)
    # The engine takes a count of 0 with every policy and a nonzero one only with on-failure.
    if retries and policy != 'on-failure':
        raise ContainerSpecError('restart_retries %s only applies to restart_policy: on-failure, not %s.'
                                 % (retries, policy))
    return dict(Name=policy, MaximumRetryCount=retries)


def normalize_restart_policy(policy):
    policy = policy or {}
    name = policy.get('Name') or 'no'
    return dict(Name=name, MaximumRetryCount=int(policy.get('MaximumRetryCount') or 0))


def restart_policy_body(policy):
    """The engine's RestartPolicy for a parsed policy: an unset count is created as 0."""
    return dict(Name=policy['Name'], MaximumRetryCount=policy.get('MaximumRetryCount') or 0)


def parse_network_mode(mode, networks):
    if mode is None:
        return None
    mode = mode.strip()
    if not mode:
        raise ContainerSpecError('network_mode must not be empty.')
    if mode.startswith('container:') and not mode[len('container:'):]:
        raise ContainerSpecError('network_mode container: needs a container name or ID.')
    if networks and (mode in SPECIAL_NETWORK_MODES or mode.startswith('container:')):
        raise ContainerSpecError('networks cannot be combined with network_mode %s.' % mode)
    return 'bridge' if mode == 'default' else mode


# ------------------------------------------------------------------------- sizes and durations

_SIZE = re.compile(r'^([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)(i?b)?$', re.IGNORECASE)
_SIZE_UNITS = dict(('kmgtp'[i], 1024 ** (i + 1)) for i in range(5))


def parse_size(option: str, value, unlimited: bool = False) -> int:
    """``512m``, ``1g``, ``1.5G``, ``1024`` or an int of bytes -> bytes, like ``docker run --memory``.

    ``unlimited`` accepts -1 (memory_swap).
    """
    if isinstance(value, bool):
        raise ContainerSpecError('Invalid %s %r: expected a size such as 512m or 1g.' % (option, value))
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if unlimited and text == '-1':
            return -1
        match = _SIZE.match(text)
        if not match:
            raise ContainerSpecError('Invalid %s %r: expected bytes or a number with a unit b, k, m, g, t or p '
                                     '(such as 512m or 1g).' % (option, str(value)[:100]))
        number = int(float(match.group(1)) * _SIZE_UNITS.get(match.group(2).lower(), 1))
    if unlimited and number == -1:
        return -1
    if number < 0:
        raise ContainerSpecError('Invalid %s %r: a size cannot be negative.' % (option, value))
    return number


_DURATION_PART = re.compile(r'([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|ms|s|m|h)')
_NANOS = dict(ns=1, us=1000, ms=10 ** 6, s=10 ** 9, m=60 * 10 ** 9, h=3600 * 10 ** 9)
_NANOS['\u00b5s'] = 1000


def parse_duration(option: str, value) -> int:
    """Go durations (``1m30s``, ``500ms``) or seconds as a number -> nanoseconds, as the engine stores them."""
    if isinstance(value, bool):
        raise ContainerSpecError('Invalid %s %r: expected a duration such as 30s or 1m30s.' % (option, value))
    if isinstance(value, (int, float)):
        nanos = int(round(value * 10 ** 9))
    else:
        text = str(value).strip()
        if _ASCII_DIGITS.match(text):
            nanos = int(text) * 10 ** 9
        else:
            pos, nanos = 0, 0
            for match in _DURATION_PART.finditer(text):
                if match.start() != pos:
                    break
                nanos += int(round(float(match.group(1)) * _NANOS[match.group(2)]))
                pos = match.end()
            if pos != len(text) or not text:
                raise ContainerSpecError('Invalid %s %r: expected a duration such as 30s, 1m30s or 500ms.'
                                         % (option, text[:100]))
    if nanos < 0:
        raise ContainerSpecError('Invalid %s %r: a duration cannot be negative.' % (option, value))
    return nanos


def parse_cpus(value) -> int:
    """``1.5`` CPUs -> NanoCpus, like ``docker run --cpus``."""
    try:
        cpus = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        cpus = None
    if cpus is None or math.isnan(cpus) or math.isinf(cpus) or cpus <= 0:
        raise ContainerSpecError('Invalid cpus %r: expected a number of CPUs greater than 0, such as 0.5 or 2.'
                                 % (str(value)[:100],))
    return int(round(cpus * 10 ** 9))


# ------------------------------------------------------------------------------ lists and sets

def parse_strings(option: str, values) -> list:
    """A list of non-empty strings (numbers become strings)."""
    out = []
    for value in values or []:
        text = scalar_string(option, value)
        if not text or '\x00' in text:
            raise ContainerSpecError('Invalid %s entry %r: it must be a non-empty string.' % (option, value))
        out.append(text)
    return out


def canonical_capability(name: str) -> str:
    """``net_admin``, ``NET_ADMIN`` and ``CAP_NET_ADMIN`` are one capability; newer engines store CAP_X."""
    text = name.strip().upper()
    if text == 'ALL' or text.startswith('CAP_'):
        return text
    return 'CAP_' + text


_CAPABILITY = re.compile(r'^(ALL|CAP_[A-Z0-9_]+)$')


def parse_capabilities(option: str, values) -> list:
    out = []
    for text in parse_strings(option, values):
        cap = canonical_capability(text)
        if not _CAPABILITY.match(cap):
            raise ContainerSpecError('Invalid %s entry %r: expected a capability such as NET_ADMIN or ALL.'
                                     % (option, text[:100]))
        out.append(cap)
    return sorted(set(out))


def parse_dns_servers(values) -> list:
    """DNS server addresses, in order (the resolver tries them in this order)."""
    out = []
    for text in parse_strings('dns_servers', values):
        try:
            out.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise ContainerSpecError('Invalid dns_servers entry %r: expected an IP address.' % text[:100])
    return out


def parse_etc_hosts(value) -> list:
    """``{host: ip}`` -> sorted ``host:ip`` strings (``HostConfig.ExtraHosts``)."""
    out = []
    for host, address in (value or {}).items():
        host, address = str(host), scalar_string('etc_hosts value for %s' % host, address)
        if not host or any(ch in host for ch in ' :=/\x00'):
            raise ContainerSpecError('Invalid etc_hosts name %r: a host name has no spaces, ":" or "=".' % host[:100])
        if address != 'host-gateway':
            try:
                address = str(ipaddress.ip_address(address))
            except ValueError:
                raise ContainerSpecError('Invalid etc_hosts address %r for %s: expected an IP address or '
                                         'host-gateway.' % (address[:100], host))
        out.append('%s:%s' % (host, address))
    return sorted(set(out))


def normalize_extra_hosts(entries) -> list:
    """Engine ExtraHosts (``host:ip``, or ``host=ip`` from newer CLIs) -> our ``host:ip`` form."""
    out = []
    for entry in entries or []:
        sep = min([i for i in (entry.find(':'), entry.find('=')) if i >= 0] or [len(entry)])
        host, address = entry[:sep], entry[sep + 1:].strip('[]')
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            pass
        out.append('%s:%s' % (host, address))
    return sorted(set(out))


def parse_ulimits(values) -> list:
    """``nofile:1024:2048``, ``nofile=1024:2048`` or ``{name, soft, hard}`` -> sorted engine Ulimits."""
    out = {}
    for item in values or []:
        if isinstance(item, dict):
            name, soft, hard = item.get('name'), item.get('soft'), item.get('hard', item.get('soft'))
        else:
            text = str(item).strip()
            name, sep, rest = text.partition('=') if '=' in text else text.partition(':')
            soft, _sep, hard = rest.partition(':')
            hard = hard or soft
            if not sep:
                soft = hard = None
        try:
            soft, hard = int(soft), int(hard)
        except (TypeError, ValueError):
            raise ContainerSpecError('Invalid ulimits entry %r: expected name:soft[:hard], such as nofile:1024:2048.'
                                     % (str(item)[:100],))
        name = str(name or '').strip().lower()
        if not re.match(r'^[a-z]+$', name):
            raise ContainerSpecError('Invalid ulimits entry %r: the name must be a limit such as nofile or nproc.'
                                     % (str(item)[:100],))
        if soft > hard and hard != -1:
            raise ContainerSpecError('Invalid ulimits entry %r: the soft limit %d is above the hard limit %d.'
                                     % (str(item)[:100], soft, hard))
        out[name] = dict(Name=name, Soft=soft, Hard=hard)
    return [out[name] for name in sorted(out)]


def parse_devices(values) -> list:
    """``/dev/x[:/dev/y][:rwm]`` -> sorted engine DeviceMappings."""
    out = []
    for text in parse_strings('devices', values):
        parts = text.split(':')
        perms = 'rwm'
        if len(parts) > 1 and re.match(r'^[rwm]{1,3}$', parts[-1]):
            perms = parts.pop()
        if len(parts) == 1:
            parts.append(parts[0])
        if len(parts) != 2 or not all(p.startswith('/') for p in parts):
            raise ContainerSpecError('Invalid devices entry %r: expected /dev/host[:/dev/container][:rwm].' % text[:100])
        out.append(dict(PathOnHost=parts[0], PathInContainer=parts[1], CgroupPermissions=perms))
    return sorted(out, key=lambda d: (d['PathInContainer'], d['PathOnHost']))


def parse_device_requests(values) -> list:
    """``--gpus``-style requests ``{driver, count, device_ids, capabilities, options}`` -> engine DeviceRequests."""
    out = []
    for item in values or []:
        if not isinstance(item, dict):
            raise ContainerSpecError('Invalid device_requests entry %r: expected a dict.' % (str(item)[:100],))
        count = item.get('count')
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < -1):
            raise ContainerSpecError('Invalid device_requests count %r: a number, or -1 for all devices.' % (count,))
        caps = item.get('capabilities') or []
        if caps and not all(isinstance(group, list) for group in caps):
            raise ContainerSpecError('Invalid device_requests capabilities: a list of lists, such as [[gpu]].')
        out.append(dict(Driver=str(item.get('driver') or ''), Count=count if count is not None else 0,
                        DeviceIDs=parse_strings('device_ids', item.get('device_ids')) or None,
                        Capabilities=[parse_strings('capabilities', group) for group in caps] or None,
                        Options=dict((str(k), scalar_string('device_requests option', v))
                                     for k, v in (item.get('options') or {}).items()) or None))
    return out


def normalize_device_requests(requests) -> list:
    out = []
    for item in requests or []:
        out.append(dict(Driver=item.get('Driver') or '', Count=item.get('Count') or 0,
                        DeviceIDs=item.get('DeviceIDs') or None, Capabilities=item.get('Capabilities') or None,
                        Options=item.get('Options') or None))
    return out


_TMPFS_SIZE = re.compile(r'^size=[0-9]+[kmg%]?$', re.IGNORECASE)


def _tmpfs_options(path: str, text: str) -> str:
    options = [o for o in text.split(',') if o]
    for option in options:
        if option.startswith('size=') and not _TMPFS_SIZE.match(option):
            raise ContainerSpecError('Invalid tmpfs option %r for %s: size is bytes or a number with k, m or g.'
                                     % (option, path))
        if option.startswith('mode=') and not re.match(r'^mode=[0-7]{3,4}$', option):
            raise ContainerSpecError('Invalid tmpfs option %r for %s: mode is octal, such as 1777.' % (option, path))
    return ','.join(sorted(options))


def parse_tmpfs(values) -> dict:
    """``/path[:size=64m,mode=1777]`` -> ``{path: options}`` with the options in a stable order."""
    out = {}
    for text in parse_strings('tmpfs', values):
        path, _sep, options = text.partition(':')
        path = _container_path(path, text, 'tmpfs')
        if path in out:
            raise ContainerSpecError('Invalid tmpfs: the container path %s is used twice.' % path)
        out[path] = _tmpfs_options(path, options)
    return out


def normalize_tmpfs(tmpfs) -> dict:
    return dict((posixpath.normpath(path), ','.join(sorted(o for o in (options or '').split(',') if o)))
                for path, options in (tmpfs or {}).items())


_SIGNAL = re.compile(r'^(SIG)?[A-Z][A-Z0-9]*([+-][0-9]+)?$')


def parse_signal(value) -> str:
    """``term``, ``TERM``, ``SIGTERM`` -> ``SIGTERM``; a number stays a number."""
    text = scalar_string('stop_signal', value).strip()
    if _ASCII_DIGITS.match(text):
        return text
    upper = text.upper()
    if not _SIGNAL.match(upper):
        raise ContainerSpecError('Invalid stop_signal %r: expected a signal name such as SIGTERM, or a number.'
                                 % text[:100])
    return upper if upper.startswith('SIG') else 'SIG' + upper


def parse_sysctls(value) -> dict:
    out = {}
    for key, item in (value or {}).items():
        key = str(key)
        if not re.match(r'^[a-z0-9_][a-z0-9_./-]*$', key):
            raise ContainerSpecError('Invalid sysctls name %r: expected a kernel parameter such as '
                                     'net.ipv4.ip_forward.' % key[:100])
        out[key] = scalar_string('sysctls value for %s' % key, item)
    return out


def parse_exposed_ports(values) -> list:
    """``8080``, ``53/udp``, ``8000-8002`` -> sorted ``port/proto`` keys, like EXPOSE."""
    out = set()
    for text in parse_strings('exposed_ports', values):
        port, _sep, proto = text.partition('/')
        proto = (proto or 'tcp').lower()
        if proto not in PROTOCOLS:
            raise PortSpecError('Invalid exposed_ports entry %r: the protocol must be tcp, udp or sctp.' % text)
        low, high = _port_range(port, text, 'port')
        out.update('%d/%s' % (number, proto) for number in range(low, high + 1))
    return sorted(out, key=lambda k: (int(k.split('/')[0]), k))


# -------------------------------------------------------------------------------- healthcheck

HEALTHCHECK_DURATIONS = (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod'),
                         ('start_interval', 'StartInterval'))
_ONE_MS = 10 ** 6


def parse_healthcheck(value) -> dict:
    """The ``healthcheck`` option -> the engine's Healthcheck, holding only what the task set.

    ``test`` as a string runs in a shell (``CMD-SHELL``); a list is an argv (``CMD``) unless it
    starts with CMD, CMD-SHELL or NONE. ``disable: true`` (or ``test: [NONE]``) turns the image's off.
    """
    if not isinstance(value, dict):
        raise ContainerSpecError('Invalid healthcheck: expected a dict with test, interval, timeout, retries, ...')
    if value.get('disable'):
        return dict(Test=['NONE'])
    out = {}
    test = value.get('test')
    if test is not None:
        if isinstance(test, str):
            if not test.strip():
                raise ContainerSpecError('Invalid healthcheck test: it is empty.')
            test = ['CMD-SHELL', test]
        else:
            test = parse_strings('healthcheck test', test)
            if not test:
                raise ContainerSpecError('Invalid healthcheck test: it is empty.')
            if test[0] not in ('CMD', 'CMD-SHELL', 'NONE'):
                test = ['CMD'] + test
            if test[0] == 'CMD-SHELL' and len(test) != 2:
                raise ContainerSpecError('Invalid healthcheck test: CMD-SHELL takes exactly one command string.')
        out['Test'] = test
    for option, key in HEALTHCHECK_DURATIONS:
        if value.get(option) is not None:
            nanos = parse_duration('healthcheck %s' % option, value[option])
            # The engine refuses durations between 0 and 1 ms; 0 means "inherit".
            if 0 < nanos < _ONE_MS:
                raise ContainerSpecError('Invalid healthcheck %s %r: at least 1ms, or 0 for the default.'
                                         % (option, value[option]))
            out[key] = nanos
    if value.get('retries') is not None:
        retries = value['retries']
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ContainerSpecError('Invalid healthcheck retries %r: 0 or more.' % (retries,))
        out['Retries'] = retries
    if not out:
        raise ContainerSpecError('Invalid healthcheck: set test (or disable: true).')
    return out


# ------------------------------------------------------------------------ networks and modes

def parse_network_entries(values) -> list:
    """``networks`` items, names or ``{name, aliases, ipv4_address, ipv6_address, links}`` -> dicts in order."""
    out, seen = [], set()
    for item in values or []:
        entry = dict(name=item) if isinstance(item, str) else item
        if not isinstance(entry, dict) or not isinstance(entry.get('name'), str) or not entry['name']:
            raise ContainerSpecError('Invalid networks entry %r: a network name or a dict with name.'
                                     % (str(item)[:100],))
        unknown = sorted(set(entry) - set(('name', 'aliases', 'ipv4_address', 'ipv6_address', 'links')))
        if unknown:
            raise ContainerSpecError('Invalid networks entry for %s: unsupported key(s) %s.'
                                     % (entry['name'], ', '.join(unknown)))
        name = entry['name']
        if name in seen:
            continue
        seen.add(name)
        parsed = dict(name=name, aliases=sorted(set(parse_strings('aliases', entry.get('aliases')))),
                      links=sorted(set(parse_strings('links', entry.get('links')))),
                      ipv4_address=None, ipv6_address=None)
        for key, kind in (('ipv4_address', ipaddress.IPv4Address), ('ipv6_address', ipaddress.IPv6Address)):
            if entry.get(key):
                try:
                    parsed[key] = str(kind(str(entry[key])))
                except ValueError:
                    raise ContainerSpecError('Invalid networks entry for %s: %s %r is not an address.'
                                             % (name, key, entry[key]))
        out.append(parsed)
    return out


def parse_mode(option: str, value, plain=()) -> str:
    """pid_mode / ipc_mode: one of ``plain`` or ``container:NAME``."""
    text = str(value).strip()
    if text in plain or (text.startswith('container:') and text[len('container:'):]):
        return text
    raise ContainerSpecError('Invalid %s %r: use %s or container:NAME.' % (option, text[:100], ', '.join(plain)))


def parse_volumes_from(values) -> list:
    out = []
    for text in parse_strings('volumes_from', values):
        name, _sep, mode = text.partition(':')
        if mode not in ('', 'ro', 'rw') or not name:
            raise ContainerSpecError('Invalid volumes_from entry %r: expected CONTAINER[:ro|rw].' % text[:100])
        out.append(text)
    return normalize_volumes_from(out)


def normalize_volumes_from(values) -> list:
    """``other:rw`` is the default mode, so it is ``other``; the engine stores the entries as sent."""
    return sorted(set(text[:-3] if text.endswith(':rw') else text for text in values or []))


def parse_cpuset(option: str, value) -> str:
    """``0,1,2``, ``2,0-1`` or ``0-2`` -> ``0-2``: CPUs (or memory nodes) as sorted, merged ranges."""
    text = scalar_string(option, value).strip()
    if not re.match(r'^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$', text):
        raise ContainerSpecError('Invalid %s %r: CPU numbers or ranges, such as 0-1 or 0,2.' % (option, text[:100]))
    numbers = set()
    for part in text.split(','):
        low, _sep, high = part.partition('-')
        low, high = int(low), int(high or low)
        if low > high or high > 4095:
            raise ContainerSpecError('Invalid %s %r: the range %s ends before it starts or is too large.'
                                     % (option, text[:100], part))
        numbers.update(range(low, high + 1))
    ranges, ordered = [], sorted(numbers)
    for number in ordered:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ','.join('%d' % low if low == high else '%d-%d' % (low, high) for low, high in ranges)


def canonical_security_opts(values) -> list:
    """The engine takes ``key=value`` and ``key:value`` alike and ``no-new-privileges`` with or without
    ``:true``, and stores what it was sent; one spelling each, so a rerun with another is no drift."""
    out = set()
    for text in values or []:
        key, sep, value = (text.partition('=') if '=' in text.split(':', 1)[0] or ':' not in text
                           else text.partition(':'))
        if key == 'no-new-privileges' and (not sep or value == 'true'):
            out.add(key)
        else:
            out.add(key + ('=' + value if sep else ''))
    return sorted(out)
