"""Acceptance parity with Docker Compose 2.40.3 (issue #25): whatever `docker compose config`
accepts, fleet.docker.compose accepts and sends to the engine as Compose does, or refuses with a
message that says Compose would accept it and why the module does not.

CASES sweeps the Compose Specification's service keys the loader handles (compose/model.py
SERVICE_KEYS; compose/plan.py SUPPORTED_KEYS), each in its value forms: short and long syntax, empty
string, empty list, null. A case is one fragment of service ``web`` (beside a plain service
``other``, a volume ``data``, a network ``front``, a secret ``s`` and a config ``c``), Compose's
verdict and ours:

- ``ok``: accepted (for Compose: `config` exits 0);
- ``why``: Compose accepts it, the module refuses it, and the message says "Compose would accept it"
  and why not (docs/compose.md, "What Compose accepts and the module refuses");
- ``no``: refused by both;
- ``lenient``: Compose's schema refuses it, the module accepts it (mostly ``null`` read as "not set").

test_compose_verdict runs every case through the 2.40.3 binary (one batch, in parallel), so the
table cannot drift from the reference; test_our_verdict runs the module's own code in check mode
against the host engine (nothing is created). test_engine_receives_what_compose_sends converges a
subset of the accepted cases with `docker compose up -d` and then with the module (twice: the
second run reports no change) and compares what reached the engine, per service.
"""

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

import fleet_testlib
from fleet_testlib import WORKER, unique

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError

COMPOSE_WOULD_ACCEPT = 'Compose would accept it'
IMAGE = WORKER + ':1.0'
# A fixed shell environment for both sides: what Compose sees is exactly what we pass.
ENV = {'PATH': '/usr/bin:/bin', 'HOME': '/root'}
PROJECT = 'fleetaccepts'

