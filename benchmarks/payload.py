"""What Ansible ships with each module (issue #25): the module_utils files of its AnsiballZ payload.

Ansible sends every module_utils file a module imports (directly or through other module_utils) with
every run, and parses all of them on the controller to build the payload. This script asks Ansible's
own finder (``ansible.executor.module_common.recursive_finder``, the call ``_find_module_utils`` makes
when it builds a payload) which files those are for each module, and sums their sizes.

    .venv/bin/python benchmarks/payload.py                      # compose, container, containers
    .venv/bin/python benchmarks/payload.py --all                # every module
    .venv/bin/python benchmarks/payload.py compose --files      # and the files, largest first
    .venv/bin/python benchmarks/payload.py --root /work/before  # another checkout (e.g. a worktree)
    .venv/bin/python benchmarks/payload.py --json               # machine-readable

KB are 1000 bytes of uncompressed source. "ours" is this collection's plugins/module_utils; "ansible" is
ansible-core's own module_utils (basic.py and what it needs), the same for every module.
"""

import argparse
import datetime
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.dirname(HERE)
DEFAULT_MODULES = ('compose', 'container', 'containers')
OURS = 'ansible_collections/fleet/docker/plugins/module_utils/'


def _collection_path(root):
    """A collections directory whose fleet.docker is ``root`` (a symlink), so any checkout can be measured."""
    base = tempfile.mkdtemp(prefix='fleet-payload-')
    os.makedirs(os.path.join(base, 'ansible_collections', 'fleet'))
    os.symlink(os.path.abspath(root), os.path.join(base, 'ansible_collections', 'fleet', 'docker'))
    return base


def shipped(root, modules):
    """{module: [(path inside the payload, bytes), ...]} for the modules of the checkout at ``root``."""
    base = _collection_path(root)
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = base
    try:
        from ansible.executor import module_common
        from ansible.executor.module_common import recursive_finder
        from ansible.module_utils.common.text.converters import to_bytes
        from ansible.plugins.loader import init_plugin_loader
        init_plugin_loader()
        extension_manager = module_common._builder.ExtensionManager.create(task_vars={})
        out = {}
        for name in modules:
            path = os.path.join(root, 'plugins', 'modules', name + '.py')
            with open(path, 'rb') as handle:
                data = handle.read()
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, mode='w') as zf:
                recursive_finder(name, 'ansible_collections.fleet.docker.plugins.modules.' + name, to_bytes(data), zf,
                                 datetime.datetime(2020, 1, 1), extension_manager)
                out[name] = [(info.filename, info.file_size) for info in zf.infolist()]
        return out
    finally:
        shutil.rmtree(base, ignore_errors=True)


def summarise(files):
    ours = [(p, s) for p, s in files if p.startswith(OURS)]
    theirs = [(p, s) for p, s in files if not p.startswith(OURS) and p.startswith('ansible/')]
    return dict(ours_kb=round(sum(size for dummy, size in ours) / 1000.0, 1), ours_files=len(ours),
                ansible_kb=round(sum(size for dummy, size in theirs) / 1000.0, 1), ansible_files=len(theirs),
                files=sorted(((p[len(OURS):], s) for p, s in ours), key=lambda item: -item[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('modules', nargs='*', help='module names (default: %s)' % ', '.join(DEFAULT_MODULES))
    parser.add_argument('--root', default=DEFAULT_ROOT, help='the checkout to measure (default: this one)')
    parser.add_argument('--all', action='store_true', help='every module under plugins/modules')
    parser.add_argument('--files', action='store_true', help='list the shipped module_utils files too')
    parser.add_argument('--json', action='store_true', help='print JSON')
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    modules = list(args.modules) or list(DEFAULT_MODULES)
    if args.all:
        modules = sorted(f[:-3] for f in os.listdir(os.path.join(root, 'plugins', 'modules'))
                         if f.endswith('.py') and not f.startswith('_'))
    result = dict((name, summarise(files)) for name, files in shipped(root, modules).items())
    if args.json:
        json.dump(dict(root=root, modules=result), sys.stdout, indent=1)
        print()
        return 0
    print('%-16s %9s %6s %12s' % ('module', 'ours KB', 'files', 'ansible KB'))
    for name in modules:
        r = result[name]
        print('%-16s %9.1f %6d %12.1f' % (name, r['ours_kb'], r['ours_files'], r['ansible_kb']))
        if args.files:
            for path, size in r['files']:
                print('    %7.1f  %s' % (size / 1000.0, path))
    return 0


if __name__ == '__main__':
    sys.exit(main())
