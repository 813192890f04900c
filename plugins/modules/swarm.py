#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm
short_description: Initialise, join, update or leave a Docker Swarm, or remove a node from it
version_added: 0.2.0
description:
  - Through the engine API only; no docker CLI is needed on the host.
  - Settings are compared with the swarm's stored spec and only the ones the task sets; a rerun changes
    nothing and leaves the swarm's C(Version) alone.
  - Join tokens are returned only when the task runs with C(no_log) set (RV(swarm.join_tokens)); they never
    appear in diffs. O(join_token) and O(signing_ca_key) are no_log options.
  - Option names and meanings follow community.docker's docker_swarm where both have them.
options:
  state:
    description:
      - V(present) initialises a swarm on an engine in none, or joins one when O(join_token) is set, or updates the
        settings of the swarm (on a manager).
      - V(join) is V(present) with O(join_token) required.
      - V(absent) leaves the swarm. V(remove) removes the node O(node_id) from the swarm (run on a manager).
      - Joining when the engine is already in another swarm fails and changes nothing.
    type: str
    choices: [present, join, absent, remove]
    default: present
  advertise_addr:
    description: The address (or interface) advertised to other nodes, C(host[:port]).
    type: str
  listen_addr:
    description: The address the node listens on for swarm traffic.
    type: str
    default: 0.0.0.0:2377
  data_path_addr:
    description: The address or interface for data-path (overlay) traffic.
    type: str
  data_path_port:
    description: The UDP port of the overlay data path (VXLAN); at init only.
    type: int
  default_addr_pool:
    description: The CIDRs overlay network subnets are taken from; at init only.
    type: list
    elements: str
  subnet_size:
    description: The prefix length of each overlay subnet from O(default_addr_pool); at init only.
    type: int
  force:
    description:
      - With V(present) on a manager, force a new cluster from this manager's state (C(docker swarm init
        --force-new-cluster), for recovery when the other managers are lost); changed on every such run.
      - With V(absent) leave even as a manager; with V(remove) remove a node that is not down.
    type: bool
    default: false
  join_token:
    description: The worker or manager token to join with.
    type: str
  remote_addrs:
    description: Addresses of managers of the swarm to join.
    type: list
    elements: str
  availability:
    description: The node's availability when it joins (or initialises).
    type: str
    choices: [active, pause, drain]
  node_id:
    description: The node to remove with O(state=remove) (id or hostname).
    type: str
  name:
    description: The name of the swarm (the engine's C(Spec.Name), V(default) unless set).
    type: str
  labels:
    description: The swarm's labels (the whole set); node labels are the M(fleet.docker.node) module's.
    type: dict
  autolock_managers:
    description: Encrypt the managers' raft keys with an unlock key.
    type: bool
  task_history_retention_limit:
    description: How many old tasks to keep per slot.
    type: int
  snapshot_interval:
    description: Raft log entries between snapshots.
    type: int
  keep_old_snapshots:
    description: Raft snapshots to keep beyond the current one.
    type: int
  log_entries_for_slow_followers:
    description: Raft log entries to keep for slow followers after a snapshot.
    type: int
  heartbeat_tick:
    description: Raft ticks between heartbeats.
    type: int
  election_tick:
    description: Raft ticks without a leader before an election; more than O(heartbeat_tick).
    type: int
  dispatcher_heartbeat_period:
    description: The delay, in nanoseconds, between an agent's heartbeats to the dispatcher.
    type: int
  node_cert_expiry:
    description: Validity of node certificates, in nanoseconds.
    type: int
  signing_ca_cert:
    description: PEM certificate of a new root CA for the swarm.
    type: str
  signing_ca_key:
    description: PEM key of O(signing_ca_cert).
    type: str
  ca_force_rotate:
    description: Raise this counter to force a CA rotation.
    type: int
  rotate_worker_token:
    description: Rotate the worker join token (changed on every run where true).
    type: bool
    default: false
  rotate_manager_token:
    description: Rotate the manager join token (changed on every run where true).
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing.
  diff_mode:
    support: full
    description: Swarm state and the before and after of every setting that differs; never a token.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: The first manager initialises the swarm
  fleet.docker.swarm:
    advertise_addr: 10.0.0.11
    default_addr_pool: [10.50.0.0/16]
    subnet_size: 26
  register: swarm
  no_log: true   # the result then carries swarm.join_tokens

- name: The others join as workers
  fleet.docker.swarm:
    join_token: "{{ hostvars[groups.swarm_managers[0]].swarm.swarm.join_tokens.worker }}"
    remote_addrs: ["{{ hostvars[groups.swarm_managers[0]].ansible_host }}"]
    advertise_addr: "{{ ansible_host }}"
  no_log: true

- name: Raft settings and a new worker token
  fleet.docker.swarm:
    snapshot_interval: 5000
    heartbeat_tick: 1
    election_tick: 10
    rotate_worker_token: true

- name: Leave
  fleet.docker.swarm:
    state: absent
    force: true
"""

RETURN = r"""
actions:
  description: What was done (or would be in check mode), in words.
  returned: always
  type: list
  elements: str
  sample: [initialise a swarm]
swarm:
  description:
    - The swarm as this engine sees it. On a manager id, created_at, updated_at, version, spec, default_addr_pool,
      subnet_size, data_path_port; always node_id and local_node_state.
    - join_tokens (worker, manager) and the unlock_key only when the task runs with C(no_log).
  returned: always
  type: dict
  sample: {id: 2l9n6kps0m6m8h5d9xq3wcqef, version: 10, node_id: q1w2e3r4t5, local_node_state: active}
  contains:
    join_tokens:
      description: The worker and manager join tokens (keys V(worker), V(manager)).
      returned: on a manager, when the task runs with C(no_log)
      type: dict
    unlock_key:
      description: The key that unlocks the managers of an autolocked swarm (O(autolock_managers)).
      returned: on a manager of an autolocked swarm, when the task runs with C(no_log)
      type: str
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.plan import converge_swarm

ARGUMENT_SPEC = dict(
    state=dict(type='str', default='present', choices=['present', 'join', 'absent', 'remove']),
    advertise_addr=dict(type='str'), listen_addr=dict(type='str', default='0.0.0.0:2377'),
    data_path_addr=dict(type='str'), data_path_port=dict(type='int'),
    default_addr_pool=dict(type='list', elements='str'), subnet_size=dict(type='int'),
    force=dict(type='bool', default=False), join_token=dict(type='str', no_log=True),
    remote_addrs=dict(type='list', elements='str'),
    availability=dict(type='str', choices=['active', 'pause', 'drain']), node_id=dict(type='str'),
    name=dict(type='str'), labels=dict(type='dict'), autolock_managers=dict(type='bool'), task_history_retention_limit=dict(type='int'),
    snapshot_interval=dict(type='int'), keep_old_snapshots=dict(type='int'),
    log_entries_for_slow_followers=dict(type='int'), heartbeat_tick=dict(type='int'), election_tick=dict(type='int'),
    dispatcher_heartbeat_period=dict(type='int'), node_cert_expiry=dict(type='int'),
    signing_ca_cert=dict(type='str'), signing_ca_key=dict(type='str', no_log=True), ca_force_rotate=dict(type='int'),
    rotate_worker_token=dict(type='bool', default=False, no_log=False),
    rotate_manager_token=dict(type='bool', default=False, no_log=False),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(lambda m: converge_swarm(m.client, m.params, m.check_mode, m._diff, m.no_log))


if __name__ == '__main__':
    main()
