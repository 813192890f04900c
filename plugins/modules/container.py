#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container
short_description: Create, run, update and remove one Docker container idempotently
version_added: 0.1.0
description:
  - Makes one named container match the task, like C(docker run -d --name NAME ...) that can be run again and again.
  - Only the options the task sets are compared with the container, against its C(docker inspect) output merged
    with the image's defaults; environment variables, labels and the command that come from the image are not drift.
  - Drift in anything the engine cannot change on a live container (image ID, ports, volumes, mounts, env, command,
    ...) recreates the container. Drift in O(restart_policy), O(restart_retries) and O(networks) is applied in place;
    the container ID stays.
  - A recreate is create-before-destroy. The replacement is created under a temporary name
    (C(NAME-fleet-next-XXXXXXXX)), from the same create body as a new container (no label of ours, so after a
    recreate the labels are the task's and the image's); creating binds no ports, so the old container keeps
    serving. If the engine refuses the create, the old container is untouched. Then the old container is stopped
    and the new one started; if that start fails, the new one is removed and the old one started again.
    Only then is the old container removed (named volumes, anonymous volumes and bind-mounted
    directories are kept) and the new one renamed to O(name). A failed task says which state the host is left in,
    and reports C(changed=true) whenever the host changed.
  - Anonymous volumes of the old container (an image's C(VOLUME) paths, such as a database's data directory, and
    the lone paths in O(volumes)) are attached to the replacement at the same paths, as C(docker compose) does, so
    their data survives an image upgrade.
  - If a run is interrupted during a recreate (the engine or the host dies), the next run finds the temporary
    container by that name (names are unique per engine). It removes it when the old container is still there,
    or renames it into place when the old one is already gone; then it converges as usual (actions
    V(removed-leftover), V(adopted-leftover)).
  - The replacement is built from the task's options, plus the container's own image when O(image) is not set;
    options the task leaves out take the image's and the engine's defaults, as on a first create.
  - Input is validated, and the image, networks and host ports are checked, before anything is created or removed.
    Names follow the engine's rules (at least two characters for container and volume names).
