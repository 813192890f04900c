"""Conformance with Docker Compose v2 (issue #21, 3.4 and 3.6): the same project converged once by
`docker compose up -d` (2.40.3) and once by fleet.docker.compose (twice: the second run unchanged),
then what is on the engine compared field by field.

Both runs read the same file: the project as the compose loader normalizes it (the real files in
tests/compose/<name>/, whose loading is compared with `docker compose config` in
test_compose_config.py), with two changes so it can run here, side by side with other tests:
services that only `build` get the local stand-in image (and lose `build`: their contexts are not in
tests/compose/; building itself is test_compose_build.py), and every published host port becomes a free one (never 8080).

By default a few files run (FAST, about a minute per engine); FLEET_COMPOSE_CONFORMANCE=all runs
every file in tests/compose/. The parity table in docs/compose.md lists the results.
"""

import json
import os
import re

import pytest

from fleet_testlib import ROOT, WORKER, free_port, run_module, unique
from test_compose import compose_cli, compose_ps

from ansible_collections.fleet.docker.plugins.module_utils.compose.load import load_project

FILES_DIR = os.path.join(ROOT, 'tests', 'compose')
ALL = sorted(d for d in os.listdir(FILES_DIR) if os.path.isdir(os.path.join(FILES_DIR, d))) \
    if os.path.isdir(FILES_DIR) else []
FAST = ('awesome-nextcloud-redis-mariadb', 'awesome-prometheus-grafana', 'voting-app-stack', 'own-everything')
SELECTED = ALL + ['own-everything'] if os.environ.get('FLEET_COMPOSE_CONFORMANCE') == 'all' else \
    [f for f in FAST if f in ALL or f == 'own-everything']

# Differences that are expected, each with its reason (docs/compose.md, "Remaining differences").
# Files whose services cannot run on the stand-in images: their loading is compared with
# `docker compose config` (test_compose_config.py), not their run. docs/compose.md tables the reason.
CONFIG_ONLY = {
    'airflow': 'its postgres and redis healthchecks (pg_isready, redis-cli) never pass on the stand-in images, and '
               'every airflow service waits for them: both tools fail at the first health gate, so there is no '
               'converged project to compare',
}

KNOWN = {
    'label com.docker.compose.config-hash': 'each tool hashes the service its own way',
    'label fleet.docker.compose.key-hashes': 'the module records per-key hashes to say which keys changed',
    'label com.docker.compose.version': 'set by Compose to its own version; the module is not Compose',
    'refused before any change': 'the module checks the whole project first (here: replicas publishing one fixed '
                                 'host port) and changes nothing; Compose starts what it can, then fails',
    'exists (created, could not start)': 'when a container cannot start, Compose leaves it created; the module '
                                         'removes it again, so a failed task changes nothing',
}

# A project of our own with the keys the real files do not cover.
OWN = {
    'services': {
        'app': {
            'image': WORKER + ':1.0', 'stop_grace_period': '1s', 'user': 'nobody', 'working_dir': '/tmp',
            'command': ['sh', '-c', 'sleep 3600'], 'entrypoint': ['/bin/sh', '-c', 'exec "$@"', '--'],
            'environment': {'A': '1', 'B': 'two words'}, 'labels': {'tier': 'app'},
            'ports': ['127.0.0.1:PORT1:8080', 'PORT2:9090/udp'], 'expose': ['7000'],
            'cap_add': ['NET_ADMIN'], 'cap_drop': ['MKNOD'], 'ulimits': {'nofile': {'soft': 1024, 'hard': 2048}},
            'sysctls': {'net.core.somaxconn': '1024'}, 'restart': 'on-failure:3', 'mem_limit': '64m', 'cpus': 0.5,
            'pids_limit': 64, 'logging': {'driver': 'json-file', 'options': {'max-size': '1m'}},
            'healthcheck': {'test': ['CMD', 'true'], 'interval': '2s', 'retries': 0, 'start_period': '1s'},
            'tmpfs': ['/scratch'], 'extra_hosts': ['gateway.test:127.0.0.2'], 'dns_search': ['example.test'],
            'init': True, 'read_only': True, 'shm_size': '32m', 'stop_signal': 'SIGINT',
            'volumes': ['data:/data', './conf:/conf:ro', '/anon'],
            'networks': {'front': {'aliases': ['app-alias'], 'ipv4_address': 'SUBNET.10'}, 'back': None},
            'secrets': ['token'], 'configs': [{'source': 'cfg', 'target': '/etc/app.cfg'}],
        },
        'side': {'image': WORKER + ':1.0', 'stop_grace_period': '1s', 'deploy': {'replicas': 2}, 'networks': ['back'],
                 'depends_on': {'app': {'condition': 'service_healthy'}}},
    },
    'networks': {'front': {'ipam': {'config': [{'subnet': 'SUBNET.0/24'}]}, 'labels': {'net': 'front'}},
                 'back': {'internal': True}},
    'volumes': {'data': {'labels': {'vol': 'data'}}},
    'secrets': {'token': {'file': './token.txt'}},
    'configs': {'cfg': {'file': './token.txt'}},
}


