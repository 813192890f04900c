"""CPU cost of a module's payload (issue #25): the two places where shipped bytes turn into time.

1. Controller: Ansible's ``recursive_finder`` AST-parses every module_utils file it ships when it builds
   the AnsiballZ payload (once per module per ``ansible-playbook`` run).
2. Target: the payload is imported from a zip (zipimport, no .pyc), so every imported file is compiled
   again on every run. Measured here as ``compile()`` of every shipped file (ours and ansible-core's).

CPU seconds (process time), median of REPS, so a loaded machine disturbs it less than wall time.

    .venv/bin/python benchmarks/payload_cost.py [modules...] [--root /work/before] [--reps 7]
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payload  # noqa: E402


def cost(root, module, reps):
    base = payload._collection_path(root)
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = base
    from ansible.executor import module_common
    from ansible.executor.module_common import recursive_finder
    from ansible.module_utils.common.text.converters import to_bytes
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()
    manager = module_common._builder.ExtensionManager.create(task_vars={})
    with open(os.path.join(root, 'plugins', 'modules', module + '.py'), 'rb') as handle:
        data = handle.read()
    finder, compiles, sources = [], [], None
    for dummy in range(reps):
        buf = io.BytesIO()
        start = time.process_time()
        with zipfile.ZipFile(buf, mode='w') as zf:
            recursive_finder(module, 'ansible_collections.fleet.docker.plugins.modules.' + module, to_bytes(data), zf,
                             datetime.datetime(2020, 1, 1), manager)
        finder.append(time.process_time() - start)
        if sources is None:
            with zipfile.ZipFile(buf) as zf:
                sources = [(name, zf.read(name)) for name in zf.namelist() if name.endswith('.py')]
        start = time.process_time()
        for name, src in sources:
            compile(src, name, 'exec', dont_inherit=True)
        compiles.append(time.process_time() - start)
    ours = sum(len(s) for n, s in sources if n.startswith(payload.OURS))
    return dict(ours_kb=round(ours / 1000.0, 1), finder_s=round(statistics.median(finder), 3),
                compile_s=round(statistics.median(compiles), 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('modules', nargs='*')
    parser.add_argument('--root', default=payload.DEFAULT_ROOT)
    parser.add_argument('--reps', type=int, default=7)
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    print('%-14s %8s %18s %22s' % ('module', 'ours KB', 'controller find s', 'target compile s (all)'))
    for module in args.modules or list(payload.DEFAULT_MODULES):
        r = cost(root, module, args.reps)
        print('%-14s %8.1f %18.3f %22.3f' % (module, r['ours_kb'], r['finder_s'], r['compile_s']))


if __name__ == '__main__':
    main()
