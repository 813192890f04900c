"""Containers as hosts: fleet.docker.api and fleet.docker.containers beside community.docker's plugins.

    .venv-bench/bin/python benchmarks/plugins_bench.py [--containers 30] [--inventory-containers 100] [--runs 3]

Same run, same controller (.venv-bench: PyPI ansible with community.docker, and this checkout's
collection through benchmarks/ansible.cfg), pipelining on for every plugin, forks 10:
- `ansible -m ping` and a `copy` of a 1 MB file to a new path over N containers (fleet-seed/pyhost,
  Debian with python3) with fleet.docker.api, community.docker.docker_api and community.docker.docker (CLI);
- `ansible-inventory --list` of M containers spread over the engines that are up (20.10, 26.1, 28.5),
  fleet.docker.containers (one file, all engines) against community.docker.docker_containers (one
  file per engine, as it takes one docker_host).
Prints medians and ratios (community / fleet: above 1 means fleet.docker is faster) as Markdown, with
the controller's CPU time (the ansible process and its forked workers; not dockerd nor the containers),
which other work on the machine disturbs less than the wall clock, and the load averages around the run.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, '.venv-bench', 'bin')
PYHOST = 'fleet-seed/pyhost:bookworm'
LABEL = 'fleet.docker.bench'
ENGINES = (('e20', 'unix:///var/run/docker.sock'),
           ('e26', 'unix://%s/.state/engines/26.1/run/docker.sock' % ROOT),
           ('e28', 'unix://%s/.state/engines/28.5/run/docker.sock' % ROOT))
CONNECTIONS = ('fleet.docker.api', 'community.docker.docker_api', 'community.docker.docker')


def client(docker_host):
    import docker
    return docker.APIClient(base_url=docker_host, version='auto', timeout=120)


def up_engines():
    found = []
    for name, host in ENGINES:
        try:
            client(host).ping()
            found.append((name, host))
        except Exception:  # pylint: disable=broad-except
            pass
    return found


def ensure_pyhost(api):
    try:
        api.inspect_image(PYHOST)
    except Exception:  # pylint: disable=broad-except
        tar = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'pyhost-rootfs.sh')], capture_output=True,
                             text=True, check=True).stdout.strip()
        api.import_image(src=tar, repository=PYHOST.rsplit(':', 1)[0], tag=PYHOST.rsplit(':', 1)[1])


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, env):
    """(wall seconds, CPU seconds of the command and the processes it waited for)."""
    cpu, start = _children_cpu(), time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    took = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit('failed: %s\n%s\n%s' % (' '.join(argv), proc.stdout[-3000:], proc.stderr[-3000:]))
    return took, _children_cpu() - cpu


def _load():
    return '/'.join(str(round(value, 2)) for value in os.getloadavg())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--containers', type=int, default=30)
    parser.add_argument('--inventory-containers', type=int, default=100)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--only', choices=('connection', 'ping', 'inventory'),
                        help='one half of the benchmark, or only its ping figure')
    args = parser.parse_args()
    tag = 'bench-%s' % uuid.uuid4().hex[:8]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'benchmarks', 'ansible.cfg'), ANSIBLE_PIPELINING='true',
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.minimal', ANSIBLE_LOAD_CALLBACK_PLUGINS='false')
    env.pop('DOCKER_HOST', None)
    load_before = _load()
    engines = up_engines()
    main_api = client(ENGINES[0][1])
    ensure_pyhost(main_api)
    work = tempfile.mkdtemp(prefix='plugins-bench-')
    made = []
    results = {}
    try:
        names = []
        for index in range(args.containers if args.only != 'inventory' else 0):
            name = '%s-%02d' % (tag, index)
            main_api.create_container(PYHOST, command=['sleep', 'infinity'], name=name, labels={LABEL: tag})
            main_api.start(name)
            made.append((main_api, name))
            names.append(name)
        payload = os.path.join(work, 'one-mb.bin')
        with open(payload, 'wb') as handle:
            handle.write(os.urandom(1024 * 1024))
        for connection in CONNECTIONS:
            path = os.path.join(work, '%s.yml' % connection)
            with open(path, 'w') as handle:
                handle.write('all:\n  vars: {ansible_connection: %s, ansible_python_interpreter: /usr/bin/python3}\n'
                             '  hosts:\n%s' % (connection, ''.join('    %s:\n' % n for n in names)))
        for run in range(args.runs if args.only != 'inventory' else 0):
            # Rotate the order each run, so no plugin always goes first on a cold cache.
            order = CONNECTIONS[run % 3:] + CONNECTIONS[:run % 3]
            for connection in order:
                inv = os.path.join(work, '%s.yml' % connection)
                results.setdefault(('ping', connection), []).append(
                    timed([os.path.join(BIN, 'ansible'), 'all', '-i', inv, '-m', 'ansible.builtin.ping'], env))
                if args.only == 'ping':
                    continue
                dest = '/tmp/bench-%s-%d.bin' % (connection.replace('.', '-'), run)
                results.setdefault(('copy 1 MB', connection), []).append(
                    timed([os.path.join(BIN, 'ansible'), 'all', '-i', inv, '-m', 'ansible.builtin.copy',
                           '-a', 'src=%s dest=%s' % (payload, dest)], env))
        # Inventory: M busybox containers spread over the engines.
        for name, host in engines:
            try:
                client(host).inspect_image('127.0.0.1:5000/demo/web:1.0')
            except Exception:  # pylint: disable=broad-except
                client(host).pull('127.0.0.1:5000/demo/web', tag='1.0')
        for index in range(args.inventory_containers if args.only not in ('connection', 'ping') else 0):
            name, host = engines[index % len(engines)]
            api = client(host)
            cname = '%s-inv-%03d' % (tag, index)
            api.create_container('127.0.0.1:5000/demo/web:1.0', name=cname, labels={LABEL: tag,
                                 'com.docker.compose.project': 'bench', 'com.docker.compose.service': 's%d' % (index % 5)})
            made.append((api, cname))
        ours = os.path.join(work, 'bench.containers.yml')
        with open(ours, 'w') as handle:
            handle.write('plugin: fleet.docker.containers\ndocker_host:\n%s' % ''.join(
                '  - {docker_host: "%s", name: %s}\n' % (host, name) for name, host in engines))
        theirs = []
        for name, host in engines:
            path = os.path.join(work, '%s.docker.yml' % name)
            with open(path, 'w') as handle:
                handle.write('plugin: community.docker.docker_containers\ndocker_host: "%s"\n' % host)
            theirs += ['-i', path]
        inventory = os.path.join(BIN, 'ansible-inventory')
        commands = [('fleet.docker.containers', [inventory, '-i', ours, '--list']),
                    ('community.docker.docker_containers', [inventory] + theirs + ['--list'])]
        for run in range(args.runs if args.only not in ('connection', 'ping') else 0):
            for plugin, argv in commands[run % 2:] + commands[:run % 2]:  # alternate who goes first
                results.setdefault(('inventory', plugin), []).append(timed(argv, env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for api, name in made:
            try:
                api.remove_container(name, force=True, v=True)
            except Exception:  # pylint: disable=broad-except
                pass
    print('%d containers (ping, copy), %d containers on %d engines (%s) for the inventory; medians of %d runs; '
          'load average (1/5/15 min) %s before, %s after.\n'
          % (args.containers, args.inventory_containers, len(engines), ', '.join(n for n, _h in engines), args.runs,
             load_before, _load()))
    print('| figure | plugin | median | ratio community / fleet | controller CPU | CPU ratio | all runs (s) |\n'
          '| --- | --- | --- | --- | --- | --- | --- |')
    for figure in ('ping', 'copy 1 MB', 'inventory'):
        rows = dict((plugin, (statistics.median(t for t, _c in runs), statistics.median(c for _t, c in runs),
                              ' '.join('%.2f' % t for t, _c in runs)))
                    for (fig, plugin), runs in results.items() if fig == figure)
        if not rows:
            continue
        fleet = next(v for p, v in rows.items() if p.startswith('fleet.'))
        for plugin, (median, cpu, every) in sorted(rows.items(), key=lambda item: not item[0].startswith('fleet.')):
            ours = plugin.startswith('fleet.')
            print('| %s | %s | %.2f s | %s | %.2f s | %s | %s |'
                  % (figure, plugin, median, '' if ours else '%.2fx' % (median / fleet[0]), cpu,
                     '' if ours else '%.2fx' % (cpu / fleet[1]), every))
    return 0


if __name__ == '__main__':
    sys.exit(main())
