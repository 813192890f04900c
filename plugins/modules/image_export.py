#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_export
short_description: Save Docker images to an archive on the managed host, only when it differs
version_added: 0.2.0
description:
  - Writes the images to a tar archive, like C(docker save -o PATH NAME...). Images share their layers in one archive.
  - When the file at O(path) already holds exactly these image IDs under exactly these names (its C(manifest.json)),
    nothing is written.
  - The archive is written to a temporary file next to O(path) and renamed, so a failed save leaves the old file.
options:
  names:
    description:
      - Images to save, as C(repository:tag) references or full image IDs. An image given by ID is saved without a name.
    type: list
    elements: str
    required: true
    aliases: [name]
  tag:
    description:
      - Tag of the entries of O(names) that carry neither a tag nor an image ID, as in
        community.docker.docker_image_export.
    type: str
    default: latest
    version_added: 0.3.0
  path:
    description:
      - The archive file on the managed host. Its directory must exist.
    type: path
    required: true
  mode:
    description:
      - File mode of the archive, octal as a string.
    type: str
    default: '0644'
  force:
    description:
      - Write the archive even when it already holds these images.
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reads the existing archive and says whether it would be written; writes nothing.
  diff_mode:
    support: full
    description: Shows the images (IDs and names) in the archive before and after.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image_load
"""

EXAMPLES = r"""
- name: Save the release once, for hosts without registry access
  fleet.docker.image_export:
    names: [registry.example.com/acme/site:1.4]
    path: /srv/release/site-1.4.tar
"""

RETURN = r"""
path:
  description: The archive.
  returned: always
  type: str
  sample: /srv/release/site-1.4.tar
images:
  description: The images the archive holds (should hold, in check mode), with their names.
  returned: always
  type: list
  elements: dict
  sample: [{id: "sha256:5c7d...", names: ["registry.example.com/acme/site:1.4"]}]
size:
  description: Size of the archive in bytes.
  returned: when the archive exists after the task
  type: int
  sample: 191234560
checksum:
  description: sha256 of the archive file.
  returned: when the archive exists after the task
  type: str
  sample: sha256:9f3a...
diff:
  description: Images in the archive before and after.
  returned: in diff mode
  type: dict
  sample: {before: {path: /srv/a.tar, images: null}, after: {path: /srv/a.tar, images: [{id: "sha256:5c7d...", names: ["a:1"]}]}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.archives import run_image_export

ARGS = dict(
    names=dict(type='list', elements='str', required=True, aliases=['name']),
    tag=dict(type='str', default='latest'),
    path=dict(type='path', required=True),
    mode=dict(type='str', default='0644'),
    force=dict(type='bool', default=False),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(run_image_export)


if __name__ == '__main__':
    main()
