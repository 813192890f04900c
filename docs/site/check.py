"""After the build: a page per module listing each of its options, a page per role, every playbook.

Usage: python docs/site/check.py REPO_ROOT HTML_DIR
"""

import glob
import os
import re
import sys

import yaml


def main(root, html):
    problems = []
    pages = os.path.join(html, 'collections', 'fleet', 'docker')
    modules = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(root, 'plugins', 'modules', '*.py'))
                     if not p.endswith('__init__.py'))
    for module in modules:
        with open(os.path.join(root, 'plugins', 'modules', module + '.py')) as handle:
            doc = re.search(r'DOCUMENTATION\s*=\s*r?("""|\'\'\')(.*?)\1', handle.read(), re.S)
        options = (yaml.safe_load(doc.group(2)) or {}).get('options') or {}
        path = os.path.join(pages, module + '_module.html')
        if not os.path.exists(path):
            problems.append('no page for module %s' % module)
            continue
        with open(path) as handle:
            text = handle.read()
        for option in list(options) + ['docker_host']:
            if 'id="parameter-%s"' % option not in text:
                problems.append('%s: option %s not listed' % (module, option))
    for role in sorted(os.listdir(os.path.join(root, 'roles'))):
        if os.path.exists(os.path.join(root, 'roles', role, 'meta', 'argument_specs.yml')) and \
                not os.path.exists(os.path.join(pages, role + '_role.html')):
            problems.append('no page for role %s' % role)
    with open(os.path.join(html, 'playbooks.html')) as handle:
        text = handle.read()
    for playbook in glob.glob(os.path.join(root, 'playbooks', '*.yml')):
        name = os.path.basename(playbook)[:-4]
        if 'id="%s"' % name.replace('_', '-') not in text:
            problems.append('playbook %s not on the playbooks page' % name)
    for page in ('guide', 'migration', 'matrix', 'execution-environment'):
        if not os.path.exists(os.path.join(html, page + '.html')):
            problems.append('no page %s' % page)
    for problem in problems:
        print('[docs] ' + problem, file=sys.stderr)
    print('[docs] checked %d modules, their options, roles, playbooks and guides: %s' % (
        len(modules), 'FAILED' if problems else 'ok'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
