#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: service_info
short_description: Read Docker Swarm services and their tasks
version_added: 0.3.0
description:
  - Returns one service by name, or every service (optionally those with given labels), as the engine of a swarm
    manager shows them, with their tasks (node, slot, desired and current state, error, image).
options:
  name:
    description: Service name, matched exactly. Unset lists every service.
    type: str
  labels:
    description: With O(name) unset, only services carrying these labels (C(key) or C(key=value) strings).
    type: list
    elements: str
  tasks:
    description: Also read each service's tasks (one more engine call per service).
    type: bool
    default: true
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
notes:
  - Needs a swarm manager as O(docker_host).
seealso:
  - module: fleet.docker.service
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: How many web tasks run?
  fleet.docker.service_info:
    name: web
  register: web

- ansible.builtin.debug:
    msg: "{{ web.service.RunningTasks }} of {{ web.service.Spec.Mode.Replicated.Replicas }}"

- name: Every service of a stack
  fleet.docker.service_info:
    labels: [com.docker.stack.namespace=shop]
    tasks: false
  register: shop
"""

RETURN = r"""
exists:
  description: Whether the named service exists (or any service matched).
  returned: always
  type: bool
service:
  description: The named service, as in RV(services); null when it does not exist.
  returned: when O(name) is set
  type: dict
services:
  description:
    - The services as the engine shows them (C(ID), C(Version), C(CreatedAt), C(UpdatedAt), C(Spec), C(Endpoint),
      C(UpdateStatus)), with C(Tasks) (C(ID), C(NodeID), C(Slot), C(DesiredState), C(State), C(Err), C(Image))
      and C(RunningTasks) when O(tasks) is set.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_info import service_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(name=dict(type='str'), labels=dict(type='list', elements='str'),
                                                    tasks=dict(type='bool', default=True)),
                                 supports_check_mode=True)
    module.run(lambda m: service_info(m.client, m.params))


if __name__ == '__main__':
    main()
