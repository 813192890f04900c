#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_tag
short_description: Give a local Docker image more names, idempotently
version_added: 0.2.0
description:
  - Adds C(repository:tag) names to a local image, like C(docker tag SOURCE TARGET).
  - A name that already names the image is left alone. A name that names another image is moved only with
    O(force=true), as C(docker tag) would move it silently.
options:
  name:
    description:
      - The image to tag, as a reference (C(repo), C(repo:tag), C(repo@digest)) or a full image ID.
      - A reference without tag or digest takes O(tag), as in community.docker.docker_image_tag, so
        C(name=acme/site) with C(tag=1) tags C(acme/site:1).
    type: str
    required: true
  repository:
    description:
      - The new names, C([registry[:port]/][owner/]name[:tag]). An entry without a tag takes O(tag) (not the tag of
        O(name)); a tag given in the entry wins.
    type: list
    elements: str
    required: true
  tag:
    description:
      - Tag of O(name) when O(name) carries neither a tag nor a digest, and tag of the entries of O(repository)
        that carry none, as in community.docker.docker_image_tag.
    type: str
    default: latest
  existing_images:
    description:
      - What to do with a name of O(repository) that already names another image, with community.docker's values.
      - V(overwrite) moves the name (as O(force=true)); V(keep) leaves it on the other image and reports it in
        RV(kept).
      - When not set, O(force) decides. B(Unlike community.docker, whose default is V(overwrite)), such a name is
        then refused and the task fails before tagging anything, because a silent move can swap the image a running
        deployment pulls.
    type: str
    choices: [keep, overwrite]
    version_added: 0.3.0
  force:
    description:
      - Move a name that currently names another image (the same as O(existing_images=overwrite)).
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Says which names would be added or moved; tags nothing.
  diff_mode:
    support: full
    description: Shows the image ID each name pointed to before and after.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image_build
  - module: fleet.docker.image_push
"""

EXAMPLES = r"""
- name: Name the build for the registry, twice
  fleet.docker.image_tag:
    name: acme/site:build
    repository:
      - registry.example.com/acme/site:1.4
      - registry.example.com/acme/site:stable

- name: Tag acme/site:1 (O(tag) applies to O(name)) as registry.example.com/acme/site:1
  fleet.docker.image_tag:
    name: acme/site
    tag: "1"
    repository:
      - registry.example.com/acme/site
"""

RETURN = r"""
image_id:
  description: The ID of the image that was tagged.
  returned: always
  type: str
  sample: sha256:5c7d8b2c4b81a1b86cbb2e9a4e0f31ac63b1d0c7a4d43f2d3de1ac28bd55ea1e
tagged:
  description: Names added or moved by this run (that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [registry.example.com/acme/site:1.4]
moved:
  description: Names among RV(tagged) that named another image before.
  returned: always
  type: list
  elements: str
  sample: []
kept:
  description: Names that name another image and were left alone (O(existing_images=keep)).
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: The image ID each name pointed to before and after.
  returned: in diff mode
  type: dict
  sample: {before: {"r/a:1": null}, after: {"r/a:1": "sha256:5c7d..."}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.tag import run_image_tag

ARGS = dict(
    name=dict(type='str', required=True),
    repository=dict(type='list', elements='str', required=True),
    tag=dict(type='str', default='latest'),
    existing_images=dict(type='str', choices=['keep', 'overwrite']),
    force=dict(type='bool', default=False),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_tag)


if __name__ == '__main__':
    main()
