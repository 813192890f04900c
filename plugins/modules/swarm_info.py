#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_info
short_description: Facts about the Docker Swarm an engine is in, and optionally its nodes
version_added: 0.2.0
description:
  - Whether the engine is in a swarm and a manager; on a manager the swarm's id, version, spec and address pool.
  - Join tokens only when the task runs with C(no_log), as in fleet.docker.swarm.
options:
  nodes:
    description: Also list the nodes (needs a manager).
    type: bool
    default: false
  nodes_filters:
    description: Engine filters for the node list (id, label, membership, name, node.label, role).
    type: dict
  unlock_key:
    description: Also return the unlock key of an autolocked swarm (RV(swarm.unlock_key)); only when the task runs
      with C(no_log), like the join tokens.
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Is this host a manager?
  fleet.docker.swarm_info:
    nodes: true
  register: info

- ansible.builtin.debug:
    msg: "{{ info.nodes | map(attribute='hostname') }}"
  when: info.docker_swarm_manager
"""

RETURN = r"""
docker_swarm_active:
  description: Whether the engine is in a swarm.
  returned: always
  type: bool
docker_swarm_manager:
  description: Whether the engine is a manager.
  returned: always
  type: bool
swarm:
  description: As RV(fleet.docker.swarm#module:swarm); join_tokens only when the task runs with C(no_log).
  returned: always
  type: dict
  contains:
    unlock_key:
      description: The unlock key of an autolocked swarm.
      returned: with O(unlock_key) on a manager of an autolocked swarm, when the task runs with C(no_log)
      type: str
nodes:
  description: Each node with id, hostname, role, availability, labels, state, addr, engine_version, leader,
    manager_reachability, version.
  returned: when O(nodes) is true
  type: list
  elements: dict
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.info import swarm_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(nodes=dict(type='bool', default=False),
                                                    nodes_filters=dict(type='dict'),
                                                    unlock_key=dict(type='bool', default=False, no_log=False)),
                                 supports_check_mode=True)
    module.run(lambda m: swarm_info(m.client, m.params['nodes'], m.params['nodes_filters'], m.no_log,
                                    m.params['unlock_key']))


if __name__ == '__main__':
    main()
