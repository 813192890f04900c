# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The engine options of the controller-side plugins: the modules' options (fleet.docker.docker),
    # set from the environment like the docker CLI. The inventory plugin reads them from its file.
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker daemon to talk to, as C(unix://PATH), C(tcp://HOST:PORT) or C(ssh://USER@HOST).
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
    env:
      - name: DOCKER_HOST
  tls:
    description:
      - Connect over TLS without verifying the daemon certificate, unless O(validate_certs) is also set.
    type: bool
    default: false
    env:
      - name: DOCKER_TLS
  validate_certs:
    description:
      - Connect over TLS and verify the daemon certificate against O(ca_path).
    type: bool
    default: false
    aliases: [tls_verify]
    env:
      - name: DOCKER_TLS_VERIFY
  ca_path:
    description:
      - CA certificate that signed the daemon certificate. Defaults to C(ca.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [ca_cert, tls_ca_cert]
  client_cert:
    description:
      - Client certificate presented to the daemon. Defaults to C(cert.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - Private key of O(client_cert). Defaults to C(key.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [tls_client_key, key_path]
  api_version:
    description:
      - Docker API version to speak, such as C(1.41). V(auto) negotiates with the daemon.
    type: str
    default: auto
    aliases: [docker_api_version]
    env:
      - name: DOCKER_API_VERSION
  timeout:
    description:
      - Seconds to wait for an answer from the daemon.
    type: int
    default: 60
    env:
      - name: DOCKER_TIMEOUT
  use_ssh_client:
    description:
      - For an C(ssh://) O(docker_host), use the C(ssh) command line client instead of paramiko,
        so C(~/.ssh/config), agents and jump hosts apply as they do for C(ssh).
      - Without paramiko on the controller the C(ssh) client is used whatever this says.
    type: bool
    default: false
requirements:
  - Docker SDK for Python >= 7.0 on the controller
  - Docker API >= 1.41 (Docker Engine 20.10)
"""

    # The same options for the connection plugin, also settable per host with variables; the
    # second name of each is community.docker.docker_api's, so its inventories keep working.
    CONNECTION = r"""
options:
  docker_host:
    description:
      - The Docker daemon the container runs on, as C(unix://PATH), C(tcp://HOST:PORT) or C(ssh://USER@HOST).
    type: str
    default: unix:///var/run/docker.sock
    env:
      - name: DOCKER_HOST
    vars:
      - name: fleet_docker_host
      - name: ansible_docker_docker_host
  tls:
    description:
      - Connect over TLS without verifying the daemon certificate, unless O(validate_certs) is also set.
    type: bool
    default: false
    env:
      - name: DOCKER_TLS
    vars:
      - name: fleet_docker_tls
      - name: ansible_docker_tls
  validate_certs:
    description:
      - Connect over TLS and verify the daemon certificate against O(ca_path).
    type: bool
    default: false
    env:
      - name: DOCKER_TLS_VERIFY
    vars:
      - name: fleet_docker_validate_certs
      - name: ansible_docker_validate_certs
  ca_path:
    description:
      - CA certificate that signed the daemon certificate. Defaults to C(ca.pem) in E(DOCKER_CERT_PATH).
    type: path
    vars:
      - name: fleet_docker_ca_path
      - name: ansible_docker_ca_path
      - name: ansible_docker_ca_cert
  client_cert:
    description:
      - Client certificate presented to the daemon. Defaults to C(cert.pem) in E(DOCKER_CERT_PATH).
    type: path
    vars:
      - name: fleet_docker_client_cert
      - name: ansible_docker_client_cert
  client_key:
    description:
      - Private key of O(client_cert). Defaults to C(key.pem) in E(DOCKER_CERT_PATH).
    type: path
    vars:
      - name: fleet_docker_client_key
      - name: ansible_docker_client_key
  api_version:
    description:
      - Docker API version to speak, such as C(1.41). V(auto) negotiates with the daemon.
    type: str
    default: auto
    env:
      - name: DOCKER_API_VERSION
    vars:
      - name: fleet_docker_api_version
      - name: ansible_docker_api_version
  timeout:
    description:
      - Seconds to wait for an answer from the daemon to each API call (not the run time of a command,
        see O(command_timeout)).
    type: int
    default: 60
    env:
      - name: DOCKER_TIMEOUT
    vars:
      - name: fleet_docker_timeout
      - name: ansible_docker_timeout
  use_ssh_client:
    description:
      - For an C(ssh://) O(docker_host), use the C(ssh) command line client instead of paramiko,
        so C(~/.ssh/config), agents and jump hosts apply as they do for C(ssh).
      - Without paramiko on the controller the C(ssh) client is used whatever this says.
    type: bool
    default: false
    vars:
      - name: fleet_docker_use_ssh_client
      - name: ansible_docker_use_ssh_client
requirements:
  - Docker SDK for Python >= 7.0 on the controller
  - Docker API >= 1.41 (Docker Engine 20.10)
"""
