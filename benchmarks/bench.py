"""fleet.docker benchmarks (issue #9): B1 one host, B2 ancestor cleanup, B3 copy, B4 lab fleet, B5 scale curve.

Run by ``make bench`` with the bench venv's python (PyPI ``ansible`` 12.x: community.docker 4.x).
Every comparison runs in this one process, interleaved (tool order rotates each repetition), and
reports medians of BENCH_REPS (default 3) runs and ratios. Every run is a whole ``ansible-playbook``
process, timed from start to exit, with the same controller and config; only the module differs.

Environment: BENCH_REPS (default 3), BENCH_ONLY (e.g. "b1,b3"), BENCH_B4=0 to skip the lab.
B5 (issue #18, the scale curve): BENCH_B5_SIZES (default 1,5,10,20), BENCH_B5_REPS (default BENCH_REPS),
B5_KEEP_LAB=1 keeps its own lab instance (LAB_NAME fleetbench, 10.228.0.0/24, .lab-bench) up afterwards.
"""

import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import docker

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, 'results')
PLAYBOOKS = os.path.join(HERE, 'playbooks')
BENCH_VENV = os.path.join(ROOT, '.venv-bench')
FLEET_PY = os.path.join(ROOT, '.venv', 'bin', 'python')
BENCH_PY = os.path.join(BENCH_VENV, 'bin', 'python')
PLAYBOOK_BIN = os.path.join(BENCH_VENV, 'bin', 'ansible-playbook')
REGISTRY = '127.0.0.1:5000'
WEB = REGISTRY + '/fleetbench/web:1.0'          # a private copy: removing it never touches demo/web
WORKER_BASE = REGISTRY + '/demo/worker:1.0'
B2_IMAGE = 'fleetbench/worker:b2'               # own image ID, so the ancestor filter matches only bench containers
B2_HOLD = 'fleetbench/worker-hold:b2'           # second name: removing B2_IMAGE untags, never rebuilds
LABEL = 'fleet.bench'
REPS = int(os.environ.get('BENCH_REPS', '3'))
ONLY = [x for x in os.environ.get('BENCH_ONLY', 'b1,b2,b2_graceful,b3,b4,b5').split(',') if x]
WORK = os.path.join(tempfile.gettempdir(), 'fleetbench')
TOOLS = dict(a='fleet.docker.containers', b='fleet.docker.container loop', c='community.docker.docker_container loop')
INTERPRETER = dict(a=FLEET_PY, b=FLEET_PY, c=BENCH_PY)

api = docker.APIClient(version='auto', timeout=300)


def log(msg):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


# ------------------------------------------------------------------------------- running

LAST = {}   # the last playbook run's controller figures: cpu_s (user+sys of every descendant), peak_rss_mb


def _tree_rss_kb(root_pid):
    """Summed RSS (kB) of root_pid and its descendants, from /proc (controller forks and ssh clients)."""
    parents, rss = {}, {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * (os.sysconf('SC_PAGE_SIZE') // 1024)
        except (OSError, IndexError, ValueError):
            continue
    wanted, total, grew = {root_pid}, 0, True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                grew = True
    for pid in wanted:
        total += rss.get(pid, 0)
    return total


def playbook(name, interpreter, extra=None, inventory=None, check_changed=None, env_extra=None, sample=False):
    """Run one playbook, return wall seconds. Fails loudly when it fails or changes the wrong amount.

    sample=True also samples the controller's summed RSS (process tree) every 0.2 s into LAST['peak_rss_mb'].
    """
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(HERE, 'ansible.cfg'), **(env_extra or {}))
    env.pop('ANSIBLE_STDOUT_CALLBACK', None)
    variables = dict(extra or {}, ansible_python_interpreter=interpreter)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump(variables, handle)
        vars_file = handle.name
    cmd = [PLAYBOOK_BIN, os.path.join(PLAYBOOKS, name), '-e', '@' + vars_file]
    if inventory:
        cmd += ['-i', inventory]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    peak = 0
    with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env, cwd=HERE)
        while True:
            try:
                child.wait(timeout=0.2 if sample else 3600)
                break
            except subprocess.TimeoutExpired:
                peak = max(peak, _tree_rss_kb(child.pid))
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        proc = subprocess.CompletedProcess(cmd, child.returncode, out.read(), err.read())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST.clear()
    LAST.update(cpu_s=round(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime, 3),
                peak_rss_mb=round(peak / 1024, 1) if sample else None)
    os.unlink(vars_file)
    try:
        stats = json.loads(proc.stdout)['stats']
    except (ValueError, KeyError):
        stats = None
    if proc.returncode != 0 or stats is None:
        raise RuntimeError('%s failed (rc %s):\n%s\n%s' % (
            name, proc.returncode, proc.stdout[-4000:], proc.stderr[-2000:]))
    changed = sum(s.get('changed', 0) for s in stats.values())
    if check_changed is not None and not check_changed(changed):
        raise RuntimeError('%s: unexpected changed count %s' % (name, changed))
    return elapsed


