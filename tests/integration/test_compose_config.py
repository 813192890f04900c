"""Conformance (#21, 3.5): load_project() equals `docker compose config --format json` (2.40.3).

Every project under tests/compose/ (real public files, see each SOURCE.md) is loaded by both, with
the same project name, profiles and a fixed environment, and the outputs must be equal after one
documented transformation: `config` prints each `$` of a value as `$$` (so its output can be
loaded again); load_project returns real values, so `$$` is turned back into `$` on Compose's side.
Compose omits empty secrets/configs/networks/volumes maps, load_project always has them.
Bad input must fail in both, and our message must name the file, service and key.
"""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, '.cache', 'collections'))

from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import ComposeError  # noqa: E402
from ansible_collections.fleet.docker.plugins.module_utils.compose.load import (  # noqa: E402
    load_project, load_project_with_warnings)

PROJECTS = os.path.join(ROOT, 'tests', 'compose')
# A fixed shell environment for both sides: what Compose sees is exactly what we pass.
ENV = {'PATH': '/usr/bin:/bin', 'HOME': '/root'}
# (directory, project name, profiles): each project once, and again with its profiles on.
CASES = [(d, None, ()) for d in sorted(os.listdir(PROJECTS)) if os.path.isdir(os.path.join(PROJECTS, d))]
CASES += [('airflow', 'airflow-all', ('flower', 'debug')), ('voting-app', 'vote-seed', ('seed',))]


def compose_config(compose_bin, project_dir, name=None, profiles=(), files=None, env=None):
    args = [compose_bin]
    if name:
        args += ['-p', name]
    for f in files or []:
        args += ['-f', f]
    for p in profiles:
        args += ['--profile', p]
    args += ['config', '--format', 'json']
    return subprocess.run(args, cwd=project_dir, env=env or ENV, capture_output=True, text=True, check=False)


def unescape(value):
    if isinstance(value, str):
        return value.replace('$$', '$')
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape(v) for v in value]
    return value


CASE_IDS = ['%s%s' % (c[0], '+' + '+'.join(c[2]) if c[2] else '') for c in CASES]


@pytest.mark.parametrize('directory,name,profiles', CASES, ids=CASE_IDS)
def test_project_equals_compose_config(compose_bin, directory, name, profiles):
    project_dir = os.path.join(PROJECTS, directory)
    result = compose_config(compose_bin, project_dir, name, profiles)
    assert result.returncode == 0, result.stderr
    expected = unescape(json.loads(result.stdout))
    for kind in ('networks', 'volumes', 'secrets', 'configs'):
        expected.setdefault(kind, {})
    ours, warnings = load_project_with_warnings(project_dir, None, None, name, None, list(profiles), dict(ENV))
    assert ours == expected
    compose_warned = 'the attribute `version` is obsolete' in result.stderr
    assert compose_warned == any('`version` is obsolete' in w for w in warnings)


BAD = {
    'invalid-yaml': ('services:\n  web:\n    image: x\n   ports: [1]\n', ['line 4']),
    'unknown-key': ('services:\n  web:\n    image: x\n    colour: blue\n', ['service "web"', 'colour']),
    'unknown-nested-key': ('services:\n  web:\n    image: x\n    healthcheck:\n      tset: [CMD, "true"]\n',
                           ['service "web"', 'healthcheck.tset']),
    'depends-missing': ('services:\n  web:\n    image: x\n    depends_on: [db]\n', ['"web"', '"db"']),
    'depends-cycle': ('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n',
                      ['cycle', 'a', 'b']),
    'required-var': ('services:\n  web:\n    image: "${TAG:?set TAG first}"\n',
                     ['service "web"', 'image', 'required variable TAG is missing a value: set TAG first']),
    'bad-type': ('services:\n  web:\n    image: x\n    ports: {a: 1}\n', ['service "web"', 'ports']),
    'bad-retries': ('services:\n  web:\n    image: x\n    healthcheck:\n      retries: many\n',
                    ['service "web"', 'healthcheck.retries']),
    'bad-condition': ('services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_ready}\n'
                      '  b:\n    image: x\n', ['service "a"', 'depends_on.b.condition']),
    'secret-gid-type': ('services:\n  web:\n    image: x\n    secrets: [{source: s, gid: 1}]\n'
                        'secrets:\n  s: {file: ./s}\n', ['service "web"', 'secrets[0].gid']),
}


