#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image
short_description: Pull or remove a Docker image, idempotently
version_added: 0.1.0
description:
  - Makes one image reference present on a Docker engine by pulling it, like C(docker pull), or removes
    that reference, like C(docker rmi).
  - Credentials for private registries come from the docker config file that M(fleet.docker.registry_login)
    writes (E(DOCKER_CONFIG)/config.json, else C(~/.docker/config.json)).
  - In check mode nothing is pulled or removed. The registry is asked for the tag's current manifest digest
    (C(HEAD /v2/NAME/manifests/TAG)) so that O(pull=always) can tell whether a pull would change the image.
options:
  name:
    description:
      - Image reference, C([registry[:port]/][owner/]name[:tag][@digest]).
      - A tag or digest given here wins over O(tag).
      - A digest reference (C(repo@sha256:...)) is present when that digest is on the host.
      - With O(state=absent) an image ID (C(sha256:...)) is taken too, as in community.docker.docker_image_remove;
        the image goes with every name it has. An image with several names needs O(force=true) then, as the
        engine requires.
    type: str
    required: true
  tag:
    description:
      - Tag to use when O(name) carries neither a tag nor a digest.
    type: str
    default: latest
  state:
    description:
      - V(present) pulls the image according to O(pull).
      - V(absent) removes the reference. An image that another reference (tag or repository name) still names
        is only untagged. An image that containers use is refused, naming them, unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  pull:
    description:
      - V(missing) pulls only when no local image matches the reference.
      - V(always) pulls every time and reports a change only when the local image ID for the reference changed.
      - V(not_present) is community.docker.docker_image_pull's name for V(missing) and means the same.
      - The default differs from community.docker.docker_image_pull (V(always)) and agrees with
        community.docker.docker_image, whose O(state=present) pulls a missing image only. This module stands for
        both, and V(always) asks the registry on every run. Set V(always) for docker_image_pull's behaviour.
    type: str
    choices: [missing, always, not_present]
    default: missing
  platform:
    description:
      - Platform to pull, C(os/arch[/variant]), for example C(linux/arm64).
      - A local image of another platform does not count as present.
    type: str
  force:
    description:
      - With O(state=absent), remove the image even when containers use it (the engine then leaves it untagged
        until they are gone).
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Pulls and removes nothing; asks the registry for the remote digest to predict pulls.
  diff_mode:
    support: full
    description: Shows the image ID of the reference before and after.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image_info
  - module: fleet.docker.registry_login
"""

EXAMPLES = r"""
- name: Pull nginx:stable when it is not on the host
  fleet.docker.image:
    name: nginx
    tag: stable

- name: Pin the fleet to one digest
  fleet.docker.image:
    name: registry.example.com/acme/web@sha256:e82d390954de78049e2833436813a1d9d106c8e019dd5c0235c8c730449fd948

- name: Follow a moving tag; changed only when the registry has a new image
  fleet.docker.image:
    name: registry.example.com/acme/web:latest
    pull: always
  register: web

- name: Show how many layers were reused
  ansible.builtin.debug:
    msg: "{{ web.layers.already_present }} of {{ web.layers.total }} layers were already present"

- name: Remove a tag even though a container still uses the image
  fleet.docker.image:
    name: registry.example.com/acme/web:1.0
    state: absent
    force: true
"""

RETURN = r"""
image:
  description:
    - The local image the reference points to after the task; null when it is absent
      (or, in check mode, not yet pulled).
  returned: always
  type: dict
  sample:
    id: sha256:d4e8aebda69062e33a9a11c0e89eaee357cadd071f1d3adaca9d7056cbb85889
    repo_tags: [127.0.0.1:5000/demo/web:stable]
    repo_digests: [127.0.0.1:5000/demo/web@sha256:e82d390954de78049e2833436813a1d9d106c8e019dd5c0235c8c730449fd948]
    size: 1990000
    created: "2026-11-23T00:33:26.123456789Z"
    architecture: amd64
    os: linux
    labels: {}
pulled:
  description: Whether the engine pulled during this run.
  returned: always
  type: bool
  sample: true
layers:
  description:
    - Layer accounting of the pull, like the lines of C(docker pull); zeros when nothing was pulled.
    - C(already_present) counts layers shared with images already on the host ("Already exists").
  returned: always
  type: dict
  sample: {total: 4, downloaded: 1, already_present: 3}
remote_digest:
  description: The manifest digest the registry holds for the tag, when the registry could tell (check mode only).
  returned: in check mode with O(state=present) when a pull was considered
  type: str
  sample: sha256:e82d390954de78049e2833436813a1d9d106c8e019dd5c0235c8c730449fd948
untagged:
  description: References removed.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [127.0.0.1:5000/acme/web:1.0]
deleted:
  description: Image and layer IDs deleted; empty when the image was only untagged.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [sha256:f2915a0209363adecfcd7a54f2557ab7ad9c53a7c00f60f4f3f6df5f11d1abe4]
containers:
  description: Containers that use the image (removal with O(force=true)).
  returned: when O(state=absent) and containers use the image
  type: list
  elements: str
  sample: [web1]
diff:
  description: The image ID of the reference before and after.
  returned: in diff mode
  type: dict
  sample: {before: {reference: nginx:latest, id: null}, after: {reference: nginx:latest, id: "sha256:d4e8..."}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.ops import run_image

ARGS = dict(
    name=dict(type='str', required=True),
    tag=dict(type='str', default='latest'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    pull=dict(type='str', default='missing', choices=['missing', 'always', 'not_present']),
    platform=dict(type='str'),
    force=dict(type='bool', default=False),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image)


if __name__ == '__main__':
    main()
