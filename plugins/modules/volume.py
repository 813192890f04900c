#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume
short_description: Create or remove a named Docker volume, never losing data silently
version_added: 0.1.0
description:
  - Makes a named volume exist or not, like C(docker volume create) and C(docker volume rm).
  - A volume whose driver, driver options or labels differ from the task is never recreated silently. With the
    default O(recreate=never) the task fails and names the settings that differ; with O(recreate=options-changed)
    the volume is removed and created again, and the task says that the data it held is gone.
  - A volume that a container uses, running or stopped, is never recreated; the task fails and names those
    containers.
  - Removing a volume that a container uses, running or stopped, fails and names those containers.
options:
  name:
    description: Volume name.
    type: str
    required: true
    aliases: [volume_name]
  state:
    description: V(present) creates the volume when missing; V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
  driver:
    description: Volume driver.
    type: str
    default: local
  driver_options:
    description:
      - Driver options, like C(docker volume create -o). Only the options named here are compared, as in
        community.docker.docker_volume.
      - For the V(local) driver, C(type), C(device) and C(o) as for C(mount).
    type: dict
  labels:
    description:
      - Labels. Only the labels named here are compared, as in community.docker.docker_volume, so a label another
        tool added never makes O(recreate=options-changed) wipe the volume. A recreated volume gets exactly these
        labels.
      - Before fleet.docker 0.3.0 the whole label set was compared.
    type: dict
  recreate:
    description:
      - When an existing volume is removed and created again. B(Recreating a volume deletes all the data it holds.)
      - V(never) never recreates it; when its driver, driver options or labels differ from the task, the task fails
        and names the settings that differ.
      - V(options-changed) recreates it only when its driver, driver options or labels differ from the task; a run
        with the same settings leaves the volume and its data alone.
      - V(always) recreates it on every run, whatever its settings. B(Its data is lost on every run.) For scratch
        volumes that must start empty.
      - Booleans from older playbooks are accepted, with a warning. V(false) is V(never). V(true) is
        V(options-changed), not V(always), because playbooks set it to let a settings change through; the old
        behaviour of V(true), wiping the volume on every run even with the same settings, was the bug this option
        replaced. Only V(always), written out, wipes a volume on every run.
      - A volume in use by a container is never recreated, whatever this says.
      - One of V(never), V(options-changed), V(always) (or a boolean, see above).
    type: raw
    default: never
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing.
  diff_mode:
    support: full
    description: State, whether the volume is recreated, and the before and after of every setting that differs.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: A volume for the site's files
  fleet.docker.volume:
    name: web-data
    labels:
      app: web

- name: A volume on an NFS export
  fleet.docker.volume:
    name: shared
    driver_options:
      type: nfs
      o: addr=10.0.0.5,rw
      device: ":/exports/shared"

- name: Change its labels, replacing the volume (its data is lost) only if they differ
  fleet.docker.volume:
    name: web-data
    labels:
      app: shop
    recreate: options-changed

- name: Remove it (fails while a container uses it)
  fleet.docker.volume:
    name: web-data
    state: absent
"""

RETURN = r"""
volume:
  description: The volume as C(docker volume inspect) shows it, with the containers that use it; null when absent.
  returned: always
  type: dict
  sample:
    name: web-data
    driver: local
    mountpoint: /var/lib/docker/volumes/web-data/_data
    scope: local
    labels: {app: web}
    options: {}
    created_at: "2024-05-01T10:00:00Z"
    containers: [web]
actions:
  description: What was done, V(created), V(recreated) or V(removed).
  returned: always
  type: list
  elements: str
  sample: [created]
changes:
  description: Settings that differ, with before and after.
  returned: always
  type: list
  elements: dict
  sample: [{option: labels, before: {app: web}, after: {app: shop}}]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.volumes.apply import VOLUME_OPTIONS, converge_volume


def main():
    module = AnsibleDockerModule(argument_spec=VOLUME_OPTIONS, supports_check_mode=True)
    module.run(lambda m: converge_volume(m.client, m.params, m.check_mode, m._diff, m.warn))


if __name__ == '__main__':
    main()
