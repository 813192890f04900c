"""Write docs/migration.md: community.docker's modules and options beside fleet.docker's.

Usage: python docs/site/migration.py COMMUNITY_DOCKER_DIR [OUT]
COMMUNITY_DOCKER_DIR is an unpacked community.docker (for example from the `ansible` package:
ansible_collections/community/docker). fleet.docker's options are read from plugins/modules/*.py
as committed (git show HEAD:...). The notes for renamed or missing options are kept below.
"""

import glob
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse(src):
    match = re.search(r'DOCUMENTATION\s*=\s*r?("""|\'\'\')(.*?)\1', src, re.S)
    doc = yaml.safe_load(match.group(2))
    return dict((k, v.get('aliases') or []) for k, v in (doc.get('options') or {}).items())


def load(cd_dir):
    ours = {}
    for path in subprocess.check_output(['git', 'ls-files', 'plugins/modules'], text=True, cwd=ROOT).split():
        ours[os.path.basename(path)[:-3]] = parse(subprocess.check_output(['git', 'show', 'HEAD:' + path], text=True,
                                                                          cwd=ROOT))
    cd = dict((os.path.basename(p)[:-3], parse(open(p).read()))
              for p in glob.glob(os.path.join(cd_dir, 'plugins', 'modules', 'docker_*.py')))
    with open(os.path.join(cd_dir, 'MANIFEST.json')) as handle:
        version = json.load(handle)['collection_info']['version']
    return ours, cd, version


# (community.docker module, fleet.docker module, note); None: no community.docker module.
MODULES = [
    ('docker_container', 'container', 'One container. Many in one task: `containers`.'),
    ('docker_container_info', 'container_info', 'Also lists containers with `filters` and `all` (like `docker ps -a -f`).'),
    ('docker_container_copy_into', 'container_copy', 'Files and whole directories into a container.'),
    (None, 'container_fetch', 'Files and directories out of a container (no community.docker module).'),
    ('docker_container_exec', 'container_exec', ''),
    ('docker_image_pull', 'image', '`image` with `state: present` (the default) pulls.'),
    ('docker_image', 'image', 'Only the pull and remove parts; building is `image_build`, pushing `image_push`, '
     'loading `image_load`, archiving `image_export`, tagging `image_tag`.'),
    ('docker_image_remove', 'image', '`state: absent`.'),
    ('docker_image_info', 'image_info', ''),
    ('docker_image_build', 'image_build', ''),
    ('docker_image_push', 'image_push', ''),
    ('docker_image_tag', 'image_tag', ''),
    ('docker_image_load', 'image_load', ''),
    ('docker_image_export', 'image_export', ''),
    (None, 'image_search', 'Engine search, falling back to a v2 registry\'s catalog and tag lists.'),
    ('docker_login', 'registry_login', ''),
    ('docker_network', 'network', ''),
    ('docker_network_info', 'network_info', ''),
    ('docker_volume', 'volume', ''),
    ('docker_volume_info', 'volume_info', ''),
    ('docker_prune', 'prune', ''),
    ('docker_host_info', 'host_info', 'Counts and disk usage; the object lists are the `*_info` modules.'),
    ('docker_compose_v2', 'compose', ''),
    (None, 'compose_info', 'The state of a Compose project (no community.docker module).'),
    (None, 'cleanup', 'Ancestor cleanup: every container and tag of an image or repository.'),
    (None, 'containers', 'Many containers converged in one task.'),
]

