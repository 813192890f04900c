"""CPU of one module run as a target runs it (issue #25): the AnsiballZ file, zipimport, no .pyc.

Builds the AnsiballZ file of ``MODULE ARGS`` for each collection checkout (``ansible localhost -m``
with ANSIBLE_KEEP_REMOTE_FILES), then runs those files REPS times each, interleaved (A, B, A, B...),
and prints the median CPU-seconds (user + sys) and wall per checkout. The module must be idempotent
for the given args (the first run by ``ansible`` converges; the measured runs are no-ops).

    .venv/bin/python benchmarks/target_cpu.py compose 'project_src=DIR project_name=NAME' \\
        --root /work/before --root . [--reps 9] [--hide-paramiko]

``--hide-paramiko`` adds, for each checkout, runs with paramiko hidden from the module (as on a host
without it): ``import docker`` imports paramiko whenever it is installed, unless the code defers it.
"""

import argparse
import glob
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = os.path.join(ROOT, '.venv', 'bin', 'python')
ANSIBLE = os.path.join(ROOT, '.venv', 'bin', 'ansible')

sys.path.insert(0, HERE)
import payload  # noqa: E402


def build(root, module, args):
    """Path of the AnsiballZ file for ``module`` of the checkout at ``root`` (a copy, kept by the caller)."""
    keep = tempfile.mkdtemp(prefix='fleet-az-')
    coll = payload._collection_path(root)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=coll, ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=keep,
               ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    proc = subprocess.run([ANSIBLE, 'localhost', '-c', 'local', '-e', 'ansible_python_interpreter=' + PY,
                           '-m', 'fleet.docker.' + module, '-a', args], env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    found = glob.glob(os.path.join(keep, '*', 'AnsiballZ_%s.py' % module))
    if proc.returncode != 0 or not found:
        raise RuntimeError('%s: %s%s' % (root, proc.stdout[-2000:], proc.stderr[-2000:]))
    fd, out = tempfile.mkstemp(prefix='AnsiballZ_%s-' % module, suffix='.py')
    os.close(fd)
    shutil.copy(found[0], out)
    shutil.rmtree(keep, ignore_errors=True)
    shutil.rmtree(coll, ignore_errors=True)
    return out


def run_once(path, env=None):
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([PY, path], capture_output=True, text=True, check=False, timeout=600, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or '"changed": false' not in proc.stdout:
        raise RuntimeError('%s: not a no-op:\n%s%s' % (path, proc.stdout[-2000:], proc.stderr[-1000:]))
    return after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('module')
    parser.add_argument('args')
    parser.add_argument('--root', action='append', required=True)
    parser.add_argument('--reps', type=int, default=9)
    parser.add_argument('--hide-paramiko', action='store_true')
    opts = parser.parse_args()
    files = [(os.path.abspath(r), build(os.path.abspath(r), opts.module, opts.args), None) for r in opts.root]
    hidden = tempfile.mkdtemp(prefix='fleet-noparamiko-')
    if opts.hide_paramiko:
        with open(os.path.join(hidden, 'sitecustomize.py'), 'w') as handle:
            handle.write("import sys\nsys.modules.setdefault('paramiko', None)\n")
        env = dict(os.environ, PYTHONPATH=hidden)
        files += [(root + ' (paramiko hidden)', path, env) for root, path, dummy in list(files)]
    cpu = dict((entry[0], []) for entry in files)
    wall = dict((entry[0], []) for entry in files)
    try:
        for dummy in range(opts.reps):
            for root, path, env in files:
                c, w = run_once(path, env)
                cpu[root].append(c)
                wall[root].append(w)
    finally:
        for dummy, path, env in files:
            if env is None:
                os.unlink(path)
        shutil.rmtree(hidden, ignore_errors=True)
    for root in [entry[0] for entry in files]:
        print('%-40s CPU %.3f s  wall %.3f s  (median of %d; CPU min %.3f max %.3f)' % (
            root, statistics.median(cpu[root]), statistics.median(wall[root]), opts.reps, min(cpu[root]),
            max(cpu[root])))


if __name__ == '__main__':
    main()