def noop_floor_pairs(book, extra, floor_extra=None, inventory=None, env_extra=None, reps=None):
    """``reps`` interleaved (no-op of ``book``, one-task floor) runs on the same hosts and settings.

    Every no-op must report nothing changed. Returns dict(noop, floor, cpu_noop, cpu_floor): wall
    seconds and controller CPU-seconds per run, in order.
    """
    out = dict(noop=[], floor=[], cpu_noop=[], cpu_floor=[])
    for _rep in range(REPS if reps is None else reps):
        out['noop'].append(playbook(book, FLEET_PY, extra, inventory=inventory, env_extra=env_extra,
                                    check_changed=lambda c: c == 0))
        out['cpu_noop'].append(LAST['cpu_s'])
        out['floor'].append(playbook('baseline.yml', FLEET_PY, floor_extra, inventory=inventory, env_extra=env_extra))
        out['cpu_floor'].append(LAST['cpu_s'])
    return out


def med(values):
    return round(statistics.median(values), 3) if values else None


def ratio(slow, fast):
    return round(slow / fast, 2) if slow and fast else None


def save(name, data):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, name + '.json'), 'w') as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    log('wrote results/%s.json' % name)


def rotate(keys, rep):
    keys = list(keys)
    return keys[rep % len(keys):] + keys[:rep % len(keys)]


# ------------------------------------------------------------------------------- engine helpers

def remove_labelled(value):
    for c in api.containers(all=True, filters={'label': '%s=%s' % (LABEL, value)}):
        try:
            api.remove_container(c['Id'], force=True, v=True)
        except docker.errors.NotFound:
            pass


def remove_volumes(prefix):
    for vol in (api.volumes(filters={'name': prefix}) or {}).get('Volumes') or []:
        if vol['Name'].startswith(prefix):
            try:
                api.remove_volume(vol['Name'], force=True)
            except docker.errors.APIError:
                pass


def remove_image(ref):
    try:
        api.remove_image(ref)
    except docker.errors.NotFound:
        pass


def ensure_bench_image():
    """fleetbench/web:1.0 in the local registry: demo/web:1.0 under a name only the bench uses."""
    api.pull(REGISTRY + '/demo/web', tag='1.0')
    api.tag(REGISTRY + '/demo/web:1.0', REGISTRY + '/fleetbench/web', '1.0')
    for line in api.push(REGISTRY + '/fleetbench/web', tag='1.0', stream=True, decode=True):
        if 'error' in line:
            raise RuntimeError(line['error'])


# ------------------------------------------------------------------------------- B1

B1_N = 30
B1_PORT = 28000


def b1_items(changed_index=None):
    items = []
    for i in range(B1_N):
        name = 'fleetbench-b1-%02d' % i
        items.append(dict(
            name=name, image=WEB, ports=['127.0.0.1:%d:80' % (B1_PORT + i)],
            volumes=['fleetbench-b1-vol-%02d:/usr/share/nginx/html' % i, '%s/static:/srv/static:ro' % WORK],
            env=dict(APP=name, BENCH_VERSION='2' if i == changed_index else '1'),
            labels={LABEL: 'b1'}, restart_policy='always'))
    return items