# (id, fragment of service web, Compose's verdict, ours). Ids start with the key they try.
CASES = [
    ('vol-named-Z', '{volumes: ["data:/var/lib/x:Z"]}', 'ok', 'ok'),
    ('vol-named-z', '{volumes: ["data:/var/lib/x:z"]}', 'ok', 'ok'),
    ('vol-named-ro-Z', '{volumes: ["data:/var/lib/x:ro,Z"]}', 'ok', 'ok'),
    ('vol-named-nocopy', '{volumes: ["data:/x:nocopy"]}', 'ok', 'ok'),
    ('vol-named-ro-nocopy', '{volumes: ["data:/x:ro,nocopy"]}', 'ok', 'ok'),
    ('vol-named-rw', '{volumes: ["data:/x:rw"]}', 'ok', 'ok'),
    ('vol-named-ro-rw', '{volumes: ["data:/x:ro,rw"]}', 'ok', 'ok'),
    ('vol-named-unknown-opt', '{volumes: ["data:/x:foo"]}', 'ok', 'why'),
    ('vol-named-propagation', '{volumes: ["data:/x:rshared"]}', 'ok', 'why'),
    ('vol-anon', '{volumes: ["/x"]}', 'ok', 'ok'),
    ('vol-anon-ro', '{volumes: ["/x:ro"]}', 'ok', 'why'),
    ('vol-short-2', '{volumes: ["ab"]}', 'ok', 'why'),
    ('vol-empty-string', '{volumes: [""]}', 'no', 'no'),
    ('vol-empty-list', '{volumes: []}', 'ok', 'ok'),
    ('vol-null', '{volumes: null}', 'no', 'lenient'),
    ('vol-string', '{volumes: "data:/x"}', 'no', 'no'),
    ('vol-too-many-colons', '{volumes: ["data:/x:ro:z"]}', 'no', 'no'),
    ('vol-empty-section', '{volumes: ["data::/x"]}', 'no', 'no'),
    ('vol-relative-target', '{volumes: ["data:x"]}', 'ok', 'why'),
    ('bind-ro-z', '{volumes: ["./conf:/etc/x:ro,z"]}', 'ok', 'ok'),
    ('bind-Z', '{volumes: ["./conf:/etc/x:Z"]}', 'ok', 'ok'),
    ('bind-z-rshared', '{volumes: ["./conf:/etc/x:z,rshared"]}', 'ok', 'ok'),
    ('bind-cached', '{volumes: ["./conf:/etc/x:cached"]}', 'ok', 'ok'),
    ('bind-delegated-ro', '{volumes: ["./conf:/etc/x:ro,delegated"]}', 'ok', 'ok'),
    ('bind-nocopy', '{volumes: ["./conf:/etc/x:nocopy"]}', 'ok', 'why'),
    ('bind-abs', '{volumes: ["/tmp:/hosttmp"]}', 'ok', 'ok'),
    ('bind-home', '{volumes: ["~/x:/x"]}', 'ok', 'ok'),
    ('bind-missing-dir', '{volumes: ["./missing:/x"]}', 'ok', 'ok'),
    ('bind-long-selinux-z', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: {selinux: z}}]}', 'ok', 'ok'),
    ('bind-long-selinux-Z-ro', '{volumes: [{type: bind, source: ./conf, target: /etc/x, read_only: true, bind: {selinux: Z}}]}', 'ok', 'ok'),
    ('bind-long-selinux-bad', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: {selinux: q}}]}', 'no', 'no'),
    ('bind-long-propagation', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: {propagation: rslave}}]}', 'ok', 'ok'),
    ('bind-long-create-false', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: {create_host_path: false}}]}', 'ok', 'ok'),
    ('bind-long-recursive', '{volumes: [{type: bind, source: ./conf, target: /etc/x, read_only: true, bind: {recursive: readonly}}]}', 'ok', 'ok'),
    ('bind-long-empty-bind', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: {}}]}', 'ok', 'ok'),
    ('bind-long-null-bind', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: null}]}', 'no', 'lenient'),
    ('bind-long-no-source', '{volumes: [{type: bind, target: /etc/x}]}', 'no', 'no'),
    ('bind-long-consistency', '{volumes: [{type: bind, source: ./conf, target: /etc/x, consistency: cached}]}', 'ok', 'ok'),
    ('vol-long', '{volumes: [{type: volume, source: data, target: /x}]}', 'ok', 'ok'),
    ('vol-long-ro', '{volumes: [{type: volume, source: data, target: /x, read_only: "true"}]}', 'ok', 'ok'),
    ('vol-long-nocopy', '{volumes: [{type: volume, source: data, target: /x, volume: {nocopy: true}}]}', 'ok', 'ok'),
    ('vol-long-subpath', '{volumes: [{type: volume, source: data, target: /x, volume: {subpath: sub}}]}', 'ok', 'why'),
    ('vol-long-labels', '{volumes: [{type: volume, source: data, target: /x, volume: {labels: {a: b}}}]}', 'ok', 'ok'),
    ('vol-long-selinux', '{volumes: [{type: volume, source: data, target: /x, bind: {selinux: Z}}]}', 'ok', 'ok'),
    ('vol-long-anon', '{volumes: [{type: volume, target: /x}]}', 'ok', 'ok'),
    ('vol-long-no-type', '{volumes: [{source: data, target: /x}]}', 'no', 'no'),
    ('vol-long-no-target', '{volumes: [{type: volume, source: data}]}', 'no', 'no'),
    ('vol-long-empty-source', '{volumes: [{type: volume, source: "", target: /x}]}', 'ok', 'ok'),
    ('tmpfs-long', '{volumes: [{type: tmpfs, target: /t, tmpfs: {size: 1m}}]}', 'ok', 'ok'),
    ('tmpfs-long-mode', '{volumes: [{type: tmpfs, target: /t, tmpfs: {size: 1048576, mode: 1777}}]}', 'ok', 'ok'),
    ('tmpfs-long-bare', '{volumes: [{type: tmpfs, target: /t}]}', 'ok', 'ok'),
    ('image-mount', '{volumes: [{type: image, source: busybox, target: /img}]}', 'ok', 'why'),
    ('npipe-mount', '{volumes: [{type: npipe, source: x, target: /p}]}', 'ok', 'why'),
    ('cluster-mount', '{volumes: [{type: cluster, source: x, target: /p}]}', 'ok', 'why'),
    ('dns_search-empty-string', '{dns_search: ""}', 'ok', 'ok'),
    ('dns_search-list-empty-string', '{dns_search: [""]}', 'ok', 'ok'),
    ('dns_search-string', '{dns_search: example.test}', 'ok', 'ok'),
    ('dns_search-list', '{dns_search: [a.test, b.test]}', 'ok', 'ok'),
    ('dns_search-empty-list', '{dns_search: []}', 'ok', 'ok'),
    ('dns_search-null', '{dns_search: null}', 'no', 'lenient'),
    ('dns_search-dot', '{dns_search: "."}', 'ok', 'ok'),
    ('dns-empty-string', '{dns: ""}', 'ok', 'ok'),
    ('dns-list-empty-string', '{dns: [""]}', 'ok', 'ok'),
    ('dns-string', '{dns: 8.8.8.8}', 'ok', 'ok'),
    ('dns-list', '{dns: [8.8.8.8, "1.1.1.1"]}', 'ok', 'ok'),
    ('dns-empty-list', '{dns: []}', 'ok', 'ok'),
    ('dns-null', '{dns: null}', 'no', 'lenient'),
    ('dns-not-ip', '{dns: [resolver.test]}', 'ok', 'why'),
    ('dns_opt-list', '{dns_opt: ["ndots:2", use-vc]}', 'ok', 'ok'),
    ('dns_opt-empty-list', '{dns_opt: []}', 'ok', 'ok'),
    ('dns_opt-string', '{dns_opt: "ndots:2"}', 'no', 'lenient'),
    ('dns_opt-list-empty-string', '{dns_opt: [""]}', 'ok', 'ok'),
    ('dns_opt-null', '{dns_opt: null}', 'no', 'lenient'),
    ('hostname-empty', '{hostname: ""}', 'ok', 'ok'),
    ('hostname-null', '{hostname: null}', 'no', 'lenient'),
    ('domainname-empty', '{domainname: ""}', 'ok', 'ok'),
    ('user-empty', '{user: ""}', 'ok', 'ok'),
    ('user-int', '{user: 1000}', 'no', 'lenient'),
    ('user-uid-gid', '{user: "1000:1000"}', 'ok', 'ok'),
    ('working_dir-empty', '{working_dir: ""}', 'ok', 'ok'),
    ('working_dir-relative', '{working_dir: app}', 'ok', 'why'),
    ('container_name-empty', '{container_name: ""}', 'no', 'lenient'),
    ('container_name-null', '{container_name: null}', 'no', 'lenient'),
    ('image-empty', '{image: ""}', 'no', 'no'),
    ('image-null', '{image: null}', 'no', 'no'),
    ('restart-empty', '{restart: ""}', 'ok', 'ok'),
    ('restart-no', '{restart: "no"}', 'ok', 'ok'),
    ('restart-unless-stopped', '{restart: unless-stopped}', 'ok', 'ok'),
    ('restart-on-failure', '{restart: on-failure}', 'ok', 'ok'),
    ('restart-on-failure-3', '{restart: "on-failure:3"}', 'ok', 'ok'),
    ('restart-bogus', '{restart: sometimes}', 'ok', 'why'),
    ('stop_signal-empty', '{stop_signal: ""}', 'ok', 'ok'),
    ('stop_signal-number', '{stop_signal: "9"}', 'ok', 'ok'),
    ('stop_grace_period-empty', '{stop_grace_period: ""}', 'no', 'no'),
    ('stop_grace_period-int', '{stop_grace_period: 10}', 'no', 'lenient'),
    ('stop_grace_period-go', '{stop_grace_period: 1m30s}', 'ok', 'ok'),
    ('stop_grace_period-null', '{stop_grace_period: null}', 'no', 'lenient'),
    ('pid-empty', '{pid: ""}', 'ok', 'ok'),
    ('pid-null', '{pid: null}', 'no', 'lenient'),
    ('pid-host', '{pid: host}', 'ok', 'ok'),
    ('ipc-empty', '{ipc: ""}', 'ok', 'ok'),
    ('ipc-shareable', '{ipc: shareable}', 'ok', 'ok'),
    ('cpuset-empty', '{cpuset: ""}', 'ok', 'ok'),
    ('cpuset-range', '{cpuset: "0"}', 'ok', 'ok'),
    ('network_mode-empty', '{network_mode: ""}', 'ok', 'ok'),
    ('network_mode-none', '{network_mode: none}', 'ok', 'ok'),
    ('network_mode-host', '{network_mode: host}', 'ok', 'ok'),
    ('network_mode-bridge', '{network_mode: bridge}', 'ok', 'ok'),
    ('network_mode-service', '{network_mode: "service:other"}', 'ok', 'ok'),
    ('pull_policy-empty', '{pull_policy: ""}', 'no', 'lenient'),
    ('pull_policy-if_not_present', '{pull_policy: if_not_present}', 'ok', 'ok'),
    ('pull_policy-daily', '{pull_policy: daily}', 'ok', 'ok'),
    ('pull_policy-bogus', '{pull_policy: sometimes}', 'no', 'lenient'),
    ('command-empty-string', '{command: ""}', 'ok', 'ok'),
    ('command-empty-list', '{command: []}', 'ok', 'ok'),
    ('command-null', '{command: null}', 'ok', 'ok'),
    ('command-string', '{command: "sh -c \'sleep 1\'"}', 'ok', 'ok'),
    ('entrypoint-empty-string', '{entrypoint: ""}', 'ok', 'ok'),
    ('entrypoint-empty-list', '{entrypoint: []}', 'ok', 'ok'),
    ('entrypoint-list', '{entrypoint: [sh, -c]}', 'ok', 'ok'),
    ('environment-list', '{environment: [A=1, B, C=]}', 'ok', 'ok'),
    ('environment-dict-null', '{environment: {A: null, B: "", C: 1, D: true}}', 'ok', 'ok'),
    ('environment-empty-list', '{environment: []}', 'ok', 'ok'),
    ('environment-empty-dict', '{environment: {}}', 'ok', 'ok'),
    ('environment-null', '{environment: null}', 'no', 'lenient'),
    ('environment-string', '{environment: "A=1"}', 'no', 'no'),
    ('env_file-string', '{env_file: ./env.txt}', 'ok', 'ok'),
    ('env_file-empty-string', '{env_file: ""}', 'no', 'no'),
    ('env_file-empty-list', '{env_file: []}', 'ok', 'ok'),
    ('env_file-null', '{env_file: null}', 'no', 'lenient'),
    ('env_file-optional-missing', '{env_file: [{path: ./nope.env, required: false}]}', 'ok', 'ok'),
    ('env_file-format-raw', '{env_file: [{path: ./env.txt, format: raw}]}', 'ok', 'ok'),
    ('labels-list', '{labels: [a=1, b]}', 'ok', 'ok'),
    ('labels-dict', '{labels: {a: 1, b: true, c: null}}', 'ok', 'ok'),
    ('labels-empty-list', '{labels: []}', 'ok', 'ok'),
    ('labels-null', '{labels: null}', 'no', 'lenient'),
    ('annotations-dict', '{annotations: {a: b}}', 'ok', 'why'),
    ('cap_add-list', '{cap_add: [NET_ADMIN]}', 'ok', 'ok'),
    ('cap_add-empty', '{cap_add: []}', 'ok', 'ok'),
    ('cap_add-null', '{cap_add: null}', 'no', 'lenient'),
    ('cap_add-string', '{cap_add: NET_ADMIN}', 'no', 'lenient'),
    ('cap_add-lower', '{cap_add: [net_admin]}', 'ok', 'ok'),
    ('cap_add-list-empty-string', '{cap_add: [""]}', 'ok', 'why'),
    ('cap_drop-all', '{cap_drop: [ALL]}', 'ok', 'ok'),
    ('security_opt-list', '{security_opt: ["no-new-privileges:true"]}', 'ok', 'ok'),
    ('security_opt-empty', '{security_opt: []}', 'ok', 'ok'),
    ('security_opt-label', '{security_opt: ["label=disable"]}', 'ok', 'ok'),
    ('group_add-mixed', '{group_add: [100, users]}', 'ok', 'ok'),
    ('group_add-empty', '{group_add: []}', 'ok', 'ok'),
    ('expose-mixed', '{expose: [80, "81/udp", "8000-8001"]}', 'ok', 'ok'),
    ('expose-empty', '{expose: []}', 'ok', 'ok'),
    ('expose-string', '{expose: "80"}', 'no', 'no'),
    ('tmpfs-string', '{tmpfs: /run}', 'ok', 'ok'),
    ('tmpfs-list', '{tmpfs: ["/run", "/scratch:size=1m,mode=1777"]}', 'ok', 'ok'),
    ('tmpfs-empty-string', '{tmpfs: ""}', 'ok', 'why'),
    ('tmpfs-empty-list', '{tmpfs: []}', 'ok', 'ok'),
    ('tmpfs-null', '{tmpfs: null}', 'no', 'lenient'),
    ('ports-short', '{ports: ["80", "8080:80", "127.0.0.1:8081:81", "82/udp"]}', 'ok', 'ok'),
    ('ports-int', '{ports: [80]}', 'ok', 'ok'),
    ('ports-range', '{ports: ["9000-9001:9000-9001"]}', 'ok', 'ok'),
    ('ports-host-range', '{ports: ["9100-9102:80"]}', 'ok', 'ok'),
    ('ports-ipv6', '{ports: ["[::1]:8082:80"]}', 'ok', 'ok'),
    ('ports-ip-no-host', '{ports: ["127.0.0.1::80"]}', 'ok', 'ok'),
    ('ports-long', '{ports: [{target: 80, published: "8083", protocol: tcp, host_ip: 127.0.0.1}]}', 'ok', 'ok'),
    ('ports-long-int-published', '{ports: [{target: 80, published: 8084}]}', 'ok', 'ok'),
    ('ports-long-empty-published', '{ports: [{target: 80, published: ""}]}', 'ok', 'ok'),
    ('ports-long-empty-host_ip', '{ports: [{target: 80, published: "8085", host_ip: ""}]}', 'no', 'lenient'),
    ('ports-long-mode-host', '{ports: [{target: 80, published: "8086", mode: host}]}', 'ok', 'ok'),
    ('ports-long-name', '{ports: [{target: 80, name: web, app_protocol: http}]}', 'ok', 'ok'),
    ('ports-empty-list', '{ports: []}', 'ok', 'ok'),
    ('ports-null', '{ports: null}', 'no', 'lenient'),
    ('ports-empty-string', '{ports: [""]}', 'no', 'no'),
    ('ports-sctp', '{ports: ["83/sctp"]}', 'ok', 'ok'),
    ('extra_hosts-colon', '{extra_hosts: ["a.test:10.0.0.1"]}', 'ok', 'ok'),
    ('extra_hosts-equals', '{extra_hosts: ["a.test=10.0.0.1"]}', 'ok', 'ok'),
    ('extra_hosts-dict', '{extra_hosts: {a.test: 10.0.0.1}}', 'ok', 'ok'),
    ('extra_hosts-dict-list', '{extra_hosts: {a.test: [10.0.0.1, "10.0.0.2"]}}', 'ok', 'ok'),
    ('extra_hosts-ipv6', '{extra_hosts: ["a.test=::1"]}', 'ok', 'ok'),
    ('extra_hosts-ipv6-colon', '{extra_hosts: ["a.test:::1"]}', 'ok', 'ok'),
    ('extra_hosts-ipv6-brackets', '{extra_hosts: ["a.test=[::1]"]}', 'ok', 'ok'),
    ('extra_hosts-host-gateway', '{extra_hosts: ["a.test:host-gateway"]}', 'ok', 'ok'),
    ('extra_hosts-empty', '{extra_hosts: []}', 'ok', 'ok'),
    ('sysctls-list', '{sysctls: ["net.core.somaxconn=1024"]}', 'ok', 'ok'),
    ('sysctls-dict', '{sysctls: {net.core.somaxconn: 1024}}', 'ok', 'ok'),
    ('sysctls-empty-list', '{sysctls: []}', 'ok', 'ok'),
    ('sysctls-empty-dict', '{sysctls: {}}', 'ok', 'ok'),
    ('ulimits-int', '{ulimits: {nofile: 1024}}', 'ok', 'ok'),
    ('ulimits-soft-hard', '{ulimits: {nofile: {soft: 1024, hard: 2048}}}', 'ok', 'ok'),
    ('ulimits-string', '{ulimits: {nproc: "65535"}}', 'ok', 'ok'),
    ('ulimits-empty', '{ulimits: {}}', 'ok', 'ok'),
    ('devices-short', '{devices: ["/dev/null"]}', 'ok', 'ok'),
    ('devices-target', '{devices: ["/dev/null:/dev/x"]}', 'ok', 'ok'),
    ('devices-perms', '{devices: ["/dev/null:/dev/x:r"]}', 'ok', 'ok'),
    ('devices-long', '{devices: [{source: /dev/null, target: /dev/y, permissions: rw}]}', 'ok', 'ok'),
    ('devices-empty', '{devices: []}', 'ok', 'ok'),
    ('devices-cdi', '{devices: ["vendor.com/class=name"]}', 'ok', 'why'),
    ('secrets-short', '{secrets: [s]}', 'ok', 'ok'),
    ('secrets-long-target', '{secrets: [{source: s, target: token}]}', 'ok', 'ok'),
    ('secrets-long-abs', '{secrets: [{source: s, target: /etc/token}]}', 'ok', 'ok'),
    ('secrets-uid', '{secrets: [{source: s, uid: "1000", gid: "1000", mode: 0400}]}', 'ok', 'why'),
    ('secrets-empty', '{secrets: []}', 'ok', 'ok'),
    ('configs-short', '{configs: [c]}', 'ok', 'ok'),
    ('configs-long', '{configs: [{source: c, target: /etc/c.conf}]}', 'ok', 'ok'),
    ('configs-relative-target', '{configs: [{source: c, target: c.conf}]}', 'ok', 'ok'),
    ('links-short', '{links: [other]}', 'ok', 'ok'),
    ('links-alias', '{links: ["other:db"]}', 'ok', 'ok'),
    ('volumes_from-service', '{volumes_from: [other]}', 'ok', 'ok'),
    ('volumes_from-ro', '{volumes_from: ["other:ro"]}', 'ok', 'ok'),
    ('volumes_from-container', '{volumes_from: ["container:foo"]}', 'ok', 'ok'),
    ('profiles-empty', '{profiles: []}', 'ok', 'ok'),
    ('depends_on-list', '{depends_on: [other]}', 'ok', 'ok'),
    ('depends_on-restart', '{depends_on: {other: {condition: service_started, restart: true}}}', 'ok', 'ok'),
    ('depends_on-empty', '{depends_on: []}', 'ok', 'ok'),
    ('healthcheck-string', '{healthcheck: {test: "true"}}', 'ok', 'ok'),
    ('healthcheck-empty-string', '{healthcheck: {test: ""}}', 'ok', 'why'),
    ('healthcheck-cmd', '{healthcheck: {test: [CMD, "true"], interval: 2s, timeout: 1s, retries: 3, start_interval: 1s}}', 'ok', 'ok'),
    ('healthcheck-none', '{healthcheck: {test: [NONE]}}', 'ok', 'ok'),
    ('healthcheck-empty-list', '{healthcheck: {test: []}}', 'ok', 'ok'),
    ('healthcheck-disable', '{healthcheck: {disable: true}}', 'ok', 'ok'),
    ('healthcheck-empty', '{healthcheck: {}}', 'ok', 'ok'),
    ('healthcheck-null', '{healthcheck: null}', 'no', 'lenient'),
    ('healthcheck-retries-0', '{healthcheck: {test: [CMD, "true"], retries: 0}}', 'ok', 'ok'),
    ('healthcheck-interval-empty', '{healthcheck: {test: [CMD, "true"], interval: ""}}', 'no', 'no'),
    ('logging-driver', '{logging: {driver: json-file, options: {max-size: 1m, max-file: 3}}}', 'ok', 'ok'),
    ('logging-empty', '{logging: {}}', 'ok', 'ok'),
    ('logging-options-null', '{logging: {driver: json-file, options: null}}', 'no', 'lenient'),
    ('logging-driver-empty', '{logging: {driver: ""}}', 'ok', 'ok'),
    ('logging-option-null-value', '{logging: {driver: json-file, options: {tag: null, max-size: 1m}}}', 'ok', 'ok'),
    ('logging-none', '{logging: {driver: none}}', 'ok', 'ok'),
    ('mem_limit-string', '{mem_limit: 64m}', 'ok', 'ok'),
    ('mem_limit-int', '{mem_limit: 67108864}', 'ok', 'ok'),
    ('mem_limit-empty', '{mem_limit: ""}', 'no', 'lenient'),
    ('mem_limit-zero', '{mem_limit: 0}', 'ok', 'ok'),
    ('mem_limit-upper', '{mem_limit: 1G}', 'ok', 'ok'),
    ('mem_limit-float', '{mem_limit: 1.5g}', 'ok', 'ok'),
    ('mem_reservation', '{mem_reservation: 32m}', 'ok', 'ok'),
    ('memswap_limit-unlimited', '{memswap_limit: -1, mem_limit: 64m}', 'ok', 'ok'),
    ('memswap_limit', '{memswap_limit: 128m, mem_limit: 64m}', 'ok', 'ok'),
    ('shm_size-int', '{shm_size: 1048576}', 'ok', 'ok'),
    ('shm_size-string', '{shm_size: 64m}', 'ok', 'ok'),
    ('shm_size-empty', '{shm_size: ""}', 'no', 'lenient'),
    ('cpus-float', '{cpus: 0.5}', 'ok', 'ok'),
    ('cpus-string', '{cpus: "0.5"}', 'ok', 'ok'),
    ('cpus-zero', '{cpus: 0}', 'ok', 'ok'),
    ('cpus-empty', '{cpus: ""}', 'no', 'lenient'),
    ('cpu_shares-string', '{cpu_shares: "512"}', 'ok', 'ok'),
    ('cpu_shares-zero', '{cpu_shares: 0}', 'ok', 'ok'),
    ('pids_limit', '{pids_limit: 64}', 'ok', 'ok'),
    ('pids_limit-unlimited', '{pids_limit: -1}', 'ok', 'ok'),
    ('pids_limit-zero', '{pids_limit: 0}', 'ok', 'ok'),
    ('pids_limit-string', '{pids_limit: "64"}', 'ok', 'ok'),
    ('tty-string', '{tty: "true"}', 'ok', 'ok'),
    ('tty-false', '{tty: false}', 'ok', 'ok'),
    ('init-true', '{init: true}', 'ok', 'ok'),
    ('init-false', '{init: false}', 'ok', 'ok'),
    ('init-string', '{init: "false"}', 'ok', 'ok'),
    ('privileged-string', '{privileged: "1"}', 'no', 'lenient'),
    ('read_only-empty', '{read_only: ""}', 'no', 'no'),
    ('stdin_open-null', '{stdin_open: null}', 'no', 'lenient'),
    ('scale-zero', '{scale: 0}', 'ok', 'ok'),
    ('scale-two', '{scale: 2}', 'ok', 'ok'),
    ('scale-string', '{scale: "2"}', 'ok', 'ok'),
    ('deploy-empty', '{deploy: {}}', 'ok', 'ok'),
    ('deploy-null', '{deploy: null}', 'ok', 'ok'),
    ('deploy-replicas', '{deploy: {replicas: 2}}', 'ok', 'ok'),
    ('deploy-limits', '{deploy: {resources: {limits: {memory: 64m, cpus: "0.5", pids: 64}}}}', 'ok', 'ok'),
    ('deploy-reservations', '{deploy: {resources: {reservations: {memory: 32m, cpus: "0.25"}}}}', 'ok', 'ok'),
    ('deploy-restart-policy', '{deploy: {restart_policy: {condition: on-failure, max_attempts: 3, delay: 5s, window: 1m}}}', 'ok', 'ok'),
    ('deploy-mode', '{deploy: {mode: replicated}}', 'ok', 'ok'),
    ('deploy-mode-global', '{deploy: {mode: global}}', 'ok', 'ok'),
    ('deploy-placement', '{deploy: {placement: {constraints: ["node.role==manager"]}}}', 'ok', 'ok'),
    ('deploy-labels', '{deploy: {labels: {a: b}}}', 'ok', 'ok'),
    ('deploy-endpoint_mode', '{deploy: {endpoint_mode: vip}}', 'ok', 'ok'),
    ('deploy-update_config', '{deploy: {update_config: {parallelism: 1}}}', 'ok', 'ok'),
    ('deploy-devices', '{deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}}', 'ok', 'why'),
    ('networks-list', '{networks: [front]}', 'ok', 'ok'),
    ('networks-dict-null', '{networks: {front: null}}', 'ok', 'ok'),
    ('networks-aliases', '{networks: {front: {aliases: [web-alias]}}}', 'ok', 'ok'),
    ('networks-aliases-empty', '{networks: {front: {aliases: []}}}', 'ok', 'ok'),
    ('networks-ipv4-empty', '{networks: {front: {ipv4_address: ""}}}', 'ok', 'ok'),
    ('networks-priority', '{networks: {front: {priority: 10}, default: {}}}', 'ok', 'ok'),
    ('networks-gw_priority', '{networks: {front: {gw_priority: 1}}}', 'ok', 'why'),
    ('networks-mac', '{networks: {front: {mac_address: "02:42:ac:11:00:02"}}}', 'ok', 'why'),
    ('networks-interface_name', '{networks: {front: {interface_name: eth7}}}', 'ok', 'why'),
    ('networks-link_local', '{networks: {front: {link_local_ips: ["169.254.10.10"]}}}', 'ok', 'why'),
    ('networks-driver_opts', '{networks: {front: {driver_opts: {a: b}}}}', 'ok', 'why'),
    ('networks-empty-list', '{networks: []}', 'ok', 'ok'),
    ('cgroup', '{cgroup: host}', 'ok', 'why'),
    ('cgroup_parent', '{cgroup_parent: /fleet}', 'ok', 'why'),
    ('uts', '{uts: host}', 'ok', 'why'),
    ('userns_mode', '{userns_mode: host}', 'ok', 'why'),
    ('runtime', '{runtime: runc}', 'ok', 'why'),
    ('isolation', '{isolation: default}', 'ok', 'why'),
    ('mac_address', '{mac_address: "02:42:ac:11:00:02"}', 'ok', 'why'),
    ('oom_kill_disable-true', '{oom_kill_disable: true}', 'ok', 'why'),
    ('oom_kill_disable-false', '{oom_kill_disable: false}', 'ok', 'ok'),
    ('oom_score_adj', '{oom_score_adj: 100}', 'ok', 'why'),
    ('oom_score_adj-zero', '{oom_score_adj: 0}', 'ok', 'ok'),
    ('mem_swappiness', '{mem_swappiness: 10}', 'ok', 'why'),
    ('cpu_period', '{cpu_period: 100000}', 'ok', 'why'),
    ('cpu_quota', '{cpu_quota: 50000}', 'ok', 'why'),
    ('cpu_rt_runtime', '{cpu_rt_runtime: 0}', 'ok', 'ok'),
    ('cpu_count', '{cpu_count: 1}', 'ok', 'why'),
    ('cpu_percent', '{cpu_percent: 50}', 'ok', 'why'),
    ('storage_opt', '{storage_opt: {size: 1G}}', 'ok', 'why'),
    ('blkio_config', '{blkio_config: {weight: 300}}', 'ok', 'why'),
    ('device_cgroup_rules', '{device_cgroup_rules: ["c 1:3 mr"]}', 'ok', 'why'),
    ('device_cgroup_rules-empty', '{device_cgroup_rules: []}', 'ok', 'ok'),
    ('gpus', '{gpus: all}', 'ok', 'why'),
    ('platform', '{platform: linux/amd64}', 'ok', 'why'),
    ('platform-empty', '{platform: ""}', 'ok', 'ok'),
    ('external_links', '{external_links: [foo]}', 'ok', 'why'),
    ('credential_spec', '{credential_spec: {file: x.json}}', 'ok', 'why'),
    ('attach-false', '{attach: false}', 'ok', 'ok'),
    ('post_start', '{post_start: [{command: ["true"]}]}', 'ok', 'why'),
    ('pre_stop', '{pre_stop: [{command: ["true"]}]}', 'ok', 'why'),
    ('use_api_socket', '{use_api_socket: true}', 'ok', 'why'),
    ('label_file', '{label_file: ./env.txt}', 'ok', 'why'),
    ('pull_refresh_after', '{pull_refresh_after: 1h}', 'ok', 'ok'),
    ('stop_signal-name', '{stop_signal: SIGUSR1}', 'ok', 'ok'),
    ('hostname-value', '{hostname: web1}', 'ok', 'ok'),
    ('domainname-value', '{domainname: example.test}', 'ok', 'ok'),
    ('bind-long-selinux-create', '{volumes: [{type: bind, source: ./conf, target: /etc/x, bind: {selinux: z, create_host_path: true}}]}', 'ok', 'ok'),
    ('bind-long-plain', '{volumes: [{type: bind, source: ./conf, target: /etc/x}]}', 'ok', 'ok'),
    ('net-driver-bridge', '{networks: [front], x-top: {networks: {front: {driver: bridge}}}}', 'ok', 'ok'),
    ('net-driver-empty', '{networks: [front], x-top: {networks: {front: {driver: ""}}}}', 'ok', 'ok'),
    ('net-driver_opts-int', '{networks: [front], x-top: {networks: {front: {driver_opts: {com.docker.network.driver.mtu: 1400}}}}}', 'ok', 'ok'),
    ('net-ipam-empty', '{networks: [front], x-top: {networks: {front: {ipam: {}}}}}', 'ok', 'ok'),
    ('net-ipam-config', '{networks: [front], x-top: {networks: {front: {ipam: {config: [{subnet: 10.250.7.0/24, gateway: 10.250.7.1}]}}}}}', 'ok', 'ok'),
    ('net-ipam-ip_range', '{networks: [front], x-top: {networks: {front: {ipam: {config: [{subnet: 10.250.8.0/24, '
                          'ip_range: 10.250.8.128/25}]}}}}}', 'ok', 'ok'),
    ('net-ipam-aux', '{networks: [front], x-top: {networks: {front: {ipam: {config: [{subnet: 10.250.9.0/24, '
                     'aux_addresses: {h1: 10.250.9.5}}]}}}}}', 'ok', 'ok'),
    ('net-ipam-driver', '{networks: [front], x-top: {networks: {front: {ipam: {driver: default}}}}}', 'ok', 'ok'),
    ('net-ipam-options', '{networks: [front], x-top: {networks: {front: {ipam: {options: {a: b}}}}}}', 'ok', 'ok'),
    ('net-ipam-config-empty', '{networks: [front], x-top: {networks: {front: {ipam: {config: []}}}}}', 'ok', 'ok'),
    ('net-internal', '{networks: [front], x-top: {networks: {front: {internal: true}}}}', 'ok', 'ok'),
    ('net-internal-string', '{networks: [front], x-top: {networks: {front: {internal: "true"}}}}', 'ok', 'ok'),
    ('net-attachable', '{networks: [front], x-top: {networks: {front: {attachable: true}}}}', 'ok', 'ok'),
    ('net-enable_ipv6-false', '{networks: [front], x-top: {networks: {front: {enable_ipv6: false}}}}', 'ok', 'ok'),
    ('net-enable_ipv4-true', '{networks: [front], x-top: {networks: {front: {enable_ipv4: true}}}}', 'ok', 'ok'),
    ('net-labels-list', '{networks: [front], x-top: {networks: {front: {labels: [a=b]}}}}', 'ok', 'ok'),
    ('net-labels-dict', '{networks: [front], x-top: {networks: {front: {labels: {a: 1}}}}}', 'ok', 'ok'),
    ('net-name', '{networks: [front], x-top: {networks: {front: {name: fleet-accepts-net}}}}', 'ok', 'ok'),
    ('net-null', '{networks: [front], x-top: {networks: {front: null}}}', 'ok', 'ok'),
    ('net-external-bridge', '{networks: [front], x-top: {networks: {front: {external: true, name: bridge}}}}', 'ok', 'ok'),
    ('net-external-dict', '{networks: [front], x-top: {networks: {front: {external: {name: bridge}}}}}', 'ok', 'ok'),
    ('net-unknown-key', '{networks: [front], x-top: {networks: {front: {colour: blue}}}}', 'no', 'no'),
    ('vol-top-driver-local', '{volumes: ["data:/x"], x-top: {volumes: {data: {driver: local}}}}', 'ok', 'ok'),
    ('vol-top-driver_opts-tmpfs', '{volumes: ["data:/x"], x-top: {volumes: {data: {driver_opts: {type: tmpfs, device: tmpfs, o: "size=1m"}}}}}', 'ok', 'ok'),
    ('vol-top-driver_opts-int', '{volumes: ["data:/x"], x-top: {volumes: {data: {driver_opts: {type: tmpfs, device: tmpfs, o: 1}}}}}', 'ok', 'ok'),
    ('vol-top-driver_opts-empty', '{volumes: ["data:/x"], x-top: {volumes: {data: {driver_opts: {}}}}}', 'ok', 'ok'),
    ('vol-top-labels', '{volumes: ["data:/x"], x-top: {volumes: {data: {labels: [a=b]}}}}', 'ok', 'ok'),
    ('vol-top-name', '{volumes: ["data:/x"], x-top: {volumes: {data: {name: fleet-accepts-vol}}}}', 'ok', 'ok'),
    ('vol-top-null', '{volumes: ["data:/x"], x-top: {volumes: {data: null}}}', 'ok', 'ok'),
    ('vol-top-driver-empty', '{volumes: ["data:/x"], x-top: {volumes: {data: {driver: ""}}}}', 'ok', 'ok'),
    ('secret-environment', '{secrets: [e], x-top: {secrets: {e: {environment: HOME}}}}', 'ok', 'why'),
    ('secret-external', '{secrets: [e], x-top: {secrets: {e: {external: true}}}}', 'ok', 'why'),
    ('config-content', '{configs: [k], x-top: {configs: {k: {content: "hello"}}}}', 'ok', 'why'),
    ('config-environment', '{configs: [k], x-top: {configs: {k: {environment: HOME}}}}', 'ok', 'why'),
    ('build-context', '{build: .}', 'ok', 'ok'),
    ('build-long', '{build: {context: ., dockerfile: Dockerfile, args: {A: 1}, target: "", labels: [a=b], no_cache: true}}', 'ok', 'ok'),
    ('build-args-list', '{build: {context: ., args: [A=1, B]}}', 'ok', 'ok'),
    ('build-cache_from', '{build: {context: ., cache_from: [x]}}', 'ok', 'ok'),
    ('build-pull-string', '{build: {context: ., pull: "true"}}', 'ok', 'ok'),
    ('build-platforms-one', '{build: {context: ., platforms: [linux/amd64]}}', 'ok', 'ok'),
    ('build-platforms-two', '{build: {context: ., platforms: [linux/amd64, linux/arm64]}}', 'ok', 'why'),
    ('build-dockerfile_inline', '{build: {context: ., dockerfile_inline: "FROM scratch"}}', 'ok', 'why'),
    ('build-ssh', '{build: {context: ., ssh: [default]}}', 'ok', 'why'),
    ('build-tags', '{build: {context: ., tags: ["x:1"]}}', 'ok', 'why'),
    ('build-network', '{build: {context: ., network: host}}', 'ok', 'why'),
    ('build-shm_size', '{build: {context: ., shm_size: 64m}}', 'ok', 'why'),
    ('build-extra_hosts', '{build: {context: ., extra_hosts: ["a:10.0.0.1"]}}', 'ok', 'why'),
    ('build-remote', '{build: "https://github.com/docker/compose.git"}', 'ok', 'why'),
    ('build-missing-dockerfile', '{build: {context: ., dockerfile: Nope}}', 'ok', 'why'),
    ('build-provenance', '{build: {context: ., provenance: true}}', 'ok', 'ok'),
    ('build-empty', '{build: {}}', 'ok', 'ok'),
    ('build-null-context', '{build: {context: null}}', 'no', 'lenient'),
]
CASE_IDS = [c[0] for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS)


