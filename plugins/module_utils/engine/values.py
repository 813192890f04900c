# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The value grammars shared by containers, compose, networks, volumes and services: one parser each.

Ports, volume short specs and mounts, Go durations, byte sizes, command lines, ulimits, env
mappings and ``--env-file`` files. Each parser returns one canonical record and raises a
ValueSpecError (a FleetDockerError) whose message is one sentence naming the value; callers that
speak another syntax (compose keys) wrap that message, they do not parse again.

This file is the bottom floor: it imports only from ``engine/`` and the standard library.
"""

from __future__ import annotations

import ipaddress
import os
import posixpath
import re
import shlex
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import is_volume_name

PROTOCOLS = ('tcp', 'udp', 'sctp')
MOUNT_TYPES = ('bind', 'volume', 'tmpfs')
# str.isdigit() also accepts superscripts and Arabic-Indic digits, which int() reads or rejects.
ASCII_DIGITS = re.compile(r'^[0-9]+$')


class ValueSpecError(FleetDockerError):
    """A value that does not follow its grammar; ``msg`` is one sentence naming the value."""


class PortSpecError(ValueSpecError):
    pass


class VolumeSpecError(ValueSpecError):
    pass


class EnvSpecError(ValueSpecError):
    pass


def _clip(value: Any) -> str:
    return str(value)[:100]


# -------------------------------------------------------------------------------------- scalars

def scalar_string(what: str, value: Any, error: type = ValueSpecError) -> str:
    """An env, label or option value as the string the engine stores; numbers and booleans never fail."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float, str)):
        return str(value)
    raise error('Invalid %s: expected a string, number or boolean, got a %s.' % (what, type(value).__name__))


def string_mapping(what: str, values: Optional[Dict[str, Any]], error: type = ValueSpecError) -> Optional[Dict[str, str]]:
    """Labels or driver options as the engine stores them (every value a string); None stays None."""
    if values is None:
        return None
    return dict((str(key), scalar_string('%s %s' % (what, key), value, error)) for key, value in values.items())


# ---------------------------------------------------------------------------------------- ports

class PortMapping(NamedTuple):
    """One container port of a ``-p`` spec. ``published`` is '' (the engine picks), '8080', or a host
    range '8000-8010' that serves one container port (the engine picks a free port in it)."""
    target: int
    protocol: str
    host_ip: str
    published: str


def _sexagesimal_hint(spec: str) -> str:
    """YAML 1.1 reads an unquoted 21322:22 as the base-60 integer 1279342; say how to write it."""
    if not ASCII_DIGITS.match(spec) or int(spec) <= 65535:
        return ''
    host, container = divmod(int(spec), 60)
    return (' If you wrote "%d:%d" unquoted, YAML read it as a base-60 number: quote port mappings, '
            'e.g. "%d:%d".' % (host, container, host, container))


def _port_number(text: str, spec: str, what: str) -> int:
    if not ASCII_DIGITS.match(text):
        raise PortSpecError('Invalid port %r: %s %r is not a number (ASCII digits 0-9).' % (spec, what, text))
    number = int(text)
    if not 1 <= number <= 65535:
        raise PortSpecError('Invalid port %r: %s %s is out of range (1-65535).%s'
                            % (spec, what, number, _sexagesimal_hint(spec)))
    return number


def port_range(text: str, spec: str, what: str = 'port') -> tuple:
    """``80`` or ``8000-8010`` -> (low, high); ``spec`` and ``what`` name the value in errors."""
    if '-' in text:
        low, high = text.split('-', 1)
        low, high = _port_number(low, spec, what), _port_number(high, spec, what)
        if low > high:
            raise PortSpecError('Invalid port %r: %s range %s-%s ends before it starts.' % (spec, what, low, high))
        return low, high
    number = _port_number(text, spec, what)
    return number, number


def _host_ip(text: str, spec: str) -> str:
    """The address before host:container; brackets around it are optional, as the engine reads it."""
    bracketed = text.startswith('[')
    if bracketed:
        if not text.endswith(']'):
            raise PortSpecError('Invalid port %r: expected [IPv6]:host:container.' % spec)
        text = text[1:-1]
    if not text and not bracketed:
        return ''
    try:
        ipaddress.ip_address(text)
    except ValueError:
        kind = 'an IPv6' if bracketed or ':' in text else 'an IPv4'
        raise PortSpecError('Invalid port %r: %r is not %s address.' % (spec, text, kind))
    return text


