#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_fetch
short_description: Copy a file or a directory out of a container to the managed host
version_added: 0.1.0
description:
  - Like C(docker cp CONTAINER:PATH HOST_PATH), for files and whole directories, on running and stopped containers.
  - Idempotent by checksum, type, symlink target and mode; only what differs is written, each file atomically.
  - Archive member paths are sanitised. A member that would land outside the destination (a C(..) component, an
    absolute name, a symlink or hard link pointing outside, or a path under a symlinked directory) makes the
    module fail before anything is written.
  - File modes are copied; ownership is that of the user running the module.
options:
  container:
    description: Name or ID of the container.
    type: str
    required: true
  src:
    description:
      - Absolute path of a file or directory in the container. Symlinks in it are followed inside the container,
        at O(src) itself and in its parent directories.
      - A trailing slash (or C(/.)) fetches the directory's contents into O(dest); without it the directory itself
        is fetched into O(dest). See the notes for where O(src) lands.
    type: str
    required: true
  dest:
    description:
      - Path on the managed host. Missing parents are created. See the notes for where O(src) lands.
    type: path
    required: true
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.copy_paths
attributes:
  check_mode:
    support: full
    description: Reads the container and reports what would change; writes nothing on the host.
  diff_mode:
    support: none
    description: Reports changed paths only.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Pull a container's nginx configuration out to read it
  fleet.docker.container_fetch:
    container: web
    src: /etc/nginx
    dest: /srv/inspect/web/

- name: Fetch one log file
  fleet.docker.container_fetch:
    container: app
    src: /var/log/app/app.log
    dest: /tmp/app.log
"""

RETURN = r"""
changed_files:
  description: Host paths written (or that would be written in check mode).
  returned: always
  type: list
  elements: str
  sample: [/srv/inspect/web/nginx/nginx.conf]
dest:
  description: The host path that received O(src), after the rules in the notes.
  returned: always
  type: str
  sample: /srv/inspect/web/nginx
src:
  description: The container path fetched, with the symlinks in O(src) resolved.
  returned: always
  type: str
  sample: /etc/nginx
container:
  description: Name of the container.
  returned: always
  type: str
  sample: web
checksum:
  description: SHA-256 of the fetched file.
  returned: when O(src) is a file
  type: str
  sample: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.files.copy import fetch_from

ARGS = dict(
    container=dict(type='str', required=True),
    src=dict(type='str', required=True),
    dest=dict(type='path', required=True),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(fetch_from)


if __name__ == '__main__':
    main()
