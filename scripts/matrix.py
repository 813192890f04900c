"""The version matrix (issue #17): run the smoke play on every cell, write docs/matrix.md.

Dimensions: controller (ansible-core and its Python), managed-host Python, Docker SDK for Python,
Docker engine. The cells are a covering design, not the cross product (docs/matrix.md says which
pairs it covers; this script checks that and prints the coverage into the page).

Usage: python scripts/matrix.py [--cells c01,c05] [--no-doc] [--sanity]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYENV = os.environ.get('PYENV_ROOT', '/root/.pyenv')
VENVS = os.path.join(ROOT, '.venv-matrix')
WORK = os.path.join(ROOT, '.cache', 'matrix')
DOC = os.path.join(ROOT, 'docs', 'matrix.md')
REGISTRY = '127.0.0.1:5000'

# Exact interpreters; pyenv shims are never used (they break Ansible's interpreter discovery).
PYTHONS = {'3.9': '3.9.18', '3.11': '3.11.7', '3.12': '3.12.1', '3.13': '3.13.0'}
CORES = ('2.17', '2.18', '2.19', '2.20')
HOST_PYTHONS = ('3.9', '3.11', '3.13')
SDKS = {
    # docker < 7.1 breaks with requests >= 2.32 ("Not supported URL scheme http+docker").
    # PyYAML: the compose module reads Compose files with it on the managed host.
    '6.1': ['docker>=6.1,<6.2', 'requests>=2.31,<2.32', 'PyYAML>=5.4,<7'],
    '7.1': ['docker>=7.1,<7.2', 'requests>=2.32,<3', 'PyYAML>=5.4,<7'],
}
ENGINES = {
    '20.10': 'unix:///var/run/docker.sock',
    '26.1': 'unix://%s/.state/engines/26.1/run/docker.sock' % ROOT,
    '28.5': 'unix://%s/.state/engines/28.5/run/docker.sock' % ROOT,
}
# Pairs left out on purpose: ansible-core 2.17 supports managed-host Python up to 3.12.
UNSUPPORTED = {(('core', '2.17'), ('host_python', '3.13'))}

# id, ansible-core, controller Python, engine, managed-host Python, Docker SDK
CELLS = [
    ('c01', '2.17', '3.11', '20.10', '3.9', '6.1'),
    ('c02', '2.17', '3.11', '26.1', '3.11', '7.1'),
    ('c03', '2.17', '3.11', '28.5', '3.9', '7.1'),
    ('c04', '2.18', '3.11', '20.10', '3.11', '6.1'),
    ('c05', '2.18', '3.11', '26.1', '3.13', '6.1'),
    ('c06', '2.18', '3.11', '28.5', '3.9', '7.1'),
    ('c07', '2.19', '3.11', '20.10', '3.13', '7.1'),
    ('c08', '2.19', '3.11', '26.1', '3.9', '6.1'),
    ('c09', '2.19', '3.11', '28.5', '3.11', '6.1'),
    ('c10', '2.20', '3.12', '20.10', '3.9', '7.1'),
    ('c11', '2.20', '3.13', '26.1', '3.11', '7.1'),
    ('c12', '2.20', '3.12', '28.5', '3.13', '6.1'),
]
DIMS = ('core', 'controller_python', 'engine', 'host_python', 'sdk')


def cell_dict(row):
    return dict(zip(('id',) + DIMS, row))


def log(msg):
    print('[matrix] %s' % msg, flush=True)


def run(cmd, check=True, **kw):
    kw.setdefault('capture_output', True)
    kw.setdefault('text', True)
    return subprocess.run(cmd, check=check, **kw)


def python_bin(version):
    return os.path.join(PYENV, 'versions', PYTHONS[version], 'bin', 'python%s' % version)


def pip_install(venv, python, packages):
    """Create venv (once per package set) and install packages; return its python."""
    stamp = os.path.join(venv, '.matrix-installed')
    want = json.dumps([python, packages])
    if os.path.exists(stamp) and open(stamp).read() == want:
        return os.path.join(venv, 'bin', 'python')
    shutil.rmtree(venv, ignore_errors=True)
    run([python, '-m', 'venv', venv])
    run([os.path.join(venv, 'bin', 'pip'), 'install', '-q'] + packages)
    with open(stamp, 'w') as handle:
        handle.write(want)
    return os.path.join(venv, 'bin', 'python')


def controller_venv(core, py):
    return os.path.join(VENVS, 'ctl-%s-py%s' % (core, py))


def host_venv(py, sdk):
    return os.path.join(VENVS, 'host-py%s-sdk%s' % (py, sdk))


def make_venvs(cells):
    jobs = {}
    for cell in cells:
        key = ('ctl', cell['core'], cell['controller_python'])
        jobs[key] = (controller_venv(cell['core'], cell['controller_python']), python_bin(cell['controller_python']),
                     ['ansible-core>=%s,<%s.%d' % (cell['core'], cell['core'].split('.')[0],
                                                   int(cell['core'].split('.')[1]) + 1)])
        key = ('host', cell['host_python'], cell['sdk'])
        jobs[key] = (host_venv(cell['host_python'], cell['sdk']), python_bin(cell['host_python']), SDKS[cell['sdk']])
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda job: pip_install(*job), jobs.values()))
    log('%d venvs ready in %.0f s' % (len(jobs), time.time() - started))


def build_collection():
    """The collection as committed (git archive HEAD), built once: the matrix tests a commit."""
    commit = run(['git', 'rev-parse', 'HEAD'], cwd=ROOT).stdout.strip()
    src = os.path.join(WORK, 'src')
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    archive = subprocess.Popen(['git', 'archive', 'HEAD'], cwd=ROOT, stdout=subprocess.PIPE)
    run(['tar', '-x', '-C', src], stdin=archive.stdout)
    archive.wait()
    out = os.path.join(WORK, 'build')
    shutil.rmtree(out, ignore_errors=True)
    run([os.path.join(ROOT, '.venv', 'bin', 'ansible-galaxy'), 'collection', 'build', '--output-path', out, src])
    tarball = [os.path.join(out, name) for name in os.listdir(out) if name.endswith('.tar.gz')][0]
    return commit, tarball


def install_collection(core, py, tarball):
    """Install the tarball with that controller's own ansible-galaxy."""
    dest = os.path.join(WORK, 'collections-%s-py%s' % (core, py))
    shutil.rmtree(dest, ignore_errors=True)
    run([os.path.join(controller_venv(core, py), 'bin', 'ansible-galaxy'), 'collection', 'install', '--force',
         '-p', dest, tarball], env=clean_env(None))
    return dest


