# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container option values: the container-only rules (restart policy, network mode, healthcheck, ...) and
the container forms of the shared grammars, which engine/values parses (ports, volumes, mounts, ...).

Nothing here talks to the engine, so every input error is found before anything is created.
Parsers raise ContainerSpecError (never fail_json); ``options.py`` puts them into the table.
"""

from __future__ import annotations

import ipaddress
import math
import posixpath
import re

from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import RESTART_POLICIES, SPECIAL_NETWORK_MODES
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import (
    ASCII_DIGITS, PROTOCOLS, PortSpecError, ValueSpecError, VolumeSpecError, container_path, env_value,
    parse_duration, parse_mount, parse_port, parse_volume, port_range, scalar_string, volume_flags)

STATES = ('started', 'stopped', 'present', 'absent', 'healthy')  # healthy: community.docker's name
# An option value that cannot describe a container. The shared grammars (engine/values) raise the
# same class, so one ``except ContainerSpecError`` catches a bad port as well as a bad restart policy.
ContainerSpecError = ValueSpecError


# ---------------------------------------------------------------------------------------- ports

def is_port_number(text):
    return bool(ASCII_DIGITS.match(text or ''))


def port_bindings(values):
    """The ``ports`` option (``-p`` strings) -> ``{'80/tcp': [[host_ip, host_port], ...]}`` with sorted bindings."""
    return bindings_of(mapping for value in values or [] for mapping in parse_port(value))


def bindings_of(mappings):
    """PortMappings (engine/values.parse_port or port_mapping) -> the ports option's form."""
    bindings = {}
    for port, proto, host_ip, host_port in mappings:
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

def volume_entry(value, option='volumes'):
    """One ``volumes`` string -> dict(type, source, target, read_only, flags): the engine's grammar
    (engine/values.parse_volume) in the form the option compares, flags sorted."""
    vol = parse_volume(value, option)
    return dict(type=vol['type'], source=vol['source'], target=vol['target'], read_only=vol['read_only'],
                flags=volume_flags(vol))


def volume_binds(values):
    """The ``volumes`` option -> dict(binds=[...], anonymous=[...]), each sorted and comparable."""
    binds, anonymous, targets = [], [], set()
    for value in values or []:
        vol = volume_entry(value)
        if vol['target'] in targets:
            raise VolumeSpecError('Invalid volumes: the container path %s is used twice.' % vol['target'])
        targets.add(vol['target'])
        if vol['source']:
            binds.append(vol)
        else:
            anonymous.append(vol['target'])
    return dict(binds=sorted(binds, key=lambda v: v['target']), anonymous=sorted(anonymous))


def bind_string(vol):
    """The HostConfig.Binds entry: ``src:dst[:ro,flags]`` (rw is the default and left out)."""
    modes = (['ro'] if vol['read_only'] else []) + list(vol['flags'])
    text = '%s:%s' % (vol['source'], vol['target'])
    return text + (':' + ','.join(modes) if modes else '')


def normalize_binds(binds):
    """Engine ``HostConfig.Binds`` -> the comparable list volume_binds produces; tolerant of odd entries."""
    out = []
    for text in binds or []:
        try:
            out.append(volume_entry(text))
        except ContainerSpecError:
            out.append(dict(type='unknown', source=text, target=text, read_only=False, flags=[]))
    return sorted(out, key=lambda v: v['target'])


def container_mounts(values):
    """The ``mounts`` option -> sorted list of dict(type, source, target, read_only), each target once."""
    out, targets = [], set()
    for item in values or []:
        mount = parse_mount(item)
        if mount['target'] in targets:
            raise VolumeSpecError('Invalid mounts: the container path %s is used twice.' % mount['target'])
        targets.add(mount['target'])
        out.append(mount)
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


# --------------------------------------------------------------------------- labels and identity

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
        path = container_path(path, text, 'tmpfs')
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
    if ASCII_DIGITS.match(text):
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
        low, high = port_range(port, text, 'port')
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


def volumes_from_entries(values) -> list:
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
