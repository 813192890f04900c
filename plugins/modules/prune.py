#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prune
short_description: Prune unused containers, images, volumes, networks and build cache
version_added: 0.1.0
description:
  - Like C(docker container prune), C(docker image prune [-a]), C(docker volume prune), C(docker network prune) and
    C(docker builder prune) together, each kind only when selected and each with its own filters.
  - Check mode lists what would go. The engine has no dry run for prune, so the candidates are computed from list calls
    with the same filters.
  - A second run finds nothing left to prune and reports no change.
options:
  containers:
    description: Remove stopped containers (created, exited or dead).
    type: bool
    default: false
  containers_filters:
    description:
      - Only containers matching these. Keys V(until) (older than a duration like V(24h), a Unix timestamp or a date),
        V(label) and V(label!) (a label key or V(key=value), or a list of them; all of V(label) must match, none of
        V(label!) may).
    type: dict
  images:
    description: Remove images no container uses; only dangling (untagged) ones unless O(images_all=true).
    type: bool
    default: false
  images_all:
    description: Remove every image no container uses, tagged ones too, like C(docker image prune -a).
    type: bool
    default: false
  images_filters:
    description:
      - Only images matching these; keys V(until), V(label), V(label!) as for O(containers_filters).
      - V(dangling) is accepted as in community.docker.docker_prune, where it goes to the engine. V(dangling=false)
        is O(images_all=true); V(dangling=true) is the default.
    type: dict
  volumes:
    description:
      - Remove volumes no container uses; only anonymous ones unless O(volumes_all=true).
      - The outcome is the same on every engine. The engines disagree on what their own volume prune removes
        (Docker 20.10 named volumes too, Docker 23 and later anonymous ones only, Docker 26.1 not those made by
        C(--mount)), so without O(volumes_all) the module lists the unused anonymous volumes and removes them
        itself, one by one; a volume that gets a user in the meantime stays.
      - community.docker.docker_prune calls the engine's prune, so the same task removes unused named volumes
        there on Docker 20.10 and not on Docker 23 and later; here it never does without O(volumes_all).
    type: bool
    default: false
  volumes_all:
    description:
      - Remove unused named volumes too, like C(docker volume prune --all) (C(docker volume prune) on Docker 20.10).
      - Anonymous volumes are those the engine named itself (C(docker run -v /data)), with a name of 64 hex digits;
        newer engines also mark them with the label C(com.docker.volume.anonymous).
    type: bool
    default: false
    version_added: 0.2.0
  volumes_filters:
    description:
      - Only volumes matching these; keys V(label) and V(label!) (volumes have no creation filter).
      - V(all) is accepted as in community.docker.docker_prune, where it goes to the engine (Docker 23 and later).
        V(all=true) is O(volumes_all=true), on every engine.
    type: dict
  networks:
    description: Remove networks no container is attached to; the predefined ones always stay.
    type: bool
    default: false
  networks_filters:
    description: Only networks matching these; keys V(until), V(label), V(label!).
    type: dict
  builder_cache:
    description: Remove build cache that is not in use.
    type: bool
    default: false
  builder_cache_filters:
    description: Only cache matching these; key V(until), which must be a duration such as V(24h).
    type: dict
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Lists the candidates of each selected kind and the space they hold, and removes nothing.
  diff_mode:
    support: none
    description: The result lists the pruned objects instead.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Weekly housekeeping
  fleet.docker.prune:
    containers: true
    images: true
    networks: true
    builder_cache: true
    builder_cache_filters:
      until: 168h

- name: Every unused image of one team older than a day
  fleet.docker.prune:
    images: true
    images_all: true
    images_filters:
      label: team=web
      until: 24h

- name: Unused volumes of one team, named ones included, on any engine version
  fleet.docker.prune:
    volumes: true
    volumes_all: true
    volumes_filters:
      label: team=web

- name: What would go?
  fleet.docker.prune:
    containers: true
    volumes: true
    volumes_filters:
      label!: keep
  check_mode: true
  register: would
"""

RETURN = r"""
containers:
  description: Stopped containers removed (or that would be).
  returned: when O(containers=true)
  type: dict
  contains:
    count:
      description: How many.
      type: int
    space_reclaimed:
      description: Bytes freed.
      type: int
    items:
      description: The objects; ID, and in check mode name and size.
      type: list
      elements: dict
  sample: {count: 2, space_reclaimed: 4096, items: [{id: 3f2a...}, {id: 91bc...}]}
images:
  description: Images deleted (or that would be), as for RV(containers); C(untagged) lists the names removed.
  returned: when O(images=true)
  type: dict
  sample: {count: 1, space_reclaimed: 5242880, items: [{id: "sha256:4e1f..."}], untagged: []}
volumes:
  description: Volumes removed (or that would be), as for RV(containers).
  returned: when O(volumes=true)
  type: dict
  sample: {count: 1, space_reclaimed: 1024, items: [{name: 0c3b...}]}
networks:
  description: Networks removed (or that would be), as for RV(containers).
  returned: when O(networks=true)
  type: dict
  sample: {count: 1, space_reclaimed: 0, items: [{name: old-net}]}
builder_cache:
  description: Build cache records removed (or that would be), as for RV(containers).
  returned: when O(builder_cache=true)
  type: dict
  sample: {count: 0, space_reclaimed: 0, items: []}
space_reclaimed:
  description: Bytes freed over all kinds (in check mode, an estimate from C(docker system df)).
  returned: always
  type: int
  sample: 5246976
summary:
  description: One line saying what happened.
  returned: always
  type: str
  sample: "Pruned 2 containers, 1 images; reclaimed 5.2 MB."
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.cleanup.prune import run_prune

ARGS = dict(
    containers=dict(type='bool', default=False),
    containers_filters=dict(type='dict'),
    images=dict(type='bool', default=False),
    images_all=dict(type='bool', default=False),
    images_filters=dict(type='dict'),
    volumes=dict(type='bool', default=False),
    volumes_all=dict(type='bool', default=False),
    volumes_filters=dict(type='dict'),
    networks=dict(type='bool', default=False),
    networks_filters=dict(type='dict'),
    builder_cache=dict(type='bool', default=False),
    builder_cache_filters=dict(type='dict'),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_prune)


if __name__ == '__main__':
    main()
