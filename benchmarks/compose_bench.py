"""Compose benchmark (issue #21): fleet.docker.compose against `docker compose up -d` on the same engine.

An 8-service project (three healthchecks gating their dependents, a one-shot init that others wait for
with service_completed_successfully, two networks, a named volume) converged from nothing (first) and
again with nothing to do (no-op), interleaved, medians of BENCH_REPS (default 3). The module runs as a
one-task ``ansible-playbook`` on localhost; the floor is a one-task playbook (``ansible.builtin.ping``)
on the same host and interpreter, measured right after each module no-op, so the module's own share of the no-op is the median of the
paired differences (the task's time minus the floor's).

Run by ``make bench`` (BENCH_COMPOSE=0 skips it), or alone: ``.venv/bin/python benchmarks/compose_bench.py``.
Writes results/compose.json.
"""

import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, 'results')
PY = os.path.join(ROOT, '.venv', 'bin', 'python')
PLAYBOOK_BIN = os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook')
COMPOSE_BIN = os.path.join(ROOT, '.state', 'bin', 'docker-compose')
REPS = int(os.environ.get('BENCH_REPS', '3'))
WEB = '127.0.0.1:5000/demo/web:1.0'
WORKER = '127.0.0.1:5000/demo/worker:1.0'
HEALTH = {'test': ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1/'], 'interval': '1s', 'timeout': '2s',
          'retries': 30}


def project():
    def svc(image, **extra):
        return dict(image=image, stop_grace_period='1s', **extra)
    return {
        'services': {
            'init': svc(WEB, command=['sh', '-c', 'echo ready > /data/ready'], volumes=['data:/data'],
                        networks=['back']),
            'db': svc(WEB, healthcheck=HEALTH, volumes=['data:/data'], networks=['back']),
            'cache': svc(WEB, healthcheck=HEALTH, networks=['back']),
            'api': svc(WEB, healthcheck=HEALTH, networks=['front', 'back'], environment={'DB': 'db', 'CACHE': 'cache'},
                       depends_on={'db': {'condition': 'service_healthy'},
                                   'cache': {'condition': 'service_healthy'},
                                   'init': {'condition': 'service_completed_successfully'}}),
            'worker': svc(WORKER, networks=['back'],
                          depends_on={'cache': {'condition': 'service_healthy'},
                                      'init': {'condition': 'service_completed_successfully'}}),
            'scheduler': svc(WORKER, networks=['back'], depends_on={'db': {'condition': 'service_healthy'}}),
            'web': svc(WEB, networks=['front'], depends_on={'api': {'condition': 'service_healthy'}}),
            'proxy': svc(WEB, networks=['front'], depends_on=['web']),
        },
        'networks': {'front': {}, 'back': {}},
        'volumes': {'data': {}},
    }


MODULE_PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: Converge the project
      fleet.docker.compose:
        project_src: "{{ src }}"
        project_name: "{{ name }}"
        timeout: 1
"""
FLOOR_PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: One task
      ansible.builtin.ping:
"""


def log(msg):
    print('[compose-bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


CPU = []  # CPU-seconds (user + sys) of each timed command and its children, in order


def timed(cmd, cwd, env=None, expect_changed=None):
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError('%s failed (rc %s):\n%s\n%s' % (cmd, proc.returncode, proc.stdout[-3000:], proc.stderr[-2000:]))
    if expect_changed is not None:
        recap = [line for line in proc.stdout.splitlines() if line.startswith('localhost') and 'changed=' in line]
        changed = int(recap[-1].split('changed=')[1].split()[0]) if recap else None
        if changed is None or bool(changed) != expect_changed:
            raise RuntimeError('%s: changed=%s, expected %s\n%s' % (cmd, changed, expect_changed, proc.stdout[-2000:]))
    return elapsed


def main():
    work = tempfile.mkdtemp(prefix='fleet-compose-bench-')
    with open(os.path.join(work, 'compose.yaml'), 'w') as handle:
        json.dump(project(), handle)  # JSON is YAML
    for name, text in (('module.yml', MODULE_PLAY), ('floor.yml', FLOOR_PLAY)):
        with open(os.path.join(work, name), 'w') as handle:
            handle.write(text)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_PYTHON_INTERPRETER=PY,
               NO_COLOR='1', ANSIBLE_FORCE_COLOR='0')
    env.pop('ANSIBLE_STDOUT_CALLBACK', None)
    if not os.path.exists(COMPOSE_BIN):
        subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'compose-bin.sh')], check=True, stdout=subprocess.DEVNULL)
    times = dict(compose_first=[], compose_noop=[], module_first=[], module_noop=[], floor=[])
    # local connection: the module runs as a child of ansible-playbook, so its CPU is in the playbook's
    cpu = dict(module_noop=[], floor=[])
    for rep in range(REPS):
        order = ['compose', 'module'] if rep % 2 == 0 else ['module', 'compose']
        for tool in order:
            name = 'fcbench-%s-%d-%d' % (tool, os.getpid(), rep)
            down = [COMPOSE_BIN, '-p', name, 'down', '-v', '-t', '0']
            try:
                if tool == 'compose':
                    up = [COMPOSE_BIN, '-p', name, 'up', '-d']
                    times['compose_first'].append(timed(up, work))
                    times['compose_noop'].append(timed(up, work))
                else:
                    play = [PLAYBOOK_BIN, '-i', 'localhost,', '-c', 'local', 'module.yml', '-e',
                            json.dumps(dict(src=work, name=name))]
                    times['module_first'].append(timed(play, work, env, expect_changed=True))
                    times['module_noop'].append(timed(play, work, env, expect_changed=False))
                    cpu['module_noop'].append(CPU[-1])
                    # The floor right after the no-op it is subtracted from (paired: a busy machine moves both).
                    times['floor'].append(timed([PLAYBOOK_BIN, '-i', 'localhost,', '-c', 'local', 'floor.yml'], work,
                                                env, expect_changed=False))
                    cpu['floor'].append(CPU[-1])
            finally:
                subprocess.run(down, cwd=work, capture_output=True, check=False)
        log('rep %d: %s' % (rep + 1, dict((k, round(v[-1], 2)) for k, v in times.items())))
    med = dict((k, round(statistics.median(v), 3)) for k, v in times.items())
    own = round(statistics.median(a - b for a, b in zip(times['module_noop'], times['floor'])), 3)
    version = subprocess.run(['docker', 'version', '--format', '{{.Server.Version}}'], capture_output=True, text=True,
                             check=False).stdout.strip()
    result = dict(
        date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), reps=REPS,
        engine=version, compose=os.path.basename(COMPOSE_BIN), services=8, runs=times, medians=med,
        module_own_noop=own, cpu=cpu,
        module_own_noop_cpu=round(statistics.median(a - b for a, b in zip(cpu['module_noop'], cpu['floor'])), 3),
        ratios=dict(first=round(med['module_first'] / med['compose_first'], 2),
                    noop=round(med['module_noop'] / med['compose_noop'], 2),
                    noop_own=round(own / med['compose_noop'], 2)))
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'compose.json'), 'w') as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
    log('medians %s; module own no-op %.2f s (CPU %.2f s); ratios module/compose %s' % (
        med, own, result['module_own_noop_cpu'], result['ratios']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
