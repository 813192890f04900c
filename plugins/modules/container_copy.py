#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_copy
short_description: Copy a file, a directory or a string into a container, idempotently
version_added: 0.1.0
description:
  - Like C(docker cp HOST_PATH CONTAINER:PATH), for files and whole directories, on running and stopped containers.
  - Reads the current files back through the engine's archive API, compares content hashes, modes, ownership and
    symlink targets, and uploads only what differs, in one archive.
  - Missing parent directories of O(dest) are created (mode V(0755), owned by O(owner)/O(group) or root).
  - Directories are copied by the same rule as M(fleet.docker.container_fetch), which lands in the same place on
    every run (see the notes).
  - Files already in the container that O(src) does not have are left alone.
options:
  container:
    description: Name or ID of the container.
    type: str
    required: true
  src:
    description:
      - A file or a directory on the managed host.
      - A trailing slash (or C(/.)) copies the directory's contents into O(dest), as C(cp) and C(rsync) do; without
        it the directory itself is copied into O(dest). See the notes for where O(src) lands.
      - Symlinks in O(src) are copied as symlinks. Devices, FIFOs and sockets are refused.
      - Exactly one of O(src) and O(content) is required.
    type: path
  content:
    description:
      - A string to write to the file O(dest) (UTF-8).
      - Exactly one of O(src) and O(content) is required.
    type: str
  dest:
    description:
      - Absolute path in the container. See the notes for where O(src) lands.
      - As with C(docker cp), symlinks in O(dest) are followed inside the container, a symlinked parent directory
        (C(/var/run -> /run)) as well as a symlink at O(dest) itself. A link pointing above C(/) stops at the
        container's root.
    type: str
    required: true
  mode:
    description:
      - Permissions of the regular files written, as an octal number such as V('0644').
      - Default is the mode of the host file, or V(0644) for O(content). Directories keep the mode of the host
        directory.
      - A string is read as octal, an integer as is, like C(mode_parse=modern) of
        community.docker.docker_container_copy_into. Its default, C(mode_parse=legacy), reads the string V('0644')
        as the decimal number 644; that reading is not offered here.
    type: raw
  owner:
    description:
      - Numeric user ID that owns the files, directories and symlinks written.
      - When not given, files that exist keep their owner and new files belong to root (V(0)), as with C(docker cp).
    type: int
  group:
    description:
      - Numeric group ID, with the same rules as O(owner).
    type: int
  force:
    description:
      - Overwrite files that exist in the container and differ.
      - When V(false), only paths missing from the container are written, as with community.docker.
      - community.docker.docker_container_copy_into's V(true) writes on every run without comparing, and reports a
        change each time; here files that are already the same are never written, so the default V(true) is
        community.docker's unset O(force) (compare, then write what differs).
    type: bool
    default: true
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.copy_paths
attributes:
  check_mode:
    support: full
    description: Reads the container and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Before and after contents of small text files; a one-line summary for other changes.
notes:
  - Compares in one read of O(dest) and writes in one upload, so a second run over a large directory is quick.
  - When a directory in the container is replaced by a file (or the other way round), the engine removes the old
    tree.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Publish a page in a running web container
  fleet.docker.container_copy:
    container: web
    src: files/index.html
    dest: /usr/share/nginx/html/index.html

- name: Copy the contents of a site directory into the web root
  fleet.docker.container_copy:
    container: web
    src: build/site/
    dest: /usr/share/nginx/html
    owner: 101
    group: 101

- name: Write a config file from a string
  fleet.docker.container_copy:
    container: app
    content: |
      listen = 0.0.0.0:9000
    dest: /etc/app/app.conf
    mode: '0640'
"""

RETURN = r"""
changed_files:
  description:
    - Container paths written (or that would be written in check mode), created parent directories first.
  returned: always
  type: list
  elements: str
  sample: [/usr/share/nginx/html/index.html]
target:
  description:
    - The path in the container that received O(src) or O(content), after the rules in the notes, with symlinks
      followed.
    - Named C(target) rather than C(dest) so Ansible does not mistake it for a path on the managed host.
  returned: always
  type: str
  sample: /usr/share/nginx/html/site
container:
  description: Name of the container.
  returned: always
  type: str
  sample: web
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.files.copy import copy_into

ARGS = dict(
    container=dict(type='str', required=True),
    src=dict(type='path'),
    content=dict(type='str'),
    dest=dict(type='str', required=True),
    mode=dict(type='raw'),
    owner=dict(type='int'),
    group=dict(type='int'),
    force=dict(type='bool', default=True),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True,
                                 mutually_exclusive=[('src', 'content')], required_one_of=[('src', 'content')])
    module.run(copy_into)


if __name__ == '__main__':
    main()
