#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network_info
short_description: Inspect Docker networks, with the containers attached and their addresses
version_added: 0.1.0
description:
  - Like C(docker network inspect), for one network, a list of them, or all of them, in the option names of
    M(fleet.docker.network), plus each attached container's name, ID, status, IPv4 and IPv6 addresses, MAC
    address, aliases, links and static addresses.
  - Stopped and created containers configured on a network count as attached; they have no addresses until they
    start.
  - A network that does not exist is reported in RV(networks) with C(exists) false, not as an error.
  - Read-only; runs the same in check mode.
options:
  name:
    description:
      - Network names, matched exactly; all networks when not set.
      - community.docker.docker_network_info also takes an ID or ID prefix. Here IDs are not looked up, so that a
        name that looks like an ID prefix never matches another network. One name (a string is a list of one)
        gives RV(exists) and RV(network) as there.
    type: list
    elements: str
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Where are the backend's containers?
  fleet.docker.network_info:
    name: backend
  register: net

- ansible.builtin.debug:
    msg: "{{ net.network.containers | map(attribute='ipv4') }}"

- name: Several networks; a missing one is not an error
  fleet.docker.network_info:
    name: [frontend, backend]
  register: nets
"""

RETURN = r"""
exists:
  description: Whether every network asked for exists.
  returned: always
  type: bool
  sample: true
network:
  description: The one network asked for, as in RV(networks); null when it does not exist.
  returned: when O(name) names exactly one network
  type: dict
networks:
  description:
    - One entry per name asked for, in order (or every network, by name), each with C(exists).
    - An existing network has name, id, driver, scope, created, driver_options, ipam_driver, ipam_driver_options,
      ipam_config, enable_ipv6, internal, attachable, labels and containers, as the RV(fleet.docker.network#module:network)
      return value.
  returned: always
  type: list
  elements: dict
  sample:
    - name: backend
      exists: true
      id: 0f3c2a...
      driver: bridge
      ipam_config: [{subnet: 10.231.7.0/24, gateway: 10.231.7.1, ip_range: null, aux_addresses: null}]
      containers: [{name: web, id: 6c1f..., status: running, ipv4: 10.231.7.2, ipv6: null, mac: "02:42:0a:e7:07:02",
                    aliases: [shop], links: [], ipv4_address: null, ipv6_address: null}]
    - name: frontend
      exists: false
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.networks.info import network_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(name=dict(type='list', elements='str')), supports_check_mode=True)
    module.run(lambda m: network_info(m.client, m.params['name']))


if __name__ == '__main__':
    main()
