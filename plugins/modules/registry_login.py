#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: registry_login
short_description: Log in to or out of a Docker registry, idempotently
version_added: 0.1.0
description:
  - Stores a registry's credentials in the docker config file, where the engine client reads them
    (the C(auths) entry, base64 C(user:password), file mode 0600), like C(docker login), or through a
    credential helper (O(credential_helper)). Later pulls and pushes, by M(fleet.docker.image),
    M(fleet.docker.image_push) or C(docker pull), then authenticate.
  - The engine checks the credentials against the registry every run. When the stored credentials already
    equal the given ones and still log in, nothing changes.
  - V(absent) removes the stored credentials, like C(docker logout).
options:
  registry:
    description:
      - Registry host, C(host[:port]); a URL is accepted too. The default is the public hub.
    type: str
    default: docker.io
    aliases: [registry_url]
  username:
    description:
      - User name. Required with O(state=present).
    type: str
  password:
    description:
      - Password or access token. Required with O(state=present). Never returned or logged.
    type: str
  state:
    description:
      - V(present) logs in and stores the credentials; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  credential_helper:
    description:
      - Store the credentials through the credential helper C(docker-credential-NAME) (for example V(pass),
        V(secretservice)) instead of writing them, base64-encoded, into the config file. The config file then
        names the helper for this registry in C(credHelpers), so pulls and pushes (the engine client, and
        M(fleet.docker.image) and M(fleet.docker.image_push)) ask it.
      - Without this option, a helper the config file already names for the registry (C(credHelpers) or
        C(credsStore)) is used the same way, as C(docker login) does.
      - The secret reaches the helper on its standard input, never on a command line. Any secret an older
        C(auths) entry holds for the registry is removed from the file.
      - The helper must be on E(PATH) on the managed host.
    type: str
    version_added: 0.2.0
  config_path:
    description:
      - The docker config file (or a directory holding C(config.json)).
      - Defaults to E(DOCKER_CONFIG)/config.json, else C(~/.docker/config.json). community.docker.docker_login
        ignores E(DOCKER_CONFIG) and always defaults to C(~/.docker/config.json); the docker CLI and the engine
        clients read E(DOCKER_CONFIG), so this module writes where they look.
    type: path
    aliases: [dockercfg_path]
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Checks the credentials with the registry but writes nothing.
  diff_mode:
    support: full
    description: Shows the stored user name before and after, never the password.
author:
  - fleet.docker developers (@fleet-docker)
seealso:
  - module: fleet.docker.image
"""

EXAMPLES = r"""
- name: Log in to the in-house registry
  fleet.docker.registry_login:
    registry: registry.example.com:5000
    username: deploy
    password: "{{ vault_registry_password }}"

- name: Log in, keeping the password in pass(1) instead of config.json
  fleet.docker.registry_login:
    registry: registry.example.com:5000
    username: deploy
    password: "{{ vault_registry_password }}"
    credential_helper: pass

- name: Log out
  fleet.docker.registry_login:
    registry: registry.example.com:5000
    state: absent
"""

RETURN = r"""
registry:
  description: The registry, as C(host[:port]).
  returned: always
  type: str
  sample: registry.example.com:5000
username:
  description: The user name stored.
  returned: when O(state=present)
  type: str
  sample: deploy
credential_helper:
  description: The credential helper that holds the credentials, when one does.
  returned: when a credential helper is used
  type: str
  sample: pass
config_path:
  description: The docker config file used.
  returned: always
  type: str
  sample: /root/.docker/config.json
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.images.login import run_registry_login

ARGS = dict(
    registry=dict(type='str', default='docker.io', aliases=['registry_url']),
    username=dict(type='str'),
    password=dict(type='str', no_log=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    credential_helper=dict(type='str'),
    config_path=dict(type='path', aliases=['dockercfg_path']),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True,
                                 required_if=[('state', 'present', ('username', 'password'))])
    module.run(run_registry_login)


if __name__ == '__main__':
    main()
