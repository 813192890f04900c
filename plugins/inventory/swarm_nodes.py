# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: swarm_nodes
short_description: The nodes of a Docker swarm as inventory hosts
description:
  - Asks a swarm manager for the swarm's nodes and adds each as a host named after the node's hostname,
    with the node's advertised address as C(ansible_host), so the hosts are reachable over SSH.
  - Reads a YAML configuration file whose name ends in C(swarm_nodes.yml) or C(swarm_nodes.yaml).
  - "Groups out of the box: C(swarm_manager) and C(swarm_worker); C(swarm_availability_<active|pause|drain>);
    C(swarm_state_<ready|down|...>); C(swarm_leader); C(swarm_label_<key>_<value>) for each node label
    (C(swarm_label_<key>) for a label without a value). Characters Ansible does not allow in group names become C(_)."
  - "Host variables: C(swarm_node_id), C(swarm_hostname), C(swarm_role), C(swarm_availability), C(swarm_state),
    C(swarm_leader), C(swarm_reachability), C(swarm_addr), C(swarm_labels), C(swarm_engine_labels),
    C(swarm_engine_version), C(swarm_platform), and with O(verbose_output) C(swarm_node) (the engine's whole answer)."
  - Every value that comes from the engine is marked unsafe, so it is never templated.
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
    choices: [fleet.docker.swarm_nodes]
  docker_host:
    description:
      - A manager of the swarm, or a list of managers asked in turn until one answers.
      - An item is an address or a dictionary with C(docker_host) and its own TLS options, as for
        P(fleet.docker.containers#inventory).
    type: list
    elements: raw
    default: [unix:///var/run/docker.sock]
    env:
      - name: DOCKER_HOST
  verbose_output:
    description: Put the engine's whole answer for each node in C(swarm_node).
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventory/prod.swarm_nodes.yml
plugin: fleet.docker.swarm_nodes
docker_host: ssh://root@manager1.example.com
keyed_groups:
  - key: swarm_platform
    prefix: platform
compose:
  ansible_user: "'admin'"
"""

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    FleetDockerError, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.hosts.client import ENGINE_OPTIONS, build_client
from ansible_collections.fleet.docker.plugins.module_utils.hosts.inventory import engine_entries
from ansible_collections.fleet.docker.plugins.module_utils.hosts.swarm import node_groups, node_vars
from ansible_collections.fleet.docker.plugins.plugin_utils.inventory import add_host, read_through_cache


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Each node of the swarm is a host at its advertised address."""

    NAME = 'fleet.docker.swarm_nodes'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('swarm_nodes.yml', 'swarm_nodes.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        nodes = read_through_cache(self, path, cache, lambda: self._nodes(path))
        self._populate(nodes)

    def _nodes(self, path):
        defaults = dict((key, self.get_option(key)) for key in ENGINE_OPTIONS + ('use_ssh_client',)
                        if key != 'docker_host')
        try:
            managers = engine_entries(self.get_option('docker_host'), defaults)
        except FleetDockerError as exc:
            raise AnsibleParserError('%s: %s' % (path, exc.msg))
        reasons = []
        for manager in managers:
            try:
                client = build_client(manager, use_ssh_client=bool(manager.get('use_ssh_client')))
                try:
                    return client.nodes()
                finally:
                    client.close()
            except Exception as exc:  # pylint: disable=broad-except
                # The SDK's, requests' and, for ssh://, paramiko's errors: one sentence per manager.
                text = describe_error(exc, manager['docker_host'])
                if 'not a swarm manager' in text or 'swarm' in text and '503' in text:
                    text = 'this engine is not a manager of a swarm (docker swarm init, or ask a manager).'
                reasons.append('%s: %s' % (manager['docker_host'], text))
        raise AnsibleParserError('fleet.docker.swarm_nodes: no manager answered. %s' % ' '.join(reasons))

    def _populate(self, nodes):
        for node in sorted(nodes, key=lambda n: ((n.get('Description') or {}).get('Hostname') or '', n.get('ID'))):
            facts = node_vars(node)
            name = facts['swarm_hostname'] or facts['swarm_node_id']
            if name in self.inventory.hosts and self.inventory.get_host(name).get_vars().get('swarm_node_id') \
                    not in (None, facts['swarm_node_id']):
                name = '%s@%s' % (name, facts['swarm_node_id'][:12])
            if self.get_option('verbose_output'):
                facts['swarm_node'] = node
            hostvars = wrap_var(facts)
            if facts['swarm_addr']:
                hostvars['ansible_host'] = wrap_var(facts['swarm_addr'])
            add_host(self, name, hostvars, node_groups(facts))
