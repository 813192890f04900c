#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cleanup
short_description: Remove every container and image of an ancestor image, idempotently
version_added: 0.1.0
description:
  - Removes the containers created from one or more images, stopped ones included, and then the images themselves,
    like C(docker ps -aq -f ancestor=...), C(docker stop), C(docker rm) and C(docker rmi) together, without their pitfalls.
  - A repository name without a tag means B(every tag of that repository) present on the host, not just C(:latest).
  - Running containers are stopped in parallel, so containers that ignore SIGTERM cost one O(stop_timeout), not one each.
  - An image that another repository name also references is only untagged for the matched repository; nothing is
    ever force-deleted.
  - A second run finds nothing left and reports no change.
options:
  ancestor:
    description:
      - One image reference or a list of them.
      - A repository name without tag or digest (V(registry.example.com/team/web)) matches every tag of that repository
        on the host, and untagged images pulled by digest from it. An image tagged only in other repositories is not
        matched just because it still carries a digest of this one.
      - A tag (V(web:1.0)), a digest (V(web@sha256:...)) or an image ID (full, or a unique prefix of at least 4 hex
        digits) means exactly that image. An image ID stands for the image itself, so all its names are removed.
      - A container matches when its image is one of the matched images, whatever name it was created with.
    type: list
    elements: str
    required: true
  descendants:
    description:
      - Also match images built FROM the matched images, and their containers.
      - For images built on this host the parent chain decides; for pulled images, an image whose layers start with
        all of a matched image's layers and add more.
      - All names of a descendant image are removed.
    type: bool
    default: false
  containers:
    description:
      - Remove every matching container, stopped and created ones included. Running ones are stopped first, in parallel.
      - When V(false), matching containers are kept and so are the images they use.
    type: bool
    default: true
  images:
    description:
      - Remove every matched tag. The image is deleted once no name, container or child image holds it.
    type: bool
    default: true
  stop_timeout:
    description:
      - Seconds each running container gets to stop after SIGTERM before it is killed.
      - All stops run at the same time (up to 32 at once), so the total is about one timeout.
    type: int
    default: 10
  volumes:
    description:
      - Also remove the anonymous volumes of the removed containers (C(docker rm -v)).
    type: bool
    default: false
  named_volumes:
    description:
      - Also remove the named volumes the removed containers mounted. A volume still used by another container is kept.
    type: bool
    default: false
  exclude:
    description:
      - Container names or IDs to keep. The image such a container uses is kept too, with the reason in the result.
      - Names that match no container are listed in RV(exclude_not_found).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: A dry run that lists every container and image it would remove, and the space it would reclaim.
  diff_mode:
    support: none
    description: The result lists every object and its action instead.
notes:
  - RV(space_reclaimed) counts image layers no remaining image uses plus the containers' writable layers, the way
    C(docker system df) counts them. Volume contents are not counted.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Remove every container and every tag of registry.example.com/team/web
  fleet.docker.cleanup:
    ancestor: registry.example.com/team/web

- name: Retire one release only, keep the canary container and its image
  fleet.docker.cleanup:
    ancestor: registry.example.com/team/web:1.0
    exclude: [web-canary]

- name: Containers of two images and of everything built on them; keep the images
  fleet.docker.cleanup:
    ancestor:
      - registry.example.com/team/base
      - registry.example.com/team/worker@sha256:4f6a1e1ad38c1f6c0a3d04be6a03e8c1b7b0f1f0d4c6d4b5e1b3f8c2a9d7e6f5
    descendants: true
    images: false
    stop_timeout: 3

- name: Dry run first
  fleet.docker.cleanup:
    ancestor: registry.example.com/team/web
  check_mode: true
  register: plan

- name: Show what would go
  ansible.builtin.debug:
    msg: "{{ plan.summary }}"
"""

RETURN = r"""
containers:
  description: Every container whose image matched, with what was (or in check mode would be) done to it.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Container ID.
      type: str
    name:
      description: Container name.
      type: str
    image:
      description: The image reference the container was created with.
      type: str
    image_id:
      description: The ID of the container's image.
      type: str
    state:
      description: State before the clean-up.
      type: str
    action:
      description: V(stopped_and_removed), V(removed) or V(kept).
      type: str
    reason:
      description: Why a container was kept.
      type: str
      returned: when the container is kept
  sample: [{id: 3f2a..., name: web1, image: "registry.example.com/team/web:1.0", image_id: "sha256:f291...",
            state: running, action: stopped_and_removed}]
images:
  description:
    - Every matched image name, with what was (or would be) done to it.
    - V(deleted) means removing this name deleted the image; V(untagged) means only the name went, because other names,
      child images or earlier names of the same image remain; V(kept) comes with a reason.
  returned: always
  type: list
  elements: dict
  contains:
    tag:
      description: The name removed, C(repository:tag), or C(repository@digest) for images known only by digest.
      type: str
    id:
      description: Image ID.
      type: str
    action:
      description: V(deleted), V(untagged) or V(kept).
      type: str
    reason:
      description: Why an image was kept or only untagged.
      type: str
      returned: when the image stays
    matched_by:
      description: The O(ancestor) entry that matched, or C(descendant of ...).
      type: str
  sample: [{tag: "registry.example.com/team/web:1.0", id: "sha256:f291...", action: deleted,
            matched_by: registry.example.com/team/web}]
volumes:
  description: Named volumes removed or kept.
  returned: when O(named_volumes=true)
  type: list
  elements: dict
  sample: [{name: web-data, action: removed, used_by: [web1]}]
space_reclaimed:
  description: Bytes freed (or that would be freed) on disk, image layers plus container writable layers.
  returned: always
  type: int
  sample: 5242880
summary:
  description: One line saying what happened.
  returned: always
  type: str
  sample: "Removed 6 container(s) (4 running), 3 image tag(s) (2 image(s) deleted); reclaimed 5.2 MB."
exclude_not_found:
  description: O(exclude) entries that matched no container.
  returned: when some did not match
  type: list
  elements: str
"""

from ansible_collections.fleet.docker.plugins.module_utils.cleanup.ops import run_cleanup
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule

ARGS = dict(
    ancestor=dict(type='list', elements='str', required=True),
    descendants=dict(type='bool', default=False),
    containers=dict(type='bool', default=True),
    images=dict(type='bool', default=True),
    stop_timeout=dict(type='int', default=10),
    volumes=dict(type='bool', default=False),
    named_volumes=dict(type='bool', default=False),
    exclude=dict(type='list', elements='str', default=[]),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_cleanup)


if __name__ == '__main__':
    main()
