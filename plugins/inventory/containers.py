# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: containers
short_description: Containers of one or more Docker engines as inventory hosts
description:
  - Lists the containers of one or more Docker engines and adds each as a host named after the container.
  - Reads a YAML configuration file whose name ends in C(containers.yml) or C(containers.yaml).
  - "Groups out of the box: C(running) and C(stopped); C(engine_<engine>); C(compose_<project>) and
    C(compose_<project>_<service>) from the Compose labels; C(stack_<namespace>) and C(swarm_service_<name>)
    for swarm tasks; C(image_<repository>). Characters Ansible does not allow in group names become C(_)."
  - "Host variables: C(container_id), C(container_name), C(container_image), C(container_image_id),
    C(container_labels), C(container_state), C(container_status), C(container_networks) (per network:
    ip, ipv6, mac, gateway, aliases), C(container_addresses), C(container_ports), C(container_engine),
    C(container_docker_host), C(container_compose_project), C(container_compose_service), and with
    O(verbose_output) C(container_inspect)."
  - Every value that comes from an engine is marked unsafe, so a label or name holding C({{ ... }}) is
    never templated.
author:
  - fleet.docker developers (@fleet-docker)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - fleet.docker.engine_plugin
options:
  plugin:
    description: The name of this plugin; it makes the file this plugin's.
    type: str
    required: true
    choices: [fleet.docker.containers]
  docker_host:
    description:
      - The engines to list, one address or a list.
      - An item is an address (C(unix://PATH), C(tcp://HOST:PORT), C(ssh://USER@HOST)) or a dictionary
        with C(docker_host) and any of C(name), C(tls), C(validate_certs), C(ca_path), C(client_cert),
        C(client_key), C(api_version), C(timeout), C(use_ssh_client), which override the top-level options
        for that engine.
      - C(name) names the engine in groups and in C(container_engine); it defaults to the address's host
        (C(local) for the default socket).
    type: list
    elements: raw
    default: [unix:///var/run/docker.sock]
    env:
      - name: DOCKER_HOST
  engine_group:
    description:
      - The fleet case. Also list the engines of the hosts of this group, loaded from an earlier
        inventory source (list that source first).
      - Each host's engine is its C(fleet_docker_host) variable, else C(ssh://USER@ADDRESS) from
        C(ansible_user) (default C(root)) and C(ansible_host); its C(fleet_docker_tls),
        C(fleet_docker_validate_certs), C(fleet_docker_ca_path), C(fleet_docker_client_cert) and
        C(fleet_docker_client_key) variables apply. The engine is named after the host.
      - Over C(ssh://) with O(use_ssh_client), the Docker SDK runs one C(ssh) per HTTP connection; a
        C(ControlMaster auto) with C(ControlPersist) in the ssh configuration saves a handshake on each
        (on the lab, 4 commands took 9 s without it and 1.5 s with it).
    type: str
  connection_type:
    description:
      - How Ansible reaches the containers.
      - V(api) through the Docker Engine API with the connection plugin P(fleet.docker.api#connection), configured
        for the engine the container was found on.
      - V(ssh) to a published port of O(ssh_port) on the engine's host, else to the container's own
        address and O(ssh_port).
      - V(docker-cli) through the docker command line client (C(community.docker.docker) connection plugin).
    type: str
    default: api
    choices: [api, ssh, docker-cli]
  ssh_port:
    description: The port sshd listens on inside the containers, for O(connection_type=ssh).
    type: int
    default: 22
  ssh_network:
    description:
      - The network whose address O(connection_type=ssh) uses when no port is published. Default the
        first network with an address.
    type: str
  running_only:
    description: List running containers only.
    type: bool
    default: false
  verbose_output:
    description:
      - Also inspect each container and put the whole answer in C(container_inspect). One more request per container.
    type: bool
    default: false
  unreachable_engines:
    description:
      - What an engine that does not answer does. V(error) fails the inventory source, V(warn) leaves its
        containers out with a warning.
    type: str
    default: error
    choices: [error, warn]
  filters:
    description:
      - Decide which containers become hosts. Each item is C(include) or C(exclude) with a Jinja2 test over
        the host variables above (not those of O(compose)); the first item that matches decides, and a container
        no item matches is included.
      - Lookups are not allowed in these tests.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
# inventory/containers.yml: the local engine, containers reached through the API.
plugin: fleet.docker.containers

# Two engines, one over TLS; only the containers of compose project "shop".
plugin: fleet.docker.containers
docker_host:
  - unix:///var/run/docker.sock
  - docker_host: tcp://engine2.example.com:2376
    name: engine2
    validate_certs: true
    ca_path: /etc/fleet/ca.pem
    client_cert: /etc/fleet/cert.pem
    client_key: /etc/fleet/key.pem
filters:
  - include: container_compose_project == 'shop'
  - exclude: true
keyed_groups:
  - key: container_labels['tier'] | default('none')
    prefix: tier

# The fleet case: every container on every host of group "docker_hosts" (from an earlier source),
# reached through each host's engine over SSH. ansible-inventory -i hosts.yml -i containers.yml --graph
plugin: fleet.docker.containers
engine_group: docker_hosts
docker_host: []
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_entries, lookup_container
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    FleetDockerError, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.hosts.client import build_client
from ansible_collections.fleet.docker.plugins.plugin_utils.inventory import add_host, read_through_cache
from ansible_collections.fleet.docker.plugins.module_utils.hosts.inventory import (
    ENGINE_KEYS, connection_vars, default_groups, engine_entries, host_vars)

display = Display()

# Engines listed at once: each is one or two requests, mostly waiting.
MAX_ENGINE_THREADS = 16
FILTER_KEYS = ('include', 'exclude')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Each container of each engine is a host; the engines' answers are cached, never templated."""

    NAME = 'fleet.docker.containers'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('containers.yml', 'containers.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        try:
            engines = self._engines()
            self._check_filters()
        except FleetDockerError as exc:
            raise AnsibleParserError('%s: %s' % (path, exc.msg))
        listing = read_through_cache(self, path, cache, lambda: self._list_all(engines))
        self._populate(engines, listing)

    # ------------------------------------------------------------------ options

    def _engines(self):
        defaults = dict((key, self.get_option(key)) for key in ENGINE_KEYS if key != 'docker_host')
        docker_host = self.get_option('docker_host')
        engines = engine_entries(docker_host, defaults) if docker_host else []
        group = self.get_option('engine_group')
        if group:
            engines += engine_entries(self._group_engines(group), defaults)
        if not engines:
            raise FleetDockerError('no engine to list: set docker_host or engine_group.')
        return engines

    def _group_engines(self, group):
        if group not in self.inventory.groups:
            raise FleetDockerError('engine_group %s is not in the inventory; list the source that defines it '
                                   'before this file (-i hosts.yml -i containers.yml).' % group)
        entries = []
        for host in self.inventory.groups[group].get_hosts():
            hvars = host.get_vars()
            address = hvars.get('fleet_docker_host') or 'ssh://%s@%s' % (
                hvars.get('ansible_user') or 'root', hvars.get('ansible_host') or host.name)
            entry = dict(docker_host=to_text(address), name=host.name)
            for key in ('tls', 'validate_certs', 'ca_path', 'client_cert', 'client_key', 'use_ssh_client'):
                if hvars.get('fleet_docker_%s' % key) is not None:
                    entry[key] = hvars['fleet_docker_%s' % key]
            entries.append(entry)
        return entries

    def _check_filters(self):
        for index, item in enumerate(self.get_option('filters') or [], 1):
            if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in FILTER_KEYS:
                raise FleetDockerError('filters item %d: expected one key, include or exclude, with a test, got %r.'
                                       % (index, item))

    # ------------------------------------------------------------------ engines

    def _list_one(self, engine):
        """(engine name, list entries, inspects or None, error text or None)."""
        try:
            client = build_client(engine, use_ssh_client=self._ssh_cli(engine))
            try:
                entries = list_entries(client, all_containers=not self.get_option('running_only'))
                inspects = None
                if self.get_option('verbose_output'):
                    inspects = dict((entry['Id'], lookup_container(client, entry['Id'])) for entry in entries)
            finally:
                client.close()
            return engine['name'], entries, inspects, None
        except Exception as exc:  # pylint: disable=broad-except
            # The SDK's, requests' and, for ssh://, paramiko's errors: one sentence per engine.
            return engine['name'], [], None, describe_error(exc, engine['docker_host'])

    @staticmethod
    def _ssh_cli(engine):
        try:
            import paramiko  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
            return bool(engine.get('use_ssh_client'))
        except ImportError:
            return True

    def _list_all(self, engines):
        """{engine name: {entries, inspects}} of every engine, listed side by side."""
        with ThreadPoolExecutor(max_workers=min(MAX_ENGINE_THREADS, len(engines))) as pool:
            results = list(pool.map(self._list_one, engines))
        listing = {}
        for name, entries, inspects, error in results:
            if error:
                if self.get_option('unreachable_engines') == 'warn':
                    display.warning('fleet.docker.containers: engine %s left out: %s' % (name, error))
                    continue
                raise AnsibleParserError('fleet.docker.containers: engine %s: %s' % (name, error))
            listing[name] = dict(entries=entries, inspects=inspects)
        return listing

    # ------------------------------------------------------------------ hosts

    def _populate(self, engines, listing):
        connection_type = self.get_option('connection_type')
        for engine in engines:
            found = listing.get(engine['name'])
            if found is None:
                continue
            for entry in sorted(found['entries'], key=lambda e: (e.get('Names') or [e.get('Id')])[0]):
                facts = host_vars(entry, engine)
                if found.get('inspects'):
                    facts['container_inspect'] = found['inspects'].get(entry['Id'])
                name = facts['container_name']
                if name in self.inventory.hosts and \
                        self.inventory.get_host(name).get_vars().get('container_engine') not in (None, engine['name']):
                    display.warning('fleet.docker.containers: container %s exists on engines %s and %s; '
                                    'the second is named %s@%s.' % (name, self.inventory.get_host(name).get_vars()
                                                                    .get('container_engine'), engine['name'],
                                                                    name, engine['name']))
                    name = '%s@%s' % (name, engine['name'])
                # Everything from the daemon is data, never a template (a label may hold "{{ ... }}").
                hostvars = wrap_var(facts)
                hostvars.update(connection_vars(wrap_var(facts), engine, connection_type,
                                                self.get_option('ssh_port'), self.get_option('ssh_network') or ''))
                if not self._wanted(hostvars, name):
                    continue
                add_host(self, name, hostvars, default_groups(facts))

    def _wanted(self, hostvars, name):
        filters = self.get_option('filters') or []
        if not filters:
            return True
        variables = dict(hostvars)
        variables.update(self.inventory.get_host(name).get_vars() if name in self.inventory.hosts else {})
        for item in filters:
            verdict, test = next(iter(item.items()))
            try:
                matched = test if isinstance(test, bool) else self._compose(to_text(test), variables)
            except Exception as exc:  # pylint: disable=broad-except
                raise AnsibleError('fleet.docker.containers: filters test %r failed for %s: %s'
                                   % (test, name, to_text(exc)))
            if matched:
                return verdict == 'include'
        return True