def parse_port(value: Any) -> List[PortMapping]:
    """``[ip:][host[-range]:]container[-range][/proto]`` -> one PortMapping per container port.

    The engine's grammar (``docker run -p``, Compose's short ``ports``): the last two colon-separated
    fields are host and container port, anything before is the host address, an IPv6 address with
    or without brackets (``[::1]:8080:80`` or ``::1:8080:80``). The protocol is tcp, udp or sctp.
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
    parts = text.split(':')
    container = parts[-1]
    host = parts[-2] if len(parts) > 1 else ''
    host_ip = _host_ip(':'.join(parts[:-2]), spec) if len(parts) > 2 else ''
    if not container:
        raise PortSpecError('Invalid port %r: the container port is missing.' % spec)
    c_low, c_high = port_range(container, spec, 'container port')
    if not host:
        return [PortMapping(port, proto, host_ip, '') for port in range(c_low, c_high + 1)]
    h_low, h_high = port_range(host, spec, 'host port')
    if c_low == c_high:
        published = str(h_low) if h_low == h_high else '%d-%d' % (h_low, h_high)
        return [PortMapping(c_low, proto, host_ip, published)]
    if h_high - h_low != c_high - c_low:
        raise PortSpecError('Invalid port %r: the host port range must be as long as the container port range.'
                            % spec)
    return [PortMapping(c_low + i, proto, host_ip, str(h_low + i)) for i in range(c_high - c_low + 1)]


def port_mapping(target: Any, published: Any = None, host_ip: Any = None, protocol: Any = None) -> PortMapping:
    """One port in long form (Compose's long ``ports`` syntax, a service's endpoint spec) -> the PortMapping
    that parse_port gives for the same port, checked by the same rules."""
    proto = str(protocol or 'tcp').lower()
    ip = str(host_ip or '').strip()
    pub = '' if published is None else str(published).strip()
    ip = '[%s]' % ip.strip('[]') if ':' in ip else ip
    short = '%s%s%s/%s' % (ip + ':' if ip else '', pub + ':' if pub or ip else '', target, proto)
    if isinstance(target, bool) or not isinstance(target, (int, str)) or not ASCII_DIGITS.match(str(target)):
        raise PortSpecError('Invalid port %r: the container port %r is not a number (ASCII digits 0-9).'
                            % (short, target))
    mappings = parse_port(short)
    if len(mappings) != 1:
        raise PortSpecError('Invalid port %r: one container port, not a range, in the long form.' % short)
    return mappings[0]


# -------------------------------------------------------------------------------------- volumes

RW_MODES = ('ro', 'rw')
SELINUX_MODES = ('z', 'Z')  # z: shared relabel, Z: private relabel (SELinux hosts; a no-op elsewhere)
PROPAGATION_MODES = ('private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave')
CONSISTENCY_MODES = ('consistent', 'cached', 'delegated')  # accepted and ignored on Linux
_MODE_CLASS = dict([(m, 'ro or rw') for m in RW_MODES] + [(m, 'z or Z') for m in SELINUX_MODES]
                   + [(m, 'propagation') for m in PROPAGATION_MODES] + [('nocopy', 'nocopy')]
                   + [(m, 'consistency') for m in CONSISTENCY_MODES])


def container_path(path: str, spec: Any, option: str) -> str:
    """An absolute path inside the container, normalised; not '/' (the engine refuses to mount over it)."""
    if not path:
        raise VolumeSpecError('Invalid %s entry %r: the container path is missing.' % (option, spec))
    if not path.startswith('/'):
        raise VolumeSpecError('Invalid %s entry %r: the container path %r must be absolute.' % (option, spec, path))
    path = posixpath.normpath(path)
    if path == '/':
        raise VolumeSpecError("Invalid %s entry %r: the container path cannot be '/'." % (option, spec))
    return path


def _is_compose_path(source: str) -> bool:
    # Compose reads ./x, ../x, ~/x and /x as host paths; anything else names a volume.
    return source.startswith(('/', '.', '~'))


def _volume_modes(vol: dict, mode: str, spec: str, option: str, compose: bool) -> None:
    """Fill vol's mode fields from ``ro,Z,...``.

    The engine's rule (moby volume/mounts, linux parser): each kind of mode at most once (ro or rw,
    z or Z, one propagation, nocopy, one consistency); nocopy only on a named volume and propagation
    only on a bind. Compose (compose-go format/volume.go) lets the last one of a kind win and ignores
    words it does not know: they are listed in ``vol['unknown']`` for the caller to judge.
    """
    seen: Dict[str, str] = {}
    if compose:
        vol['unknown'] = []
    for word in mode.split(',') if mode else []:
        kind = _MODE_CLASS.get(word)
        if kind is None and compose:
            vol['unknown'].append(word)
            continue
        if kind is None:
            raise VolumeSpecError('Invalid %s entry %r: mode %r is not valid (use ro or rw, optionally with z or Z, '
                                  'nocopy or a propagation such as rshared).' % (option, spec, word))
        if kind in seen and not compose:
            raise VolumeSpecError('Invalid %s entry %r: mode %r sets %s twice (%s and %s).'
                                  % (option, spec, mode, kind, seen[kind], word))
        seen[kind] = word
    vol['read_only'] = seen.get('ro or rw') == 'ro'
    vol['selinux'] = seen.get('z or Z', '')
    vol['propagation'] = seen.get('propagation', '')
    vol['nocopy'] = 'nocopy' in seen
    vol['consistency'] = seen.get('consistency', '')
    if compose:
        return
    if vol['nocopy'] and vol['type'] != 'volume':
        raise VolumeSpecError('Invalid %s entry %r: nocopy applies to named volumes only, not to a bind mount.'
                              % (option, spec))
    if vol['propagation'] and vol['type'] != 'bind':
        raise VolumeSpecError('Invalid %s entry %r: a propagation mode (%s) applies to bind mounts only.'
                              % (option, spec, vol['propagation']))


def parse_volume(value: Any, option: str = 'volumes', compose: bool = False) -> Dict[str, Any]:
    """``src:dst[:modes]`` or ``dst`` -> dict(type, source, target, read_only, selinux, propagation, nocopy,
    consistency); type is 'bind' or 'volume', source '' for an anonymous volume.

    Engine grammar (``docker run -v``, HostConfig.Binds): a bind source is an absolute path, anything
    else a volume name; paths are normalised. ``compose=True`` reads Compose's short syntax as
    compose-go does: two parts are always source:target, ./x and ~/x are host paths (the loader
    resolves them), paths are kept as written (a relative target too: the caller judges it), the
    last mode of a kind wins and unknown words land in ``unknown``.
    """
    spec = str(value).strip()
    if not spec:
        raise VolumeSpecError('Invalid %s entry: it is empty.' % option)
    parts = spec.split(':')
    if len(parts) > 3:
        raise VolumeSpecError('Invalid %s entry %r: expected src:dst[:ro|rw], too many ":".' % (option, spec))
    source, target, mode = '', parts[-1], ''
    if len(parts) == 2 and parts[1] in _MODE_CLASS and not compose:
        raise VolumeSpecError('Invalid %s entry %r: an anonymous volume takes no mode; write src:dst:%s.'
                              % (option, spec, parts[1]))
    elif len(parts) >= 2:
        source, target = parts[0], parts[1]
        mode = parts[2] if len(parts) == 3 else ''
        if not source:
            raise VolumeSpecError('Invalid %s entry %r: the source before ":" is empty.' % (option, spec))
    if compose:
        if not target:
            raise VolumeSpecError('Invalid %s entry %r: the container path is missing.' % (option, spec))
        kind = 'bind' if _is_compose_path(source) else 'volume'
    else:
        target = container_path(target, spec, option)
        if source.startswith('/'):
            kind, source = 'bind', posixpath.normpath(source)
        elif not source or is_volume_name(source):
            kind = 'volume'
        else:
            raise VolumeSpecError('Invalid %s entry %r: the source %r is neither an absolute host path nor a volume '
                                  'name (a volume name is at least 2 characters: a letter or digit, then letters, '
                                  'digits, _ . -).' % (option, spec, source))
    vol = dict(type=kind, source=source, target=target)
    _volume_modes(vol, mode, spec, option, compose)
    return vol


def volume_flags(vol: Dict[str, Any]) -> List[str]:
    """The mode words of a parse_volume record besides ro/rw, sorted (a stable spelling to compare)."""
    flags = [vol['selinux'], vol['propagation'], 'nocopy' if vol['nocopy'] else '', vol['consistency']]
    return sorted(f for f in flags if f)


def parse_mount(item: Any, option: str = 'mounts') -> Dict[str, Any]:
    """A ``{type, source, target, read_only}`` mount -> dict(type, source, target, read_only)."""
    if not isinstance(item, dict):
        raise VolumeSpecError('Invalid %s entry %r: expected a dict with type, source and target.'
                              % (option, _clip(item)))
    kind = item.get('type') or 'volume'
    if kind not in MOUNT_TYPES:
        raise VolumeSpecError('Invalid %s entry: type must be bind, volume or tmpfs, got %r.' % (option, kind))
    target = container_path(item.get('target') or '', item, option)
    source = item.get('source') or ''
    if kind == 'bind':
        if not source.startswith('/'):
            raise VolumeSpecError('Invalid %s entry for %s: a bind mount needs an absolute source path.'
                                  % (option, target))
        source = posixpath.normpath(source)
    elif kind == 'volume' and source and not is_volume_name(source):
        raise VolumeSpecError('Invalid %s entry for %s: %r is not a volume name.' % (option, target, source))
    elif kind == 'tmpfs' and source:
        raise VolumeSpecError('Invalid %s entry for %s: a tmpfs mount takes no source.' % (option, target))
    return dict(type=kind, source=source, target=target, read_only=bool(item.get('read_only')))


# ------------------------------------------------------------------------- sizes and durations

# docker's RAMInBytes: a number, one optional space, then k, m, g, t or p (binary), optional i and b.
_SIZE = re.compile(r'^([0-9]+(?:\.[0-9]+)?) ?([kmgtp]?)i?b?$', re.IGNORECASE)
_SIZE_UNITS = dict([('', 1)] + [('kmgtp'[i], 1024 ** (i + 1)) for i in range(5)])


def parse_size(what: str, value: Any, unlimited: bool = False) -> int:
    """``512m``, ``1g``, ``1.5GB``, ``1024`` or an int of bytes -> bytes, like ``docker run --memory``.

    ``unlimited`` accepts -1 and, as community.docker does, the word ``unlimited`` (memory_swap).
    """
    if isinstance(value, bool) or value is None:
        raise ValueSpecError('Invalid %s %r: expected a size such as 512m or 1g.' % (what, value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value)
    else:
        text = str(value).strip()
        if unlimited and text in ('-1', 'unlimited'):
            return -1
        match = _SIZE.match(text)
        if not match:
            raise ValueSpecError('Invalid %s %r: expected bytes or a number with a unit b, k, m, g, t or p '
                                 '(such as 512m or 1g).' % (what, _clip(value)))
        number = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    if unlimited and number == -1:
        return -1
    if number < 0:
        raise ValueSpecError('Invalid %s %r: a size cannot be negative.' % (what, value))
    return number


# Go's time.ParseDuration units; micro is written us, U+00B5 or U+03BC.
_DURATION_PART = re.compile('([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')
_NANOS = {'ns': 1, 'us': 1000, '\u00b5s': 1000, '\u03bcs': 1000, 'ms': 10 ** 6, 's': 10 ** 9,
          'm': 60 * 10 ** 9, 'h': 3600 * 10 ** 9}


def parse_duration(what: str, value: Any, negative: bool = False) -> int:
    """Go durations (``1m30s``, ``500ms``, ``-1.5h``) or seconds as a number -> nanoseconds.

    Container options refuse a negative duration; Compose reads Go's grammar whole (``negative``).
    """
    if isinstance(value, bool) or value is None:
        raise ValueSpecError('Invalid %s %r: expected a duration such as 30s or 1m30s.' % (what, value))
    if isinstance(value, (int, float)):
        nanos = int(round(value * 10 ** 9))
    else:
        text = str(value).strip()
        body = text[1:] if text[:1] in '+-' else text
        if ASCII_DIGITS.match(text):
            nanos = int(text) * 10 ** 9
        elif body == '0':
            nanos = 0
        else:
            pos, total = 0, 0.0
            for match in _DURATION_PART.finditer(body):
                if match.start() != pos:
                    break
                total += float(match.group(1)) * _NANOS[match.group(2)]
                pos = match.end()
            if pos != len(body) or not body:
                raise ValueSpecError('Invalid %s %r: expected a duration such as 30s, 1m30s or 500ms.'
                                     % (what, _clip(text)))
            nanos = int(round(total)) * (-1 if text.startswith('-') else 1)
    if nanos < 0 and not negative:
        raise ValueSpecError('Invalid %s %r: a duration cannot be negative.' % (what, value))
    return nanos


def _fraction(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    return '%d.%s' % (whole, str(frac).rjust(len(str(unit)) - 1, '0').rstrip('0'))


def format_duration(ns: int) -> str:
    """Nanoseconds as Go's time.Duration.String() prints them (``1m30s``, ``500ms``), for display."""
    if ns == 0:
        return '0s'
    sign = '-' if ns < 0 else ''
    ns = abs(ns)
    if ns < 10 ** 3:
        return '%s%dns' % (sign, ns)
    if ns < 10 ** 6:
        return sign + _fraction(ns, 10 ** 3) + '\u00b5s'
    if ns < 10 ** 9:
        return sign + _fraction(ns, 10 ** 6) + 'ms'
    hours, rest = divmod(ns, 3600 * 10 ** 9)
    minutes, rest = divmod(rest, 60 * 10 ** 9)
    out = sign + ('%dh' % hours if hours else '')
    if hours or minutes:
        out += '%dm' % minutes
    return out + _fraction(rest, 10 ** 9) + 's'


