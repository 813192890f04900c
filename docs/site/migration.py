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
    ('docker_swarm', 'swarm', 'Join tokens only in a `no_log` task\'s result (`swarm.join_tokens`); also `availability` at join.'),
    ('docker_swarm_info', 'swarm_info', 'Services and tasks are `service_info`\'s.'),
    ('docker_node', 'node', ''),
    ('docker_node_info', 'node_info', ''),
    ('docker_swarm_service', 'service', 'The image is pinned to its registry digest by default (`resolve_image: true`, as '
     '`docker service create`); waits for the rolling update and fails with the engine\'s reason when it rolls back; '
     'a host-network service is no change on a rerun.'),
    ('docker_swarm_service_info', 'service_info', 'Also every service, or those with given labels, with their tasks.'),
    ('docker_stack', 'stack', 'Through the Engine API (no docker CLI), with check and diff mode; the project is loaded as '
     '`compose` loads it (`project_src`, `files`, `definition`); names and labels as `docker stack deploy`, so stacks '
     'deployed either way are adopted; a rerun changes no service.'),
    ('docker_stack_info', 'stack_info', 'Without `name`: the stacks and their service counts.'),
    ('docker_stack_task_info', 'stack_info', 'With `name`: the stack\'s services (replicas running and desired) and tasks.'),
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
    ('docker_stack', 'compose'): ('files', 'compose file paths; an inline project is `definition` (a dict)'),
    ('docker_stack', 'resolve_image'): ('resolve_image', 'a bool: `always`/`changed` are `true`, `never` is `false`'),
    ('docker_stack', 'with_registry_auth'): (None, 'the registry credentials of the engine\'s client are used'),
    ('docker_stack', 'absent_retries'): (None, '`state: absent` waits for the networks to go by itself'),
    ('docker_stack', 'absent_retries_interval'): (None, '`state: absent` waits for the networks to go by itself'),
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
# Options with the same name whose meaning, type or default still differ on purpose:
# (fleet.docker module, option, community.docker, fleet.docker, why). Each is also said in the option's
# description in plugins/modules/<module>.py. Checked against community.docker 4.8.x's documentation and code.
DIFFERENCES = [
    ('container', 'comparisons', 'list and dict options (`env`, `labels`, `volumes`, `mounts`, `networks`, '
     '`exposed_ports`, `etc_hosts`, `ulimits`, `sysctls`, ...) default to `allow_more_present`, `stop_timeout` to '
     '`ignore`', 'every option defaults to `strict`',
     'the task describes the whole container: an entry removed from the task is removed from the container. '
     'Values from the image are never drift either way. Set `allow_more_present` per option for the old reading'),
    ('container', 'networks', 'networks the list does not name stay connected (unless `comparisons: {networks: '
     'strict}`)', 'they are disconnected', 'same rule as `comparisons`; `comparisons: {networks: allow_more_present}` '
     'keeps them'),
    ('container', 'state', '`absent` keeps anonymous volumes (`keep_volumes: true`); `healthy` waits for health',
     '`absent` removes anonymous volumes, named ones stay (`healthy` is the same as there)',
     'an anonymous volume is reachable only through its container, so keeping it leaks disk on every remove; '
     'data belongs in a named volume'),
    ('container', 'entrypoint', 'type list: a string is one item (split at commas only)',
     'a string is split like a shell would split it', 'the same rule as `command`; a list means the same in both'),
    ('container', 'name', 'matches an existing container by name or ID', 'by name only',
     'a name that looks like an ID prefix must never select another container'),
    ('container', 'mounts[].type', 'also `npipe`, `cluster`, `image`', '`bind`, `volume`, `tmpfs`',
     'the others need Windows, swarm or API 1.47; the modules support Docker 20.10'),
    ('container_copy', 'force', '`true` writes on every run without comparing (always changed); unset compares',
     '`true` (default) compares and writes what differs', 'a module never rewrites identical files; `false` '
     'means the same in both (only missing paths are written)'),
    ('container_copy', 'mode', '`mode_parse: legacy` (default) reads the string `"0644"` as decimal 644',
     'a string is octal, an integer is taken as is (community.docker\'s `mode_parse: modern`)',
     'the legacy reading sets unintended permissions'),
    ('image', 'pull', '`docker_image_pull`: `always` (default) or `not_present`; `docker_image`: a dict '
     '(`platform`)', '`missing` (default, `not_present` accepted) or `always`; the platform is `platform`',
     'the module stands for docker_image too, whose `state: present` pulls only a missing image; set `always` for '
     'docker_image_pull\'s default'),
    ('image_build', 'rebuild', '`never` (default) or `always`', '`changed` (default), `always` or `never`',
     'the inputs digest makes a rebuild on change as cheap as a no-op run; `never` is community.docker\'s behaviour'),
    ('image_build', 'platform', 'a list of platforms (multi-platform with buildx)', 'a list of one platform (or a '
     'string)', 'the engine\'s classic builder builds one platform per image'),
    ('image_tag', 'existing_images', '`overwrite` (default) or `keep`', 'unset (default): a name of another image '
     'fails the task unless `force: true`; `overwrite` and `keep` as there',
     'a silent move can swap the image a running deployment pulls'),
    ('registry_login', 'config_path', 'defaults to `~/.docker/config.json`', 'defaults to `$DOCKER_CONFIG/config.json`, '
     'else `~/.docker/config.json`', 'the docker CLI and the engine clients read `DOCKER_CONFIG`'),
    ('network', 'state', '`present` disconnects containers not in `connected` (default `[]`); `absent` disconnects '
     'all', 'never disconnects on `present`; a network with containers is recreated or removed only with '
     '`force: true`', 'there is no `connected` list: containers attach from their own side (`networks` of '
     '`container`)'),
    ('network', 'force', '`true` removes and creates the network on every run',
     '`true` permits the disconnects a needed recreate or removal takes', 'a task must be idempotent'),
    ('network', 'ipam_config[].subnet', 'optional', 'required',
     'an entry without a subnet leaves the pool to the engine, as leaving `ipam_config` out does'),
    ('network_info', 'name', 'one name, ID or ID prefix', 'names, matched exactly (a string is a list of one; '
     'none lists every network)', 'a name that looks like an ID prefix must never match another network'),
    ('prune', 'volumes', 'the engine\'s prune: named volumes too on Docker 20.10, anonymous only on 23 and later',
     'anonymous volumes only on every engine; named ones with `volumes_all` (or `volumes_filters: {all: true}`)',
     'the same task must do the same on every engine'),
    ('prune', 'images_filters, containers_filters, networks_filters, volumes_filters, builder_cache_filters',
     'passed to the engine as given', '`until`, `label`, `label!` (and `dangling` / `all`, which select '
     '`images_all` / `volumes_all`); anything else is refused before any change',
     'check mode applies the same filters to list candidates, so only filters it can apply are taken'),
    ('host_info', 'disk_usage', '`false` (default)', '`true` (default)',
     'disk usage is what this module is for; the object lists are the `*_info` modules'),
    ('compose', 'wait_timeout', 'no default (`docker compose up --wait` waits without limit)', '120 seconds',
     'a task never hangs'),
    ('compose', 'state', '`restarted` runs `docker compose restart` (no create or recreate)',
     '`restarted` converges as `present`, then restarts what it did not just start', 'the project is converged '
     'in every state but `absent`'),
]