options:
  name:
    description: Container name, like C(docker run --name).
    type: str
    required: true
  image:
    description:
      - Image reference, C([registry[:port]/][owner/]name[:tag][@digest]); no tag means C(latest).
      - Required to create the container. When set on an existing container, a different image ID is drift, which
        includes a new image pulled under the same tag.
      - An image ID (C(sha256:...)) is used as it is on the host and never pulled, whatever O(pull) says, as in
        community.docker.docker_container.
    type: str
  command:
    description:
      - Command to run, replacing the image's C(CMD). A string is split like a shell would split it (no variable
        expansion); a list is taken as is.
      - An empty list or string means the image's C(CMD), which is what the engine then runs.
    type: raw
  entrypoint:
    description:
      - Entrypoint, replacing the image's C(ENTRYPOINT); a string or a list, like O(command).
      - A string is split like a shell would split it. community.docker.docker_container types O(entrypoint) as a
        list, so there a string becomes a one-item list (split at commas only); give a list to mean the same in
        both.
    type: raw
  state:
    description:
      - V(started) creates the container when needed and makes sure it runs.
      - V(stopped) creates the container when needed and makes sure it does not run.
      - V(present) creates the container when needed and leaves it running or not; a recreated container is
        started again when the old one was running.
      - V(absent) stops and removes it, with its anonymous volumes; named volumes are kept. This differs from
        community.docker.docker_container, whose C(keep_volumes=true) default keeps anonymous volumes. An anonymous
        volume is reachable only through its container, so keeping it would leak disk on every remove; keep data
        in a named volume.
      - V(healthy) is V(started) with O(wait_healthy=true), as community.docker.docker_container's V(healthy).
    type: str
    default: started
    choices: [started, stopped, present, absent, healthy]
  restart:
    description: Restart a container that is already running and needs no other change.
    type: bool
    default: false
  recreate:
    description: Replace the container even when nothing drifted (through the same create-before-destroy steps).
    type: bool
    default: false
  ports:
    description:
      - Published ports in C(docker run -p) syntax, C([ip:][host[-range]:]container[-range][/tcp|udp|sctp]).
      - Write IPv6 addresses in brackets, C([::1]:8080:80). A port without host port gets one the engine chooses.
      - Quote them in YAML, V("8080:80"). Unquoted, YAML 1.1 reads C(21322:22) as the base-60 number 1279342;
        the error then says so.
      - C(8080:80) publishes on every address, IPv6 included; C(0.0.0.0:8080:80) on every IPv4 address only. They
        are different settings, and changing one into the other recreates the container.
      - Port numbers are ASCII digits only.
      - An empty list removes every published port.
    type: list
    elements: str
  publish_all:
    description: Publish every port the image exposes on a port the engine chooses, like C(docker run -P).
    type: bool
  volumes:
    description:
      - Volumes as C(src:dst[:ro|rw]), like C(docker run -v). An absolute C(src) is a bind mount of that host
        directory, a name is a named volume (created when missing), and a lone C(dst) is an anonymous volume.
      - The container path must be absolute. SELinux (C(z), C(Z)) and propagation flags may follow the mode.
    type: list
    elements: str
  mounts:
    description: Mounts in the long form, like C(docker run --mount).
    type: list
    elements: dict
    suboptions:
      type:
        description: Mount type.
        type: str
        default: volume
        choices: [bind, volume, tmpfs]
      source:
        description: Absolute host path for V(bind), volume name for V(volume) (none means anonymous), none for V(tmpfs).
        type: str
      target:
        description: Absolute path in the container.
        type: str
        required: true
      read_only:
        description: Mount read-only.
        type: bool
        default: false
  env:
    description:
      - Environment variables. Numbers and booleans are turned into strings (V(true) and V(false)).
      - Variables the image defines are not drift unless set here with a different value.
    type: dict
  env_file:
    description:
      - A file on the managed host in C(docker --env-file) format, C(KEY=VALUE) per line and C(#) comments.
      - O(env) wins over the file for the same variable.
    type: path
  restart_policy:
    description: What the engine does when the container exits or the Docker service starts. Changed in place.
    type: str
    choices: ['no', on-failure, always, unless-stopped]
  restart_retries:
    description:
      - With O(restart_policy=on-failure), how many restarts to try; C(0) means no limit.
      - C(0) is accepted with every policy, a larger number only with V(on-failure), as the engine does.
      - When not set, the container's count is not compared; a new container or policy gets C(0).
    type: int
  labels:
    description: Labels. Labels the image defines are not drift unless set here with a different value.
    type: dict
  hostname:
    description: Host name inside the container.
    type: str
  user:
    description: User (name or UID, optionally C(:group)) the process runs as.
    type: str
  working_dir:
    description: Absolute working directory of the process.
    type: str
  networks:
    description:
      - Networks to connect the container to, as names or as dicts with C(name) and optionally C(aliases) (list),
        C(ipv4_address), C(ipv6_address) and C(links) (list of C(container:alias)), like C(docker network connect).
      - Drift is applied in place by connecting, disconnecting or reconnecting the container; its ID stays.
      - Networks the container is on and the list does not name are disconnected (O(comparisons) V(strict), the
        default). community.docker.docker_container leaves them connected unless C(networks=strict) is set in its
        O(comparisons); set C(networks=allow_more_present) here for that.
      - Without O(network_mode), the first network, in the order given, is the container's network mode.
      - What an entry does not set (aliases, addresses, links) is not compared. The engine's own aliases (the
        container's name and short ID) are never drift.
    type: list
    elements: raw
  domainname:
    description: Domain name inside the container, like C(docker run --domainname).
    type: str
  exposed_ports:
    description:
      - Ports to expose without publishing them, like C(docker run --expose); C(PORT[/PROTO]) or a range
        C(8000-8010).
      - The image's C(EXPOSE) ports and the published O(ports) are exposed too and are not drift.
    type: list
    elements: str
    aliases: [exposed, expose]
  tmpfs:
    description:
      - tmpfs mounts as C(PATH[:OPTIONS]), like C(docker run --tmpfs /run:size=64m,mode=1777).
      - C(size) is bytes or a number with C(k), C(m) or C(g); C(mode) is octal.
    type: list
    elements: str
  volumes_from:
    description: Mount every volume of other containers, C(CONTAINER[:ro|rw]), like C(docker run --volumes-from).
    type: list
    elements: str
  healthcheck:
    description:
      - The container's healthcheck, like C(docker run --health-*). Fields the task leaves out come from the image.
      - Durations are Go durations (V(30s), V(1m30s), V(500ms)) or a number of seconds; the engine stores nanoseconds.
    type: dict
    suboptions:
      test:
        description:
          - A string runs in a shell (C(CMD-SHELL)); a list is a command (C(CMD)) unless it starts with C(CMD),
            C(CMD-SHELL) or C(NONE).
        type: raw
      interval:
        description: Time between checks.
        type: raw
      timeout:
        description: Time a check may take.
        type: raw
      retries:
        description: Consecutive failures that make the container unhealthy.
        type: int
      start_period:
        description: Start-up time during which failures do not count.
        type: raw
      start_interval:
        description: Time between checks during O(healthcheck.start_period). Needs Docker API 1.44 (Docker 25) or newer.
        type: raw
      disable:
        description: Turn off a healthcheck the image defines.
        type: bool
  wait_healthy:
    description:
      - After the task, wait until the container's healthcheck reports healthy (with O(state=started)).
      - Fails, naming the container and its last check's output, after O(wait_timeout) seconds, or at once when the
        container has no healthcheck or stops.
    type: bool
    default: false
  wait_timeout:
    description: Seconds O(wait_healthy) waits.
    type: int
    default: 120
  memory:
    description:
      - Memory limit, like C(docker run --memory); bytes or a number with a unit, V(512m), V(1g).
      - Updated in place (C(docker update)); the container ID stays. An unset O(memory_swap) that the engine set to
        twice the old limit follows the new one, as at create.
    type: raw
  memory_reservation:
    description: Soft memory limit (V(256m), V(1g), bytes); updated in place.
    type: raw
  memory_swap:
    description: Memory plus swap limit (V(1g), bytes), V(-1) or V(unlimited) for unlimited swap; updated in place.
    type: raw
  cpus:
    description: Number of CPUs, such as V(0.5) or V(2) (the engine's C(NanoCpus)); updated in place.
    type: raw
  cpu_shares:
    description: Relative CPU weight (at least 2); updated in place.
    type: int
  cpuset_cpus:
    description: CPUs the container may use, such as V(0-1) or V(0,2); updated in place.
    type: str
  pids_limit:
    description: Maximum number of processes; V(0) or V(-1) means unlimited. Updated in place.
    type: int
  log_driver:
    description: Logging driver, like C(docker run --log-driver); unset means the engine's default.
    type: str
  log_options:
    description: Logging driver options, like C(docker run --log-opt); values become strings.
    type: dict
    aliases: [log_opt]
  etc_hosts:
    description: Extra C(/etc/hosts) entries as C(host -> IP address) (or V(host-gateway)), like C(--add-host).
    type: dict
  dns_servers:
    description: DNS server addresses, in order, like C(docker run --dns).
    type: list
    elements: str
  dns_search_domains:
    description: DNS search domains, in order, like C(docker run --dns-search).
    type: list
    elements: str
  dns_opts:
    description: Resolver options, like C(docker run --dns-option).
    type: list
    elements: str
  cap_add:
    description: Capabilities to add; V(NET_ADMIN), V(net_admin) and V(CAP_NET_ADMIN) are the same.
    type: list
    elements: str
  cap_drop:
    description: Capabilities to drop (V(ALL) for every one).
    type: list
    elements: str
  privileged:
    description: Give the container every capability and device, like C(docker run --privileged).
    type: bool
  devices:
    description: Host devices, C(/dev/HOST[:/dev/CONTAINER][:rwm]), like C(docker run --device).
    type: list
    elements: str
  device_requests:
    description:
      - Device requests, like C(docker run --gpus); each a dict with C(driver), C(count) (V(-1) for all),
        C(device_ids), C(capabilities) (list of lists, such as C([[gpu]])) and C(options).
    type: list
    elements: dict
  security_opts:
    description: Security options, like C(docker run --security-opt no-new-privileges).
    type: list
    elements: str
  group_add:
    description: Additional groups for the process, like C(docker run --group-add).
    type: list
    elements: str
  read_only:
    description: Mount the container's root filesystem read-only.
    type: bool
  init:
    description: Run an init process as PID 1 that reaps zombies and forwards signals, like C(docker run --init).
    type: bool
  ulimits:
    description:
      - Resource limits as C(NAME:SOFT[:HARD]) (also C(NAME=SOFT[:HARD])) or dicts with C(name), C(soft) and C(hard),
        like C(docker run --ulimit nofile=1024:2048).
    type: list
    elements: raw
  sysctls:
    description: Namespaced kernel parameters, like C(docker run --sysctl net.ipv4.ip_unprivileged_port_start=0).
    type: dict
  shm_size:
    description: Size of C(/dev/shm) (V(64m), V(1g), bytes).
    type: raw
  stop_signal:
    description: Signal that stops the container (V(SIGTERM), V(TERM), V(15)); compared with the image's when unset.
    type: str
  pid_mode:
    description: PID namespace, V(host) or C(container:NAME).
    type: str
  ipc_mode:
    description: IPC namespace, V(none), V(private), V(shareable), V(host) or C(container:NAME).
    type: str
  comparisons:
    description:
      - How an option is compared with the container, per option name (and C(*) for every option).
      - V(strict) (the default) compares exactly; V(allow_more_present) accepts extra items the container has in a list
        or dict option (labels or env added by other tools); V(ignore) never compares it, so it never causes a change.
      - The default differs from community.docker.docker_container, where list and dict options (O(env), O(labels),
        O(volumes), O(mounts), O(networks), O(exposed_ports), O(etc_hosts), O(ulimits), O(sysctls), ...) default to
        V(allow_more_present) and O(stop_timeout) to V(ignore). Here the task describes the whole container, so an
        entry removed from the task is removed from the container. Values that come from the image are never
        drift either way.
    type: dict
  network_mode:
    description: V(bridge), V(host), V(none), C(container:NAME) or a network name, like C(docker run --network).
    type: str
  auto_remove:
    description: Remove the container when it exits, like C(docker run --rm).
    type: bool
  interactive:
    description: Keep standard input open, like C(docker run -i).
    type: bool
  tty:
    description: Allocate a pseudo terminal, like C(docker run -t).
    type: bool
  pull:
    description:
      - V(missing) pulls the image only when it is not on the host, V(always) pulls every time (a new image under the
        same tag then recreates the container), V(never) fails when the image is not on the host.
      - V(true) and V(false) mean V(always) and V(missing), as in community.docker.docker_container.
    type: raw
    default: missing
    choices: [missing, always, never, true, false]
  stop_timeout:
    description: Seconds to wait for the process to stop before it is killed; the engine's default is 10.
    type: int
  detach:
    description:
      - V(true) starts the container in the background.
      - V(false) waits for it to exit and returns its exit code and output; a non-zero exit code fails the task.
    type: bool
    default: true
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports what would change, with the same diff, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of every option that drifted, and of the container's state.
notes:
  - Recreating removes the old container without its anonymous volumes being removed, like C(docker rm).
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Serve a site on port 8080 from a named volume
  fleet.docker.container:
    name: web
    image: registry.example.com/demo/web:1.0
    ports: ["8080:80"]
    volumes: ["web-data:/usr/share/nginx/html"]
    restart_policy: unless-stopped
    env:
      WORKERS: 4
      DEBUG: false

- name: Bind-mount a host directory read-only, loopback only
  fleet.docker.container:
    name: docs
    image: registry.example.com/demo/web:1.0
    ports: ["127.0.0.1:8081:80"]
    volumes: ["/srv/docs:/usr/share/nginx/html:ro"]

- name: Run a one-off job and collect its output
  fleet.docker.container:
    name: migrate
    image: registry.example.com/app:2.3
    command: ["manage", "migrate", "--noinput"]
    detach: false
  register: job

- name: Pick up a new image pushed under the same tag
  fleet.docker.container:
    name: web
    image: registry.example.com/demo/web:stable
    pull: always

- name: Remove it
  fleet.docker.container:
    name: web
    state: absent
"""

RETURN = r"""
container:
  description: The container after the task (before it, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    id: 3f2a9c0e1b7d...
    name: web
    image: 127.0.0.1:5000/demo/web:1.0
    image_id: sha256:5d0da3dc9764...
    state: running
    running: true
    exit_code: 0
    created: "2024-05-01T10:00:00.000000000Z"
    ports: ["0.0.0.0:8080->80/tcp"]
    mounts: [{type: volume, name: web-data, source: /var/lib/docker/volumes/web-data/_data,
              destination: /usr/share/nginx/html, mode: z, rw: true}]
    restart_policy: {name: unless-stopped, maximum_retry_count: 0}
    networks: [bridge]
    labels: {org.fleet.demo: web}
actions:
  description:
    - What was done (or would be, in check mode), in order, from V(removed-leftover), V(adopted-leftover),
      V(pulled), V(created), V(recreated), V(updated), V(started), V(restarted), V(stopped) and V(removed).
  returned: always
  type: list
  elements: str
  sample: [pulled, recreated, started]
changes:
  description:
    - One entry per drifting option with its O(ignore:before) and O(ignore:after) values and C(how) it is applied,
      V(recreate) or V(update) (in place). An update also carries C(engine), the value in the engine's form.
  returned: always
  type: list
  elements: dict
  sample: [{option: ports, before: ["8080:80/tcp"], after: ["9090:80/tcp"], how: recreate}]
rc:
  description: Exit code of the container.
  returned: when O(detach=false) and the container ran
  type: int
  sample: 0
stdout:
  description: What the container wrote to standard output.
  returned: when O(detach=false) and the container ran
  type: str
  sample: "done\n"
stderr:
  description: What the container wrote to standard error.
  returned: when O(detach=false) and the container ran
  type: str
  sample: ""
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.containers.converge import converge_container
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS


def main():
    module = AnsibleDockerModule(argument_spec=CONTAINER_OPTIONS, supports_check_mode=True)
    module.run(lambda m: converge_container(m.client, m.params, m.check_mode, m._diff))


if __name__ == '__main__':
    main()