def b1_reset():
    remove_labelled('b1')
    remove_volumes('fleetbench-b1-vol-')
    remove_image(WEB)  # so every first converge includes the image pull


def bench_b1():
    os.makedirs(os.path.join(WORK, 'static'), exist_ok=True)
    with open(os.path.join(WORK, 'static', 'index.html'), 'w') as handle:
        handle.write('static\n')
    books = dict(a='b1_fleet_batch.yml', b='b1_fleet_loop.yml', c='b1_community_loop.yml')
    runs = dict((tool, dict(first=[], noop=[], one_changed=[])) for tool in books)
    baseline = []
    common = dict(bench_project='fleetbench-b1')
    for rep in range(REPS):
        baseline.append(playbook('baseline.yml', FLEET_PY))
        for tool in rotate(books, rep):
            b1_reset()
            log('B1 rep %d %s' % (rep + 1, TOOLS[tool]))
            extra = dict(common, bench_items=b1_items())
            runs[tool]['first'].append(playbook(books[tool], INTERPRETER[tool], extra, check_changed=bool))
            runs[tool]['noop'].append(playbook(books[tool], INTERPRETER[tool], extra,
                                               check_changed=lambda n: n == 0))
            extra = dict(common, bench_items=b1_items(changed_index=7))
            runs[tool]['one_changed'].append(playbook(books[tool], INTERPRETER[tool], extra, check_changed=bool))
            log('  first %.2f s, no-op %.2f s, one changed %.2f s' % tuple(
                runs[tool][k][-1] for k in ('first', 'noop', 'one_changed')))
    b1_reset()
    medians = dict((tool, dict((k, med(v)) for k, v in r.items())) for tool, r in runs.items())
    floor = med(baseline)
    per_item = dict((tool, round((medians[tool]['noop'] - floor) / B1_N, 4)) for tool in ('b', 'c'))
    per_item_raw = dict((tool, round(medians[tool]['noop'] / B1_N, 4)) for tool in ('b', 'c'))
    data = dict(
        benchmark='B1', description='one host, %d containers (published port, named volume, read-only bind mount, '
                                    'env, restart always) plus their volumes and the image' % B1_N,
        tools=TOOLS, runs=runs, medians=medians, baseline_one_task=dict(runs=baseline, median=floor),
        per_item_noop=dict(minus_one_task_floor=per_item, raw=per_item_raw),
        ratios=dict(
            noop_c_over_a=ratio(medians['c']['noop'], medians['a']['noop']),
            first_c_over_a=ratio(medians['c']['first'], medians['a']['first']),
            one_changed_c_over_a=ratio(medians['c']['one_changed'], medians['a']['one_changed']),
            per_item_c_over_b=ratio(per_item['c'], per_item['b']),
            per_item_raw_c_over_b=ratio(per_item_raw['c'], per_item_raw['b']),
            noop_c_over_b=ratio(medians['c']['noop'], medians['b']['noop']),
            first_c_over_b=ratio(medians['c']['first'], medians['b']['first'])))
    save('b1', data)
    return data


# ------------------------------------------------------------------------------- B2

B2_N = 30


def b2_setup():
    remove_labelled('b2')
    try:
        api.inspect_image(B2_HOLD)
    except docker.errors.NotFound:
        api.pull(REGISTRY + '/demo/worker', tag='1.0')
        dockerfile = 'FROM %s\nLABEL fleet.bench=b2\n' % WORKER_BASE
        import io
        for line in api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=B2_HOLD, rm=True, decode=True):
            if 'error' in line:
                raise RuntimeError(line['error'])
    repo, tag = B2_IMAGE.rsplit(':', 1)
    api.tag(B2_HOLD, repo, tag)
    for i in range(B2_N):
        created = api.create_container(B2_IMAGE, name='fleetbench-b2-%02d' % i, labels={LABEL: 'b2'})
        api.start(created['Id'])
    assert len(api.containers(filters={'ancestor': B2_IMAGE})) == B2_N


