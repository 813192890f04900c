#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: compose
short_description: Converge a Docker Compose project without the compose CLI on the host
version_added: 0.2.0
description:
  - Reads a compose project (the files in O(project_src), or O(definition)) and makes the engine match it, the way
    C(docker compose up -d) does, through the same container engine as M(fleet.docker.container), with the option table,
    plan then apply, the create-before-destroy recreate. No compose binary is needed on the host.
  - Objects are named and labelled as Docker Compose v2 names them (containers C(<project>-<service>-<n>) or
    C(container_name), networks and volumes C(<project>_<name>) or their C(name)), with the C(com.docker.compose.*)
    labels, so C(docker compose ps) lists the project and C(docker compose down) removes it.
  - Idempotent by a per-service configuration hash. A change in one service recreates only that service's
    containers; services whose configuration did not change are not touched, nor are their dependents (unless
    C(depends_on.restart) is set).
  - Services start level by level in C(depends_on) order, waiting for C(service_healthy) and
    C(service_completed_successfully) conditions; a service that never turns healthy fails the task after
    O(wait_timeout), naming the service.
  - A one-shot service (it exited with code 0, and something depends on it with C(service_completed_successfully),
    or it has no restart policy) counts as converged once completed; a rerun does not run it again unless its
    configuration changed. C(docker compose up -d) runs such services again on every run.
  - Bad input (invalid YAML, an unknown key, a C(depends_on) cycle or missing service, a missing required variable,
    a missing external network or volume, two services on one host port) fails with one message naming the file,
    service and key, before anything changes.
options:
  project_name:
    description: The project name. Default, the C(name) of the project, else the directory's name.
    type: str
  environment:
    description: Variables for interpolation, standing in for the shell environment of C(docker compose).
    type: dict
  services:
    description: Converge only these services (and what they depend on, see O(dependencies)).
    type: list
    elements: str
  dependencies:
    description: With O(services), also converge the services they depend on.
    type: bool
    default: true
  scale:
    description: Number of containers per service, overriding C(deploy.replicas) and C(scale). Scaling down removes
      the highest numbers first.
    type: dict
  state:
    description:
      - V(present) creates, recreates and starts what the project describes.
      - V(stopped) creates and recreates as V(present) and stops the containers.
      - V(restarted) converges as V(present) and restarts the containers it did not just start.
        community.docker.docker_compose_v2 runs C(docker compose restart), which restarts the existing containers
        without creating or recreating any.
      - V(absent) removes the project's containers and networks (its volumes with O(remove_volumes), its images with
        O(remove_images)); it only needs O(project_name).
    type: str
    default: present
    choices: [present, absent, stopped, restarted]
  remove_orphans:
    description: Remove containers of the project whose service is no longer in it. Without it they are kept and a
      warning names them.
    type: bool
    default: false
  remove_volumes:
    description: With O(state=absent), also remove the project's named volumes (external ones are never removed).
    type: bool
    default: false
  remove_images:
    description:
      - With O(state=absent), also remove the images of the project's containers (V(all)), or only the images Compose
        names itself, those of services without C(image) (V(local)), as C(docker compose down --rmi local) and
        community.docker.docker_compose_v2 do. An image a service names in C(image) is kept with V(local), even
        when the service builds it.
      - Before fleet.docker 0.3.0 V(local) removed the images of every service with C(build).
    type: str
    choices: [all, local]
  pull:
    description:
      - V(missing) pulls images that are not on the host, V(always) pulls every image, V(never) fails when one is
        missing, V(policy) follows each service's C(pull_policy).
    type: str
    default: policy
    choices: [missing, always, never, policy]
  build:
    description:
      - What to do with services that have C(build). Their image is the service's C(image), or
        C(<project>-<service>) when it has none, as Compose names it. Builds go through M(fleet.docker.image_build)'s
        logic on the host (the engine's classic builder); the context is a directory on the host.
      - V(policy) (the default, as in community.docker.docker_compose_v2 and C(docker compose up)) builds an image
        that is not on the host, and always checks the services with C(pull_policy) V(build).
      - V(never) builds nothing; a service that only builds and whose image is not on the host fails the task.
      - V(missing) builds the image when it is not on the host.
      - V(always) checks every build's inputs (context files, Dockerfile, args, target, labels, platform, base image
        IDs) and builds when they changed, so a rerun without changes builds nothing, and a changed context rebuilds
        that image and recreates only the containers of its service. C(pull_policy) V(build) makes a service V(always).
      - Build keys the classic builder cannot honour (C(dockerfile_inline), C(additional_contexts), C(ssh),
        C(secrets), C(tags), C(network), ...) and remote contexts are refused before any change.
      - Before fleet.docker 0.3.0 the default was V(never).
    type: str
    default: policy
    choices: [policy, never, missing, always]
  recreate:
    description: V(auto) recreates containers whose configuration hash or image changed, V(always) recreates all,
      V(never) only creates what is missing.
    type: str
    default: auto
    choices: [auto, always, never]
  wait:
    description: After converging, wait until every service with a healthcheck is healthy.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for a C(depends_on) condition, and for O(wait).
      - community.docker.docker_compose_v2 has no default (C(docker compose up --wait) then waits without limit);
        here a task never hangs, so the wait is bounded by default.
    type: int
    default: 120
  timeout:
    description:
      - Seconds to wait for a container to stop before it is killed, when the module stops, restarts or removes one.
        Default, the container's own C(stop_grace_period) (10 s when unset).
      - In this module O(timeout) is the stop timeout, as in community.docker.docker_compose_v2; the connection to the
        engine uses its default timeout (or E(DOCKER_TIMEOUT)).
    type: int
    default: null
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.compose_project
attributes:
  check_mode:
    support: full
    description: Reports per service and container what would be created, recreated, started, stopped or removed, and
      why; changes nothing.
  diff_mode:
    support: full
    description: Each container's state and configuration hash before and after, with the reasons.