def project_doc(fragment, image=IMAGE):
    """The case's project; ``x-top`` in a fragment holds top-level resources (networks, volumes, ...)."""
    web = {'image': image}
    web.update(yaml.safe_load(fragment))
    doc = {'services': {'web': web, 'other': {'image': image}}, 'volumes': {'data': {}},
           'networks': {'front': {}}, 'secrets': {'s': {'file': './s.txt'}}, 'configs': {'c': {'file': './s.txt'}}}
    for kind, resources in (web.pop('x-top', None) or {}).items():
        doc[kind].update(resources)
    return doc


def write_project(directory, doc):
    os.makedirs(os.path.join(directory, 'conf'), exist_ok=True)
    with open(os.path.join(directory, 's.txt'), 'w') as handle:
        handle.write('s3cret\n')
    with open(os.path.join(directory, 'env.txt'), 'w') as handle:
        handle.write('A=1\n')
    with open(os.path.join(directory, 'Dockerfile'), 'w') as handle:
        handle.write('FROM %s\n' % IMAGE)
    with open(os.path.join(directory, 'compose.yaml'), 'w') as handle:
        handle.write(yaml.safe_dump(doc, sort_keys=False))
    return directory


@pytest.fixture(scope='module')
def projects(tmp_path_factory):
    """One project directory per case."""
    root = str(tmp_path_factory.mktemp('accepts'))
    return dict((cid, write_project(os.path.join(root, cid), project_doc(fragment)))
                for cid, fragment, _compose, _ours in CASES)


