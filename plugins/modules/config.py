#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: config
short_description: Manage Swarm configs, with rotation that moves the services using them
version_added: 0.4.0
description:
  - Makes a Swarm config exist or not, like C(docker config create) and C(docker config rm). Talks to a swarm manager.
  - The content is compared byte for byte with the config's data (the engine returns it), the template driver
    as set, and only the labels named in O(labels). Labels that differ are changed in place (the only change the
    engine allows on a config).
  - A new content or template driver is a new config. With O(rolling_versions=true) it is the next version
    C(NAME_vN); the services that use an older version are moved onto it in the same run (their references get
    the new config, the file name in the container stays), the task waits until they run it, and then the
    versions that no service uses beyond O(versions_to_keep) are removed.
  - Without O(rolling_versions), a changed config that no service uses is removed and created again. One that a
    service uses cannot be replaced by the engine, so the task fails, names the services and changes nothing;
    with O(force=true) the services are moved onto a temporary copy (C(NAME-fleet-next)), the config is made
    again, the services are moved back and the copy is removed.
  - A service never points to a removed config. If the engine rolls a moved service back, or it does not run the
    new config within O(update_timeout), the task fails and the old versions are kept.
options:
  name:
    description:
      - Name of the config. With O(rolling_versions=true), the base name; the configs are C(NAME_v1), C(NAME_v2)...
    type: str
    required: true
  state:
    description: V(present) makes the config exist with this content; V(absent) removes it (every version with
      O(rolling_versions=true)), and fails, naming them, while services use it.
    type: str
    default: present
    choices: [present, absent]
  data:
    description: The config's content (a Go template with O(template_driver=golang)). One of O(data) and O(src) is
      needed with O(state=present).
    type: str
  data_is_b64:
    description: O(data) is base64 and is decoded first (for binary content).
    type: bool
    default: false
  src:
    description: A file on the managed host whose content is the config's. A file that cannot be read fails the
      task before anything is changed.
    type: path
    aliases: [data_src]
  template_driver:
    description:
      - V(golang) makes the content a Go template that the engine renders for each task (C({{ .Service.Name }}),
        C({{ env "VAR" }}), C({{ secret "name" }})...).
    type: str
    choices: [golang]
  labels:
    description:
      - Labels. Only the labels named here are compared; a difference is changed in place.
      - The module adds C(fleet.docker.version) with O(rolling_versions=true).
    type: dict
  force:
    description:
      - Replace the config even when its content and settings are the same (every run then changes it), and
        allow replacing a config in use without O(rolling_versions) (see above).
    type: bool
    default: false
  rolling_versions:
    description:
      - Keep the config under versioned names C(NAME_vN), labelled C(fleet.docker.version=N); a new content is
        the next version and the services using older versions are moved onto it.
      - Versions labelled C(ansible_version) by community.docker.docker_config are adopted.
      - On every run, services that still use an older version (after a rollback, say) are moved onto the newest.
    type: bool
    default: false
  versions_to_keep:
    description:
      - With O(rolling_versions=true), how many old versions to keep beside the current one, newest first; V(0)
        keeps only the current one, V(-1) keeps all. An old version a service still uses is never removed.
      - community.docker.docker_config counts the current version among them; this module does not.
    type: int
    default: 5
  update_timeout:
    description: Seconds to wait for the services moved onto a new version to run it before old versions are
      removed.
    type: int
    default: 300
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports the versions it would create and remove and the services it would move; changes nothing.
  diff_mode:
    support: full
    description: State, name, version, labels, the content before and after and the services moved.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: The proxy's configuration, rotated with the services that use it
  fleet.docker.config:
    name: proxy_conf
    src: /srv/proxy/proxy.conf
    rolling_versions: true
    versions_to_keep: 1

- name: A file rendered per task by the engine
  fleet.docker.config:
    name: hello
    data: "I am {{ '{{' }} .Task.Name {{ '}}' }}"
    template_driver: golang
"""

RETURN = r"""
config:
  description: The current config (without its data); null when absent.
  returned: always
  type: dict
  sample: {id: 5vdd9jfs7ccjzbmkdelxhvozn, name: proxy_conf_v2, version: 2, labels: {fleet.docker.version: "2"}}
config_id:
  description: Its ID (empty in check mode for a config not yet created).
  returned: success and O(state=present)
  type: str
  sample: 5vdd9jfs7ccjzbmkdelxhvozn
config_name:
  description: Its name; with O(rolling_versions=true) the versioned name to give services.
  returned: success and O(state=present)
  type: str
  sample: proxy_conf_v2
version:
  description: The current version number.
  returned: with O(rolling_versions=true)
  type: int
  sample: 2
versions:
  description: The versions that exist after the run, oldest first.
  returned: with O(rolling_versions=true)
  type: list
  elements: str
  sample: [proxy_conf_v1, proxy_conf_v2]
services:
  description: The services moved onto the new version, with the version they used.
  returned: always
  type: list
  elements: dict
  sample: [{service: proxy, from: proxy_conf_v1, to: proxy_conf_v2}]
removed:
  description: The configs removed.
  returned: always
  type: list
  elements: str
  sample: []
actions:
  description: What was done, in order.
  returned: always
  type: list
  elements: str
  sample: [created proxy_conf_v2, moved service proxy to proxy_conf_v2]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects_apply import (
    CONFIG_OPTIONS, MUTUALLY_EXCLUSIVE, converge_object)


def main():
    module = AnsibleDockerModule(argument_spec=CONFIG_OPTIONS, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                                 supports_check_mode=True)
    module.run(lambda m: converge_object(m.client, 'config', m.params, m.check_mode, m._diff, m.warn))


if __name__ == '__main__':
    main()
