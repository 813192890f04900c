#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: node_info
short_description: Inspect Docker Swarm nodes
version_added: 0.2.0
description:
  - Runs against a manager. All nodes, the ones named, or the engine's own node.
options:
  name:
    description: Nodes by id or hostname; missing ones are left out.
    type: list
    elements: str
  self:
    description: Only the node of the engine the task talks to.
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: The nodes that are down
  fleet.docker.node_info:
  register: nodes

- ansible.builtin.debug:
    msg: "{{ nodes.nodes | rejectattr('state', 'equalto', 'ready') | map(attribute='hostname') }}"
"""

RETURN = r"""
nodes:
  description: Each node summarised (id, hostname, role, availability, labels, state, addr, engine_version, leader,
    manager_reachability, version).
  returned: always
  type: list
  elements: dict
raw:
  description: Each node as the engine returns it.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.info import node_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(name=dict(type='list', elements='str'),
                                                    self=dict(type='bool', default=False)), supports_check_mode=True)
    module.run(lambda m: node_info(m.client, m.params['name'], m.params['self']))


if __name__ == '__main__':
    main()
