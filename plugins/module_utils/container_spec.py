# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container options: the argument spec, one pure parser per option, and the desired spec.

Nothing here talks to the engine, so every input error is found before anything is created.
``CONTAINER_OPTIONS`` is the one argument spec for a container; the single-container module
and any batch module validate their items against it.
"""

from __future__ import annotations

import ipaddress
import os
import posixpath
import re
import shlex

from ansible_collections.fleet.docker.plugins.module_utils.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.image_ref import parse_reference
from ansible_collections.fleet.docker.plugins.module_utils.naming import (
    PULL_POLICIES, RESTART_POLICIES, SPECIAL_NETWORK_MODES, check_restricted_name, is_volume_name)

STATES = ('started', 'stopped', 'present', 'absent')
MOUNT_TYPES = ('bind', 'volume', 'tmpfs')
PROTOCOLS = ('tcp', 'udp', 'sctp')
# Modes the engine accepts after src:dst; ro/rw are exclusive, the rest are SELinux/propagation flags.
VOLUME_FLAGS = ('z', 'Z', 'nocopy', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave')
# str.isdigit() also accepts superscripts and Arabic-Indic digits, which int() reads or rejects.
_ASCII_DIGITS = re.compile(r'^[0-9]+$')

CONTAINER_OPTIONS = dict(
    name=dict(type='str', required=True),
    image=dict(type='str'),
    command=dict(type='raw'),
    entrypoint=dict(type='raw'),
    state=dict(type='str', default='started', choices=list(STATES)),
    restart=dict(type='bool', default=False),
    recreate=dict(type='bool', default=False),
    ports=dict(type='list', elements='str'),
    publish_all=dict(type='bool'),
    volumes=dict(type='list', elements='str'),
    mounts=dict(type='list', elements='dict', options=dict(
        type=dict(type='str', default='volume', choices=list(MOUNT_TYPES)),
        source=dict(type='str'),
        target=dict(type='str', required=True),
        read_only=dict(type='bool', default=False),
    )),
    env=dict(type='dict'),
    env_file=dict(type='path'),
    restart_policy=dict(type='str', choices=list(RESTART_POLICIES)),
    restart_retries=dict(type='int'),
    labels=dict(type='dict'),
    hostname=dict(type='str'),
    user=dict(type='str'),
    working_dir=dict(type='str'),
    networks=dict(type='list', elements='str'),
    network_mode=dict(type='str'),
    auto_remove=dict(type='bool'),
    interactive=dict(type='bool'),
    tty=dict(type='bool'),
    pull=dict(type='str', default='missing', choices=list(PULL_POLICIES)),
    stop_timeout=dict(type='int'),
    detach=dict(type='bool', default=True),
)


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


# ------------------------------------------------------------------------------- desired spec

# Options that describe the container; the rest (state, pull, ...) describe the task.
COMPARED_OPTIONS = ('image', 'command', 'entrypoint', 'ports', 'publish_all', 'volumes', 'mounts', 'env',
                    'labels', 'restart_policy', 'hostname', 'user', 'working_dir', 'networks', 'network_mode',
                    'auto_remove', 'interactive', 'tty')


def build_spec(params):
    """Validate one container's params and return the desired spec; raises ContainerSpecError.

    The spec holds only the options the user set, in comparable form, so comparison never
    invents drift from options nobody asked for.
    """
    params = dict((k, params.get(k, v.get('default'))) for k, v in CONTAINER_OPTIONS.items())
    spec = dict(name=check_restricted_name('container', params['name']))
    if params['image'] is not None:
        spec['image_ref'] = parse_reference(params['image'], default_tag='latest')
        spec['image'] = params['image']
    for option in ('command', 'entrypoint'):
        if params[option] is not None:
            spec[option] = parse_command(params[option], option)
    if params['ports'] is not None:
        spec['ports'] = parse_ports(params['ports'])
    if params['volumes'] is not None:
        spec['volumes'] = parse_volumes(params['volumes'])
    if params['mounts'] is not None:
        spec['mounts'] = parse_mounts(params['mounts'])
    targets = [v['target'] for v in spec.get('volumes', {}).get('binds', [])]
    targets += spec.get('volumes', {}).get('anonymous', []) + [m['target'] for m in spec.get('mounts', [])]
    duplicate = sorted(set(t for t in targets if targets.count(t) > 1))
    if duplicate:
        raise VolumeSpecError('The container path %s is given in both volumes and mounts.' % duplicate[0])
    if params['env'] is not None or params['env_file'] is not None:
        env = read_env_file(params['env_file']) if params['env_file'] else {}
        env.update(parse_env(params['env']))
        spec['env'] = env
    if params['labels'] is not None:
        spec['labels'] = parse_labels(params['labels'])
    policy = parse_restart_policy(params['restart_policy'], params['restart_retries'])
    if policy is not None:
        spec['restart_policy'] = policy
    networks = params['networks']
    if networks is not None:
        if any(not n or not isinstance(n, str) for n in networks):
            raise ContainerSpecError('networks must be a list of network names.')
        # The user's order counts: the first network becomes the network mode.
        spec['networks'] = list(dict.fromkeys(networks))
    mode = parse_network_mode(params['network_mode'], networks)
    if mode is not None:
        spec['network_mode'] = mode
    for option in ('publish_all', 'auto_remove', 'interactive', 'tty', 'hostname', 'user', 'working_dir'):
        if params[option] is not None:
            spec[option] = params[option]
    if spec.get('working_dir') is not None and not spec['working_dir'].startswith('/'):
        raise ContainerSpecError('working_dir %r must be an absolute path.' % spec['working_dir'])
    if params['stop_timeout'] is not None and params['stop_timeout'] < 0:
        raise ContainerSpecError('stop_timeout must be 0 or more seconds.')
    if params['auto_remove'] and params['detach'] is False:
        raise ContainerSpecError('detach: false cannot collect the output of an auto_remove container; '
                                 'drop one of the two.')
    return spec


def create_config(spec, params, image=None, inherited_volumes=(), extra_labels=None):
    """The engine's create body for a spec: only what the user set, so the image fills the rest.

    ``image`` stands in when the task names none (a recreate keeps the container's own image);
    ``inherited_volumes`` are ``(volume name, target)`` pairs an old container's anonymous
    volumes are carried over with; ``extra_labels`` are our own bookkeeping labels.
    """
    config = dict(Image=image or spec['image'])
    host = dict()
    if spec.get('command'):
        # An empty command means the image's CMD, which the engine fills in when Cmd is left out.
        config['Cmd'] = spec['command']
    if 'entrypoint' in spec:
        config['Entrypoint'] = spec['entrypoint'] or ['']
    if 'env' in spec:
        config['Env'] = ['%s=%s' % item for item in sorted(spec['env'].items())]
    if 'labels' in spec or extra_labels:
        config['Labels'] = dict(spec.get('labels') or {}, **(extra_labels or {}))
    for option, key in (('hostname', 'Hostname'), ('user', 'User'), ('working_dir', 'WorkingDir'),
                        ('tty', 'Tty')):
        if option in spec:
            config[key] = spec[option]
    if spec.get('interactive'):
        config['OpenStdin'] = True
        config['StdinOnce'] = False
    if params.get('stop_timeout') is not None:
        config['StopTimeout'] = params['stop_timeout']
    if spec.get('ports'):
        config['ExposedPorts'] = dict((key, {}) for key in spec['ports'])
        host['PortBindings'] = to_port_bindings(spec['ports'])
    if 'publish_all' in spec:
        host['PublishAllPorts'] = spec['publish_all']
    volumes = spec.get('volumes') or {}
    binds = [bind_string(v) for v in volumes.get('binds') or []]
    binds += ['%s:%s' % pair for pair in inherited_volumes]
    if binds:
        host['Binds'] = binds
    if volumes.get('anonymous'):
        config['Volumes'] = dict((target, {}) for target in volumes['anonymous'])
    if spec.get('mounts'):
        host['Mounts'] = to_api_mounts(spec['mounts'])
    if 'restart_policy' in spec:
        host['RestartPolicy'] = restart_policy_body(spec['restart_policy'])
    if 'auto_remove' in spec:
        host['AutoRemove'] = spec['auto_remove']
    networks = spec.get('networks') or []
    mode = spec.get('network_mode')
    if mode:
        host['NetworkMode'] = mode
    elif networks:
        host['NetworkMode'] = networks[0]
    if networks:
        first = mode if mode and mode in networks else (networks[0] if not mode else None)
        if first:
            config['NetworkingConfig'] = dict(EndpointsConfig={first: {}})
    config['HostConfig'] = host
    return config
