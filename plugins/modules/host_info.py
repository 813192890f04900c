#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_info
short_description: Report a Docker engine's version, object counts and disk usage
version_added: 0.1.0
description:
  - Read-only facts about one Docker engine, like C(docker version), C(docker info) and C(docker system df) together.
  - Never changes anything, so it runs the same in check mode.
options:
  disk_usage:
    description:
      - Include disk usage per kind (images, containers, volumes, build cache) with reclaimable bytes.
      - Computing it walks every layer and volume, which can take time on a large host.
      - The default differs from community.docker.docker_host_info (V(false)); disk usage is what this module is
        for, the object lists being the C(*_info) modules. Set V(false) on a large host to skip the walk.
    type: bool
    default: true
extends_documentation_fragment:
  - fleet.docker.docker
  - fleet.docker.attributes.info_module
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Engine facts of every host
  fleet.docker.host_info:
  register: engine

- name: Show reclaimable image space
  ansible.builtin.debug:
    msg: "{{ engine.disk_usage.images.reclaimable | human_readable }}"

- name: Talk to a remote engine over TLS
  fleet.docker.host_info:
    docker_host: tcp://docker1.example.com:2376
    validate_certs: true
    ca_path: /etc/docker/certs/ca.pem
    client_cert: /etc/docker/certs/cert.pem
    client_key: /etc/docker/certs/key.pem
"""

RETURN = r"""
engine:
  description: Engine identity.
  returned: always
  type: dict
  sample: {version: 20.10.24, api_version: "1.41", os: Debian GNU/Linux 12 (bookworm), storage_driver: overlay2}
containers:
  description: Container counts by state.
  returned: always
  type: dict
  sample: {total: 3, running: 2, paused: 0, stopped: 1}
images:
  description: Image count.
  returned: always
  type: dict
  sample: {total: 4}
volumes:
  description: Volume count.
  returned: always
  type: dict
  sample: {total: 2}
disk_usage:
  description:
    - Per kind (V(images), V(containers), V(volumes), V(build_cache)) the number of objects, how many are in use,
      their size and the reclaimable bytes, counted like C(docker system df).
  returned: when O(disk_usage=true)
  type: dict
  sample: {images: {total: 4, active: 1, size: 2000000, reclaimable: 1500000}}
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.engine.host_facts import gather


def main():
    module = AnsibleDockerModule(argument_spec=dict(disk_usage=dict(type='bool', default=True)),
                                 supports_check_mode=True)
    module.run(lambda m: dict(changed=False, **gather(m.client, m.params['disk_usage'])))


if __name__ == '__main__':
    main()
