# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine clients for the controller-side plugins (connection ``api``, inventory ``containers``).

Plugins get their options from Ansible's configuration, not from a module's argument spec, but
take the same ones as every module (``docker_host``, TLS, ``api_version``, ``timeout``), so the
client is built as for a module, by ``engine.connection.open_client``.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import open_client

ENGINE_OPTIONS = ('docker_host', 'tls', 'validate_certs', 'ca_path', 'client_cert', 'client_key',
                  'api_version', 'timeout')


def build_client(params: dict, use_ssh_client: bool = False, stdlib: bool = False):
    """A client for the common engine options in ``params``; raises FleetDockerError.

    ``use_ssh_client``: the ssh CLI instead of paramiko for ``ssh://``, so ~/.ssh/config, agents and
    ProxyJump work as for ssh. ``stdlib``: the standard-library client of ``engine/lite.py`` where it
    serves (the connection plugin: no SDK import in each worker), else a ``docker.APIClient``; a
    missing SDK is an error only when the SDK is needed.
    """
    return open_client(params, use_ssh_client, stdlib=stdlib)
