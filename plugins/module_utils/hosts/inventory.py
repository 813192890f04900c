# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Containers as inventory hosts: engine entries, host variables, default groups (pure functions).

The inventory plugin ``fleet.docker.containers`` lists containers and hands each list entry to
these functions; nothing here talks to an engine, so all of it is unit-tested without one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import DEFAULT_DOCKER_HOST, FleetDockerError

# Options an engine entry may carry (the modules' connection options), and their plugin variables.
ENGINE_KEYS = ('docker_host', 'tls', 'validate_certs', 'ca_path', 'client_cert', 'client_key', 'api_version',
               'timeout', 'use_ssh_client')
# The connection plugin's own defaults: host variables that would only repeat them are left out.
ENGINE_DEFAULTS = dict(tls=False, validate_certs=False, api_version='auto', timeout=60, use_ssh_client=False)
CONNECTION_TYPES = ('api', 'ssh', 'docker-cli')
COMPOSE_PROJECT = 'com.docker.compose.project'
COMPOSE_SERVICE = 'com.docker.compose.service'
STACK_NAMESPACE = 'com.docker.stack.namespace'
SWARM_SERVICE = 'com.docker.swarm.service.name'
UNSAFE_GROUP_CHARS = re.compile(r'[^A-Za-z0-9_]')


def safe_group(*parts: str) -> str:
    """A group name Ansible accepts: every character other than letters, digits and ``_`` becomes ``_``."""
    return UNSAFE_GROUP_CHARS.sub('_', '_'.join(str(part) for part in parts))


def engine_label(docker_host: str) -> str:
    """A short name for an engine, from its address: the host of tcp:// and ssh://, 'local' for the default socket."""
    if not docker_host or docker_host == DEFAULT_DOCKER_HOST:
        return 'local'
    parts = urlsplit(docker_host)
    if parts.scheme in ('tcp', 'ssh', 'http', 'https') and parts.hostname:
        return parts.hostname
    return (parts.path or docker_host).strip('/') or 'local'


def engine_entries(docker_host, defaults: dict) -> list:
    """The engines to list: one per ``docker_host`` item (a string, or a dict with its own options).

    ``defaults`` holds the plugin's top-level engine options, which a dict item may override.
    Raises FleetDockerError naming the item that is wrong.
    """
    items = docker_host if isinstance(docker_host, list) else [docker_host or DEFAULT_DOCKER_HOST]
    engines, labels = [], set()
    for index, item in enumerate(items, 1):
        engine = dict(defaults)
        if isinstance(item, str):
            engine['docker_host'] = item
        elif isinstance(item, dict):
            unknown = sorted(set(item) - set(ENGINE_KEYS) - {'name'})
            if unknown:
                raise FleetDockerError('docker_host entry %d: unknown option %s (an entry takes %s).'
                                       % (index, ', '.join(unknown), ', '.join(('name',) + ENGINE_KEYS)))
            engine.update((key, value) for key, value in item.items() if value is not None)
        else:
            raise FleetDockerError('docker_host entry %d: expected an address such as unix:///var/run/docker.sock '
                                   'or a dictionary with docker_host, got %r.' % (index, item))
        if not isinstance(engine.get('docker_host'), str) or not engine['docker_host']:
            raise FleetDockerError('docker_host entry %d: docker_host must be a non-empty address.' % index)
        if not re.match(r'^(unix|tcp|ssh|http|https|npipe)://', engine['docker_host']):
            raise FleetDockerError('docker_host entry %d: %r is not an engine address (use unix://PATH, tcp://HOST:PORT '
                                   'or ssh://USER@HOST).' % (index, engine['docker_host']))
        label = str(engine.get('name') or engine_label(engine['docker_host']))
        if label in labels:
            raise FleetDockerError('docker_host entry %d: a second engine named %s; give each entry its own name.'
                                   % (index, label))
        labels.add(label)
        engine['name'] = label
        engines.append(engine)
    return engines


def image_repository(image: str) -> str:
    """The repository of an image reference, without tag or digest (``registry:5000/a/b:1`` -> ``registry:5000/a/b``)."""
    name = (image or '').split('@', 1)[0]
    slash = name.rfind('/')
    colon = name.rfind(':')
    if colon > slash:
        name = name[:colon]
    return name