notes:
  - The configuration hash label C(com.docker.compose.config-hash) is fleet.docker's own hash of the normalized
    service, not Compose's value. C(docker compose up -d) therefore recreates the containers once after this
    module made them (and this module recreates them once after C(docker compose up)).
  - The module adds one label of its own, C(fleet.docker.compose.key-hashes), so a plan can say which keys of a
    service changed.
  - Secrets and configs with a C(file) source are bind-mounted read-only at C(/run/secrets/NAME) (or their target) and
    at the config's target, as Compose does.
seealso:
  - module: fleet.docker.compose_info
  - module: fleet.docker.containers
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Deploy the project in /srv/app
  fleet.docker.compose:
    project_src: /srv/app

- name: An inline project, two replicas of web
  fleet.docker.compose:
    project_name: shop
    definition:
      services:
        web:
          image: registry.example.com/web:1.0
          ports: ["8080:80"]
          depends_on:
            db: {condition: service_healthy}
        db:
          image: registry.example.com/db:16
          healthcheck: {test: ["CMD", "pg_isready"], interval: 5s}
    scale:
      web: 2

- name: Remove it, with its named volumes
  fleet.docker.compose:
    project_name: shop
    state: absent
    remove_volumes: true
"""

RETURN = r"""
project:
  description: The project name.
  returned: always
  type: str
  sample: shop
services:
  description: Per service, each container with the action taken (or, in check mode, to take) and why.
  returned: when state is not absent
  type: dict
  sample:
    web:
      containers:
        - {name: shop-web-1, number: 1, action: recreate, reasons: ["changed: environment"]}
actions:
  description: Everything done (to be done in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["create network shop_default", "create shop-web-1 (new)"]
networks:
  description: The project's networks and what happened to each (V(create), V(exists), V(external)).
  returned: when state is not absent
  type: list
  elements: dict
volumes:
  description: The project's volumes and what happened to each (V(create), V(exists), V(external)).
  returned: when state is not absent
  type: list
  elements: dict
built:
  description: Images built (in check mode, those a run would build).
  returned: success
  type: list
  elements: str
pulled:
  description: Images pulled.
  returned: when state is not absent
  type: list
  elements: str
removed_networks:
  description: Networks removed by O(state=absent).
  returned: when state is absent
  type: list
  elements: str
removed_volumes:
  description: Volumes removed by O(state=absent) with O(remove_volumes).
  returned: when state is absent
  type: list
  elements: str
removed_images:
  description: Images removed by O(state=absent) with O(remove_images).
  returned: when state is absent
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.fleet.docker.plugins.module_utils.compose.apply import converge_project
from ansible_collections.fleet.docker.plugins.module_utils.compose.yamlload import HAS_YAML, YAML_IMPORT_ERROR
from ansible_collections.fleet.docker.plugins.module_utils.compose.project import PROJECT_ARGS
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule

ARGS = dict(
    PROJECT_ARGS,
    project_name=dict(type='str'),
    environment=dict(type='dict'),
    services=dict(type='list', elements='str'),
    dependencies=dict(type='bool', default=True),
    scale=dict(type='dict'),
    state=dict(type='str', default='present', choices=['present', 'absent', 'stopped', 'restarted']),
    remove_orphans=dict(type='bool', default=False),
    remove_volumes=dict(type='bool', default=False),
    remove_images=dict(type='str', choices=['all', 'local']),
    pull=dict(type='str', default='policy', choices=['missing', 'always', 'never', 'policy']),
    build=dict(type='str', default='policy', choices=['policy', 'never', 'missing', 'always']),
    recreate=dict(type='str', default='auto', choices=['auto', 'always', 'never']),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=120),
    timeout=dict(type='int'),
)


def _run(module):
    params = dict(module.params)
    # timeout is the stop timeout here; the client keeps the connection default.
    module.params['timeout'] = int(os.environ.get('DOCKER_TIMEOUT') or 60)
    result = converge_project(module.client, params, module.check_mode, module._diff)
    for warning in result.pop('warnings_list', []):
        module.warn(warning)
    return result


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True,
                                 mutually_exclusive=[('files', 'definition')])
    # Only compose files need a YAML parser; a definition (a dict from the task) does not.
    if not HAS_YAML and module.params.get('definition') is None and module.params.get('project_src') is not None:
        module.fail_json(msg=missing_required_lib('PyYAML'), exception=YAML_IMPORT_ERROR)
    module.run(_run)


if __name__ == '__main__':
    main()
