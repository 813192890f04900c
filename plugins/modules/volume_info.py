#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_info
short_description: Inspect one Docker volume or list them all, with the containers using each
version_added: 0.1.0
description:
  - Like C(docker volume inspect NAME) or C(docker volume ls), plus the containers (running or stopped) that use
    each volume.
  - Read-only; runs the same in check mode.
options:
  name:
    description: The volume to inspect; all volumes when not set.
    type: str
    aliases: [volume_name]
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Where is the site's data?
  fleet.docker.volume_info:
    name: web-data
  register: vol

- name: Volumes no container uses
  fleet.docker.volume_info:
  register: all_volumes

- ansible.builtin.debug:
    msg: "{{ all_volumes.volumes | selectattr('containers', 'equalto', []) | map(attribute='name') }}"
"""

RETURN = r"""
exists:
  description: Whether the volume named by O(name) exists.
  returned: when O(name) is set
  type: bool
  sample: true
volume:
  description: The volume named by O(name), as in RV(volumes); null when it does not exist.
  returned: when O(name) is set
  type: dict
volumes:
  description: Each volume with name, driver, mountpoint, scope, labels, options, created_at and containers.
  returned: always
  type: list
  elements: dict
  sample:
    - name: web-data
      driver: local
      mountpoint: /var/lib/docker/volumes/web-data/_data
      scope: local
      labels: {}
      options: {}
      created_at: "2024-05-01T10:00:00Z"
      containers: [web]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.volumes.info import volume_info


def main():
    module = AnsibleDockerModule(argument_spec=dict(name=dict(type='str', aliases=['volume_name'])), supports_check_mode=True)
    module.run(lambda m: volume_info(m.client, m.params['name']))


if __name__ == '__main__':
    main()