def b2_cli():
    start = time.perf_counter()
    subprocess.run(['bash', '-c', 'docker rm -f $(docker ps -aq --filter ancestor=%s) >/dev/null && '
                    'docker rmi %s >/dev/null' % (B2_IMAGE, B2_IMAGE)], check=True)
    return time.perf_counter() - start


def b2_cli_graceful():
    # workflows.md section 6 as typed: stop (default 10 s timeout; the CLI stops them in parallel), rm, rmi.
    start = time.perf_counter()
    subprocess.run(['bash', '-c', 'docker stop $(docker ps -q --filter ancestor={0}) >/dev/null && '
                    'docker rm $(docker ps -aq --filter ancestor={0}) >/dev/null && '
                    'docker rmi {0} >/dev/null'.format(B2_IMAGE)], check=True)
    return time.perf_counter() - start


def bench_b2_graceful():
    """B2 as the workflow does it: a graceful stop that waits out the 10 s timeout, then rm and rmi.

    community.docker is left out here: its absent loop stops one container at a time, 30 x 10 s = 300 s
    per run by construction (the kill variant above measures it).
    """
    tools = dict(fleet='fleet.docker.cleanup (stop_timeout 10)', cli='docker stop; docker rm; docker rmi')
    runs = dict((tool, []) for tool in tools)
    for rep in range(REPS):
        for tool in rotate(tools, rep):
            b2_setup()
            log('B2 graceful rep %d %s' % (rep + 1, tools[tool]))
            if tool == 'cli':
                runs[tool].append(b2_cli_graceful())
            else:
                runs[tool].append(playbook('b2_fleet_cleanup.yml', FLEET_PY,
                                           dict(bench_image=B2_IMAGE, bench_stop_timeout=10), check_changed=bool))
            if api.containers(all=True, filters={'label': '%s=b2' % LABEL}):
                raise RuntimeError('B2 graceful %s left containers' % tool)
            log('  %.2f s' % runs[tool][-1])
    remove_labelled('b2')
    remove_image(B2_IMAGE)
    remove_image(B2_HOLD)
    medians = dict((tool, med(v)) for tool, v in runs.items())
    data = dict(benchmark='B2-graceful', description='%d running containers ignoring SIGTERM, stopped with the '
                                                     'default 10 s timeout, removed, image removed' % B2_N,
                tools=tools, runs=runs, medians=medians,
                ratios=dict(fleet_over_cli=ratio(medians['fleet'], medians['cli'])))
    save('b2_graceful', data)
    return data


def bench_b2():
    tools = dict(fleet='fleet.docker.cleanup', cli='docker CLI one-liner', community='community.docker composition')
    runs = dict((tool, []) for tool in tools)
    for rep in range(REPS):
        for tool in rotate(tools, rep):
            b2_setup()
            log('B2 rep %d %s' % (rep + 1, tools[tool]))
            if tool == 'cli':
                runs[tool].append(b2_cli())
            elif tool == 'fleet':
                runs[tool].append(playbook('b2_fleet_cleanup.yml', FLEET_PY, dict(bench_image=B2_IMAGE),
                                           check_changed=bool))
            else:
                runs[tool].append(playbook('b2_community.yml', BENCH_PY, dict(bench_image=B2_IMAGE),
                                           check_changed=bool))
            left = api.containers(all=True, filters={'label': '%s=b2' % LABEL})
            if left:
                raise RuntimeError('B2 %s left %d containers' % (tool, len(left)))
            log('  %.2f s' % runs[tool][-1])
    remove_labelled('b2')
    remove_image(B2_IMAGE)
    remove_image(B2_HOLD)
    medians = dict((tool, med(v)) for tool, v in runs.items())
    data = dict(benchmark='B2', description='%d running containers whose process ignores SIGTERM (demo/worker), '
                                            'removed with their image; every tool kills at once '
                                            '(cleanup stop_timeout 0, docker rm -f, docker_container '
                                            'force_kill)' % B2_N,
                tools=tools, cli='docker rm -f $(docker ps -aq --filter ancestor=IMG) && docker rmi IMG',
                runs=runs, medians=medians,
                ratios=dict(fleet_over_cli=ratio(medians['fleet'], medians['cli']),
                            community_over_cli=ratio(medians['community'], medians['cli']),
                            community_over_fleet=ratio(medians['community'], medians['fleet'])))
    save('b2', data)
    return data