@pytest.fixture(scope='module')
def compose_verdicts(compose_bin, projects, tmp_path_factory):
    """`docker compose config` verdicts, id -> (exit code, stderr). The service cases the table says
    Compose accepts are checked together first, each as its own service of one project (a 'config' call
    costs about 0.1 s of CPU); if that project is refused, or for the other cases, one call each."""
    def config(directory):
        result = subprocess.run([compose_bin, '-p', PROJECT, 'config', '--format', 'json'], cwd=directory, env=ENV,
                                capture_output=True, text=True, check=False, timeout=60)
        return result.returncode, result.stderr
    accepted = [c for c in CASES if c[2] == 'ok' and 'x-top' not in c[1]]  # own resources: one call each
    doc = project_doc('{}')
    doc['services'].pop('web')
    for cid, fragment, _compose, _ours in accepted:
        doc['services'][cid] = project_doc(fragment)['services']['web']
    together = write_project(str(tmp_path_factory.mktemp('together')), doc)
    verdicts = {}
    if config(together)[0] == 0:
        verdicts = dict((c[0], (0, '')) for c in accepted)
    rest = [cid for cid in projects if cid not in verdicts]
    with ThreadPoolExecutor(2) as pool:
        verdicts.update(zip(rest, pool.map(config, [projects[cid] for cid in rest])))
    return verdicts


