#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: compose_info
short_description: The Docker Compose projects on a host, and their drift from a compose project
version_added: 0.2.0
description:
  - Lists the compose projects on the host from the labels Docker Compose v2 sets (and M(fleet.docker.compose) sets
    the same way), with each project's services, and each service's containers with their state, health, image and
    configuration hash.
  - Given O(project_src) or O(definition), also says per service whether a run of M(fleet.docker.compose) would
    change it (containers missing or too many, configuration hash outdated, stopped), and lists orphans.
options:
  project_name:
    description: Only this project. With O(project_src) or O(definition), the project's name.
    type: str
  project_src:
    description: Directory with the compose file(s) to compare the host with.
    type: path
  files:
    description: Compose files in O(project_src), as in M(fleet.docker.compose).
    type: list
    elements: path
  definition:
    description: The compose project inline, as a dict, to compare the host with.
    type: dict
  env_files:
    description: Files with variables for interpolation, as in M(fleet.docker.compose).
    type: list
    elements: path
  profiles:
    description: Profiles to enable, as in M(fleet.docker.compose).
    type: list
    elements: str
  environment:
    description: Variables for interpolation, as in M(fleet.docker.compose).
    type: dict
  scale:
    description: Containers per service, as in M(fleet.docker.compose).
    type: dict
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.INFO_MODULE
notes:
  - The configuration hash is fleet.docker's own; for a project made by C(docker compose) every service shows as
    outdated in RV(drift).
seealso:
  - module: fleet.docker.compose
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Every compose project on the host
  fleet.docker.compose_info:
  register: compose

- name: Does the host match /srv/app?
  fleet.docker.compose_info:
    project_src: /srv/app
  register: app
  failed_when: not app.drift.in_sync
"""

RETURN = r"""
projects:
  description: Per project name, C(working_dir), C(config_files), C(containers) and C(running) counts, and
    C(services), each a list of containers with C(name), C(id), C(number), C(state), C(status), C(health), C(exit_code),
    C(image), C(image_id), C(config_hash) and C(oneoff).
  returned: always
  type: dict
  sample:
    shop:
      working_dir: /srv/shop
      config_files: [/srv/shop/compose.yaml]
      containers: 1
      running: 1
      services:
        web:
          - {name: shop-web-1, number: 1, state: running, health: healthy, image: registry.example.com/web:1.0}
drift:
  description: With O(project_src) or O(definition), per service C(wanted) and C(existing) counts, C(outdated) and
    C(stopped) container names and C(in_sync); C(orphans); and C(in_sync) for the whole project.
  returned: when project_src or definition is given
  type: dict
  sample:
    in_sync: false
    orphans: []
    services:
      web: {wanted: 2, existing: 1, outdated: [], stopped: [], in_sync: false}
"""

from ansible_collections.fleet.docker.plugins.module_utils.compose.info import compose_info
from ansible_collections.fleet.docker.plugins.module_utils.compose.project import PROJECT_ARGS
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule

ARGS = dict(
    PROJECT_ARGS,
    project_name=dict(type='str'),
    environment=dict(type='dict'),
    scale=dict(type='dict'),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True,
                                 mutually_exclusive=[('files', 'definition')])
    module.run(lambda m: compose_info(m.client, m.params))


if __name__ == '__main__':
    main()
