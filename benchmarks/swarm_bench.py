"""Swarm role benchmark (issue #26): how long fleet.docker.swarm takes to form a cluster on the lab, and to rerun.

Two sizes: 3 hosts (1 manager, 2 workers) and 10 hosts (3 managers, 7 workers), each on a lab of that many hosts
(`scripts/lab.sh up N`, engines cycling 20.10/26.1/28.5). Per run: every host out of any swarm, then the role's
playbook timed from the controller (wall clock of `ansible-playbook`, SSH, pipelining, forks 10) to form the cluster
(`first`), then again with nothing to do (`rerun`, which must report changed=0). Medians of BENCH_REPS runs (3).
The machine's load average is recorded before and after each size.

Writes benchmarks/results/swarm.json and prints a Markdown table (copied into benchmarks/results/swarm.md).
The lab is put back as it was found (host count and engines; tests/lib/fleet_labguard.py). Hold the lab lock:
    flock -o /work/coord/lab.lock .venv/bin/python benchmarks/swarm_bench.py
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, 'tests', 'lib')]

import fleet_labguard  # noqa: E402  (tests/lib on the path first)
from fleet_swarmlab import leave_all  # noqa: E402
from fleet_testlib import LAB_INVENTORY, play_recaps  # noqa: E402

REPS = int(os.environ.get('BENCH_REPS', '3'))
SIZES = [(3, 1), (10, 3)]   # (hosts, managers)
RESULT = os.path.join(ROOT, 'benchmarks', 'results', 'swarm.json')


def log(msg):
    print('[swarm-bench] %s' % msg, flush=True)


def loadavg():
    with open('/proc/loadavg') as handle:
        return ' '.join(handle.read().split()[:3])


def lab(hosts, engines='20,26,28'):
    env = dict(os.environ, ENGINES=engines)
    subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lab.sh'), 'up', str(hosts)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def play_files(work, hosts, managers):
    names = ['lab%d' % n for n in range(1, hosts + 1)]
    groups = dict(swarm_managers=dict(hosts=dict((h, None) for h in names[:managers])),
                  swarm_workers=dict(hosts=dict((h, None) for h in names[managers:])))
    inventory = os.path.join(work, 'groups-%d.yml' % hosts)
    with open(inventory, 'w') as handle:
        yaml.safe_dump(groups, handle)
    play = os.path.join(work, 'swarm.yml')
    with open(play, 'w') as handle:
        yaml.safe_dump([dict(name='swarm', hosts='lab', gather_facts=False, roles=['fleet.docker.swarm'])], handle)
    return play, inventory


def timed(play, inventory):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    start = time.monotonic()
    proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), '-i', LAB_INVENTORY, '-i', inventory,
                           play], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit('the role failed:\n%s\n%s' % (proc.stdout[-4000:], proc.stderr[-2000:]))
    changed = sum(int(r.get('changed', 0)) for r in play_recaps(proc.stdout).values())
    return round(took, 3), changed


def main():
    before = fleet_labguard.snapshot()
    result = dict(benchmark='swarm role', reps=REPS, started=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                  machine=dict(cpus=os.cpu_count()), sizes={})
    work = tempfile.mkdtemp(prefix='swarm-bench-')
    try:
        for hosts, managers in SIZES:
            log('lab of %d hosts' % hosts)
            lab(hosts)
            names = ['lab%d' % n for n in range(1, hosts + 1)]
            leave_all(names)
            play, inventory = play_files(work, hosts, managers)
            entry = dict(hosts=hosts, managers=managers, workers=hosts - managers, load_before=loadavg(),
                         first=[], rerun=[], first_changed=[], rerun_changed=[])
            for rep in range(REPS):
                took, changed = timed(play, inventory)
                entry['first'].append(took)
                entry['first_changed'].append(changed)
                again, rechanged = timed(play, inventory)
                entry['rerun'].append(again)
                entry['rerun_changed'].append(rechanged)
                log('%d hosts run %d: first %.1f s (changed %d), rerun %.1f s (changed %d)'
                    % (hosts, rep + 1, took, changed, again, rechanged))
                leave_all(names)
            entry['load_after'] = loadavg()
            entry['median_first'] = round(statistics.median(entry['first']), 2)
            entry['median_rerun'] = round(statistics.median(entry['rerun']), 2)
            result['sizes'][str(hosts)] = entry
    finally:
        action = fleet_labguard.restore_action(before, fleet_labguard.snapshot())
        if action:
            log('putting the lab back: %s' % (action,))
            fleet_labguard.run_action(action)
    with open(RESULT, 'w') as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
    print('| hosts | managers + workers | first (median) | rerun (median) | rerun changed | runs | load before / after |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for entry in result['sizes'].values():
        print('| %d | %d + %d | %.2f s | %.2f s | %s | %s / %s | %s / %s |' % (
            entry['hosts'], entry['managers'], entry['workers'], entry['median_first'], entry['median_rerun'],
            max(entry['rerun_changed']), entry['first'], entry['rerun'], entry['load_before'], entry['load_after']))


if __name__ == '__main__':
    main()