# ------------------------------------------------------------------------------- B3

B3_FILES = 200
B3_CONTAINER = 'fleetbench-b3'
# The per-file loop costs one module run per file, the same for every file; to keep `make bench` under
# 25 minutes it runs on B3_SAMPLE files and the figure is scaled to B3_FILES (raw runs are kept too).
B3_SAMPLE = int(os.environ.get('BENCH_B3_SAMPLE', '20'))


def b3_setup_source():
    src = os.path.join(WORK, 'b3src')
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    names = []
    for i in range(B3_FILES):
        name = 'file%03d.txt' % i
        with open(os.path.join(src, name), 'w') as handle:
            handle.write(('line %d of file %d\n' % (0, i)) * (20 + i % 50))
        names.append(name)
    return src, names


def b3_container():
    remove_labelled('b3')
    api.pull(REGISTRY + '/demo/web', tag='1.0')
    created = api.create_container(REGISTRY + '/demo/web:1.0', name=B3_CONTAINER, labels={LABEL: 'b3'})
    api.start(created['Id'])
    api.exec_start(api.exec_create(created['Id'], ['mkdir', '-p', '/bench']))


def bench_b3():
    src, names = b3_setup_source()
    tools = dict(fleet='fleet.docker.container_copy (one task)',
                 community='community.docker.docker_container_copy_into loop (one item per file; '
                           '%d-file sample scaled to %d)' % (min(B3_SAMPLE, B3_FILES), B3_FILES))
    runs = dict((tool, dict(first=[], second=[])) for tool in tools)
    raw = dict(community=[])
    extra = dict(bench_container=B3_CONTAINER, bench_src=src, bench_dest='/bench', bench_files=names)
    for rep in range(REPS):
        for tool in rotate(tools, rep):
            b3_container()
            log('B3 rep %d %s' % (rep + 1, tools[tool]))
            book, interp = ('b3_fleet_copy.yml', FLEET_PY) if tool == 'fleet' else ('b3_community_copy.yml', BENCH_PY)
            scale, args = 1.0, extra
            if tool == 'community' and B3_SAMPLE < B3_FILES:
                scale, args = B3_FILES / B3_SAMPLE, dict(extra, bench_files=names[:B3_SAMPLE])
                raw[tool].append([])
            for phase, check in (('first', bool), ('second', lambda n: n == 0)):
                took = playbook(book, interp, args, check_changed=check)
                if scale != 1.0:
                    raw[tool][-1].append(took)
                runs[tool][phase].append(took * scale)
            log('  first %.2f s, second %.2f s' % (runs[tool]['first'][-1], runs[tool]['second'][-1]))
    remove_labelled('b3')
    medians = dict((tool, dict((k, med(v)) for k, v in r.items())) for tool, r in runs.items())
    data = dict(benchmark='B3', description='a %d-file directory copied into a running container' % B3_FILES,
                tools=tools, runs=runs, medians=medians,
                community_sample=dict(files=min(B3_SAMPLE, B3_FILES), raw_first_second=raw['community'],
                                      note='community figures are the sampled loop scaled to %d files' % B3_FILES),
                ratios=dict(first_community_over_fleet=ratio(medians['community']['first'], medians['fleet']['first']),
                            second_community_over_fleet=ratio(medians['community']['second'],
                                                              medians['fleet']['second'])))
    save('b3', data)
    return data


# ------------------------------------------------------------------------------- B4

B4_HOSTS = 5
B4_N = 10
LAB_INVENTORY = os.path.join(ROOT, '.lab', 'inventory.yml')


def lab(*args):
    return subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lab.sh')] + list(args), capture_output=True,
                          text=True, check=False)


def lab_hosts():
    """Number of healthy lab hosts now (0 when the lab is down or unhealthy)."""
    status = lab('status')
    if status.returncode != 0:
        return 0
    return sum(1 for line in status.stdout.splitlines() if line.startswith('lab'))


