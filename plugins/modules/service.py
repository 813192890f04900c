#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: service
short_description: Create, update or remove a Docker Swarm service, and watch its rolling update
version_added: 0.3.0
description:
  - Makes a swarm service exist with the given settings, or not, through the Engine API of a swarm manager
    (no docker CLI), like C(docker service create), C(docker service update) and C(docker service rm).
  - Idempotent against the engine's stored spec. What the engine or the docker CLI fills in by default (update
    and rollback settings, the restart policy, the VIP endpoint mode, the 10 s grace period, ingress publishing) is
    no difference; networks named by name or by ID are the same network (the host network too); an image pinned
    to a digest stays pinned. A rerun leaves the service's C(Version) and C(UpdatedAt) alone.
  - Options the task leaves unset are not compared and keep what the service has (O(replicas) too). A sub-option
    dict (O(update_config), O(placement), ...) is compared whole, its unset keys meaning the engine's defaults.
  - After an update that replaces tasks the module waits (O(wait)) for the engine's rolling update to settle. If
    the engine paused it or rolled it back (O(update_config.failure_action=rollback)), the task fails with the
    engine's reason, and after a rollback the previous spec is running.
  - A change of O(mode) between replicated, global and jobs cannot be made in place, so the service is removed and
    created again (RV(rebuilt)).
  - Input is checked before the engine is asked. O(replicas) with a global mode, a placement constraint the engine
    would not parse, a published ingress port another service uses, a network that does not exist, ports in ingress
    mode with O(endpoint_mode=dnsrr) all fail with one message and change nothing.
  - "Limits of the test lab: without the kernel's ip_vs module the routing mesh (ingress publishing) and service
    VIPs do not answer; the specs are stored and compared all the same. Use O(endpoint_mode=dnsrr) and
    O(publish[].mode=host) there."