# Options changed in fleet.docker 0.3.0 to mean what community.docker's option of that name means.
AGREED = [
    ('image_tag', '`tag` applies to `name` too: `name: acme/site`, `tag: "1"` tags `acme/site:1` (was '
     '`acme/site:latest`); `existing_images` added'),
    ('image_info', 'a name without a tag is its `latest` (was every tag; write `REPOSITORY:*`); `name` is optional '
     '(every image)'),
    ('image_export', '`tag` added (the tag of names without one); `name` is an alias of `names`'),
    ('image_build', '`rebuild: never` added; `platform` takes a list (of one)'),
    ('image', '`pull: not_present` accepted; `state: absent` takes an image ID as `name`'),
    ('container, containers', '`pull: true/false` accepted; an image ID is never pulled; `state: healthy`; '
     '`memory_swap: unlimited`; aliases `expose`, `exposed`, `log_opt`'),
    ('compose', '`build` defaults to `policy` (a missing image is built, as `docker compose up` does; was `never`); '
     '`remove_images: local` keeps an image the file names in `image` (was: every image of a service with `build`)'),
    ('network, volume', '`labels` (and the volume\'s `driver_options`) compare only the keys the task names (was the '
     'whole set, which could recreate a volume with `recreate: options-changed` over another tool\'s label); '
     'aliases `network_name`, `volume_name`'),
    ('prune', '`images_filters: {dangling: false}` and `volumes_filters: {all: true}` accepted'),
    ('volume_info, container_exec', 'aliases `volume_name`, `chdir`'),
]
HAND_WRITTEN = '<!-- Hand-written below this line; docs/site/migration.py keeps it when it regenerates the page. -->'
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
    out += ['', '## Same name, different meaning', '',
            'Every option that shares its name with a community.docker option was checked against community.docker '
            '%s\'s' % version,
            'documentation and code for meaning, type and default. These still differ on purpose; each is also said '
            'in the',
            "option's description. Where fleet.docker only accepts more (an ID prefix, a number of seconds, a list "
            'where a',
            'string was taken, numbers in `env`), nothing a community.docker task does changes, and it is not '
            'listed.', '',
            '| module | option | community.docker | fleet.docker | why |', '| --- | --- | --- | --- | --- |']
    for module, option, theirs_text, ours_text, why in DIFFERENCES:
        out.append('| `%s` | `%s` | %s | %s | %s |' % (module, option, theirs_text, ours_text, why))
    out += ['', 'Changed in fleet.docker 0.3.0 to mean what community.docker means:', '']
    for module, what in AGREED:
        out.append('- `%s`: %s.' % (module, what) if ',' not in module else
                   '- %s: %s.' % (', '.join('`%s`' % m.strip() for m in module.split(',')), what))
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
    text = '\n'.join(out)
    # Everything after the marker is written by hand (the plugin mapping); a regeneration keeps it.
    if os.path.exists(out_path):
        with open(out_path) as handle:
            old = handle.read()
        if HAND_WRITTEN in old:
            text += '\n' + old[old.index(HAND_WRITTEN):]
    with open(out_path, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'docs', 'migration.md'))