@pytest.mark.parametrize('cid,fragment,compose,ours', CASES, ids=CASE_IDS)
def test_compose_verdict(compose_verdicts, cid, fragment, compose, ours):
    code, stderr = compose_verdicts[cid]
    verdict = 'ok' if code == 0 else 'no'
    assert verdict == compose, 'Compose 2.40.3 says %s for %s %s: %s' % (verdict, cid, fragment, stderr[-300:])


def module_check_mode(directory):
    """The module's own code in check mode on the host engine: None when it accepts, else its message."""
    import docker
    from ansible_collections.fleet.docker.plugins.modules.compose import ARGS
    from ansible_collections.fleet.docker.plugins.module_utils.compose.apply import converge_project
    params = ArgumentSpecValidator(ARGS).validate(dict(project_src=directory, project_name=PROJECT,
                                                       environment=dict(ENV))).validated_parameters
    client = docker.APIClient(base_url=fleet_testlib.ENGINES[fleet_testlib.DEFAULT_ENGINE].docker_host,
                              version='auto', timeout=60)
    try:
        converge_project(client, params, check_mode=True)
    except FleetDockerError as exc:
        return exc.msg
    finally:
        client.close()
    return None


@pytest.mark.parametrize('cid,fragment,compose,ours', CASES, ids=CASE_IDS)
def test_our_verdict(projects, cid, fragment, compose, ours):
    message = module_check_mode(projects[cid])
    if ours in ('ok', 'lenient'):
        assert message is None, '%s %s: %s' % (cid, fragment, message)
    elif ours == 'why':
        assert message is not None, '%s %s was accepted, the table says it is refused' % (cid, fragment)
        assert COMPOSE_WOULD_ACCEPT in message and 'web' in message, message
    else:
        assert message is not None, '%s %s was accepted, Compose refuses it' % (cid, fragment)
        assert COMPOSE_WOULD_ACCEPT not in message, message


