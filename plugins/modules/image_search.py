#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_search
short_description: Search a registry for images, like docker search
version_added: 0.1.0
description:
  - Uses the engine's search (the public hub, or the registry named at the start of O(term)).
  - A registry with no search endpoint, such as a plain v2 registry (the engine answers 404), is searched
    through its catalog instead (C(GET /v2/_catalog) and C(GET /v2/NAME/tags/list)); repository names
    containing the term's path match, and each hit carries its tags.
  - Never changes anything.
options:
  term:
    description:
      - What to search for. It may start with a registry, like C(127.0.0.1:5000/acme).
    type: str
    required: true
  limit:
    description:
      - At most this many results (1 to 100).
    type: int
    default: 25
  min_stars:
    description:
      - Only results with at least this many stars.
    type: int
    default: 0
  official:
    description:
      - V(true) keeps only official images, V(false) only non-official ones; unset keeps both.
    type: bool
  automated:
    description:
      - V(true) keeps only automated builds, V(false) only other images; unset keeps both.
    type: bool
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Official nginx images with at least 100 stars
  fleet.docker.image_search:
    term: nginx
    official: true
    min_stars: 100

- name: What the in-house registry holds under acme
  fleet.docker.image_search:
    term: registry.example.com:5000/acme
  register: found

- name: Show every repository with its tags
  ansible.builtin.debug:
    msg: "{{ found.results | items2dict(key_name='name', value_name='tags') }}"
"""

RETURN = r"""
results:
  description: The hits, each with the same fields.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: Registry the hit comes from.
      type: str
      sample: docker.io
    name:
      description: Repository name (official hub images bare, others C(owner/name) or C(registry/owner/name)).
      type: str
      sample: nginx
    description:
      description: Description; empty for catalog hits.
      type: str
    stars:
      description: Stars; 0 for catalog hits.
      type: int
    official:
      description: Published by the software's vendor.
      type: bool
    automated:
      description: Built by the hub's automated build.
      type: bool
    tags:
      description: Tags of the repository.
      returned: for catalog hits
      type: list
      elements: str
      sample: ["1.0", latest, stable]
source:
  description: V(search) when the engine's search answered, V(catalog) when the registry's catalog was listed.
  returned: always
  type: str
  sample: catalog
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.ops import run_image_search

ARGS = dict(
    term=dict(type='str', required=True),
    limit=dict(type='int', default=25),
    min_stars=dict(type='int', default=0),
    official=dict(type='bool'),
    automated=dict(type='bool'),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_search)


if __name__ == '__main__':
    main()
