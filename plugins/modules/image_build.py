#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_build
short_description: Build a Docker image from a context on the managed host, only when its inputs changed
version_added: 0.2.0
description:
  - Builds an image like C(docker build -t NAME:TAG PATH), with the engine's classic builder (the C(/build) API
    the Docker SDK speaks), on Docker 20.10 and newer alike. BuildKit is not needed.
  - "The build inputs are: the context files the engine receives (C(.dockerignore) honoured; path, type, mode
    and content of each, not times), the Dockerfile, O(args), O(target), O(labels), O(platform) and the image
    IDs of the base images the C(FROM) lines name. Their digest is stored on the image as the label
    C(fleet.docker.build-inputs)."
  - With O(rebuild=changed), a run whose inputs have the digest of the image the tag names builds nothing and
    reports no change.
  - The result lists every step of the build and whether it came from the layer cache, so a change to one
    file shows as that step and every later one rebuilt, the earlier ones cached.
options:
  name:
    description:
      - The image to build, C([registry[:port]/][owner/]name[:tag]). A tag given here wins over O(tag).
    type: str
    required: true
  tag:
    description:
      - Tag to use when O(name) carries none.
    type: str
    default: latest
  path:
    description:
      - The build context, a directory on the managed host.
    type: path
    required: true
  dockerfile:
    description:
      - The Dockerfile, relative to O(path) or absolute.
    type: str
    default: Dockerfile
  args:
    description:
      - Build arguments (C(--build-arg NAME=VALUE)).
    type: dict
  target:
    description:
      - The stage of a multi-stage Dockerfile to build (C(--target)).
    type: str
  labels:
    description:
      - Labels to set on the image (C(--label)).
    type: dict
  cache_from:
    description:
      - Images whose layers the builder may use as cache (C(--cache-from)).
    type: list
    elements: str
  nocache:
    description:
      - Build every step afresh (C(--no-cache)). Only consulted when a build happens.
    type: bool
    default: false
  pull:
    description:
      - Pull the base images before the build (C(--pull)). The base image IDs that count as inputs are then the
        registry's current ones, so a new base image in the registry rebuilds.
    type: bool
    default: false
  platform:
    description:
      - Platform to build for, C(os/arch[/variant]).
      - A list is accepted, as in community.docker.docker_image_build, but it must hold one platform; the classic
        builder builds one platform per image (multi-platform builds need buildx).
    type: list
    elements: str
  rebuild:
    description:
      - V(changed) builds only when the inputs changed or the image is missing.
      - V(always) builds every run; the layer cache still applies, so an unchanged build gives the same image
        and reports no change.
      - V(never) builds only when the image is missing, as community.docker.docker_image_build's default; an image
        on the host is kept even when its inputs changed (no inputs are read, no base image is pulled).
      - The default differs from community.docker (V(never)) because the inputs digest makes a rebuild on
        change as cheap as a no-op run; set V(never) to keep community.docker's behaviour.
    type: str
    choices: [changed, always, never]
    default: changed
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Computes the inputs digest and says whether a build would happen; builds nothing.
  diff_mode:
    support: full
    description: Shows the image ID and the inputs digest before and after.
notes:
  - Docker 23 and newer print a deprecation note for the classic builder in the CLI; the API builds all the same.
  - A failed build reports the failing step and the last lines of the build log.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image_tag
  - module: fleet.docker.image_push
"""

EXAMPLES = r"""
- name: Build the site image from /srv/site
  fleet.docker.image_build:
    name: registry.example.com/acme/site:1.4
    path: /srv/site
    args:
      RELEASE: "1.4"
  register: build

- name: Show which steps were rebuilt
  ansible.builtin.debug:
    msg: "{{ build.steps | map(attribute='cache') | list }}"
"""

RETURN = r"""
image:
  description: The image the tag names after the task (before it, in check mode); null when there is none.
  returned: always
  type: dict
  sample:
    id: sha256:5c7d8b2c4b81a1b86cbb2e9a4e0f31ac63b1d0c7a4d43f2d3de1ac28bd55ea1e
    repo_tags: [127.0.0.1:5000/demo/nginx:1.22]
    labels: {fleet.docker.build-inputs: "sha256:0d5c..."}
reason:
  description: Why the image was (or would be) built, or why not.
  returned: always
  type: str
  sample: the build inputs changed
inputs_digest:
  description:
    - The digest of the build inputs, as stored in the C(fleet.docker.build-inputs) label.
    - With O(rebuild=never) and the image on the host, the digest the image carries (null if none); the inputs
      are not read.
  returned: always
  type: str
  sample: sha256:0d5c3f1b2c9a5e7e4b4a2f1c2b1a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e
inputs:
  description:
    - What went into the digest; the base image IDs and the names of the build args (not their values).
    - Null with O(rebuild=never) when the image is on the host.
  returned: always
  type: dict
  sample: {context_entries: 5, bases: {"fleet-seed/nginx-base:bookworm": "sha256:1e2f..."}, args: [RELEASE], target: null}
steps:
  description:
    - The build's steps. Empty when nothing was built.
    - C(cache) is V(hit) (layer cache), V(miss) (ran), V(base) (a C(FROM) step) or V(label) (the inputs
      label the engine adds last).
  returned: always
  type: list
  elements: dict
  sample: [{step: 1, instruction: "FROM busybox", cache: base}, {step: 2, instruction: "COPY a /a", cache: hit}]
cache_hits:
  description: How many steps came from the layer cache.
  returned: always
  type: int
  sample: 3
cache_misses:
  description: How many steps ran.
  returned: always
  type: int
  sample: 2
build_log:
  description: The last lines of the build log; empty when nothing was built.
  returned: always
  type: list
  elements: str
  sample: ["Successfully built 5c7d8b2c4b81"]
diff:
  description: Image ID and inputs digest before and after.
  returned: in diff mode
  type: dict
  sample: {before: {image: "a:1", id: null, inputs_digest: null}, after: {image: "a:1", id: null, inputs_digest: "sha256:0d5c..."}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.build import run_image_build

ARGS = dict(
    name=dict(type='str', required=True),
    tag=dict(type='str', default='latest'),
    path=dict(type='path', required=True),
    dockerfile=dict(type='str', default='Dockerfile'),
    args=dict(type='dict'),
    target=dict(type='str'),
    labels=dict(type='dict'),
    cache_from=dict(type='list', elements='str'),
    nocache=dict(type='bool', default=False),
    pull=dict(type='bool', default=False),
    platform=dict(type='list', elements='str'),
    rebuild=dict(type='str', default='changed', choices=['changed', 'always', 'never']),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_build)


if __name__ == '__main__':
    main()