def b4_items(registry):
    return [dict(name='fleetbench-b4-%02d' % i, image=registry + '/demo/web:1.0',
                 ports=['127.0.0.1:%d:80' % (28100 + i)], volumes=['fleetbench-b4-vol-%02d:/usr/share/nginx/html' % i],
                 env=dict(APP='b4-%02d' % i), labels={LABEL: 'b4'}, restart_policy='always')
            for i in range(B4_N)]


def bench_b4():
    before = lab_hosts()
    log('B4: lab has %d healthy hosts; bringing it to %d' % (before, B4_HOSTS))
    up = lab('up', str(B4_HOSTS))
    if up.returncode != 0:
        raise RuntimeError('make lab HOSTS=%d failed:\n%s\n%s' % (B4_HOSTS, up.stdout[-2000:], up.stderr[-2000:]))
    try:
        import yaml
        with open(LAB_INVENTORY) as handle:
            registry = yaml.safe_load(handle)['lab']['vars']['lab_registry']
        books = dict(a='b1_fleet_batch.yml', c='b1_community_loop.yml')
        tools = dict(a='fleet.docker.containers', c='community.docker.docker_container loop')
        runs = dict((tool, dict(first=[], noop=[])) for tool in books)
        extra = dict(bench_hosts='lab', bench_items=b4_items(registry), bench_project='fleetbench-b4')
        for rep in range(REPS):
            for tool in rotate(books, rep):
                playbook('b4_cleanup.yml', FLEET_PY, inventory=LAB_INVENTORY)
                log('B4 rep %d %s' % (rep + 1, tools[tool]))
                runs[tool]['first'].append(playbook(books[tool], INTERPRETER[tool], extra, inventory=LAB_INVENTORY,
                                                    check_changed=lambda n: n >= B4_HOSTS))
                runs[tool]['noop'].append(playbook(books[tool], INTERPRETER[tool], extra, inventory=LAB_INVENTORY,
                                                   check_changed=lambda n: n == 0))
                log('  first %.2f s, no-op %.2f s' % (runs[tool]['first'][-1], runs[tool]['noop'][-1]))
        playbook('b4_cleanup.yml', FLEET_PY, inventory=LAB_INVENTORY)
    finally:
        if before == 0:
            log('B4: the lab was down before; taking it down again')
            lab('down')
        else:
            log('B4: restoring the lab to %d hosts' % before)
            lab('up', str(before))
    medians = dict((tool, dict((k, med(v)) for k, v in r.items())) for tool, r in runs.items())
    description = '%d lab hosts over SSH x %d containers each (image already on the hosts)' % (B4_HOSTS, B4_N)
    data = dict(benchmark='B4', description=description,
                tools=tools, runs=runs, medians=medians, lab_hosts_before=before,
                ratios=dict(first_c_over_a=ratio(medians['c']['first'], medians['a']['first']),
                            noop_c_over_a=ratio(medians['c']['noop'], medians['a']['noop'])))
    save('b4', data)
    return data


# ------------------------------------------------------------------------------- B5 (issue #18)

B5_SIZES = [int(x) for x in os.environ.get('BENCH_B5_SIZES', '1,5,10,20').split(',') if x]
B5_N = 10
B5_REPS = int(os.environ.get('BENCH_B5_REPS', str(REPS)))
# Its own lab instance (names, addresses, directory), so B5 never touches anyone's `make lab`.
B5_LAB_ENV = dict(LAB_NAME=os.environ.get('B5_LAB_NAME', 'fleetbench'), LAB_NET=os.environ.get('B5_LAB_NET', '10.228.0'),
                  LAB_BIP_NET=os.environ.get('B5_LAB_BIP_NET', '10.229'),
                  LAB_POOL_NET=os.environ.get('B5_LAB_POOL_NET', '10.230'),
                  FLEET_LAB_DIR=os.environ.get('B5_LAB_DIR', os.path.join(ROOT, '.lab-bench')),
                  ENGINES=os.environ.get('B5_ENGINES', '20'))
B5_INVENTORY = os.path.join(B5_LAB_ENV['FLEET_LAB_DIR'], 'inventory.yml')


