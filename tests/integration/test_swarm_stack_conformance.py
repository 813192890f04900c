"""Conformance of fleet.docker.stack with `docker stack deploy` (issue #26, "Reference and conformance").

The reference is the sid docker CLI 28.5 (fleet_stacklib.REFERENCE_CLI), run on the controller against
the session's one-node private swarm (``swarm_engine``: 20.10, or 28.5 with FLEET_SWARM_DOCKERD=28.5).
Each real stack file of tests/stacks/ (sources, licences and the one edit, the images, in
tests/stacks/README.md) goes through, on one stack name:

1. `docker stack deploy` -> the reference: every service's stored spec, the stack's networks, secrets
   and configs, as the engine normalised them (fleet_stacklib.stack_view), and the CLI's warnings;
2. fleet.docker.stack on the same file and name -> adoption: unchanged, every service's Version the same;
3. `docker stack rm`, waiting until nothing of the stack is left;
4. fleet.docker.stack deploys it -> compared field by field with the reference; a rerun is unchanged;
   `docker stack ls` and `docker stack services` list it, and `docker stack rm` removes it (the cleanup).

One name in turn, not two stacks side by side: the stacks publish fixed ingress ports (8080, 9090, ...)
that two stacks on one swarm cannot share, and with one name every name the engine stores (services,
networks, secrets, configs, volume mounts, namespace labels, network aliases) is compared as it is,
not through a rewrite. What must differ between two deployments is masked (fleet_stacklib.MASKED).

By default a quick set runs (QUICK, about 40 s); FLEET_STACK_CONFORMANCE=all runs every file
(`make test-stack-conformance`-style command in docs/swarm.md). FLEET_STACK_CONFORMANCE_REPORT=path
appends one JSON line per file (the table in docs/swarm.md is made from it).
"""

import json
import os
import re

import pytest
import yaml

import fleet_stacklib as sl
from fleet_testlib import run_module, unique

ALL = sl.stack_dirs()
QUICK = ('voting-app', 'swarmprom', 'dogvscat-ghost')
SELECTED = ALL if os.environ.get('FLEET_STACK_CONFORMANCE') == 'all' else [c for c in QUICK if c in ALL]

# The variables the files require (${DOMAIN?Variable not set}...), given to both tools' environment.
STACK_ENV = dict(USERNAME='admin', HASHED_PASSWORD='$apr1$fleet$0123456789abcdefghijkl', DOMAIN='stack.fleet.test',
                 EMAIL='admin@fleet.test')
# The node labels the files' placement constraints expect (their READMEs tell the operator to add them).
NODE_LABELS = {'traefik': {'traefik-public.traefik-public-certificates': 'true'},
               'portainer': {'portainer.portainer-data': 'true'}}

# Differences that are expected, each with its reason (docs/swarm.md, "Conformance with docker stack deploy"),
# keyed 'KIND FIELD.PATH' without list indexes (e.g. 'services Spec.TaskTemplate.Placement.Platforms').
KNOWN = {
    'secrets Spec.Labels.fleet.docker.content-digest':
        'the engine never returns a secret\'s data, so the module labels the secrets it creates with a salted '
        'digest of their content (docs/swarm.md, "Secrets and configs") to see a changed file on a later run; '
        'the CLI cannot see such a change at all',
}


def _external_networks(case):
    with open(os.path.join(sl.STACKS_DIR, case, sl.STACK_FILE)) as handle:
        doc = yaml.safe_load(handle)
    return sorted((net or {}).get('name') or key for key, net in (doc.get('networks') or {}).items()
                  if (net or {}).get('external') and ((net or {}).get('name') or key) not in ('bridge', 'host'))


def _cli_warnings(stderr):
    """The keys the CLI says it ignores ("Ignoring unsupported options: build, restart")."""
    found = set()
    for match in re.finditer(r'Ignoring (?:unsupported|deprecated) options:\s*([^\n]+)', stderr):
        found.update(k.strip() for k in match.group(1).split(',') if k.strip())
    return sorted(found)


def _warning_text(warning):
    """A warning's text (ansible-core 2.19 returns dicts with the message under event.msg)."""
    if isinstance(warning, dict):
        return str((warning.get('event') or {}).get('msg') or warning.get('msg') or warning)
    return str(warning)


def leaf_count(view):
    """How many fields the comparison looks at (leaves of the services' views)."""
    total = 0

    def walk(value):
        nonlocal total
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            total += 1
    walk(view['services'])
    return total


@pytest.fixture(scope='module')
def swarm(swarm_engine):
    refs = sorted(set(ref for case in SELECTED for ref in sl.stack_images(case)))
    sl.seed_standins(swarm_engine.client, refs)
    return swarm_engine