def host_vars(entry: dict, engine: dict) -> dict:
    """The host variables of one container, from the engine's list entry (``GET /containers/json``)."""
    labels = entry.get('Labels') or {}
    networks = {}
    addresses = []
    for net, settings in sorted(((entry.get('NetworkSettings') or {}).get('Networks') or {}).items()):
        settings = settings or {}
        networks[net] = dict(ip=settings.get('IPAddress') or '', ipv6=settings.get('GlobalIPv6Address') or '',
                             mac=settings.get('MacAddress') or '', gateway=settings.get('Gateway') or '',
                             aliases=list(settings.get('Aliases') or []))
        for key in ('IPAddress', 'GlobalIPv6Address'):
            if settings.get(key):
                addresses.append(settings[key])
    names = entry.get('Names') or []
    return dict(
        container_id=entry.get('Id', ''),
        container_name=(names[0] if names else entry.get('Id', '')[:12]).lstrip('/'),
        container_image=entry.get('Image', ''),
        container_image_id=entry.get('ImageID', ''),
        container_command=entry.get('Command', ''),
        container_created=entry.get('Created'),
        container_labels=dict(labels),
        container_state=entry.get('State', ''),
        container_status=entry.get('Status', ''),
        container_networks=networks,
        container_addresses=addresses,
        container_ports=[dict(private=p.get('PrivatePort'), public=p.get('PublicPort'), type=p.get('Type'),
                              host_ip=p.get('IP')) for p in entry.get('Ports') or []],
        container_engine=engine['name'],
        container_docker_host=engine['docker_host'],
        container_compose_project=labels.get(COMPOSE_PROJECT),
        container_compose_service=labels.get(COMPOSE_SERVICE),
    )


def default_groups(facts: dict) -> list:
    """The groups a container is in without any configuration."""
    labels = facts['container_labels']
    groups = ['running' if facts['container_state'] == 'running' else 'stopped',
              safe_group('engine', facts['container_engine'])]
    project, service = labels.get(COMPOSE_PROJECT), labels.get(COMPOSE_SERVICE)
    if project:
        groups.append(safe_group('compose', project))
        if service:
            groups.append(safe_group('compose', project, service))
    if labels.get(STACK_NAMESPACE):
        groups.append(safe_group('stack', labels[STACK_NAMESPACE]))
    if labels.get(SWARM_SERVICE):
        groups.append(safe_group('swarm_service', labels[SWARM_SERVICE]))
    repository = image_repository(facts['container_image'])
    if repository and not repository.startswith('sha256'):
        groups.append(safe_group('image', repository))
    return groups


def _engine_host_address(docker_host: str) -> str:
    parts = urlsplit(docker_host)
    return parts.hostname if parts.scheme in ('tcp', 'ssh', 'http', 'https') and parts.hostname else '127.0.0.1'


def connection_vars(facts: dict, engine: dict, connection_type: str, ssh_port: int = 22, ssh_network: str = '') -> dict:
    """How Ansible reaches the container, for ``connection_type`` api, ssh or docker-cli."""
    if connection_type == 'api':
        out = dict(ansible_connection='fleet.docker.api', ansible_host=facts['container_name'])
        for key in ENGINE_KEYS:
            if engine.get(key) not in (None, '') and engine[key] != ENGINE_DEFAULTS.get(key):
                out['fleet_docker_%s' % ('host' if key == 'docker_host' else key)] = engine[key]
        return out
    if connection_type == 'docker-cli':
        out = dict(ansible_connection='community.docker.docker', ansible_host=facts['container_name'])
        args = []
        if engine['docker_host'] != DEFAULT_DOCKER_HOST:
            args += ['-H', engine['docker_host']]
        if engine.get('validate_certs'):
            args.append('--tlsverify')
        elif engine.get('tls'):
            args.append('--tls')
        for key, flag in (('ca_path', '--tlscacert'), ('client_cert', '--tlscert'), ('client_key', '--tlskey')):
            if engine.get(key):
                args += [flag, engine[key]]
        if args:
            out['ansible_docker_extra_args'] = ' '.join(args)
        return out
    # ssh: a published port of the SSH port reaches it through the engine's host; otherwise the
    # container's own address on one of its networks (the named one, else the first with an IP).
    for port in facts['container_ports']:
        if port['private'] == ssh_port and port['type'] == 'tcp' and port['public']:
            host_ip = port['host_ip'] or '0.0.0.0'
            if host_ip in ('0.0.0.0', '::'):
                host_ip = _engine_host_address(engine['docker_host'])
            return dict(ansible_connection='ssh', ansible_host=host_ip, ansible_port=port['public'])
    networks = facts['container_networks']
    chosen = networks.get(ssh_network) if ssh_network else next((n for n in networks.values() if n['ip']), None)
    address = chosen['ip'] if chosen and chosen['ip'] else ''
    return dict(ansible_connection='ssh', ansible_host=address or facts['container_name'], ansible_port=ssh_port)
