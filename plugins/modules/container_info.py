#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_info
short_description: List containers like docker ps, or look one up
version_added: 0.1.0
description:
  - With O(name), looks up one container by name or ID prefix, like C(docker inspect).
  - Without it, lists containers like C(docker ps), narrowed by O(filters); O(all) includes stopped ones, like C(-a).
  - Read-only; runs the same in check mode.
options:
  name:
    description: A container name or an ID prefix (2-3 characters are enough when unique).
    type: str
  filters:
    description:
      - Filters like C(docker ps -f KEY=VALUE); a list value matches any of its items.
      - C(id) (a prefix is enough), C(name), C(label) (C(key) or C(key=value)), C(exited) (exit code),
        C(status) (C(created), C(running), C(paused), C(restarting), C(exited), ...), and C(ancestor).
      - C(ancestor) takes an image ID, a reference with tag or digest (exactly that image), or a bare repository name,
        which means every tag of it on the host - unlike the engine, where C(ancestor=nginx) means C(nginx:latest).
        Containers from images built on top of it are not included.
    type: dict
  all:
    description: Include stopped containers, like C(docker ps -a).
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: One container
  fleet.docker.container_info:
    name: web
  register: web

- name: Everything made from any tag of demo/web, stopped ones too
  fleet.docker.container_info:
    all: true
    filters:
      ancestor: registry.example.com/demo/web

- name: Containers that exited with code 1 and carry a label
  fleet.docker.container_info:
    all: true
    filters:
      exited: 1
      label: [team=payments]
"""

RETURN = r"""
exists:
  description: Whether the container named by O(name) exists.
  returned: when O(name) is set
  type: bool
  sample: true
container:
  description: The container named by O(name), as in RV(containers); null when it does not exist.
  returned: when O(name) is set
  type: dict
containers:
  description: One entry per container, with the fields of C(docker ps).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Full container ID.
      type: str
    names:
      description: Names.
      type: list
      elements: str
    image:
      description: The image as given at creation.
      type: str
    image_id:
      description: ID of the image.
      type: str
    command:
      description: The command line.
      type: str
    created:
      description: Creation time, seconds since the epoch.
      type: int
    status:
      description: Like C(Up 7 minutes) or C(Exited (0) 3 minutes ago).
      type: str
    state:
      description: C(created), C(running), C(paused), C(restarting), C(exited) or C(dead).
      type: str
    ports:
      description: Like C(0.0.0.0:8080->80/tcp), or C(80/tcp) when not published.
      type: list
      elements: str
    labels:
      description: Labels.
      type: dict
    mounts:
      description: Mounts with type, name, source, destination and rw.
      type: list
      elements: dict
  sample:
    - id: 3f2a9c0e1b7d...
      names: [web]
      image: 127.0.0.1:5000/demo/web:1.0
      image_id: sha256:5d0da3dc9764...
      command: /bin/httpd -f -p 80 -h /usr/share/nginx/html
      created: 1714557600
      status: Up 7 minutes
      state: running
      ports: ["0.0.0.0:8080->80/tcp"]
      labels: {org.fleet.demo: web}
      mounts: []
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.containers.listing import container_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(name=dict(type='str'), filters=dict(type='dict'),
                                                    all=dict(type='bool', default=False)),
                                 supports_check_mode=True, mutually_exclusive=[('name', 'filters')])
    module.run(lambda m: container_info(m.client, m.params['name'], m.params['filters'], m.params['all']))


if __name__ == '__main__':
    main()
