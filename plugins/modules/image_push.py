#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_push
short_description: Push a Docker image tag to its registry, only when the registry lacks it
version_added: 0.2.0
description:
  - Pushes C(repository:tag), like C(docker push).
  - The registry is asked first (C(HEAD /v2/NAME/manifests/TAG), C(Docker-Content-Digest)). When the tag there
    already points to a manifest the local image is known by (its C(RepoDigests)), nothing is pushed and the
    task reports no change.
  - Credentials come from the docker config file (E(DOCKER_CONFIG)/config.json, else C(~/.docker/config.json)),
    through its credential helper when it names one, as M(fleet.docker.registry_login) stores them.
options:
  name:
    description:
      - The local image to push, C(registry[:port]/[owner/]name[:tag]). A tag given here wins over O(tag).
    type: str
    required: true
  tag:
    description:
      - Tag to push when O(name) carries none.
    type: str
    default: latest
  registry_timeout:
    description:
      - Seconds to wait for the registry's answers about the tag.
    type: int
    default: 30
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Asks the registry and says whether a push would happen; pushes nothing.
  diff_mode:
    support: full
    description: Shows the registry's digest for the tag before and after.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image_tag
  - module: fleet.docker.registry_login
"""

EXAMPLES = r"""
- name: Push the release
  fleet.docker.image_push:
    name: registry.example.com/acme/site:1.4
  register: pushed

- name: Deploy by digest
  ansible.builtin.debug:
    msg: "{{ pushed.repo_digest }}"
"""

RETURN = r"""
digest:
  description: The manifest digest the registry holds for the tag after the task (absent in check mode when a push is due).
  returned: when known
  type: str
  sample: sha256:e82d390954de78049e2833436813a1d9d106c8e019dd5c0235c8c730449fd948
repo_digest:
  description: C(repository@digest), the reference to deploy by.
  returned: when known
  type: str
  sample: registry.example.com/acme/site@sha256:e82d390954de78049e2833436813a1d9d106c8e019dd5c0235c8c730449fd948
registry_digest_before:
  description: The digest the registry held for the tag before the task; null when it had no such tag.
  returned: always
  type: str
  sample: null
layers:
  description: Layers of the push; C(already_present) counts layers the registry already had ("Layer already exists").
  returned: always
  type: dict
  sample: {total: 3, pushed: 1, already_present: 2}
image:
  description: The local image.
  returned: always
  type: dict
  sample: {id: "sha256:5c7d...", repo_tags: ["registry.example.com/acme/site:1.4"]}
diff:
  description: The registry's digest for the tag before and after.
  returned: in diff mode
  type: dict
  sample: {before: {reference: "r/a:1", registry_digest: null}, after: {reference: "r/a:1", registry_digest: "sha256:e82d..."}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.push import run_image_push

ARGS = dict(
    name=dict(type='str', required=True),
    tag=dict(type='str', default='latest'),
    registry_timeout=dict(type='int', default=30),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_push)


if __name__ == '__main__':
    main()
