#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: secret
short_description: Manage Swarm secrets, with rotation that moves the services using them
version_added: 0.4.0
description:
  - Makes a Swarm secret exist or not, like C(docker secret create) and C(docker secret rm). Talks to a swarm manager.
  - The engine never returns a secret's data, so the content is compared through a label,
    C(fleet.docker.content-digest), holding a salted PBKDF2-SHA256 digest of it (slow on purpose, so that the
    label does not let anyone who can list secrets test guesses of a short password quickly). A secret made by
    community.docker.docker_secret is compared through its C(ansible_key) label; a secret with neither label is
    left as it is (with a warning) unless O(force=true).
  - Labels that differ are changed in place (the only change the engine allows on a secret); the services that
    use it are not touched.
  - A new content is a new secret. With O(rolling_versions=true) it is the next version C(NAME_vN); the services
    that use an older version are moved onto it in the same run (their references get the new secret, the file
    name in the container stays), the task waits until they run it, and then the versions that no service uses
    beyond O(versions_to_keep) are removed.
  - Without O(rolling_versions), a changed secret that no service uses is removed and created again. One that a
    service uses cannot be replaced by the engine, so the task fails, names the services and changes nothing;
    with O(force=true) the services are moved onto a temporary copy (C(NAME-fleet-next)), the secret is made
    again, the services are moved back and the copy is removed.
  - A service never points to a removed secret. If the engine rolls a moved service back, or it does not run the
    new secret within O(update_timeout), the task fails and the old versions are kept.
  - The secret's data never appears in results, diffs or C(-vvv) output.
options:
  name:
    description:
      - Name of the secret. With O(rolling_versions=true), the base name; the secrets are C(NAME_v1), C(NAME_v2)...
    type: str
    required: true
  state:
    description: V(present) makes the secret exist with this content; V(absent) removes it (every version with
      O(rolling_versions=true)), and fails, naming them, while services use it.
    type: str
    default: present
    choices: [present, absent]
  data:
    description:
      - The secret's content. One of O(data), O(src) (or O(driver)) is needed with O(state=present).
    type: str
  data_is_b64:
    description: O(data) is base64 and is decoded first (for binary content).
    type: bool
    default: false
  src:
    description:
      - A file on the managed host whose content is the secret's. A file that cannot be read fails the task
        before anything is changed.
    type: path
    aliases: [data_src]
  labels:
    description:
      - Labels. Only the labels named here are compared; a difference is changed in place.
      - The module adds C(fleet.docker.content-digest), and C(fleet.docker.version) with O(rolling_versions=true).
    type: dict
  driver:
    description: Name of a secret store plugin that provides the value (the engine's C(Driver)); O(data) may then
      be left out.
    type: str
  driver_options:
    description: Options for O(driver).
    type: dict
  force:
    description:
      - Replace the secret even when its content and settings are the same (every run then changes it), and
        allow replacing a secret in use without O(rolling_versions) (see above).
    type: bool
    default: false
  rolling_versions:
    description:
      - Keep the secret under versioned names C(NAME_vN), labelled C(fleet.docker.version=N); a new content is
        the next version and the services using older versions are moved onto it.
      - Versions labelled C(ansible_version) by community.docker.docker_secret are adopted.
      - On every run, services that still use an older version (after a rollback, say) are moved onto the newest.
    type: bool
    default: false
  versions_to_keep:
    description:
      - With O(rolling_versions=true), how many old versions to keep beside the current one, newest first; V(0)
        keeps only the current one, V(-1) keeps all. An old version a service still uses is never removed.
      - community.docker.docker_secret counts the current version among them; this module does not.
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
    description: State, name, version, labels, whether the content changes (never the content) and the services moved.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: A database password, rotated with the services that use it
  fleet.docker.secret:
    name: db_password
    data: "{{ vault_db_password }}"
    rolling_versions: true
    versions_to_keep: 2
  register: db_secret

- name: A TLS key from a file on the manager
  fleet.docker.secret:
    name: site_key
    src: /etc/ssl/private/site.key
    labels:
      app: site

- name: Remove it (fails while a service uses it)
  fleet.docker.secret:
    name: site_key
    state: absent
"""

RETURN = r"""
secret:
  description: The current secret (never its data); null when absent.
  returned: always
  type: dict
  sample: {id: hzehrmyjigmcp2gb6nlhmjqcv, name: db_password_v3, version: 3, labels: {fleet.docker.version: "3"}}
secret_id:
  description: Its ID (empty in check mode for a secret not yet created).
  returned: success and O(state=present)
  type: str
  sample: hzehrmyjigmcp2gb6nlhmjqcv
secret_name:
  description: Its name; with O(rolling_versions=true) the versioned name to give services.
  returned: success and O(state=present)
  type: str
  sample: db_password_v3
version:
  description: The current version number.
  returned: with O(rolling_versions=true)
  type: int
  sample: 3
versions:
  description: The versions that exist after the run, oldest first.
  returned: with O(rolling_versions=true)
  type: list
  elements: str
  sample: [db_password_v2, db_password_v3]
services:
  description: The services moved onto the new version, with the version they used.
  returned: always
  type: list
  elements: dict
  sample: [{service: api, from: db_password_v2, to: db_password_v3}]
removed:
  description: The secrets removed.
  returned: always
  type: list
  elements: str
  sample: [db_password_v1]
actions:
  description: What was done, in order.
  returned: always
  type: list
  elements: str
  sample: [created db_password_v3, moved service api to db_password_v3, removed db_password_v1]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects_apply import (
    MUTUALLY_EXCLUSIVE, SECRET_OPTIONS, converge_object)


def main():
    module = AnsibleDockerModule(argument_spec=SECRET_OPTIONS, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                                 supports_check_mode=True)
    module.run(lambda m: converge_object(m.client, 'secret', m.params, m.check_mode, m._diff, m.warn))


if __name__ == '__main__':
    main()