def _own_project(engine, tmp_path):
    from fleet_netlib import free_octet
    text = json.dumps(OWN).replace('SUBNET', '10.231.%d' % free_octet(engine, 1))
    text = text.replace('PORT1', str(free_port())).replace('PORT2', str(free_port()))
    (tmp_path / 'conf').mkdir()
    (tmp_path / 'token.txt').write_text('t0ken\n')
    (tmp_path / 'compose.yaml').write_text(text)
    return load_project(str(tmp_path))


def runnable(project):
    """The two changes that let a real file run here (see the module docstring)."""
    for service in project['services'].values():
        if service.get('build'):
            service.pop('build')
            service.setdefault('image', WORKER + ':1.0')
            service.pop('pull_policy', None)
        for port in service.get('ports') or []:
            published = str(port.get('published') or '')
            if published:
                low, _sep, high = published.partition('-')
                first = free_port()
                port['published'] = str(first) if not high else '%d-%d' % (first, first + int(high) - int(low))
        # Containers that ignore SIGTERM: keep stops short.
        service.setdefault('stop_grace_period', '1s')
    project.pop('name', None)
    return project


def _proto(port):
    # Compose 2.40 writes an expose without protocol as "6379"; the engine reads it as 6379/tcp.
    return port if '/' in port else port + '/tcp'


def _anon(name):
    return 'ANONYMOUS' if re.match(r'^[0-9a-f]{64}$', name or '') else name


def engine_view(engine, name, fixed_subnets=()):
    """What matters of the project on the engine, keyed by container name, comparable across runs."""
    out = {}
    for listed in engine.containers(all=True, filters={'label': 'com.docker.compose.project=%s' % name}):
        c = engine.inspect_container(listed['Id'])
        cfg, host = c['Config'], c['HostConfig']
        nets = {}
        for net, ep in (c['NetworkSettings']['Networks'] or {}).items():
            # sorted(set()): Compose repeats an alias when container_name is the service name.
            nets[net] = dict(aliases=sorted(set(a for a in ep.get('Aliases') or [] if a != c['Id'][:12])),
                             ipv4=((ep.get('IPAMConfig') or {}).get('IPv4Address') or None))
        labels = dict(cfg.get('Labels') or {})
        out[c['Name'].lstrip('/')] = {
            'image': cfg['Image'], 'image_id': c['Image'], 'cmd': cfg.get('Cmd'), 'entrypoint': cfg.get('Entrypoint'),
            'env': sorted(cfg.get('Env') or []), 'exposed': sorted(_proto(k) for k in (cfg.get('ExposedPorts') or {})),
            'ports': host.get('PortBindings') or {}, 'user': cfg.get('User') or '',
            'working_dir': cfg.get('WorkingDir') or '', 'stop_signal': cfg.get('StopSignal'),
            'stop_timeout': cfg.get('StopTimeout'), 'tty': cfg.get('Tty'), 'stdin': cfg.get('OpenStdin'),
            'healthcheck': cfg.get('Healthcheck'),
            'mounts': sorted((m['Type'], _anon(m.get('Name')) if m['Type'] == 'volume' else m.get('Source'),
                              m['Destination'], m['RW']) for m in c['Mounts']),
            'tmpfs': host.get('Tmpfs') or {}, 'networks': nets, 'network_mode': host.get('NetworkMode'),
            'restart': dict(name=(host.get('RestartPolicy') or {}).get('Name') or 'no',
                            retries=(host.get('RestartPolicy') or {}).get('MaximumRetryCount') or 0),
            'memory': host.get('Memory'), 'memory_reservation': host.get('MemoryReservation'),
            'nano_cpus': host.get('NanoCpus'), 'cpu_shares': host.get('CpuShares'),
            'pids': host.get('PidsLimit') or 0 if (host.get('PidsLimit') or 0) > 0 else 0,
            'log': host.get('LogConfig'), 'cap_add': sorted(host.get('CapAdd') or []),
            'cap_drop': sorted(host.get('CapDrop') or []), 'ulimits': host.get('Ulimits') or [],
            'sysctls': host.get('Sysctls') or {}, 'privileged': host.get('Privileged'),
            'read_only': host.get('ReadonlyRootfs'), 'init': bool(host.get('Init')),
            'extra_hosts': sorted(h.replace('=', ':') for h in host.get('ExtraHosts') or []),
            'dns': host.get('Dns') or [], 'dns_search': host.get('DnsSearch') or [],
            'shm_size': host.get('ShmSize'), 'security_opt': host.get('SecurityOpt') or [],
            'labels': labels, 'state': c['State']['Status'],
        }
    nets = {}
    for net in engine.networks(filters={'label': 'com.docker.compose.project=%s' % name}):
        full = engine.inspect_network(net['Id'])
        nets[full['Name']] = dict(driver=full['Driver'], internal=full['Internal'], attachable=full['Attachable'],
                                  ipv6=full['EnableIPv6'], options=full.get('Options') or {},
                                  labels=full.get('Labels') or {})
        if full['Name'] in fixed_subnets:  # else the engine picks a free one, differently each time
            nets[full['Name']]['subnets'] = sorted(e.get('Subnet') for e in (full.get('IPAM') or {}).get('Config') or [])
    vols = {}
    for vol in (engine.volumes(filters={'label': 'com.docker.compose.project=%s' % name}) or {}).get('Volumes') or []:
        vols[vol['Name']] = dict(driver=vol['Driver'], options=vol.get('Options') or {}, labels=vol.get('Labels') or {})
    return dict(containers=out, networks=nets, volumes=vols)