def clean_env(collections, cell_dir=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'DOCKER_', 'PYENV_VERSION'))}
    if collections:
        env['ANSIBLE_COLLECTIONS_PATH'] = collections
    if cell_dir:
        cfg = os.path.join(cell_dir, 'ansible.cfg')
        with open(cfg, 'w') as handle:
            handle.write('[defaults]\nstdout_callback = ansible.builtin.default\n')
        env.update(ANSIBLE_CONFIG=cfg, ANSIBLE_HOME=os.path.join(cell_dir, 'home'),
                   ANSIBLE_LOCAL_TEMP=os.path.join(cell_dir, 'tmp'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_FORCE_COLOR='0')
    return env


def docker(engine, *args, check=True):
    return run(['/usr/bin/docker', '-H', ENGINES[engine]] + list(args), check=check)


def prefix(cell):
    return 'fleet-matrix-%s' % cell['id']


def teardown(cell):
    engine, name = cell['engine'], prefix(cell)
    ids = docker(engine, 'ps', '-aq', '--filter', 'label=fleet.docker.matrix=%s' % cell['id'], check=False).stdout.split()
    if ids:
        docker(engine, 'rm', '-f', '-v', *ids, check=False)
    docker(engine, 'volume', 'rm', '-f', name + '-data', check=False)
    docker(engine, 'network', 'rm', name + '_default', check=False)
    docker(engine, 'rmi', '%s/%s/worker:1.0' % (REGISTRY, name), check=False)


def prepare(cell):
    """What the cleanup task is to remove: two containers of a repository only this cell uses."""
    engine, name = cell['engine'], prefix(cell)
    worker = '%s/%s/worker:1.0' % (REGISTRY, name)
    docker(engine, 'pull', '-q', REGISTRY + '/demo/worker:1.0')
    docker(engine, 'tag', REGISTRY + '/demo/worker:1.0', worker)
    label = 'fleet.docker.matrix=%s' % cell['id']
    docker(engine, 'run', '-d', '--name', name + '-worker1', '--label', label, worker)
    docker(engine, 'create', '--name', name + '-worker2', '--label', label, worker)


RECAP = re.compile(r'^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def playbook(cell, name, collections, cell_dir):
    inventory = os.path.join(cell_dir, 'inventory.yml')
    with open(inventory, 'w') as handle:
        json.dump({'matrix': {'hosts': {'localhost': {
            'ansible_connection': 'local',
            'ansible_python_interpreter': os.path.join(host_venv(cell['host_python'], cell['sdk']), 'bin', 'python'),
            'matrix_docker_host': ENGINES[cell['engine']],
            'matrix_registry': REGISTRY,
            'matrix_cell': cell['id']}}}}, handle)
    bin_dir = os.path.join(controller_venv(cell['core'], cell['controller_python']), 'bin')
    env = clean_env(collections, cell_dir)
    env['PATH'] = bin_dir + os.pathsep + env.get('PATH', '')
    started = time.time()
    proc = run([os.path.join(bin_dir, 'ansible-playbook'), '-i', inventory,
                os.path.join(ROOT, 'tests', 'matrix', name)], check=False, env=env, cwd=cell_dir)
    elapsed = time.time() - started
    with open(os.path.join(cell_dir, name.replace('.yml', '') + '-%d.log' % int(started)), 'w') as handle:
        handle.write(proc.stdout + proc.stderr)
    match = RECAP.search(proc.stdout)
    counts = tuple(int(x) for x in match.groups()) if match else None
    return proc, counts, elapsed


def versions(cell):
    ctl = os.path.join(controller_venv(cell['core'], cell['controller_python']), 'bin', 'python')
    host = os.path.join(host_venv(cell['host_python'], cell['sdk']), 'bin', 'python')
    core = run([ctl, '-c', 'import ansible, platform; print(ansible.__version__, platform.python_version())']).stdout.split()
    sdk = run([host, '-c', 'import docker, requests, platform; '
               'print(docker.__version__, requests.__version__, platform.python_version())']).stdout.split()
    engine = docker(cell['engine'], 'version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}').stdout.split()
    return {'core': core[0], 'controller_python': core[1], 'sdk': sdk[0], 'requests': sdk[1],
            'host_python': sdk[2], 'engine': engine[0], 'api': engine[1]}


def run_cell(cell, collections):
    cell_dir = os.path.join(WORK, 'cells', cell['id'])
    shutil.rmtree(cell_dir, ignore_errors=True)
    os.makedirs(os.path.join(cell_dir, 'tmp'))
    result = dict(cell, versions=versions(cell), ok=False, notes=[])
    started = time.time()
    teardown(cell)
    try:
        prepare(cell)
        first, counts1, t1 = playbook(cell, 'smoke.yml', collections, cell_dir)
        second, counts2, t2 = playbook(cell, 'smoke.yml', collections, cell_dir)
        check, counts3, t3 = playbook(cell, 'verify.yml', collections, cell_dir)
        result.update(run1=counts1, run2=counts2, verify=counts3, t1=t1, t2=t2, t3=t3)
        if first.returncode or not counts1 or counts1[3] or counts1[1] == 0:
            result['notes'].append('run 1 failed or changed nothing: ' + tail(first))
        elif second.returncode or not counts2 or counts2[3] or counts2[1]:
            result['notes'].append('run 2 not unchanged: ' + tail(second))
        elif check.returncode or not counts3 or counts3[3]:
            result['notes'].append('verify failed: ' + tail(check))
        else:
            result['ok'] = True
    except subprocess.CalledProcessError as exc:
        result['notes'].append('set-up failed: %s: %s' % (' '.join(exc.cmd), (exc.stderr or '').strip()[-400:]))
    finally:
        teardown(cell)
    result['seconds'] = time.time() - started
    log('%s %s  core %s/py%s  engine %s  host py%s sdk %s  %.0f s %s' % (
        cell['id'], 'GREEN' if result['ok'] else 'RED', cell['core'], cell['controller_python'], cell['engine'],
        cell['host_python'], cell['sdk'], result['seconds'], ' '.join(result['notes'])[:600]))
    return result


def tail(proc):
    text = (proc.stdout + proc.stderr).strip().splitlines()
    interesting = [line for line in text if 'fatal:' in line or 'FAILED' in line or 'ERROR' in line or 'msg' in line]
    return ' | '.join((interesting or text)[-4:])[:800]


def coverage(cells):
    """Which pairs of dimension values the cells cover, and which they miss (and whether on purpose)."""
    values = {dim: sorted(set(c[dim] for c in cells)) for dim in DIMS}
    lines, missing = [], []
    for a, b in itertools.combinations(DIMS, 2):
        want = set(itertools.product(values[a], values[b]))
        have = set((c[a], c[b]) for c in cells)
        gaps = sorted(want - have)
        if a == 'core' and b == 'controller_python':
            lines.append('| %s x %s | %d of %d | by design: each core runs on the Python its controller support '
                         'starts with (2.20 needs 3.12+; it runs on 3.12 and 3.13) |' % (a, b, len(have), len(want)))
            continue
        if 'controller_python' in (a, b):
            lines.append('| %s x %s | %d of %d | not a goal: the controller Python goes with the core |' % (
                a, b, len(have), len(want)))
            continue
        planned = [g for g in gaps if ((a, g[0]), (b, g[1])) in UNSUPPORTED]
        other = [g for g in gaps if g not in planned]
        missing.extend((a, b, g) for g in other)
        note = 'all' if not gaps else ''
        if planned:
            note = 'all but %s (unsupported by that core)' % ', '.join('%s x %s' % g for g in planned)
        if other:
            note = 'missing: %s' % ', '.join('%s x %s' % g for g in other)
        lines.append('| %s x %s | %d of %d | %s |' % (a, b, len(have), len(want), note))
    return values, lines, missing


def ansible_test_sanity(core='2.20', py='3.12', venv=None):
    """ansible-test sanity of one core on the committed tree (as scripts/sanity.sh does with .venv)."""
    venv = venv or controller_venv(core, py)
    pip_ver = run([os.path.join(venv, 'bin', 'python'), '-c',
                   'import re, pathlib, ansible_test; print(re.search(r"pip=\'([^\']+)\'", (pathlib.Path('
                   'ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()).group(1))']
                  ).stdout.strip()
    get_pip = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_ver.replace('.', '_'))
    if not os.path.exists(get_pip):
        os.makedirs(os.path.dirname(get_pip), exist_ok=True)
        with open(get_pip, 'w') as handle:
            handle.write('import ensurepip, os, subprocess, sys\nensurepip.bootstrap()\n'
                         "os.environ.pop('PIP_CONFIG_FILE', None)\n"
                         "args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]\n"
                         "sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args))\n")
    dest = os.path.join(WORK, 'sanity-' + core, 'ansible_collections', 'fleet', 'docker')
    shutil.rmtree(os.path.dirname(dest), ignore_errors=True)
    shutil.copytree(os.path.join(WORK, 'src'), dest)
    run(['git', 'init', '-q', '.'], cwd=dest)
    run(['git', 'add', '-A'], cwd=dest)
    started = time.time()
    env = clean_env(None)
    env['PATH'] = os.path.join(venv, 'bin') + os.pathsep + env['PATH']
    proc = run([os.path.join(venv, 'bin', 'ansible-test'), 'sanity', '--python', py, '--color', 'no'],
               check=False, cwd=dest, env=env)
    with open(os.path.join(WORK, 'sanity-%s.log' % core), 'w') as handle:
        handle.write(proc.stdout + proc.stderr)
    version = run([os.path.join(venv, 'bin', 'python'), '-c', 'import ansible; print(ansible.__version__)']).stdout.strip()
    log('ansible-test sanity (ansible-core %s, Python %s): rc %d in %.0f s' % (version, py, proc.returncode,
                                                                               time.time() - started))
    errors = sorted(set(re.findall(r'^ERROR: ([\w./-]+):(\d+:\d+): (.*)$', proc.stdout + proc.stderr, re.M)))
    return {'core': version, 'python': py, 'rc': proc.returncode, 'seconds': time.time() - started,
            'errors': errors}


def sanity_newest_vs_current():
    """Sanity on 2.20 and on the project's own core (.venv, what make sanity runs): what only 2.20 finds."""
    newest = ansible_test_sanity('2.20', '3.12')
    current = ansible_test_sanity('current', '3.11', venv=os.path.join(ROOT, '.venv'))
    newest['current'] = current['core']
    newest['current_rc'] = current['rc']
    newest['only_newest'] = sorted(set(map(tuple, newest['errors'])) - set(map(tuple, current['errors'])))
    return newest


def write_doc(commit, results, sanity, total):
    values, cov_lines, missing = coverage([dict(r) for r in results])
    rows = []
    for r in results:
        v = r['versions']
        runs = ''
        if r.get('run1'):
            runs = '%d / %d' % (r['run1'][1], r['run2'][1] if r.get('run2') else -1)
        rows.append('| %s | %s (py %s) | %s (API %s) | %s | %s (requests %s) | %s | %.0f s | %s |' % (
            r['id'], v['core'], v['controller_python'], v['engine'], v['api'], v['host_python'], v['sdk'],
            v['requests'], runs, r['seconds'], 'green' if r['ok'] else 'RED: ' + ' '.join(r['notes'])[:300]))
    with open(os.path.join(ROOT, 'tests', 'matrix', 'matrix.md.in')) as handle:
        template = handle.read()
    sanity_text = 'not run in this pass (`make matrix MATRIX_SANITY=1`)'
    if sanity:
        sanity_text = '%s on ansible-core %s, Python %s, in %.0f s' % (
            'clean' if sanity['rc'] == 0 else 'FAILED (rc %d)' % sanity['rc'], sanity['core'], sanity['python'],
            sanity['seconds'])
        if sanity['errors']:
            files = {}
            for path, _where, _msg in sanity['errors']:
                files[path] = files.get(path, 0) + 1
            sanity_text += ('. The same tree under ansible-core %s (`make sanity`): rc %d. Errors that only 2.20 '
                            'reports: %s. All %d errors, per file (`.cache/matrix/sanity-2.20.log`): %s') % (
                sanity['current'], sanity['current_rc'],
                '; '.join('`%s:%s`: %s' % e for e in sanity['only_newest']) or '**none**',
                len(sanity['errors']), ', '.join('`%s` %d' % item for item in sorted(files.items())))
    text = template.format(
        date=datetime.date.today().isoformat(), commit=commit[:12], total='%.0f' % (total / 60.0),
        green=sum(1 for r in results if r['ok']), cells=len(results),
        table='\n'.join(rows), coverage='\n'.join(cov_lines),
        uncovered=('none' if not missing else ', '.join('%s x %s: %s' % m for m in missing)),
        sanity=sanity_text)
    with open(DOC, 'w') as handle:
        handle.write(text)
    log('wrote %s' % os.path.relpath(DOC, ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cells', help='comma-separated cell ids (default: all)')
    parser.add_argument('--no-doc', action='store_true', help='do not rewrite docs/matrix.md')
    parser.add_argument('--sanity', action='store_true', help='also ansible-test sanity on the newest core')
    args = parser.parse_args()
    cells = [cell_dict(row) for row in CELLS]
    if args.cells:
        cells = [c for c in cells if c['id'] in args.cells.split(',')]
    started = time.time()
    os.makedirs(WORK, exist_ok=True)
    make_venvs(cells)
    commit, tarball = build_collection()
    log('collection %s from commit %s' % (os.path.basename(tarball), commit[:12]))
    collections = {}
    for key in sorted(set((c['core'], c['controller_python']) for c in cells)):
        collections[key] = install_collection(key[0], key[1], tarball)
    results = [run_cell(c, collections[(c['core'], c['controller_python'])]) for c in cells]
    sanity = sanity_newest_vs_current() if args.sanity else None
    total = time.time() - started
    with open(os.path.join(WORK, 'results.json'), 'w') as handle:
        json.dump({'commit': commit, 'results': results, 'sanity': sanity, 'total': total}, handle, indent=1)
    if not args.no_doc and not args.cells:
        write_doc(commit, results, sanity, total)
    bad = [r['id'] for r in results if not r['ok']]
    log('%d of %d cells green in %.0f s%s' % (len(results) - len(bad), len(results), total,
                                              ('; red: ' + ', '.join(bad)) if bad else ''))
    return 1 if bad or (sanity and sanity['rc']) else 0


if __name__ == '__main__':
    sys.exit(main())