@pytest.mark.parametrize('case', sorted(BAD))
def test_bad_input_fails_in_both_with_a_clear_message(compose_bin, tmp_path, case):
    text, words = BAD[case]
    path = tmp_path / 'compose.yaml'
    path.write_text(text)
    result = compose_config(compose_bin, str(tmp_path), 'bad')
    assert result.returncode != 0, 'Compose accepted %s: %s' % (case, result.stdout)
    with pytest.raises(ComposeError) as exc:
        load_project(str(tmp_path), None, None, 'bad', None, [], dict(ENV))
    assert str(path) in exc.value.msg or case in ('depends-missing', 'depends-cycle')
    for word in words:
        assert word in exc.value.msg


def test_files_merged_in_order_equal_compose(compose_bin, tmp_path):
    (tmp_path / 'compose.yaml').write_text(
        'services:\n  web:\n    image: a\n    ports: ["80:80"]\n    environment: [A=1, B=2]\n'
        '    command: run one\n    dns: 8.8.8.8\n    labels: {x: "1"}\n')
    (tmp_path / 'over.yaml').write_text(
        'services:\n  web:\n    image: b\n    ports: ["80:80", "443:443"]\n    environment: {B: "3"}\n'
        '    command: [run, two]\n    dns: [1.1.1.1]\n    labels: [y=2]\n')
    files = ['compose.yaml', 'over.yaml']
    result = compose_config(compose_bin, str(tmp_path), 'merged', files=files)
    assert result.returncode == 0, result.stderr
    expected = unescape(json.loads(result.stdout))
    for kind in ('networks', 'volumes', 'secrets', 'configs'):
        expected.setdefault(kind, {})
    ours = load_project(str(tmp_path), files, None, 'merged', None, [], dict(ENV))
    assert ours == expected
    assert ours['services']['web']['environment'] == {'A': '1', 'B': '3'}
    assert ours['services']['web']['command'] == ['run', 'two']
    assert len(ours['services']['web']['ports']) == 2


FEATURES = """\
services:
  a:
    image: busybox
    networks:
      inner: {}
      ext: {aliases: [x], priority: 10}
      v6: {ipv6_address: "fd00::10"}
    volumes: [extvol:/e, "./f.txt:/f:rw,z", {type: tmpfs, target: /t, tmpfs: {size: 64m}}]
    logging: {driver: syslog, options: {tag: "{{.Name}}", max-file: 3}}
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 50M, pids: 20}
        reservations: {cpus: "0.25", memory: 20M}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}
    secrets: [{source: s, uid: "103", gid: "103", mode: 0440}]
    ports: ["8000-8002:80", "[::1]:9000:90", "7000-7001:7000-7001", {target: 53, published: 5353, protocol: udp}]
    environment: {NUM: 1, BOOL: true, FLOAT: 1.5}
    healthcheck: {test: [CMD, "true"], interval: 1m30s, start_interval: 500ms, retries: 0}
    extra_hosts: ["h:10.0.0.1"]
    sysctls: [net.core.somaxconn=1024]
    cap_add: [NET_ADMIN]
    stop_grace_period: 2m
  b:
    build: .
    image: built
    pull_policy: if_not_present
    ulimits: {nofile: 1024, nproc: {soft: 10, hard: 20}}
    tmpfs: /run
    mem_limit: 1g
    shm_size: 64m
networks:
  inner: {internal: true, attachable: true}
  ext: {external: true, name: real-ext}
  v6: {enable_ipv6: true, driver: bridge, driver_opts: {com.docker.network.bridge.name: br-x}, labels: [a=b]}
volumes:
  extvol: {external: true}
secrets:
  s: {file: ./f.txt}
"""


def test_features_equal_compose(compose_bin, tmp_path):
    """Keys the real files leave out: internal/external/IPv6 networks, logging, limits, long ports, ..."""
    (tmp_path / 'compose.yaml').write_text(FEATURES)
    (tmp_path / 'f.txt').write_text('x')
    result = compose_config(compose_bin, str(tmp_path), 'features')
    assert result.returncode == 0, result.stderr
    expected = unescape(json.loads(result.stdout))
    for kind in ('networks', 'volumes', 'secrets', 'configs'):
        expected.setdefault(kind, {})
    ours = load_project(str(tmp_path), None, None, 'features', None, [], dict(ENV))
    assert ours == expected
    assert ours['services']['a']['deploy']['resources']['limits'] == {'cpus': 0.5, 'memory': '52428800', 'pids': 20}
