# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker daemon to talk to, as C(unix://PATH), C(tcp://HOST:PORT) or C(ssh://USER@HOST).
      - When not set, the E(DOCKER_HOST) environment variable is used, then C(unix:///var/run/docker.sock).
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  tls:
    description:
      - Connect over TLS without verifying the daemon certificate, unless O(validate_certs) is also set.
      - Falls back to E(DOCKER_TLS).
    type: bool
    default: false
  validate_certs:
    description:
      - Connect over TLS and verify the daemon certificate against O(ca_path).
      - Falls back to E(DOCKER_TLS_VERIFY).
    type: bool
    default: false
    aliases: [tls_verify]
  ca_path:
    description:
      - CA certificate that signed the daemon certificate.
      - Falls back to C(ca.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [ca_cert, tls_ca_cert]
  client_cert:
    description:
      - Client certificate presented to the daemon.
      - Falls back to C(cert.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - Private key of O(client_cert). Never logged.
      - Falls back to C(key.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [tls_client_key, key_path]
  api_version:
    description:
      - Docker API version to speak, such as C(1.41). V(auto) negotiates with the daemon.
      - Falls back to E(DOCKER_API_VERSION).
    type: str
    default: auto
    aliases: [docker_api_version]
  timeout:
    description:
      - Seconds to wait for an answer from the daemon. Falls back to E(DOCKER_TIMEOUT).
    type: int
    default: 60
requirements:
  - Docker SDK for Python >= 7.0 on the managed host
  - Docker API >= 1.41 (Docker Engine 20.10)
notes:
  - All modules of this collection belong to the action group C(fleet.docker.docker), so the connection
    options can be set once with C(module_defaults) and C(group/fleet.docker.docker).
"""