def b5_lab(*args):
    return subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lab.sh')] + list(args), capture_output=True,
                          text=True, check=False, env=dict(os.environ, **B5_LAB_ENV))


def b5_items(registry):
    return [dict(name='fleetbench-b5-%02d' % i, image=registry + '/demo/web:1.0',
                 ports=['127.0.0.1:%d:80' % (28100 + i)], volumes=['fleetbench-b5-vol-%02d:/usr/share/nginx/html' % i],
                 env=dict(APP='b5-%02d' % i), labels={LABEL: 'b5'}, restart_policy='always')
            for i in range(B5_N)]


def _slope(xs, ys):
    """Least-squares slope of ys against xs (seconds per added host)."""
    if len(xs) < 2:
        return None
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den, 4) if den else None


def bench_b5():
    """Scale curve: 1, 5, 10, 20 lab hosts x 10 containers; fleet batch, community loop, one-task floor."""
    top = max(B5_SIZES)
    was_up = b5_lab('status').returncode == 0
    log('B5: bringing the bench lab (%s) to %d hosts' % (B5_LAB_ENV['LAB_NAME'], top))
    up = b5_lab('up', str(top))
    if up.returncode != 0:
        raise RuntimeError('lab up %d failed:\n%s\n%s' % (top, up.stdout[-2000:], up.stderr[-2000:]))
    import yaml
    with open(B5_INVENTORY) as handle:
        registry = yaml.safe_load(handle)['lab']['vars']['lab_registry']
    books = dict(a='b1_fleet_batch.yml', c='b1_community_loop.yml', floor='baseline.yml')
    tools = dict(a='fleet.docker.containers', c='community.docker.docker_container loop',
                 floor='one-task ping playbook (floor)')
    runs = dict((n, dict((t, dict(first=[], noop=[], first_cpu=[], noop_cpu=[], noop_peak_rss_mb=[]))
                         for t in books)) for n in B5_SIZES)
    try:
        for rep in range(B5_REPS):
            for n in B5_SIZES:
                hosts = 'lab[0:%d]' % (n - 1)
                env_extra = dict(ANSIBLE_FORKS=str(max(n, 1)))
                extra = dict(bench_hosts=hosts, bench_items=b5_items(registry), bench_project='fleetbench-b5')
                for tool in rotate(books, rep):
                    log('B5 rep %d, %d hosts, %s' % (rep + 1, n, tools[tool]))
                    r = runs[n][tool]
                    if tool == 'floor':
                        r['noop'].append(playbook(books[tool], FLEET_PY, dict(bench_hosts=hosts), inventory=B5_INVENTORY,
                                                  env_extra=env_extra, sample=True))
                        r['noop_cpu'].append(LAST['cpu_s'])
                        r['noop_peak_rss_mb'].append(LAST['peak_rss_mb'])
                        log('  %.2f s' % r['noop'][-1])
                        continue
                    playbook('b5_cleanup.yml', FLEET_PY, dict(bench_hosts=hosts), inventory=B5_INVENTORY,
                             env_extra=env_extra)
                    r['first'].append(playbook(books[tool], INTERPRETER[tool], extra, inventory=B5_INVENTORY,
                                               env_extra=env_extra, check_changed=lambda c, n=n: c >= n))
                    r['first_cpu'].append(LAST['cpu_s'])
                    r['noop'].append(playbook(books[tool], INTERPRETER[tool], extra, inventory=B5_INVENTORY,
                                              env_extra=env_extra, check_changed=lambda c: c == 0, sample=True))
                    r['noop_cpu'].append(LAST['cpu_s'])
                    r['noop_peak_rss_mb'].append(LAST['peak_rss_mb'])
                    log('  first %.2f s, no-op %.2f s' % (r['first'][-1], r['noop'][-1]))
        playbook('b5_cleanup.yml', FLEET_PY, dict(bench_hosts='lab'), inventory=B5_INVENTORY)
    finally:
        if not was_up and os.environ.get('B5_KEEP_LAB', '0') != '1':
            log('B5: taking the bench lab down again')
            b5_lab('down')
    medians = dict((n, dict((t, dict((k, med(v)) for k, v in r.items())) for t, r in byn.items()))
                   for n, byn in runs.items())
    sizes = sorted(medians)
    marginal = dict((t, dict((k, _slope(sizes, [medians[n][t][k] for n in sizes]))
                             for k in ('first', 'noop', 'noop_cpu', 'first_cpu') if medians[sizes[0]][t][k] is not None))
                    for t in books)
    ratios = dict((n, dict(noop_a_over_floor=ratio(medians[n]['a']['noop'], medians[n]['floor']['noop']),
                           noop_c_over_a=ratio(medians[n]['c']['noop'], medians[n]['a']['noop']),
                           first_c_over_a=ratio(medians[n]['c']['first'], medians[n]['a']['first'])))
                  for n in sizes)
    data = dict(benchmark='B5', description='lab hosts (Docker 20.10 each, own netns, dockerd and sshd, on this '
                                            'machine) over SSH x %d containers each; forks = hosts' % B5_N,
                sizes=sizes, reps=B5_REPS, tools=tools, runs=runs, medians=medians,
                marginal_per_host=marginal, ratios=ratios, lab=B5_LAB_ENV,
                note='first converge pulls the image only in the first repetition (the image stays on the hosts); '
                     'cpu = user+sys of the controller process tree (ansible-playbook, forks, ssh clients); '
                     'peak_rss_mb = summed RSS of that tree, sampled every 0.2 s')
    save('b5', data)
    return data


