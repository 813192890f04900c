#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: node
short_description: Availability, role and labels of a Docker Swarm node
version_added: 0.2.0
description:
  - Runs against a manager of the swarm. Only what differs from the node's stored spec is sent, so a rerun leaves
    its C(Version) alone.
  - Option names as community.docker's docker_node.
options:
  hostname:
    description: The node, by id or hostname.
    type: str
    required: true
  availability:
    description: V(active), V(pause) (no new tasks) or V(drain) (its tasks move to other nodes).
    type: str
    choices: [active, pause, drain]
  role:
    description: Promote to V(manager) or demote to V(worker).
    type: str
    choices: [manager, worker]
  labels:
    description: Node labels to set.
    type: dict
  labels_state:
    description: V(merge) adds O(labels) to the node's; V(replace) makes them the node's only labels.
    type: str
    choices: [merge, replace]
    default: merge
  labels_to_remove:
    description: Label keys to remove.
    type: list
    elements: str
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing.
  diff_mode:
    support: full
    description: The node's role, availability and labels before and after.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Drain a node before maintenance
  fleet.docker.node:
    hostname: lab2
    availability: drain

- name: Zone label from the inventory
  fleet.docker.node:
    hostname: "{{ item }}"
    labels: {zone: "{{ hostvars[item].zone }}"}
  loop: "{{ groups.swarm_workers }}"
"""

RETURN = r"""
node:
  description: The node after the task (id, hostname, role, availability, labels, state, addr, engine_version,
    leader, manager_reachability, version).
  returned: always
  type: dict
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.nodes import converge_node


def main():
    module = AnsibleDockerModule(argument_spec=dict(
        hostname=dict(type='str', required=True),
        availability=dict(type='str', choices=['active', 'pause', 'drain']),
        role=dict(type='str', choices=['manager', 'worker']),
        labels=dict(type='dict'), labels_state=dict(type='str', default='merge', choices=['merge', 'replace']),
        labels_to_remove=dict(type='list', elements='str')), supports_check_mode=True)
    module.run(lambda m: converge_node(m.client, m.params, m.check_mode, m._diff))


if __name__ == '__main__':
    main()
