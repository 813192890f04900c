#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: stack
short_description: Deploy a compose project as a Docker Swarm stack, without the docker CLI
version_added: 0.3.0
description:
  - Reads a compose project with the same loader as M(fleet.docker.compose) (O(project_src), O(files), O(definition))
    and makes the swarm run it as a stack, through the Engine API of a swarm manager, like C(docker stack deploy).
  - Names and labels are those of C(docker stack deploy), so C(docker stack ls), C(ps), C(services) and C(rm) see
    the stacks this module deploys, and this module adopts the stacks the CLI deployed (with the same file, no
    change). Services are C(<stack>_<service>); networks, secrets and configs C(<stack>_<name>) or their C(name);
    external ones keep their own name. The label C(com.docker.stack.namespace) is put on services, their
    containers, networks, secrets, configs and named volumes; C(com.docker.stack.image) on services. Services
    without networks join C(<stack>_default), an overlay network created when used; a service's short name is its
    alias on every user-defined network.
  - Each compose service goes through the same pipeline as M(fleet.docker.service), declaratively; what the file
    leaves unset means the engine's defaults (a rerun sets the file's replicas again, 1 when unset, as the CLI
    does). A rerun with the same file changes nothing and leaves each service's C(Version) and C(UpdatedAt) alone.
  - The C(deploy) keys mode (replicated, global, replicated-job, global-job), replicas, placement (constraints,
    preferences, max_replicas_per_node), resources (limits cpus, memory, pids; reservations cpus, memory),
    restart_policy, update_config, rollback_config, endpoint_mode and labels are applied.
  - Keys a swarm service does not have (build, container_name, links, restart, ...) give the warnings the docker
    CLI prints, in its words (C(Ignoring unsupported options), C(Ignoring deprecated options)), and keys the CLI
    refuses (mem_limit, cpu_shares, volumes_from, ...) fail with its reason. C(restart) is still read when
    C(deploy.restart_policy) is unset, as the CLI reads it.
  - Every service, network, secret and config is checked before anything is changed. An unknown deploy key,
    replicas with a global mode, a placement constraint the engine would not parse, a secret file that cannot be
    read, a published ingress port another service uses, an external network that does not exist, each give one message
    and change nothing.
options:
  name:
    description: The stack name (the namespace of its services, networks, secrets and configs).
    type: str
    required: true
    aliases: [stack_name]
  state:
    description: V(present) deploys the stack; V(absent) removes its services, networks, secrets and configs, as
      C(docker stack rm) (named volumes stay).
    type: str
    default: present
    choices: [present, absent]
  environment:
    description: Variables for interpolation (and for secrets and configs with an C(environment) source), standing
      in for the shell environment of the docker CLI. Default, the module's environment.
    type: dict
  prune:
    description: Remove the stack's services that the project no longer has (C(docker stack deploy --prune)).
    type: bool
    default: false
  resolve_image:
    description:
      - Pin each service's image to its registry digest, as C(docker stack deploy) does by default; when the registry
        cannot be reached, the tag is used as given, with a warning.
      - V(false) sends the tags as given and compares name and tag only (C(--resolve-image never)).
    type: bool
    default: true
  wait:
    description: Wait until created services run and updated services finish their rolling update; an update the
      engine pauses or rolls back fails the task with its reason. With O(state=absent), wait until the manager has
      removed the stack's networks (after their tasks stopped), so a deploy right after finds none of them.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait per service.
    type: int
    default: 300
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.compose_project
attributes:
  check_mode:
    support: full
    description: Reports per service, network, secret and config what would change (the registry is still asked for
      image digests) and changes nothing.
  diff_mode:
    support: full
    description: The before and after of each service, network, secret and config that changes; secret contents
      never appear (only whether they change).
notes:
  - Needs a swarm manager as O(docker_host).
  - A secret or config whose content changed while services use it is made again under its name the way
    M(fleet.docker.secret) does with C(force) (the services move to a temporary copy, the object is made again,
    they move back; two rolling updates), where C(docker stack deploy) fails (the engine changes no secret in
    use).
  - C(secrets.*.environment) and C(configs.*.content) are Compose specification keys that the docker CLI's stack
    loader does not read; this module reads them.
seealso:
  - module: fleet.docker.stack_info
  - module: fleet.docker.service
  - module: fleet.docker.compose
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Deploy the stack in /srv/shop/docker-stack.yml
  fleet.docker.stack:
    name: shop
    project_src: /srv/shop
    files: [docker-stack.yml]
    prune: true

- name: An inline stack
  fleet.docker.stack:
    name: demo
    definition:
      services:
        web:
          image: registry.example.com/demo/web:1.0
          ports:
            - {target: 80, published: 8080, mode: host}
          deploy:
            mode: global
            endpoint_mode: dnsrr
            update_config: {parallelism: 1, failure_action: rollback}

- name: Remove it
  fleet.docker.stack:
    name: demo
    state: absent
"""

RETURN = r"""
stack:
  description: The stack name.
  returned: always
  type: str
  sample: shop
services:
  description: Each service of the project, with what changed (or, in check mode, would change).
  returned: state is present
  type: list
  elements: dict
  sample: [{name: shop_web, service: web, id: x1y2z3, changed: true, changes: [replicas]}]
networks:
  description: The networks created (C(created)) and the external ones used (C(external)).
  returned: state is present
  type: dict
  sample: {created: [shop_default], external: [traefik-public]}
secrets:
  description: The stack's secrets and what was done to each (never their content).
  returned: state is present
  type: list
  elements: dict
  sample: [{name: shop_db_password, actions: [created shop_db_password]}]
configs:
  description: The stack's configs and what was done to each.
  returned: state is present
  type: list
  elements: dict
pruned:
  description: Services removed by O(prune).
  returned: state is present
  type: list
  elements: str
removed:
  description: With O(state=absent), the services, networks, secrets and configs removed.
  returned: state is absent
  type: dict
  sample: {services: [shop_web], networks: [shop_default], secrets: [], configs: []}
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.fleet.docker.plugins.module_utils.compose.yamlload import HAS_YAML, YAML_IMPORT_ERROR
from ansible_collections.fleet.docker.plugins.module_utils.compose.project import PROJECT_ARGS
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.stack_apply import converge_stack

ARGS = dict(
    PROJECT_ARGS,
    name=dict(type='str', required=True, aliases=['stack_name']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    environment=dict(type='dict'),
    prune=dict(type='bool', default=False),
    resolve_image=dict(type='bool', default=True),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=300),
)


def _run(module):
    result = converge_stack(module.client, module.params, module.check_mode, module._diff)
    for warning in result.pop('warnings_list', []):
        module.warn(warning)
    return result


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True,
                                 mutually_exclusive=[('files', 'definition')])
    if not HAS_YAML and module.params.get('definition') is None and module.params.get('state') == 'present':
        module.fail_json(msg=missing_required_lib('PyYAML'), exception=YAML_IMPORT_ERROR)
    module.run(_run)


if __name__ == '__main__':
    main()