options:
  name:
    description: Service name, matched exactly.
    type: str
    required: true
  state:
    description: V(present) creates or updates the service; V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
  image:
    description:
      - Image reference. Required with O(state=present).
      - With O(resolve_image) it is pinned to the registry's manifest digest, as C(docker service create) does,
        so every node runs the same image; a tag that moved in the registry is an update.
    type: str
  resolve_image:
    description:
      - Pin O(image) to its digest in the registry (every run asks the registry). When the registry cannot be
        reached, the tag is used as given, with a warning, like the CLI.
      - V(false) sends the tag as given and compares name and tag only, so a digest the service holds is left alone.
      - The default differs from community.docker.docker_swarm_service (V(false) there).
    type: bool
    default: true
  mode:
    description:
      - V(replicated) (O(replicas) tasks), V(global) (one task per node), V(replicated-job) (O(replicas) completions,
        O(max_concurrent) at a time) or V(global-job) (one run per node). Jobs need API 1.41.
    type: str
    default: replicated
    choices: [replicated, global, replicated-job, global-job]
  replicas:
    description:
      - Tasks of a replicated service, completions of a replicated job. Unset (or V(-1)) keeps the current number,
        1 for a new service. Refused with a global mode.
    type: int
  max_concurrent:
    description: For V(replicated-job), how many tasks run at once (default 1).
    type: int
  command:
    description: Replaces the image's entrypoint; a string is split like a shell would, a list is taken as is.
    type: raw
  args:
    description: Replaces the image's command (arguments of the entrypoint); a string is split like a shell would.
    type: raw
  env:
    description: Environment variables, a dict (values become strings) or a list of C(KEY=VALUE).
    type: raw
  env_files:
    description: Files of C(KEY=VALUE) lines on the managed host (C(--env-file) format), read in order; O(env) wins.
    type: list
    elements: path
  publish:
    description:
      - Published ports. In V(ingress) mode every node answers on O(publish[].published) (the routing mesh); in
        V(host) mode only the nodes running a task, on their own address.
    type: list
    elements: dict
    suboptions:
      target:
        description: The container port.
        type: int
        required: true
        aliases: [target_port]
      published:
        description: The published port; unset lets the engine choose one (ingress mode).
        type: int
        aliases: [published_port]
      protocol:
        description: Protocol.
        type: str
        default: tcp
        choices: [tcp, udp, sctp]
      mode:
        description: V(ingress) (the routing mesh) or V(host).
        type: str
        default: ingress
        choices: [ingress, host]
  endpoint_mode:
    description: V(vip) (a virtual IP, the engine's default) or V(dnsrr) (DNS round robin; no ingress ports).
    type: str
    choices: [vip, dnsrr]
  networks:
    description:
      - Networks by name or ID (swarm-scoped overlay networks, or C(host)), or dicts with C(name),
        C(aliases) and C(options) (driver options). The networks must exist.
    type: list
    elements: raw
  mounts:
    description: Mounts of bind, volume or tmpfs type.
    type: list
    elements: dict
    suboptions:
      type:
        description: Mount type.
        type: str
        default: volume
        choices: [bind, volume, tmpfs]
      source:
        description: Host path (bind, absolute) or volume name; unset for tmpfs and an anonymous volume.
        type: str
      target:
        description: Path in the container.
        type: str
        required: true
      readonly:
        description: Mount read-only.
        type: bool
        default: false
        aliases: [read_only]
      propagation:
        description: Bind propagation.
        type: str
        choices: [shared, slave, private, rshared, rslave, rprivate]
      no_copy:
        description: Do not copy the image's files into a new volume.
        type: bool
      labels:
        description: Labels of a volume the engine creates.
        type: dict
      driver_config:
        description: Volume driver, C(name) and C(options).
        type: dict
      tmpfs_size:
        description: Size of a tmpfs mount, such as V(64m).
        type: str
      tmpfs_mode:
        description: File mode of a tmpfs mount, as an integer (V(0o1777) in YAML is C(1023)).
        type: int
  hosts:
    description: Extra C(/etc/hosts) entries, a dict of host name to IP address (C(docker service create --host)).
    type: dict
  groups:
    description: Additional groups the tasks' process runs with.
    type: list
    elements: str
  tty:
    description: Allocate a pseudo-TTY.
    type: bool
  secrets:
    description:
      - Swarm secrets the tasks see as files under C(/run/secrets). The secret must exist. A service that holds a
        rolling version of it (C(NAME_vN), which M(fleet.docker.secret) moves services onto) is no difference;
        a new reference takes the secret of that name, or its newest version.
    type: list
    elements: dict
    suboptions:
      secret_name:
        description: Secret name.
        type: str
        required: true
      filename:
        description: File name under C(/run/secrets) (default the secret's name).
        type: str
      uid:
        description: File owner.
        type: str
      gid:
        description: File group.
        type: str
      mode:
        description: File mode as an integer (default C(0o444), V(292)).
        type: int
  configs:
    description: Swarm configs the tasks see as files, like O(secrets) (default path C(/NAME)).
    type: list
    elements: dict
    suboptions:
      config_name:
        description: Config name.
        type: str
        required: true
      filename:
        description: Path of the file in the container (default the config's name).
        type: str
      uid:
        description: File owner.
        type: str
      gid:
        description: File group.
        type: str
      mode:
        description: File mode as an integer (default C(0o444), V(292)).
        type: int
  limits:
    description: Resource limits per task, C(cpus) (such as V(0.5)) and C(memory) (such as V(256m)).
    type: dict
    suboptions:
      cpus:
        description: CPUs.
        type: float
      memory:
        description: Memory, bytes or a number with a unit.
        type: str
  reservations:
    description: Resources reserved per task (the scheduler places tasks only where they fit).
    type: dict
    suboptions:
      cpus:
        description: CPUs.
        type: float
      memory:
        description: Memory, bytes or a number with a unit.
        type: str
  placement:
    description: Where tasks may run.
    type: dict
    suboptions:
      constraints:
        description: C(KEY==VALUE) or C(KEY!=VALUE) with node.id, node.hostname, node.role, node.ip,
          node.platform.os, node.platform.arch, node.labels.NAME or engine.labels.NAME.
        type: list
        elements: str
      preferences:
        description: Spread preferences, dicts such as C(spread=node.labels.zone) written as a YAML mapping.
        type: list
        elements: dict
      max_replicas:
        description: At most this many tasks per node (API 1.40); 0 is no limit.
        type: int
        aliases: [replicas_max_per_node]
  healthcheck:
    description:
      - Like the container module's healthcheck, C(test) (a string runs in a shell), C(interval), C(timeout),
        C(retries), C(start_period), or C(disable).
    type: dict
  restart_config:
    description: When the engine replaces a task that exited.
    type: dict
    aliases: [restart_policy]
    suboptions:
      condition:
        description: V(none), V(on-failure) or V(any) (the engine's default).
        type: str
        choices: [none, on-failure, any]
      delay:
        description: Wait between restarts (a Go duration; default 5s).
        type: str
      max_attempts:
        description: Restarts before giving up; 0 is no limit.
        type: int
      window:
        description: How long a restart is watched to decide whether it worked.
        type: str
  update_config:
    description: How a rolling update proceeds. Unset keys are the engine's defaults (one task at a time, pause).
    type: dict
    suboptions:
      parallelism:
        description: Tasks updated at once; 0 is all at once.
        type: int
      delay:
        description: Wait between batches (a Go duration).
        type: str
      failure_action:
        description: V(pause), V(continue) or, for O(update_config) only, V(rollback).
        type: str
        choices: [continue, pause, rollback]
      monitor:
        description: How long each task is watched for a failure (default 5s).
        type: str
      max_failure_ratio:
        description: Fraction of tasks that may fail before the failure action.
        type: float
      order:
        description: V(stop-first) or V(start-first).
        type: str
        choices: [stop-first, start-first]
  rollback_config:
    description: How a rollback proceeds; the keys of O(update_config).
    type: dict
    suboptions:
      parallelism:
        description: Tasks updated at once; 0 is all at once.
        type: int
      delay:
        description: Wait between batches (a Go duration).
        type: str
      failure_action:
        description: V(pause) or V(continue) (V(rollback) is refused here).
        type: str
        choices: [continue, pause, rollback]
      monitor:
        description: How long each task is watched for a failure (default 5s).
        type: str
      max_failure_ratio:
        description: Fraction of tasks that may fail before the failure action.
        type: float
      order:
        description: V(stop-first) or V(start-first).
        type: str
        choices: [stop-first, start-first]
  labels:
    description: Service labels.
    type: dict
  container_labels:
    description: Labels of the task containers.
    type: dict
  user:
    description: User (and group) the tasks run as.
    type: str
  working_dir:
    description: Working directory of the tasks.
    type: str
    aliases: [workdir]
  hostname:
    description: Container hostname; a Go template such as C({{.Node.Hostname}}-{{.Task.Slot}}) is allowed (quote it in YAML).
    type: str
  dns:
    description: DNS servers.
    type: list
    elements: str
  dns_search:
    description: DNS search domains.
    type: list
    elements: str
  dns_options:
    description: Resolver options.
    type: list
    elements: str
  stop_signal:
    description: Signal that stops a task (V(SIGTERM), V(term) or a number).
    type: str
  stop_grace_period:
    description: Time between the stop signal and SIGKILL (a Go duration; the engine's default is 10s).
    type: str
  read_only:
    description: Mount the root filesystem read-only.
    type: bool
  init:
    description: Run an init process in the task containers.
    type: bool
  cap_add:
    description: Capabilities to add (API 1.41), C(NET_ADMIN) or C(CAP_NET_ADMIN).
    type: list
    elements: str
  cap_drop:
    description: Capabilities to drop (API 1.41).
    type: list
    elements: str
  sysctls:
    description: Namespaced kernel parameters (API 1.40).
    type: dict
  ulimits:
    description: Ulimits (API 1.41), C(nofile:1024:2048) strings or dicts with C(name), C(soft), C(hard).
    type: list
    elements: raw
  logging:
    description: Log driver of the tasks, C(driver) and C(options).
    type: dict
  force_update:
    description: Replace the tasks even when nothing changed (C(docker service update --force)); always a change.
    type: bool
    default: false
  wait:
    description: Wait for the tasks of a new service to run and for a rolling update to settle.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 300
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports what would change (the registry is still asked for the image digest) and changes nothing.
  diff_mode:
    support: full
    description: The before and after of the options the task sets, durations as Go prints them.
notes:
  - Needs a swarm manager as O(docker_host).
seealso:
  - module: fleet.docker.service_info
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Three web replicas on an overlay network, answered by DNS round robin
  fleet.docker.service:
    name: web
    image: registry.example.com/demo/web:1.0
    replicas: 3
    endpoint_mode: dnsrr
    networks:
      - name: backend
        aliases: [www]
    update_config:
      parallelism: 1
      delay: 5s
      failure_action: rollback
      order: start-first

- name: A global agent published on every node's own address
  fleet.docker.service:
    name: agent
    image: registry.example.com/demo/agent:2
    mode: global
    publish:
      - target: 9100
        published: 9100
        mode: host
    placement:
      constraints: [node.platform.os==linux]

- name: Remove it
  fleet.docker.service:
    name: agent
    state: absent
"""

RETURN = r"""
service:
  description: The service as the engine shows it (C(ID), C(Version), C(CreatedAt), C(UpdatedAt), C(Spec), C(Endpoint),
    C(UpdateStatus)); after check mode the current one.
  returned: when the service exists
  type: dict
changes:
  description: The options that differ (V(created) for a new service, V(force_update) when forced).
  returned: always
  type: list
  elements: str
  sample: [image, update_config]
rebuilt:
  description: Whether the service was removed and created again (a change of O(mode)).
  returned: always
  type: bool
update_status:
  description: The engine's UpdateStatus when an update was paused or rolled back (the task fails).
  returned: on failure of an update
  type: dict
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_plan import converge_service

_UPDATE = dict(parallelism=dict(type='int'), delay=dict(type='str'),
               failure_action=dict(type='str', choices=['continue', 'pause', 'rollback']),
               monitor=dict(type='str'), max_failure_ratio=dict(type='float'),
               order=dict(type='str', choices=['stop-first', 'start-first']))
_RESOURCES = dict(cpus=dict(type='float'), memory=dict(type='str'))

SERVICE_OPTIONS = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    image=dict(type='str'),
    resolve_image=dict(type='bool', default=True),
    mode=dict(type='str', default='replicated', choices=['replicated', 'global', 'replicated-job', 'global-job']),
    replicas=dict(type='int'),
    max_concurrent=dict(type='int'),
    command=dict(type='raw'),
    args=dict(type='raw'),
    env=dict(type='raw'),
    env_files=dict(type='list', elements='path'),
    publish=dict(type='list', elements='dict', options=dict(
        target=dict(type='int', required=True, aliases=['target_port']),
        published=dict(type='int', aliases=['published_port']),
        protocol=dict(type='str', default='tcp', choices=['tcp', 'udp', 'sctp']),
        mode=dict(type='str', default='ingress', choices=['ingress', 'host']))),
    endpoint_mode=dict(type='str', choices=['vip', 'dnsrr']),
    networks=dict(type='list', elements='raw'),
    mounts=dict(type='list', elements='dict', options=dict(
        type=dict(type='str', default='volume', choices=['bind', 'volume', 'tmpfs']),
        source=dict(type='str'),
        target=dict(type='str', required=True),
        readonly=dict(type='bool', default=False, aliases=['read_only']),
        propagation=dict(type='str', choices=['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate']),
        no_copy=dict(type='bool'),
        labels=dict(type='dict'),
        driver_config=dict(type='dict'),
        tmpfs_size=dict(type='str'),
        tmpfs_mode=dict(type='int'))),
    hosts=dict(type='dict'),
    groups=dict(type='list', elements='str'),
    tty=dict(type='bool'),
    secrets=dict(type='list', elements='dict', no_log=False, options=dict(
        secret_name=dict(type='str', required=True), filename=dict(type='str'), uid=dict(type='str'),
        gid=dict(type='str'), mode=dict(type='int'))),
    configs=dict(type='list', elements='dict', options=dict(
        config_name=dict(type='str', required=True), filename=dict(type='str'), uid=dict(type='str'),
        gid=dict(type='str'), mode=dict(type='int'))),
    limits=dict(type='dict', options=_RESOURCES),
    reservations=dict(type='dict', options=_RESOURCES),
    placement=dict(type='dict', options=dict(
        constraints=dict(type='list', elements='str'),
        preferences=dict(type='list', elements='dict'),
        max_replicas=dict(type='int', aliases=['replicas_max_per_node']))),
    healthcheck=dict(type='dict'),
    restart_config=dict(type='dict', aliases=['restart_policy'], options=dict(
        condition=dict(type='str', choices=['none', 'on-failure', 'any']),
        delay=dict(type='str'),
        max_attempts=dict(type='int'),
        window=dict(type='str'))),
    update_config=dict(type='dict', options=_UPDATE),
    rollback_config=dict(type='dict', options=_UPDATE),
    labels=dict(type='dict'),
    container_labels=dict(type='dict'),
    user=dict(type='str'),
    working_dir=dict(type='str', aliases=['workdir']),
    hostname=dict(type='str'),
    dns=dict(type='list', elements='str'),
    dns_search=dict(type='list', elements='str'),
    dns_options=dict(type='list', elements='str'),
    stop_signal=dict(type='str'),
    stop_grace_period=dict(type='str'),
    read_only=dict(type='bool'),
    init=dict(type='bool'),
    cap_add=dict(type='list', elements='str'),
    cap_drop=dict(type='list', elements='str'),
    sysctls=dict(type='dict'),
    ulimits=dict(type='list', elements='raw'),
    logging=dict(type='dict'),
    force_update=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=300),
)


def main():
    module = AnsibleDockerModule(argument_spec=SERVICE_OPTIONS, supports_check_mode=True,
                                 required_if=[('state', 'present', ['image'])])
    module.run(lambda m: converge_service(m.client, m.params, m.check_mode, m._diff))


if __name__ == '__main__':
    main()