def differences(reference, ours):
    """Field by field: ``(where, field, compose's value, the module's value)``."""
    found = []
    for kind in ('containers', 'networks', 'volumes'):
        ref, got = reference[kind], ours[kind]
        for name in sorted(set(ref) | set(got)):
            if name not in got or name not in ref:
                created = kind == 'containers' and name in ref and ref[name]['state'] == 'created'
                found.append((kind, name, 'exists (created, could not start)' if created else 'exists',
                              name in ref, name in got))
                continue
            for key in sorted(set(ref[name]) | set(got[name])):
                a, b = ref[name].get(key), got[name].get(key)
                if key == 'labels':
                    for label in sorted(set(a) | set(b)):
                        if a.get(label) != b.get(label):
                            found.append((kind, name, 'label ' + label, a.get(label), b.get(label)))
                elif a != b:
                    found.append((kind, name, key, a, b))
    return found


@pytest.mark.parametrize('case', SELECTED)
def test_module_matches_docker_compose(engine, tmp_path, case):
    if case in CONFIG_ONLY:
        pytest.skip('config parity only: ' + CONFIG_ONLY[case])
    if case == 'own-everything':
        project = _own_project(engine, tmp_path)
    else:
        project = load_project(os.path.join(FILES_DIR, case))
    path = tmp_path / 'run'
    path.mkdir()
    (path / 'compose.json').write_text(json.dumps(runnable(project)))
    name = unique('fcc').lower()
    try:
        up = compose_cli(name, '-f', 'compose.json', 'up', '-d', cwd=str(path), timeout=300)
        fixed = ['%s_%s' % (name, k) for k, net in (project.get('networks') or {}).items()
                 if ((net or {}).get('ipam') or {}).get('config')]
        reference = engine_view(engine, name, fixed)
        assert compose_cli(name, '-f', 'compose.json', 'down', '-v', '-t', '0', cwd=str(path)).returncode == 0
        args = dict(project_src=str(path), files=['compose.json'], project_name=name, timeout=0, wait_timeout=90)
        first = run_module('compose', args)
        second = run_module('compose', args)
        ours = engine_view(engine, name, fixed)
        assert (first.failed, second.failed) == (up.returncode != 0, up.returncode != 0), (up.stderr, first, second)
        if not first.failed:
            assert first.changed and second.changed is False, second
        listed = sorted(row['Name'] for row in compose_ps(name))
        assert listed == sorted(ours['containers'])
        found = differences(reference, ours)
        if first.failed and not first.changed:
            # Refused before any change (e.g. replicas on one fixed host port): nothing of ours to compare.
            assert ours == dict(containers={}, networks={}, volumes={}), ours
            assert 'compose' in first['msg'] or '.json' in first['msg'], first['msg']
            found = [('project', name, 'refused before any change', up.stderr.strip()[-200:], first['msg'])]
        unexplained = [d for d in found if d[2] not in KNOWN]
        assert unexplained == [], json.dumps(unexplained, indent=1, default=str)
        down = compose_cli(name, '-f', 'compose.json', 'down', '-v', '-t', '0', cwd=str(path))
        assert down.returncode == 0, down.stderr
        assert engine_view(engine, name) == dict(containers={}, networks={}, volumes={})
    finally:
        compose_cli(name, '-f', 'compose.json', 'down', '-v', '-t', '0', cwd=str(path))
