# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Services with ``build:``: the image name Compose gives them, and their builds through image_build's logic.

The compose module's ``build`` option decides per service: V(never) builds nothing, V(missing) builds
when the image is not on the host, V(always) hands every build to image_build's input check (context
files, Dockerfile, args, target, labels, platform and base image IDs), which builds only when those
inputs changed; a rerun without changes builds nothing. ``pull_policy: build`` makes a service
V(always). Every service's build is checked before the first build or change.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p
from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import compose_accepts
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images import build as b
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import find_local_image

# Keys the classic builder (the engine's /build API) cannot honour: refused, naming file, service and key.
UNSUPPORTED = ('dockerfile_inline', 'additional_contexts', 'ssh', 'secrets', 'tags', 'cache_to', 'network',
               'extra_hosts', 'shm_size', 'isolation', 'privileged', 'ulimits', 'entitlements', 'no_cache_filter')
# Attestations only BuildKit writes; the classic builder has none, so they change nothing here.
IGNORED = ('provenance', 'sbom')


def policy(service: dict, option: str) -> str:
    """never | missing | always for one service; ``pull_policy: build`` means always.

    ``policy`` is community.docker's default and ``docker compose up`` without --build or --no-build:
    a missing image is built.
    """
    if service.get('pull_policy') == 'build':
        return 'always'
    if option == 'policy':
        return 'missing'
    return option or 'never'


def build_params(project: dict, svc: str) -> dict:
    """image_build's params for the service (its build section), or a ComposePlanError naming the key."""
    service = project['services'][svc]
    build = service['build']
    for key in UNSUPPORTED:
        if build.get(key):
            p.fail(project, svc, 'build.%s' % key, compose_accepts('not supported (the engine\'s classic builder is used).'))
    context = build.get('context') or '.'
    if '://' in context or context.startswith('git@'):
        p.fail(project, svc, 'build.context', compose_accepts('a remote context (%s) is not supported; give a directory.'
                                                              % context))
    platforms = build.get('platforms') or []
    platform = service.get('platform') or (platforms[0] if platforms else None)
    if len(platforms) > 1 or (platforms and platform not in platforms):
        p.fail(project, svc, 'build.platforms', compose_accepts('one platform only (the service\'s), got %s.'
                                                                % ', '.join(platforms)))
    args = dict((k, v) for k, v in (build.get('args') or {}).items() if v is not None)
    return dict(name=service['image'], path=context, dockerfile=build.get('dockerfile') or 'Dockerfile',
                args=args, target=build.get('target'), labels=build.get('labels') or None,
                cache_from=build.get('cache_from') or None, nocache=bool(build.get('no_cache')),
                pull=bool(build.get('pull')), platform=platform, rebuild='changed')


def plan_builds(project: dict, targets: list, option: str) -> dict:
    """{service: image_build spec} for the services that may build; every spec checked, nothing built."""
    specs = {}
    for svc in targets:
        service = project['services'][svc]
        if not service.get('build'):
            continue
        if policy(service, option) == 'never':
            continue
        try:
            specs[svc] = b.build_spec(build_params(project, svc))
        except p.ComposePlanError:
            raise
        except FleetDockerError as exc:  # e.g. no Dockerfile: `config` does not look, `up` fails too
            p.fail(project, svc, 'build', compose_accepts(exc.msg))
    return specs


def missing_without_build(project: dict, targets: list, option: str, snapshot) -> None:
    """A service that only builds, with build never and its image not on the host: one clear error."""
    for svc in targets:
        service = project['services'][svc]
        if not service.get('build') or policy(service, option) != 'never':
            continue
        if service['image'] != n.image_name(project['name'], svc):
            continue  # an image of its own: pulled like any other
        if snapshot.images.get(service['image']) is None:
            p.fail(project, svc, 'build', 'image %s is not on the host and build is never; set build to missing '
                   'or always.' % service['image'])


def run_builds(client, project: dict, specs: dict, option: str, snapshot, check_mode: bool, result: dict) -> None:
    """Build what the policy asks for, one service after the other; record new image IDs in the snapshot."""
    for svc, spec in specs.items():
        service = project['services'][svc]
        image = service['image']
        if policy(service, option) == 'missing' and snapshot.images.get(image) is not None:
            continue
        try:
            decided = b.plan_build(client, spec, check_mode)
            if not decided['build']:
                if decided['before'] is not None:
                    snapshot.images[image] = decided['before']['Id']
                continue
            if check_mode:
                snapshot.images[image] = None
                snapshot.to_build.add(image)
                result['built'].append(image)
                result['changed'] = True
                continue
            spec['labels_all'] = dict(spec['labels'], **{b.BUILD_INPUTS_LABEL: decided['digest']})
            b.run_build(client, spec)
            found = find_local_image(client, spec['ref'])
        except FleetDockerError as exc:
            raise FleetDockerError('%s: %s' % (p.where(project, svc, 'build'), exc.msg), **result)
        if found is None:
            raise FleetDockerError('%s: the build of %s reported success but the image is not on the host.'
                                   % (p.where(project, svc, 'build'), image), **result)
        before = decided['before']['Id'] if decided['before'] else None
        snapshot.images[image] = found['Id']
        if found['Id'] != before:
            result['built'].append(image)
            result['changed'] = True
