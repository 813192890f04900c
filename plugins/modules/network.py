#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network
short_description: Create, recreate or remove a Docker network, keeping its containers
version_added: 0.1.0
description:
  - Makes a network exist with the given settings, or not, like C(docker network create) and C(docker network rm).
  - Idempotent against the engine's normalised form. What the engine fills in when the task does not say (a subnet
    and gateway, canonical CIDRs, its own driver options) is not a difference. O(enable_ipv6), O(internal),
    O(attachable), O(labels), O(ipam_driver), O(ipam_driver_options) and O(ipam_config) are compared only when set;
    O(driver_options) and O(ipam_driver_options) compare only the keys the task names.
  - The engine cannot change a network in place, so any difference means removing and creating it again; settings
    the task leaves unset are carried over from the old network.
  - With containers attached (running, stopped or created; a stopped container would not start again without its
    network), a recreate or a removal fails and names them, unless O(force=true). With force they
    are disconnected, the network is recreated (or removed) and they are reconnected with their aliases, links and
    static IPv4 and IPv6 addresses. The containers themselves are kept (same IDs); addresses the engine chose are
    chosen again. If a static address would not fit the new subnets, the task fails before changing anything.
  - Input is checked before the engine is contacted, by the engine's rules. Refused with one message and nothing
    changed are an empty or predefined name (C(bridge), C(host), C(none), C(default), C(ingress),
    C(docker_gwbridge)), a bad CIDR or address, a gateway, IP range or auxiliary address outside its subnet, two
    O(ipam_config) subnets that overlap, and a subnet that overlaps one of another network on the engine.
  - If a step fails after the host changed, the task fails with C(changed=true) and says what state the host is in.
    When the new network cannot be created, the old one is created again and its containers reconnected.
options:
  name:
    description: Network name, matched exactly.
    type: str
    required: true
    aliases: [network_name]
  state:
    description:
      - V(present) creates or recreates the network as needed; V(absent) removes it.
      - Unlike community.docker.docker_network, V(present) never disconnects containers that are attached (it
        has no C(connected) list; attach containers with O(fleet.docker.container#module:networks)),
        and a network with containers attached is recreated or removed only with O(force=true).
    type: str
    default: present
    choices: [present, absent]
  driver:
    description:
      - Network driver. Without swarm mode the engine offers V(bridge), V(macvlan) and V(ipvlan) (the last two need
        a C(parent) interface in O(driver_options)).
    type: str
    default: bridge
  driver_options:
    description:
      - Driver options, like C(docker network create -o), for example C(com.docker.network.bridge.name) or
        C(com.docker.network.driver.mtu). Values are compared as strings (V(false) equals V('false')).
    type: dict
  ipam_driver:
    description: IPAM driver; the engine's is V(default).
    type: str
  ipam_driver_options:
    description: IPAM driver options.
    type: dict
  ipam_config:
    description:
      - Address pools, IPv4 and IPv6; their order does not matter. Compared per address family the task names;
        pools of a family the task does not name are the engine's to choose.
      - In an entry, a field left unset (V(gateway) above all) is the engine's to fill and is not compared.
    type: list
    elements: dict
    suboptions:
      subnet:
        description:
          - The pool, as a CIDR (V(10.231.7.0/24), V(fd00:231:7::/64)). Host bits are ignored, as by the engine.
          - Required here, optional in community.docker.docker_network; an entry without a subnet leaves the pool to
            the engine, which is what leaving O(ipam_config) out does.
        type: str
        required: true
      gateway:
        description: Gateway address, a host address inside O(ipam_config[].subnet).
        type: str
      ip_range:
        description: Allocate container addresses from this CIDR only, which must be inside O(ipam_config[].subnet).
        type: str
        aliases: [iprange]
      aux_addresses:
        description: Addresses inside O(ipam_config[].subnet) the engine must not give to containers, by host name.
        type: dict
  enable_ipv6:
    description:
      - Give containers IPv6 addresses. Docker 20.10 needs an IPv6 O(ipam_config) subnet for it (it has no default
        IPv6 pool).
    type: bool
  internal:
    description: No route out of the network.
    type: bool
  attachable:
    description: Let standalone containers attach (matters for swarm networks).
    type: bool
  labels:
    description:
      - Labels. Only the labels named here are compared, as in community.docker.docker_network; a label another
        tool added to the network is no reason to recreate it. A recreated network gets exactly these labels.
      - Before fleet.docker 0.3.0 the whole label set was compared.
    type: dict
  force:
    description:
      - Disconnect attached containers to recreate or remove the network; they are reconnected after a recreate.
      - A network that matches the task is left alone. In community.docker.docker_network, V(true) removes and
        creates the network on every run; here that would make the task never idempotent, so O(force) only
        permits the disconnects a needed recreate or removal takes.
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports what would be done (including which containers would be disconnected) and changes nothing.
  diff_mode:
    support: full
    description: State, the before and after of every setting that differs, and the containers moved.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: A network for the application
  fleet.docker.network:
    name: app
    labels:
      app: shop

- name: Dual stack, with a fixed pool and reserved addresses
  fleet.docker.network:
    name: backend
    enable_ipv6: true
    driver_options:
      com.docker.network.bridge.name: br-backend
    ipam_config:
      - subnet: 10.231.7.0/24
        gateway: 10.231.7.1
        ip_range: 10.231.7.128/25
        aux_addresses:
          router: 10.231.7.2
      - subnet: fd00:231:7::/64

- name: Move the network to another subnet, taking its containers along
  fleet.docker.network:
    name: backend
    ipam_config:
      - subnet: 10.231.8.0/24
    force: true

- name: Remove it, disconnecting whatever is attached
  fleet.docker.network:
    name: backend
    state: absent
    force: true
"""

RETURN = r"""
network:
  description:
    - The network in this module's option names, with the containers attached to it (running or not); null when absent.
    - In check mode, the network as it is before the change.
  returned: always
  type: dict
  sample:
    name: backend
    id: 0f3c2a...
    driver: bridge
    scope: local
    created: "2024-05-01T10:00:00.000000000Z"
    driver_options: {com.docker.network.bridge.name: br-backend}
    ipam_driver: default
    ipam_driver_options: {}
    ipam_config: [{subnet: 10.231.7.0/24, gateway: 10.231.7.1, ip_range: 10.231.7.128/25,
                   aux_addresses: {router: 10.231.7.2}}]
    enable_ipv6: false
    internal: false
    attachable: false
    labels: {}
    containers: [{name: web, id: 6c1f..., status: running, ipv4: 10.231.7.130, ipv6: null, mac: "02:42:0a:e7:07:82",
                  aliases: [shop], links: [], ipv4_address: null, ipv6_address: null}]
actions:
  description: >-
    What was done, in order: V(created), V(recreated), V(removed), V(disconnected NAME), V(reconnected NAME).
  returned: always
  type: list
  elements: str
  sample: [disconnected web, recreated, reconnected web]
changes:
  description: Settings that differ, with before (the engine's, normalised) and after (the task's).
  returned: always
  type: list
  elements: dict
  sample: [{option: internal, before: false, after: true}]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.networks.apply import converge_network
from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import NETWORK_OPTIONS


def main():
    module = AnsibleDockerModule(argument_spec=NETWORK_OPTIONS, supports_check_mode=True)
    module.run(lambda m: converge_network(m.client, m.params, m.check_mode, m._diff))


if __name__ == '__main__':
    main()