# ------------------------------------------------------------------ what reaches the engine

# Accepted cases converged by both tools, one service each in one project.
ENGINE_CASES = (
    'vol-named-Z', 'vol-named-ro-Z', 'vol-named-ro-rw', 'vol-long-selinux', 'vol-named-nocopy', 'vol-anon',
    'bind-ro-z', 'bind-Z', 'bind-long-selinux-z', 'bind-long-selinux-Z-ro', 'bind-long-selinux-create',
    'bind-long-create-false', 'bind-long-plain', 'tmpfs-long-mode',
    'dns_search-empty-string', 'dns_search-list-empty-string', 'dns_search-string', 'dns_opt-list-empty-string',
    'dns-string', 'configs-relative-target', 'healthcheck-empty-list', 'deploy-labels', 'logging-option-null-value',
    'extra_hosts-ipv6-brackets', 'environment-dict-null',
    'net-driver_opts-int', 'net-ipam-config', 'net-ipam-ip_range', 'net-ipam-aux', 'net-ipam-empty', 'net-internal-string',
    'net-attachable', 'net-labels-list', 'net-null', 'vol-top-driver_opts-tmpfs', 'vol-top-labels',
    'vol-top-null',
)


def _bind_record(text):
    """A HostConfig.Binds entry as a mount record (rw is the default, so it is dropped)."""
    parts = text.split(':')
    source, target = (parts[0], parts[1]) if len(parts) > 1 else ('', parts[0])
    modes = set(parts[2].split(',')) if len(parts) > 2 else set()
    return dict(type='bind' if source.startswith('/') else 'volume', source=source, target=target,
                read_only='ro' in modes, selinux=''.join(sorted(modes & {'z', 'Z'})),
                propagation=''.join(sorted(modes - {'ro', 'rw', 'z', 'Z', 'nocopy'})), nocopy='nocopy' in modes)


