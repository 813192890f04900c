#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_info
short_description: List local Docker images by name, tag, digest or ID
version_added: 0.1.0
description:
  - Read-only facts about images on a Docker engine, like C(docker images NAME), C(docker image inspect)
    and C(docker history) together.
  - A name without a tag means its C(latest) tag, as in community.docker.docker_image_info; C(REPOSITORY:*) lists
    every tag of that repository present on the host.
  - A missing image gives an empty list, not a failure.
options:
  name:
    description:
      - Image names. Each is a reference with a tag (one image), a reference with a digest, a repository without
        a tag (its C(latest) tag), C(REPOSITORY:*) (every tag of the repository, like C(docker images REPOSITORY)),
        or an image ID or unique ID prefix.
      - Each image is returned once, in the order first asked for.
      - When not given (or empty), every image on the host, as in community.docker.docker_image_info.
      - Before fleet.docker 0.3.0 a repository without a tag meant every tag of it; write C(REPOSITORY:*) for that.
    type: list
    elements: str
  history:
    description:
      - Add each image's layer history, newest first, like C(docker history).
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image
"""

EXAMPLES = r"""
- name: Every tag of nginx on the host
  fleet.docker.image_info:
    name: ["nginx:*"]
  register: nginx

- name: Show tags and sizes
  ansible.builtin.debug:
    msg: "{{ nginx.images | map(attribute='repo_tags') | flatten }}"

- name: How an image was built
  fleet.docker.image_info:
    name:
      - registry.example.com/acme/web:stable
    history: true
  register: built
"""

RETURN = r"""
images:
  description: The matching local images; empty when none match.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Image ID.
      type: str
      sample: sha256:d4e8aebda69062e33a9a11c0e89eaee357cadd071f1d3adaca9d7056cbb85889
    repo_tags:
      description: Every C(repository:tag) naming the image.
      type: list
      elements: str
      sample: [127.0.0.1:5000/demo/web:latest, 127.0.0.1:5000/demo/web:stable]
    repo_digests:
      description: Every C(repository@digest) naming the image.
      type: list
      elements: str
    size:
      description: Size in bytes.
      type: int
    created:
      description: Creation time, ISO 8601.
      type: str
    architecture:
      description: CPU architecture.
      type: str
      sample: amd64
    os:
      description: Operating system.
      type: str
      sample: linux
    labels:
      description: Image labels.
      type: dict
    history:
      description: Layers, newest first, like C(docker history).
      returned: when O(history=true)
      type: list
      elements: dict
      sample:
        - {id: "sha256:d4e8...", created_by: "/bin/sh -c echo stable > /usr/share/nginx/html/version.txt",
           size: 7, created: "2026-11-23T00:33:26Z", tags: [], comment: ""}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.ops import run_image_info

ARGS = dict(
    name=dict(type='list', elements='str'),
    history=dict(type='bool', default=False),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_info)


if __name__ == '__main__':
    main()