# Options whose fleet.docker name differs or that map to another module: (community.docker module,
# option) -> (fleet.docker option or None, note).
NOTES = {

    ('docker_container', 'published_ports'): ('ports', ''),
    ('docker_container', 'publish_all_ports'): ('publish_all', ''),
    ('docker_container', 'capabilities'): ('cap_add', ''),
    ('docker_container', 'groups'): ('group_add', ''),
    ('docker_container', 'healthy_wait_timeout'): ('wait_timeout', 'with `wait_healthy: true`'),
    ('docker_volume', 'volume_name'): ('name', ''),
    ('docker_container_copy_into', 'path'): ('src', 'a file or a directory'),
    ('docker_container_copy_into', 'container_path'): ('dest', ''),
    ('docker_container_copy_into', 'owner_id'): ('owner', ''),
    ('docker_container_copy_into', 'group_id'): ('group', ''),
    ('docker_container_exec', 'argv'): ('command', '`command` takes a list as well as a string'),
    ('docker_container_exec', 'chdir'): ('working_dir', ''),
    ('docker_login', 'registry_url'): ('registry', '`registry_url` is accepted as an alias'),
    ('docker_login', 'dockercfg_path'): ('config_path', ''),
    ('docker_image_export', 'names'): ('names', ''),
    ('docker_image_remove', 'name'): ('name', 'with `state: absent`'),
    ('docker_network', 'connected'): (None, 'attach from the container side: `networks` of `container`'),
    ('docker_host_info', 'containers'): (None, '`container_info`'),
    ('docker_host_info', 'containers_all'): (None, '`container_info` with `all: true`'),
    ('docker_host_info', 'containers_filters'): (None, '`container_info` with `filters`'),
    ('docker_host_info', 'images'): (None, '`image_info`'),
    ('docker_host_info', 'volumes'): (None, '`volume_info`'),
    ('docker_host_info', 'networks'): (None, '`network_info`'),
    ('docker_image', 'source'): (None, '`pull` only: `image`; `build`: `image_build`; `load`: `image_load`'),
    ('docker_image', 'push'): (None, '`image_push`'),
    ('docker_image', 'archive_path'): (None, '`image_export`'),
    ('docker_image', 'load_path'): (None, '`image_load`'),
    ('docker_image', 'build'): (None, '`image_build`'),
    ('docker_image', 'repository'): (None, '`image_tag`'),
}
COMPOSE_FRAGMENT = ['project_src', 'project_name', 'files', 'definition', 'env_files', 'profiles', 'check_files_existing']


def match(module, option, aliases, ours):
    if (module, option) in NOTES:
        return NOTES[(module, option)]
    for name, our_aliases in ours.items():
        if name == option or option in our_aliases or name in aliases or set(aliases) & set(our_aliases):
            return (name, '')
    return (None, '')


def main(cd_dir, out_path):
    ours, cd, version = load(cd_dir)
    # docker_compose_v2 takes the project options from its doc fragment community.docker.compose_v2.
    compose = dict((k, []) for k in COMPOSE_FRAGMENT)
    compose.update(cd['docker_compose_v2'])
    cd['docker_compose_v2'] = compose
    out = ['# Migrating from community.docker', '',
           "fleet.docker keeps community.docker's option names wherever the meaning is the same, and the connection "
           'options',
           '(`docker_host`, `tls`, `validate_certs`, `ca_path`, `client_cert`, `client_key`, `api_version`, `timeout`) '
           'are the',
           'same. This page puts the names side by side: the modules, then every option of each module pair.', '',
           'The community.docker names are those of community.docker %s (the one in the `ansible` 12 package); the '
           'fleet.docker' % version,
           'names are read from `plugins/modules/*.py` (for `docker_compose_v2`, its own options plus those of its '
           'documentation',
           'fragment `community.docker.compose_v2`). A dash means fleet.docker has no such option.', '',
           '## Modules', '', '| community.docker | fleet.docker | note |', '| --- | --- | --- |']
    for theirs, mine, note in MODULES:
        out.append('| %s | `fleet.docker.%s` | %s |' % ('`community.docker.%s`' % theirs if theirs else '-', mine, note))
    for theirs, mine, note in MODULES:
        if not theirs or not ours.get(mine):
            continue
        out += ['', '## %s and %s' % (theirs, mine), '',
                '| community.docker.%s | fleet.docker.%s | note |' % (theirs, mine), '| --- | --- | --- |']
        used = set()
        for option, aliases in cd[theirs].items():
            name, why = match(theirs, option, aliases, ours[mine])
            if name:
                used.add(name)
            out.append('| `%s` | %s | %s |' % (option, '`%s`' % name if name else '-',
                                               why or ('renamed' if name and name != option else '')))
        for name in ours[mine]:
            if name not in used and name not in cd[theirs]:
                out.append('| - | `%s` | fleet.docker only |' % name)
    out.append('')
    with open(out_path, 'w') as handle:
        handle.write('\n'.join(out))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'docs', 'migration.md'))