# ------------------------------------------------------------------------------- meta

def _version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return None


def meta():
    cpu = None
    try:
        with open('/proc/cpuinfo') as handle:
            cpu = next(line.split(':', 1)[1].strip() for line in handle if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    with open('/proc/meminfo') as handle:
        mem_kb = int(handle.readline().split()[1])
    cd = json.load(open(os.path.join(BENCH_VENV, 'lib', 'python%d.%d' % sys.version_info[:2], 'site-packages',
                                     'ansible_collections', 'community', 'docker', 'MANIFEST.json')))
    return dict(
        date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        machine=dict(cpu=cpu, cpus=os.cpu_count(), memory_gb=round(mem_kb / 1024 / 1024, 1),
                     kernel=platform.release(), os=_version(['bash', '-c', '. /etc/os-release; echo $PRETTY_NAME'])),
        versions=dict(
            docker_engine=api.version().get('Version'),
            ansible_core=_version([PLAYBOOK_BIN, '--version']).splitlines()[0],
            ansible_package=_version([BENCH_PY, '-c', 'import importlib.metadata as m; print(m.version("ansible"))']),
            community_docker=cd['collection_info']['version'],
            docker_sdk_fleet=_version([FLEET_PY, '-c', 'import docker; print(docker.__version__)']),
            docker_sdk_bench=docker.__version__,
            python=platform.python_version()),
        reps=REPS)


def main():
    os.makedirs(WORK, exist_ok=True)
    started = time.time()
    ensure_bench_image()
    info = meta()
    # A B5-only run keeps the committed B1-B4 header (meta.json) and writes its own.
    meta_name = 'meta' if set(ONLY) - {'b5'} else 'meta_b5'
    save(meta_name, info)
    failures = {}
    for key, function in (('b1', bench_b1), ('b2', bench_b2), ('b2_graceful', bench_b2_graceful),
                          ('b3', bench_b3), ('b4', bench_b4), ('b5', bench_b5)):
        if key not in ONLY or (key == 'b4' and os.environ.get('BENCH_B4', '1') == '0'):
            continue
        try:
            function()
        except Exception as exc:  # pylint: disable=broad-except
            failures[key] = str(exc)
            log('%s FAILED: %s' % (key.upper(), exc))
            save(key + '-error', dict(error=str(exc)))
    info['total_seconds'] = round(time.time() - started, 1)
    info['failures'] = failures
    save(meta_name, info)
    subprocess.run([sys.executable, os.path.join(HERE, 'report.py')], check=True)
    if 'b5' in ONLY:
        subprocess.run([sys.executable, os.path.join(HERE, 'scale_report.py')], check=True)
    log('done in %.0f s' % (time.time() - started))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
