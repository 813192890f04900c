#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_info
short_description: List Docker Swarm stacks, or one stack's services and tasks
version_added: 0.3.0
description:
  - Without O(name), the stacks of the swarm, as C(docker stack ls) lists them (services grouped by their
    C(com.docker.stack.namespace) label), whether M(fleet.docker.stack) or the docker CLI deployed them.
  - With O(name), that stack's services with their replicas running and desired (C(docker stack services)) and
    their tasks (C(docker stack ps)).
options:
  name:
    description: The stack to read. Unset lists every stack.
    type: str
    aliases: [stack_name]
  tasks:
    description: With O(name), also list the tasks (one engine call per service).
    type: bool
    default: true
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
notes:
  - Needs a swarm manager as O(docker_host).
seealso:
  - module: fleet.docker.stack
  - module: fleet.docker.service_info
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Every stack
  fleet.docker.stack_info:
  register: all_stacks

- name: Is every service of shop at its replica count?
  fleet.docker.stack_info:
    name: shop
    tasks: false
  register: shop

- ansible.builtin.assert:
    that: "{{ shop.services | selectattr('replicas.running', 'lt', 1) | list | length == 0 }}"
"""

RETURN = r"""
stacks:
  description: Without O(name), each stack with its number of services.
  returned: when name is unset
  type: list
  elements: dict
  sample: [{name: shop, services: 3, orchestrator: Swarm}]
exists:
  description: With O(name), whether the stack has services.
  returned: when name is set
  type: bool
services:
  description: With O(name), the stack's services (C(docker stack services)).
  returned: when name is set
  type: list
  elements: dict
  sample: [{name: shop_web, id: x1y2, mode: replicated, replicas: {running: 2, desired: 2},
            image: "registry.example.com/web:1.0@sha256:...", ports: [], labels: {}}]
tasks:
  description: With O(name) and O(tasks), the tasks of its services, as C(docker stack ps) (every state; the task
    name is C(<service>.<slot>), or C(<service>.<node id>) for a global service).
  returned: when name is set
  type: list
  elements: dict
  sample: [{id: abc, name: shop_web.1, service: shop_web, node: node1, image: "...", desired_state: running,
            current_state: running, since: "2026-01-01T00:00:00Z", error: "", exit_code: 0}]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.stack_info import stack_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(name=dict(type='str', aliases=['stack_name']),
                                                    tasks=dict(type='bool', default=True)),
                                 supports_check_mode=True)
    module.run(lambda m: stack_info(m.client, m.params))


if __name__ == '__main__':
    main()
