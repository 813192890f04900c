"""Issue #18 part 3: N bench-lab hosts pulling one image from the lab registry at once (fleet.docker.image).

    .venv-bench/bin/python benchmarks/pull_scale.py 5 10      # sizes; BENCH_B5 lab env as in bench.py

Per size: remove the image from those hosts, then time one ad-hoc `ansible lab[0:N-1] -f N -m
fleet.docker.image` run (first pull), then the same again (present, no-op). One run per size.
Writes results/pull_scale.json. The lab is left up (take it down with scripts/lab.sh down and the env).
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

IMAGE = 'demo/release-site:7'


def adhoc(hosts, module, args, forks):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(bench.HERE, 'ansible.cfg'), ANSIBLE_STDOUT_CALLBACK='minimal')
    cmd = [os.path.join(bench.BENCH_VENV, 'bin', 'ansible'), hosts, '-i', bench.B5_INVENTORY, '-f', str(forks),
           '-m', module, '-a', args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=bench.HERE, check=False)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-2000:])
    return took


def main():
    sizes = [int(x) for x in sys.argv[1:]] or [5, 10]
    up = bench.b5_lab('up', str(max(sizes)))
    if up.returncode != 0:
        raise RuntimeError(up.stderr[-2000:])
    import yaml
    with open(bench.B5_INVENTORY) as handle:
        registry = yaml.safe_load(handle)['lab']['vars']['lab_registry']
    ref = '%s/%s' % (registry, IMAGE)
    path = os.path.join(bench.RESULTS, 'pull_scale.json')
    data = json.load(open(path)) if os.path.exists(path) else dict(image=IMAGE, runs={})
    for n in sizes:
        hosts = 'lab[0:%d]' % (n - 1)
        adhoc(hosts, 'ansible.builtin.shell', 'docker rmi -f %s >/dev/null 2>&1; docker image prune -f >/dev/null' % ref, n)
        first = adhoc(hosts, 'fleet.docker.image', 'name=%s' % ref, n)
        again = adhoc(hosts, 'fleet.docker.image', 'name=%s' % ref, n)
        data['runs'][str(n)] = dict(first_pull=round(first, 2), rerun=round(again, 2),
                                    loadavg=open('/proc/loadavg').read().split()[:3])
        bench.log('%d hosts: first pull %.2f s, rerun %.2f s' % (n, first, again))
        with open(path, 'w') as handle:
            json.dump(data, handle, indent=2, sort_keys=True)


if __name__ == '__main__':
    main()