def _mount_record(mount):
    """A HostConfig.Mounts entry as a mount record (the Mount API has no SELinux relabel)."""
    return dict(type=mount['Type'], source=mount.get('Source') or '', target=mount['Target'],
                read_only=bool(mount.get('ReadOnly')), selinux='',
                propagation=(mount.get('BindOptions') or {}).get('Propagation') or '',
                nocopy=bool((mount.get('VolumeOptions') or {}).get('NoCopy')))


def sent(engine, project):
    """Per service: what the create call carried that these cases touch, comparable across tools."""
    out = {}
    for listed in engine.containers(all=True, filters={'label': 'com.docker.compose.project=%s' % project}):
        c = engine.inspect_container(listed['Id'])
        cfg, host = c['Config'], c['HostConfig']
        tmpfs = dict(host.get('Tmpfs') or {})
        api = host.get('Mounts') or []
        # A long-syntax tmpfs: Compose sends a Mount with TmpfsOptions, the module HostConfig.Tmpfs
        # options (the container options have no tmpfs mount options); the same mount either way.
        for mount in [m for m in api if m['Type'] == 'tmpfs']:
            options = mount.get('TmpfsOptions') or {}
            tmpfs[mount['Target']] = ','.join(sorted(
                (['mode=%o' % options['Mode']] if options.get('Mode') else [])
                + (['size=%d' % options['SizeBytes']] if options.get('SizeBytes') else [])))
        records = ([_bind_record(b) for b in host.get('Binds') or []]
                   + [_mount_record(m) for m in api if m['Type'] != 'tmpfs'])
        declared = set(r['target'] for r in records) | set(tmpfs)
        # An anonymous volume: Compose sends a Mount without source, the module Config.Volumes.
        records += [dict(type='volume', source='', target=t, read_only=False, selinux='', propagation='', nocopy=False)
                    for t in cfg.get('Volumes') or {} if t not in declared]
        for record in records:
            if record['type'] == 'volume' and record['source'] == '':
                record['source'] = 'ANONYMOUS'
        out[cfg['Labels']['com.docker.compose.service']] = {
            'mounts': sorted(records, key=lambda r: r['target']),
            'mounted': sorted((m['Type'], m['Destination'], m['RW'], m.get('Propagation') or '') for m in c['Mounts']
                              if m['Type'] != 'tmpfs'),
            'tmpfs': tmpfs, 'dns': host.get('Dns') or [], 'dns_search': host.get('DnsSearch'),
            'dns_options': host.get('DnsOptions'),
            # An empty Healthcheck (Compose, for test: []) and none (the module) both leave the image's.
            'healthcheck': cfg.get('Healthcheck') or None,
            'extra_hosts': sorted(h.replace('=', ':') for h in host.get('ExtraHosts') or []),
            'env': sorted(e for e in cfg.get('Env') or [] if e.startswith(('A=', 'B=', 'C=', 'D='))),
            'labels': dict((k, v) for k, v in (cfg.get('Labels') or {}).items() if not k.startswith('com.docker.')
                           and not k.startswith('fleet.docker.')),
            'log': host.get('LogConfig'), 'state': c['State']['Status'],
        }
    return out


