"""Issue #18 lever experiments: fleet.docker.containers no-op against the one-task floor on N bench-lab hosts.

    BENCH_LEVER_HOSTS=10 .venv-bench/bin/python benchmarks/levers.py VARIANT [VARIANT ...]

Needs the B5 lab up (BENCH_ONLY=b5 B5_KEEP_LAB=1). A variant is a name from VARIANTS: extra environment
for ansible-playbook and extra playbook variables. For each variant: converge once, then BENCH_REPS
interleaved (no-op, floor) pairs; medians and the ratio go to results/levers.json (appended per variant).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

N = int(os.environ.get('BENCH_LEVER_HOSTS', '10'))


def _mitogen_env():
    """Mitogen's linear strategy (scripts/bench-setup.sh installs it into the bench venv)."""
    try:
        import ansible_mitogen
    except ImportError:
        return dict(ANSIBLE_STRATEGY='mitogen_linear')  # fails loudly: the strategy is unknown
    plugins = os.path.join(os.path.dirname(ansible_mitogen.__file__), 'plugins', 'strategy')
    return dict(ANSIBLE_STRATEGY_PLUGINS=plugins, ANSIBLE_STRATEGY='mitogen_linear')


VARIANTS = {
    'base': ({}, {}),
    'forks10': (dict(ANSIBLE_FORKS='10'), {}),
    'parallel8': ({}, dict(bench_parallel=8)),
    'parallel1': ({}, dict(bench_parallel=1)),
    'free': (dict(ANSIBLE_STRATEGY='free'), {}),
    'nopipelining': (dict(ANSIBLE_PIPELINING='False'), {}),
    'nocontrolpersist': (dict(ANSIBLE_SSH_ARGS='-o ControlMaster=no'), {}),
    'interp_discovery_off': ({}, {}),
    'mitogen': (_mitogen_env(), {}),
}


def main():
    import yaml
    with open(bench.B5_INVENTORY) as handle:
        registry = yaml.safe_load(handle)['lab']['vars']['lab_registry']
    hosts = 'lab[0:%d]' % (N - 1)
    path = os.path.join(bench.RESULTS, 'levers.json')
    results = json.load(open(path)) if os.path.exists(path) else {}
    for name in sys.argv[1:]:
        env, variables = VARIANTS[name]
        env = dict(dict(ANSIBLE_FORKS=str(N)), **env)
        extra = dict(bench_hosts=hosts, bench_items=bench.b5_items(registry), bench_project='fleetbench-b5',
                     **variables)
        bench.playbook('b1_fleet_batch.yml', bench.FLEET_PY, extra, inventory=bench.B5_INVENTORY, env_extra=env)
        pairs = bench.noop_floor_pairs('b1_fleet_batch.yml', extra, dict(bench_hosts=hosts), bench.B5_INVENTORY, env)
        noop, floor, cpu_noop, cpu_floor = pairs['noop'], pairs['floor'], pairs['cpu_noop'], pairs['cpu_floor']
        row = dict(hosts=N, noop=noop, floor=floor, noop_median=bench.med(noop), floor_median=bench.med(floor),
                   ratio=bench.ratio(bench.med(noop), bench.med(floor)), controller_cpu_noop=bench.med(cpu_noop),
                   controller_cpu_floor=bench.med(cpu_floor), env=env, variables=variables,
                   label=os.environ.get('LEVER_LABEL', ''))
        key = '%s@%d%s' % (name, N, ('/' + row['label']) if row['label'] else '')
        results[key] = row
        bench.log('%s: no-op %s s, floor %s s, ratio %s, controller cpu %s / %s s' % (
            key, row['noop_median'], row['floor_median'], row['ratio'], row['controller_cpu_noop'],
            row['controller_cpu_floor']))
        with open(path, 'w') as handle:
            json.dump(results, handle, indent=2, sort_keys=True)


if __name__ == '__main__':
    main()