@pytest.fixture
def node_labels(swarm):
    """Add a file's node labels for the test, then put the node's labels back."""
    added = {}

    def add(labels):
        node = swarm.client.inspect_node(swarm.node_id)
        added.update(dict((k, (node['Spec'].get('Labels') or {}).get(k)) for k in labels))
        spec = dict(node['Spec'], Labels=dict(node['Spec'].get('Labels') or {}, **labels))
        swarm.client.update_node(swarm.node_id, node['Version']['Index'], spec)
    yield add
    if added:
        node = swarm.client.inspect_node(swarm.node_id)
        labels = dict(node['Spec'].get('Labels') or {})
        for key, old in added.items():
            if old is None:
                labels.pop(key, None)
            else:
                labels[key] = old
        swarm.client.update_node(swarm.node_id, node['Version']['Index'], dict(node['Spec'], Labels=labels))


def _report(case, swarm, **fields):
    path = os.environ.get('FLEET_STACK_CONFORMANCE_REPORT')
    if path:
        with open(path, 'a') as handle:
            handle.write(json.dumps(dict(case=case, engine=swarm.client.version()['Version'], **fields), default=str) + '\n')


@pytest.mark.parametrize('case', SELECTED)
def test_stack_matches_docker_stack_deploy(swarm, node_labels, case):
    path = os.path.join(sl.STACKS_DIR, case)
    name = unique('fst').lower()[:16]
    env = dict(swarm.env, **STACK_ENV)
    # wait: false, as the CLI's default (--detach=true): what is compared is the stored spec, and some files'
    # tasks cannot start here (a volume driver that is not installed).
    args = dict(name=name, project_src=path, files=[sl.STACK_FILE], docker_host=swarm.docker_host, wait=False)
    externals = _external_networks(case)
    for net in externals:
        swarm.docker('network', 'create', '-d', 'overlay', '--attachable', net)
    if case in NODE_LABELS:
        node_labels(NODE_LABELS[case])
    try:
        # 1. The reference.
        deployed = sl.cli_deploy(swarm.docker_host, name, path, env=STACK_ENV)
        sl.settle(swarm.client, name)
        reference = sl.stack_view(swarm.client, name)
        ref_objects, ref_versions = sl.stack_objects(swarm.client, name), sl.versions(swarm.client, name)
        assert reference['services'], deployed.stdout + deployed.stderr

        # 2. Adoption of the CLI's stack: nothing to do, nothing touched.
        adopted = run_module('stack', args, env=env)
        touched = (sl.stack_objects(swarm.client, name), sl.versions(swarm.client, name)) != (ref_objects, ref_versions)
        adoption = ('failed: ' + adopted.get('msg', '')) if adopted.failed else \
            'changed: %s' % ['%s %s' % (s['name'], s.get('changes')) for s in adopted.get('services') or []
                             if s.get('changed')] if adopted.changed else \
            'reported unchanged, but the stack changed' if touched else 'unchanged'
        adopted_view = sl.differences(reference, sl.stack_view(swarm.client, name))

        # 3. Removed, 4. deployed by the module, then its rerun.
        sl.remove_stack(swarm.docker_host, swarm.client, name)
        first = run_module('stack', args, env=env)
        assert not first.failed and first.changed, first
        sl.settle(swarm.client, name)
        ours = sl.stack_view(swarm.client, name)
        our_versions = sl.versions(swarm.client, name)
        second = run_module('stack', args, env=env)
        assert not second.failed and second.changed is False, second
        assert sl.versions(swarm.client, name) == our_versions

        # The CLI sees the module's stack as its own.
        listed = sl.cli(swarm.docker_host, 'stack', 'services', name, '--format', '{{.Name}}').stdout.split()
        assert sorted(listed) == sorted(ours['services'])
        stacks = sl.cli(swarm.docker_host, 'stack', 'ls', '--format', '{{.Name}} {{.Services}}').stdout.splitlines()
        assert '%s %d' % (name, len(ours['services'])) in stacks, stacks

        found = sl.differences(reference, ours)
        cli_ignored = _cli_warnings(deployed.stderr)
        our_warnings = [_warning_text(w) for w in first.get('warnings') or []]
        missing_warnings = [key for key in cli_ignored if not any(key in w for w in our_warnings)]
        _report(case, swarm, services=len(reference['services']), fields=leaf_count(reference),
                networks=len(reference['networks']), secrets=len(reference['secrets']),
                configs=len(reference['configs']), differences=found, adoption=adoption,
                cli_ignored=cli_ignored, our_warnings=our_warnings)
        unexplained = [d for d in found if '%s %s' % (d[0], re.sub(r'\[\d+\]', '', d[2])) not in KNOWN]
        assert unexplained == [], json.dumps(unexplained, indent=1, default=str)
        assert adoption == 'unchanged' and adopted_view == [], (adopted, adopted_view)
        assert missing_warnings == [], (cli_ignored, our_warnings)
    finally:
        sl.remove_stack(swarm.docker_host, swarm.client, name)
        for net in externals:
            swarm.docker('network', 'rm', net, check=False)
