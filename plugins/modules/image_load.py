#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_load
short_description: Load Docker images from an archive on the managed host, only when some are missing
version_added: 0.2.0
description:
  - Loads an image archive, like C(docker load -i PATH) (what M(fleet.docker.image_export) or C(docker save) wrote).
  - Nothing is loaded when every image the archive's C(manifest.json) lists is already present by ID and each of
    its names already names that image.
  - The archive is read before the engine is asked anything, so a missing, truncated or foreign file fails with
    one message and changes nothing.
options:
  path:
    description:
      - The archive file on the managed host.
    type: path
    required: true
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reads the archive and says which images would be loaded; loads nothing.
  diff_mode:
    support: full
    description: Shows which of the archive's image IDs are present before and after.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image_export
"""

EXAMPLES = r"""
- name: Load the release on a host without registry access
  fleet.docker.image_load:
    path: /srv/release/site-1.4.tar
  register: loaded

- name: Say what arrived
  ansible.builtin.debug:
    msg: "{{ loaded.loaded }}"
"""

RETURN = r"""
images:
  description: The images the archive holds, with their names.
  returned: always
  type: list
  elements: dict
  sample: [{id: "sha256:5c7d...", names: ["registry.example.com/acme/site:1.4"]}]
loaded:
  description: Names loaded by this run (that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [registry.example.com/acme/site:1.4]
loaded_ids:
  description: Image IDs loaded by this run (that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["sha256:5c7d..."]
reasons:
  description: Per image ID that needs loading, why (C(missing), or a name that points elsewhere).
  returned: always
  type: dict
  sample: {"sha256:5c7d...": missing}
path:
  description: The archive.
  returned: always
  type: str
  sample: /srv/release/site-1.4.tar
diff:
  description: The archive's image IDs present on the host before and after.
  returned: in diff mode
  type: dict
  sample: {before: {present: []}, after: {present: ["sha256:5c7d..."]}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.archives import run_image_load

ARGS = dict(
    path=dict(type='path', required=True),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_load)


if __name__ == '__main__':
    main()
