# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine clients for the controller-side plugins (connection ``api``, inventory ``containers``).

Plugins get their options from Ansible's configuration, not from a module's argument spec, but
take the same ones as every module (``docker_host``, TLS, ``api_version``, ``timeout``), so the
mapping onto the SDK is ``engine.connection.client_kwargs``; only the construction differs.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    HAS_DOCKER, MIN_API_VERSION, FleetDockerError, _version_tuple, client_kwargs)

try:
    import docker
except ImportError:  # pragma: no cover - reported by build_client
    docker = None

ENGINE_OPTIONS = ('docker_host', 'tls', 'validate_certs', 'ca_path', 'client_cert', 'client_key',
                  'api_version', 'timeout')


def build_client(params: dict, use_ssh_client: bool = False):
    """A ``docker.APIClient`` for the common engine options in ``params``; raises FleetDockerError.

    With TLS, the client must not trust REQUESTS_CA_BUNDLE and friends (they would replace
    ``ca_path``), and ``trust_env`` can only be switched off after construction: so the version
    is negotiated by hand afterwards, as ``AnsibleDockerModule.client`` does.
    """
    if not HAS_DOCKER:
        raise FleetDockerError('The Docker SDK for Python (docker >= 7.0) is needed on the controller: '
                               'pip install docker.')
    kwargs = client_kwargs(params)
    if str(kwargs['base_url']).startswith('ssh://') and use_ssh_client:
        # The ssh CLI instead of paramiko: ~/.ssh/config, agents and ProxyJump work as for ssh.
        kwargs['use_ssh_client'] = True
    negotiate = kwargs['version'] == 'auto'
    if 'tls' in kwargs and negotiate:
        kwargs['version'] = MIN_API_VERSION
    client = docker.APIClient(**kwargs)
    if 'tls' in kwargs:
        client.trust_env = False
        if negotiate:
            client._version = client._retrieve_server_version()  # pylint: disable=protected-access
    client.fleet_docker_host = params.get('docker_host')
    if _version_tuple(client.api_version) < _version_tuple(MIN_API_VERSION):
        raise FleetDockerError('Docker API %s is too old: fleet.docker needs %s or newer (Docker 20.10).'
                               % (client.api_version, MIN_API_VERSION))
    return client
