"""Profile one fleet.docker.containers no-op run directly (issue #18): no controller, no SSH.

    .venv/bin/python benchmarks/profile_noop.py [N]      # N containers (default 30, B1's set)

Creates N bench containers (label fleet.bench=prof) on the local engine with one module run, then
times REPS direct no-op runs (`python -m ...modules.containers ARGS`, wall and peak RSS), writes
`python -X importtime` totals and a cProfile top list of one no-op, and removes the containers.
Writes results/profile_noop.json.
"""
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = os.path.join(ROOT, '.venv', 'bin', 'python')
COLL = os.path.join(ROOT, '.cache', 'collections')
MOD = 'ansible_collections.fleet.docker.plugins.modules.containers'
N = int(sys.argv[1]) if len(sys.argv) > 1 else 30
REPS = int(os.environ.get('BENCH_REPS', '5'))
IMAGE = '127.0.0.1:5000/demo/web:1.0'


def items():
    return [dict(name='fleetbench-prof-%02d' % i, image=IMAGE, ports=['127.0.0.1:%d:80' % (28200 + i)],
                 volumes=['fleetbench-prof-vol-%02d:/usr/share/nginx/html' % i],
                 env=dict(APP='prof-%02d' % i), labels={'fleet.bench': 'prof'}, restart_policy='always')
            for i in range(N)]


def run(extra_args=(), env_extra=None, state=None):
    args = dict(containers=items(), project='fleetbench-prof', parallel=4)
    if state:
        args = dict(containers=[dict(name=i['name'], state='absent') for i in items()], parallel=4)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump(dict(ANSIBLE_MODULE_ARGS=args), handle)
        path = handle.name
    env = dict(os.environ, PYTHONPATH=COLL, **(env_extra or {}))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([PY] + list(extra_args) + ['-m', MOD, path], capture_output=True, text=True, env=env,
                          check=False)
    took = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    os.unlink(path)
    out = json.loads(proc.stdout)
    if out.get('failed'):
        raise RuntimeError(out.get('msg'))
    return took, out, proc.stderr, max(rss, before)


def main():
    run()
    first = run()
    assert not first[1]['changed'], 'no-op changed'
    walls = []
    for _rep in range(REPS):
        took, out, _err, rss = run()
        assert not out['changed']
        walls.append(took)
    _took, _out, err, _rss = run(['-X', 'importtime'])
    imports = {}
    for line in err.splitlines():
        m = re.match(r'import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)', line)
        if m and len(m.group(3)) <= 2:   # top-level imports only
            imports[m.group(4)] = int(m.group(2)) / 1e6
    top_imports = sorted(imports.items(), key=lambda kv: -kv[1])[:12]
    prof = os.path.join(tempfile.gettempdir(), 'fleetbench-noop.prof')
    run(['-m', 'cProfile', '-o', prof])
    import pstats
    import io
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats('cumulative').print_stats(25)
    run(state='absent')
    subprocess.run(['bash', '-c', 'docker volume ls -q --filter name=fleetbench-prof-vol- | xargs -r docker volume rm'],
                   capture_output=True, check=False)
    data = dict(containers=N, noop_wall=walls, noop_median=round(statistics.median(walls), 3),
                module_peak_rss_mb=round(rss / 1024, 1), top_level_imports_s=top_imports,
                cprofile_top=buf.getvalue().splitlines()[:60])
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    name = os.environ.get('PROFILE_OUT', 'profile_noop')
    with open(os.path.join(HERE, 'results', name + '.json'), 'w') as handle:
        json.dump(data, handle, indent=2)
    print(json.dumps(dict((k, v) for k, v in data.items() if k != 'cprofile_top'), indent=1))
    print('\n'.join(data['cprofile_top'][:50]))


if __name__ == '__main__':
    main()
