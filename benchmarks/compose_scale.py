"""Compose at scale (issue #21): the whole-fleet no-op of fleet.docker.compose on N bench-lab hosts
against the one-task floor (ansible.builtin.ping) on the same hosts.

    BENCH_COMPOSE_HOSTS=10 .venv-bench/bin/python benchmarks/compose_scale.py

Brings up B5's own lab instance (bench.b5_lab: LAB_NAME fleetbench, every host Docker 20.10) to N
hosts, converges compose_bench.py's 8-service project (healthchecks, a one-shot init, two networks,
a named volume; images from the lab's registry; healthchecks every BENCH_COMPOSE_HEALTH_INTERVAL,
default 5s) on every host once, then times BENCH_REPS
interleaved (no-op, floor) pairs with forks = N, removes the project and takes the lab down unless
B5_KEEP_LAB=1. Writes results/compose_scale.json.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import compose_bench  # noqa: E402

N = int(os.environ.get('BENCH_COMPOSE_HOSTS', '10'))
NAME = 'fleetbench-compose'


HEALTH_INTERVAL = os.environ.get('BENCH_COMPOSE_HEALTH_INTERVAL', '5s')


def lab_project(registry):
    """compose_bench's project with its images taken from the lab's registry.

    Its healthchecks run every HEALTH_INTERVAL instead of every second: 10 hosts x 4 checks a second
    are 40 execs a second on the 2 CPUs the controller shares with the lab, which slowed the floor
    measured beside it (4.30 s against 1.80 s in B5).
    """
    project = json.loads(json.dumps(compose_bench.project()).replace('127.0.0.1:5000', registry))
    for service in project['services'].values():
        if 'healthcheck' in service:
            service['healthcheck']['interval'] = HEALTH_INTERVAL
    return project


def main():
    import yaml
    was_up = bench.b5_lab('status').returncode == 0
    up = bench.b5_lab('up', str(N))
    if up.returncode != 0:
        raise RuntimeError('lab up %d failed:\n%s\n%s' % (N, up.stdout[-2000:], up.stderr[-2000:]))
    with open(bench.B5_INVENTORY) as handle:
        registry = yaml.safe_load(handle)['lab']['vars']['lab_registry']
    hosts = 'lab[0:%d]' % (N - 1)
    env = dict(ANSIBLE_FORKS=str(N))
    extra = dict(bench_hosts=hosts, bench_compose=lab_project(registry), bench_compose_name=NAME)
    try:
        first = bench.playbook('compose_fleet.yml', bench.FLEET_PY, extra, inventory=bench.B5_INVENTORY,
                               env_extra=env, check_changed=lambda c: c == N)
        first_cpu = bench.LAST['cpu_s']
        pairs = bench.noop_floor_pairs('compose_fleet.yml', extra, dict(bench_hosts=hosts), bench.B5_INVENTORY, env)
        noop, floor, cpu_noop, cpu_floor = pairs['noop'], pairs['floor'], pairs['cpu_noop'], pairs['cpu_floor']
    finally:
        bench.playbook('compose_fleet.yml', bench.FLEET_PY, dict(extra, bench_compose_state='absent'),
                       inventory=bench.B5_INVENTORY, env_extra=env)
        if not was_up and os.environ.get('B5_KEEP_LAB', '0') != '1':
            bench.b5_lab('down')
    data = dict(hosts=N, services=len(extra['bench_compose']['services']), health_interval=HEALTH_INTERVAL,
                first=first, first_cpu=first_cpu,
                noop=noop, floor=floor, noop_median=bench.med(noop), floor_median=bench.med(floor),
                ratio=bench.ratio(bench.med(noop), bench.med(floor)), controller_cpu_noop=bench.med(cpu_noop),
                controller_cpu_floor=bench.med(cpu_floor),
                controller_cpu_ratio=bench.ratio(bench.med(cpu_noop), bench.med(cpu_floor)))
    bench.save('compose_scale', data)
    bench.log('compose on %d hosts: first %.2f s; no-op %s s, floor %s s, ratio %s; controller cpu %s / %s s (%s)' % (
        N, first, data['noop_median'], data['floor_median'], data['ratio'], data['controller_cpu_noop'],
        data['controller_cpu_floor'], data['controller_cpu_ratio']))


if __name__ == '__main__':
    main()