def resources(engine, project):
    """The project's networks and volumes: what their create calls carried."""
    def own(labels):
        return dict((k, v) for k, v in (labels or {}).items() if not k.startswith(('com.docker.', 'fleet.docker.')))
    out = {}
    for net in engine.networks(filters={'label': 'com.docker.compose.project=%s' % project}):
        full = engine.inspect_network(net['Id'])
        ipam = full.get('IPAM') or {}
        out[full['Name']] = dict(driver=full['Driver'], internal=full['Internal'], attachable=full['Attachable'],
                                 ipv6=full['EnableIPv6'], options=full.get('Options') or {}, labels=own(full['Labels']),
                                 ipam_driver=ipam.get('Driver'), ipam_options=ipam.get('Options') or {},
                                 # subnets the engine picked differ between runs; fixed ones are compared
                                 ipam_config=[c for c in ipam.get('Config') or [] if c.get('Subnet', '').startswith('10.231.')])
    for vol in (engine.volumes(filters={'label': 'com.docker.compose.project=%s' % project}) or {}).get('Volumes') or []:
        out[vol['Name']] = dict(driver=vol['Driver'], options=vol.get('Options') or {}, labels=own(vol.get('Labels')))
    return out


def _engine_project(engine):
    """ENGINE_CASES as one project: service cNN per case, its own networks and volumes renamed KEY_cNN
    (a network named by the case keeps its name), fixed subnets moved to free ones."""
    from fleet_netlib import free_octet
    table = dict((c[0], c) for c in CASES)
    octet = free_octet(engine, 3)
    doc = project_doc('{}')
    doc['services'].pop('web')
    for index, cid in enumerate(ENGINE_CASES):
        assert table[cid][2:] == ('ok', 'ok'), cid
        suffix = 'c%02d' % index
        text = table[cid][1]
        for i in range(3):
            text = text.replace('10.250.%d.' % (7 + i), '10.231.%d.' % (octet + i))
        fragment = yaml.safe_load(text)
        top = fragment.pop('x-top', None) or {}
        if top:  # the case's own resources: renamed, so that cases do not share them
            text = yaml.safe_dump(fragment).replace('front', 'front_' + suffix).replace('data:', 'data_%s:' % suffix)
            fragment = yaml.safe_load(text)
            for kind, items in top.items():
                for key, value in items.items():
                    doc[kind]['%s_%s' % (key, suffix)] = value
        doc['services'][suffix] = dict(project_doc(yaml.safe_dump(fragment))['services']['web'], stop_grace_period='1s')
    return doc


def test_engine_receives_what_compose_sends(engine, compose_bin, tmp_path):
    write_project(str(tmp_path), _engine_project(engine))
    name = unique('fca').lower()

    def compose(*args):
        return subprocess.run([compose_bin, '-p', name] + list(args), cwd=str(tmp_path), capture_output=True,
                              text=True, check=False, timeout=300)
    try:
        up = compose('up', '-d')
        assert up.returncode == 0, up.stderr
        reference = sent(engine, name)
        reference_resources = resources(engine, name)
        assert compose('down', '-v', '-t', '0').returncode == 0
        shutil.rmtree(str(tmp_path / 'conf'))   # Compose's Binds recreate it; the Mount API needs it
        (tmp_path / 'conf').mkdir()
        args = dict(project_src=str(tmp_path), project_name=name, timeout=0)
        first = fleet_testlib.run_module('compose', args)
        second = fleet_testlib.run_module('compose', args)
        ours = sent(engine, name)
        assert resources(engine, name) == reference_resources
        assert not first.failed, first.get('msg')
        assert first.changed and not second.changed, second
        per_case = dict(('c%02d' % i, cid) for i, cid in enumerate(ENGINE_CASES))
        differences = dict((per_case.get(svc, svc), {k: (reference[svc].get(k), ours.get(svc, {}).get(k))
                                                     for k in reference[svc] if reference[svc][k] != ours.get(svc, {}).get(k)})
                           for svc in reference)
        differences = dict((k, v) for k, v in differences.items() if v)
        assert differences == {}, json.dumps(differences, indent=1, default=str)
        assert sorted(ours) == sorted(reference)
    finally:
        compose('down', '-v', '-t', '0')