# -------------------------------------------------------------------------------------- command

def parse_command(value: Any, what: str = 'command',
                  scalar: Optional[Callable[[Any], str]] = None) -> Optional[List[str]]:
    """A string is split like a shell would (quotes, no expansion); a list is taken as argv.

    ``scalar`` turns a list item into its string (default scalar_string; Compose prints 1.0 as 1).
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ValueSpecError('Invalid %s %r: %s.' % (what, _clip(value), exc))
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, (dict, list, tuple)) or item is None:
                raise ValueSpecError('Invalid %s: every list item must be a string, got %r.' % (what, _clip(item)))
            out.append(scalar(item) if scalar else scalar_string(what, item))
        return out
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    raise ValueSpecError('Invalid %s: expected a string or a list of strings.' % what)


# -------------------------------------------------------------------------------------- ulimits

_ULIMIT_NAME = re.compile(r'^[a-z]+$')


def _ulimit_number(item: Any, text: Any) -> int:
    if isinstance(text, bool):
        text = None
    try:
        return int(str(text).strip()) if isinstance(text, str) else int(text)
    except (TypeError, ValueError):
        raise ValueSpecError('Invalid ulimits entry %r: expected name:soft[:hard], such as nofile:1024:2048.'
                             % (_clip(item),))


def parse_ulimits(values: Any) -> List[Dict[str, Any]]:
    """Ulimits -> the engine's sorted ``[{Name, Soft, Hard}]``.

    A list of ``nofile:1024:2048``, ``nofile=1024:2048`` (``docker run --ulimit``) or
    ``{name, soft, hard}``; or a mapping ``{nofile: 1024}`` / ``{nofile: {soft: 1024, hard: 2048}}``
    (Compose, services). A missing hard limit equals the soft one; -1 means unlimited.
    """
    if isinstance(values, dict):
        values = [dict(limit, name=name) if isinstance(limit, dict) else dict(name=name, soft=limit)
                  for name, limit in values.items()]
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
        soft, hard = _ulimit_number(item, soft), _ulimit_number(item, hard)
        name = str(name or '').strip().lower()
        if not _ULIMIT_NAME.match(name):
            raise ValueSpecError('Invalid ulimits entry %r: the name must be a limit such as nofile or nproc.'
                                 % (_clip(item),))
        if soft > hard and hard != -1:
            raise ValueSpecError('Invalid ulimits entry %r: the soft limit %d is above the hard limit %d.'
                                 % (_clip(item), soft, hard))
        out[name] = dict(Name=name, Soft=soft, Hard=hard)
    return [out[name] for name in sorted(out)]


# ------------------------------------------------------------------------------------------ env

def env_value(key: str, value: Any) -> str:
    return scalar_string('env value for %s' % key, value, EnvSpecError)


def parse_env(env: Any) -> Dict[str, str]:
    """An ``env`` mapping -> ``{name: string}``; numbers and booleans become the strings the engine stores."""
    out = {}
    for key, value in (env or {}).items():
        key = str(key)
        if not key or '=' in key:
            raise EnvSpecError('Invalid env name %r: it must be non-empty and contain no "=".' % key)
        out[key] = env_value(key, value)
    return out


def env_list_to_dict(values: Any) -> Dict[str, str]:
    """The engine's ``Env`` list (``KEY=VALUE``) -> a mapping."""
    out = {}
    for item in values or []:
        key, value = item.partition('=')[::2]
        out[key] = value
    return out


# ``docker run --env-file`` reads each line literally: no quotes, escapes or ${VAR}. Compose's .env
# (compose/envfile.py) is another grammar: quotes, multi-line values, escapes and interpolation.
def parse_env_file(text: str, path: str = 'env_file') -> Dict[str, str]:
    """``--env-file`` format: KEY=VALUE lines, # comments, a bare KEY copies the caller's value if set."""
    out = {}
    if text.startswith('\ufeff'):  # a byte order mark, as editors on Windows write
        text = text[1:]
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


def read_env_file(path: str) -> Dict[str, str]:
    if not os.path.isfile(path):
        raise EnvSpecError('env_file %s does not exist on the managed host.' % path)
    try:
        with open(path, encoding='utf-8') as handle:
            return parse_env_file(handle.read(), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvSpecError('env_file %s cannot be read: %s.' % (path, exc))
