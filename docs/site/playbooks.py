"""Write the docs site's playbooks page from playbooks/*.yml: the header comment, then each play.

Usage: python docs/site/playbooks.py REPO_ROOT OUT.md
"""

import glob
import os
import re
import sys

import yaml


def header(text):
    lines = []
    for line in text.splitlines()[1:]:
        if not line.startswith('#'):
            break
        lines.append(line[1:].rstrip())
    prose = [line.strip() for line in lines if not line.startswith('   ')]
    usage = [line.strip() for line in lines if line.startswith('   ')]
    return ' '.join(prose), usage


def describe(play):
    if 'import_playbook' in play or 'ansible.builtin.import_playbook' in play:
        target = play.get('import_playbook') or play.get('ansible.builtin.import_playbook')
        return '`%s`: imports `%s`' % (play.get('name', target), target)
    parts = ['hosts `%s`' % play.get('hosts')]
    for key in ('serial', 'max_fail_percentage', 'become'):
        if key in play:
            parts.append('%s `%s`' % (key, play[key]))
    roles = [r['role'] if isinstance(r, dict) else r for r in play.get('roles', [])]
    if roles:
        parts.append('roles ' + ', '.join('`%s`' % r for r in roles))
    modules = sorted(set(k for task in play.get('tasks', []) or [] for k in task
                         if re.match(r'^(fleet\.docker|ansible\.builtin)\.', k)))
    if modules:
        parts.append('tasks use ' + ', '.join('`%s`' % m for m in modules))
    return '`%s`: %s' % (play.get('name', '(unnamed)'), '; '.join(parts))


def main(root, out):
    text = ['# Playbooks', '',
            'The playbooks under `playbooks/` ship in the collection; once installed, `playbooks/NAME.yml` is',
            '`fleet.docker.NAME` (`ansible-playbook -i INVENTORY fleet.docker.site`). This page is generated from',
            'the files themselves (their header comment and their plays).', '']
    for path in sorted(glob.glob(os.path.join(root, 'playbooks', '*.yml'))):
        name = os.path.basename(path)[:-4]
        with open(path) as handle:
            source = handle.read()
        prose, usage = header(source)
        text += ['## %s' % name, '', prose, '']
        if usage:
            text += ['```', *usage, '```', '']
        for play in yaml.safe_load(source) or []:
            text.append('- ' + describe(play))
        text.append('')
    with open(out, 'w') as handle:
        handle.write('\n'.join(text))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
