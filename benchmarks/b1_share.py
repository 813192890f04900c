"""Issue #18: B1's module share over the floor, fleet.docker.containers only (30 containers, one host, local).

    .venv-bench/bin/python benchmarks/b1_share.py      # BENCH_REPS interleaved (no-op, floor) pairs
    BENCH_LEVER=mitogen .venv-bench/bin/python benchmarks/b1_share.py   # with a lever of levers.py

Writes results/b1_share.json (results/b1_share-LEVER.json with a lever): medians and no-op minus floor. The full B1 (with both loops) is bench.py's.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    os.makedirs(os.path.join(bench.WORK, 'static'), exist_ok=True)
    with open(os.path.join(bench.WORK, 'static', 'index.html'), 'w') as handle:
        handle.write('static\n')
    bench.ensure_bench_image()
    bench.b1_reset()
    lever = os.environ.get('BENCH_LEVER', '')
    env = {}
    if lever:
        import levers
        env = levers.VARIANTS[lever][0]
    extra = dict(bench_project='fleetbench-b1', bench_items=bench.b1_items())
    bench.playbook('b1_fleet_batch.yml', bench.FLEET_PY, extra, check_changed=bool, env_extra=env)
    try:
        pairs = bench.noop_floor_pairs('b1_fleet_batch.yml', extra, env_extra=env)
    finally:
        bench.b1_reset()
    noop, floor, cpu_noop, cpu_floor = pairs['noop'], pairs['floor'], pairs['cpu_noop'], pairs['cpu_floor']
    data = dict(noop=noop, floor=floor, noop_median=bench.med(noop), floor_median=bench.med(floor),
                module_share=round(bench.med(noop) - bench.med(floor), 3),
                cpu_noop_median=bench.med(cpu_noop), cpu_floor_median=bench.med(cpu_floor),
                note='local connection: the module runs as a child of the controller, so cpu includes it')
    data['lever'] = lever or 'none'
    bench.save('b1_share-%s' % lever if lever else 'b1_share', data)
    bench.log('B1 no-op %s s, floor %s s, module share %s s (cpu %s vs %s)' % (
        data['noop_median'], data['floor_median'], data['module_share'], data['cpu_noop_median'],
        data['cpu_floor_median']))


if __name__ == '__main__':
    main()
