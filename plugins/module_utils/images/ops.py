# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image modules' own logic: pull with a registry lookup in check mode, remove, info, search."""

from __future__ import annotations

import datetime

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, FleetDockerError, NotFound
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_entries
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    DEFAULT_TAG, ImageRefError, image_reference, is_image_id, looks_like_id_prefix, normalize_id, parse_reference,
    split_registry,
)
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import check_platform
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import (
    ensure_image, find_local_image, inspect_image, summarize_image,
)
from ansible_collections.fleet.docker.plugins.module_utils.images.registry import RegistryClient, RegistryError, remote_state


def remote_lookup(registry_client=None):
    """``ensure_image``'s ``remote``: asks the reference's registry (or ``registry_client``)."""
    return lambda ref, platform: remote_state(ref, platform=platform, registry_client=registry_client)


def _containers_using(client, image_id):
    """Names of the containers (any state) created from exactly this image ID."""
    names = []
    for container in list_entries(client):
        if container.get('ImageID') == image_id:
            names.append((container.get('Names') or [container['Id'][:12]])[0].lstrip('/'))
    return sorted(names)


def remove_image(client, ref, force=False, check_mode=False):
    """Remove one reference (tag or digest) from the host.

    An image that other references still name is only untagged. An image that would be deleted
    while containers use it is refused, naming them, unless ``force``.
    Returns dict(changed, before_id, after_id, untagged, deleted, containers).
    """
    image = find_local_image(client, ref)
    result = dict(changed=False, before_id=None, after_id=None, untagged=[], deleted=[], containers=[])
    if image is None:
        return result
    image_id = image['Id']
    own = ref.digested if ref.digest else ref.tagged
    others = [t for t in (image.get('RepoTags') or []) if t != own]
    if ref.digest:
        # Removing by digest deletes the image unless tags keep it.
        others = list(image.get('RepoTags') or [])
    result.update(before_id=image_id, changed=True)
    if not others:
        users = _containers_using(client, image_id)
        result['containers'] = users
        if users and not force:
            raise FleetDockerError('Image %s is used by container%s %s; remove %s first or set force=true.'
                                   % (ref.familiar, 's' if len(users) > 1 else '', ', '.join(users),
                                      'them' if len(users) > 1 else 'it'),
                                   containers=users, changed=False)
    if check_mode:
        result['untagged'] = [own]
        result['deleted'] = [] if others else [image_id]
        return result
    if not _engine_remove(client, own, ref.familiar, force, result):
        return result
    after = find_local_image(client, ref)
    result['after_id'] = after['Id'] if after else None
    return result


def _engine_remove(client, name, shown, force, result) -> bool:
    """DELETE /images/<name>; record untagged and deleted in ``result``; False when already gone."""
    try:
        answer = client.remove_image(name, force=force) or []
    except NotFound:
        result['changed'] = False  # someone else removed it in between: the goal is met
        return False
    except APIError as exc:
        explanation = exc.explanation or str(exc)
        if isinstance(explanation, bytes):
            explanation = explanation.decode('utf-8', 'replace')
        if exc.status_code == 409:
            raise FleetDockerError('Image %s cannot be removed: %s' % (shown, explanation), changed=False)
        raise
    result['untagged'] = [entry['Untagged'] for entry in answer if entry.get('Untagged')]
    result['deleted'] = [entry['Deleted'] for entry in answer if entry.get('Deleted')]
    return True


def remove_image_id(client, image_id, force=False, check_mode=False):
    """Remove an image by its ID, every name with it, as community.docker.docker_image_remove does.

    An image with several names, or one that containers use, is refused unless ``force``, as the
    engine refuses it, but before any call and naming what keeps it.
    """
    image = inspect_image(client, image_id)
    result = dict(changed=False, before_id=None, after_id=None, untagged=[], deleted=[], containers=[])
    if image is None:
        return result
    image_id = image['Id']
    tags = list(image.get('RepoTags') or [])
    users = _containers_using(client, image_id)
    result.update(before_id=image_id, changed=True, containers=users)
    if users and not force:
        raise FleetDockerError('Image %s is used by container%s %s; remove %s first or set force=true.'
                               % (image_id, 's' if len(users) > 1 else '', ', '.join(users),
                                  'them' if len(users) > 1 else 'it'), containers=users, changed=False)
    if len(tags) > 1 and not force:
        raise FleetDockerError('Image %s has %d names (%s); removing it by ID removes them all: set force=true, or '
                               'remove one name.' % (image_id, len(tags), ', '.join(sorted(tags))), changed=False)
    if check_mode:
        result.update(untagged=tags, deleted=[image_id])
        return result
    _engine_remove(client, image_id, image_id, force, result)
    return result


# ---------------------------------------------------------------------------------------------
# image_info
# ---------------------------------------------------------------------------------------------

def _iso_time(timestamp):
    if timestamp in (None, '', 0, -1):
        return None
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def image_history(client, image_id):
    """Layer history, newest first, like ``docker history``."""
    return [dict(id=entry.get('Id') if entry.get('Id') != '<missing>' else None,
                 created_by=entry.get('CreatedBy') or '', size=entry.get('Size') or 0,
                 created=_iso_time(entry.get('Created')), tags=entry.get('Tags') or [],
                 comment=entry.get('Comment') or '')
            for entry in client.history(image_id)]


# image_info: REPOSITORY:* names every tag of a repository (``docker images REPOSITORY``); a bare
# REPOSITORY is REPOSITORY:latest, as in community.docker.docker_image_info and `docker image inspect`.
EVERY_TAG = ':*'


def lookup_images(client, name):
    """Local images (inspect dicts) a name means: a tagged or digest reference (a bare repository is
    its ``latest``), every tag of ``REPOSITORY:*``, or an image ID or ID prefix. [] when none."""
    if isinstance(name, str) and name.strip().endswith(EVERY_TAG):
        return every_tag(client, parse_reference(name.strip()[:-len(EVERY_TAG)]))
    if isinstance(name, str) and is_image_id(name.strip()):
        found = inspect_image(client, normalize_id(name.strip()))
        return [found] if found else []
    try:
        ref = parse_reference(name)
    except ImageRefError:
        # "sha256:<prefix>" is no reference but is an ID prefix.
        if isinstance(name, str) and looks_like_id_prefix(name.strip()):
            found = inspect_image(client, name.strip())
            return [found] if found else []
        raise
    found = find_local_image(client, ref if ref.tag or ref.digest else ref.with_tag(DEFAULT_TAG))
    if found is None and not (ref.tag or ref.digest) and looks_like_id_prefix(name.strip()):
        found = inspect_image(client, name.strip())
        if found and not found['Id'].startswith(normalize_id(name.strip())):
            found = None
    return [found] if found else []


def every_tag(client, ref=None):
    """Every local image of ``ref``'s repository, or every local image when ``ref`` is None; newest first.

    Sorted like `docker images`: the engine's own order varies between images built in the same
    second, and a rerun must report the same list.
    """
    if ref is not None and (ref.tag or ref.digest):
        raise ImageRefError('%s%s: give a repository without tag or digest before %s.'
                            % (ref.familiar, EVERY_TAG, EVERY_TAG))
    images = []
    for summary in client.images(name=ref.repository) if ref is not None else client.images():
        found = inspect_image(client, summary['Id'])
        if found:
            images.append(found)
    return sorted(images, key=lambda image: (image.get('Created') or '', image['Id']), reverse=True)


def image_info(client, names, history=False):
    """Summaries of every local image the names mean, each image once, in the order asked."""
    for name in names:
        # Validate everything before asking the engine: bad input fails as a whole, with one message.
        if isinstance(name, str) and name.strip().endswith(EVERY_TAG):
            parse_reference(name.strip()[:-len(EVERY_TAG)])
        elif not (isinstance(name, str) and (is_image_id(name.strip()) or looks_like_id_prefix(name.strip()))):
            parse_reference(name)
    seen = set()
    images = []
    for found in ([lookup_images(client, name) for name in names] if names else [every_tag(client)]):
        for image in found:
            if image['Id'] in seen:
                continue
            seen.add(image['Id'])
            summary = summarize_image(image)
            if history:
                summary['history'] = image_history(client, image['Id'])
            images.append(summary)
    return images


# ---------------------------------------------------------------------------------------------
# image_search
# ---------------------------------------------------------------------------------------------

def _wants(hit, min_stars, official, automated):
    if min_stars and (hit['stars'] or 0) < min_stars:
        return False
    if official is not None and hit['official'] != official:
        return False
    if automated is not None and hit['automated'] != automated:
        return False
    return True


def hub_hits(answer, index='docker.io'):
    """The engine's search answer as hits with our field names (pure)."""
    return [dict(index=index, name=entry.get('name'), description=entry.get('description') or '',
                 stars=int(entry.get('star_count') or 0), official=bool(entry.get('is_official')),
                 automated=bool(entry.get('is_automated')))
            for entry in answer or []]


def _no_search_endpoint(exc):
    """The engine's way of saying a v2 registry has no search: 404 or "Unexpected status code 404"."""
    explanation = exc.explanation or str(exc)
    if isinstance(explanation, bytes):
        explanation = explanation.decode('utf-8', 'replace')
    return exc.status_code == 404 or '404' in str(explanation)


def catalog_hits(registry_client, registry, path):
    """Repositories of a plain v2 registry whose name contains ``path``, with their tags."""
    hits = []
    needle = (path or '').strip('/').lower()
    for name in sorted(registry_client.catalog()):
        if needle and needle not in name.lower():
            continue
        hits.append(dict(index=registry, name='%s/%s' % (registry, name), description='', stars=0,
                         official=False, automated=False, tags=registry_client.tags(name)))
    return hits


def search_images(client, term, limit=25, min_stars=0, official=None, automated=None, registry_client=None):
    """Search like ``docker search``; fall back to the catalog when the registry has no search endpoint.

    Returns dict(results=[...], source='search'|'catalog').
    """
    term = (term or '').strip()
    if not term:
        raise FleetDockerError('term must not be empty.')
    if any(ch.isspace() for ch in term):
        raise FleetDockerError('Invalid search term %r: it contains whitespace.' % term)
    if not 1 <= limit <= 100:
        raise FleetDockerError('limit must be between 1 and 100, got %d.' % limit)
    if min_stars is not None and min_stars < 0:
        raise FleetDockerError('min_stars must not be negative, got %d.' % min_stars)
    registry, path = split_registry(term)
    try:
        hits = hub_hits(client.search(term, limit=limit), index=registry or 'docker.io')
        source = 'search'
    except APIError as exc:
        if not registry or not _no_search_endpoint(exc):
            raise
        reg = registry_client or RegistryClient.for_registry(registry)
        try:
            hits = catalog_hits(reg, registry, path)
        except RegistryError as reg_exc:
            raise FleetDockerError('Registry %s has no search endpoint and its catalog could not be read: %s'
                                   % (registry, reg_exc.msg))
        source = 'catalog'
    hits = [hit for hit in hits if _wants(hit, min_stars, official, automated)][:limit]
    return dict(results=hits, source=source)


# ---------------------------------------------------------------------------------------------
# Module entry points: module.run(<function>)
# ---------------------------------------------------------------------------------------------

def run_image(module):
    """fleet.docker.image: present (pull by policy) or absent (untag/remove)."""
    params = module.params
    by_id = params['state'] == 'absent' and isinstance(params['name'], str) and is_image_id(params['name'].strip())
    ref = None if by_id else image_reference(params['name'], params['tag'])
    platform = check_platform(params['platform'])
    client = module.client
    if params['state'] == 'absent':
        if by_id:
            # community.docker.docker_image_remove takes image IDs too.
            outcome = remove_image_id(client, normalize_id(params['name'].strip()), force=params['force'],
                                      check_mode=module.check_mode)
        else:
            outcome = remove_image(client, ref, force=params['force'], check_mode=module.check_mode)
        result = dict(changed=outcome['changed'], pulled=False, untagged=outcome['untagged'],
                      deleted=outcome['deleted'], image=None,
                      layers=dict(total=0, downloaded=0, already_present=0))
        if outcome['containers']:
            result['containers'] = outcome['containers']
        if not module.check_mode and outcome['after_id']:
            result['image'] = summarize_image(inspect_image(client, outcome['after_id']))
        before_id, after_id = outcome['before_id'], None if module.check_mode else outcome['after_id']
    else:
        outcome = ensure_image(client, ref, pull=params['pull'], check_mode=module.check_mode,
                               platform=platform, remote=remote_lookup())
        result = dict(changed=outcome['changed'], pulled=outcome['pulled'], layers=outcome['layers'],
                      image=summarize_image(outcome['image']))
        if 'remote_digest' in outcome:
            result['remote_digest'] = outcome['remote_digest']
        if outcome.get('warnings'):
            result['warnings'] = outcome['warnings']
        before_id, after_id = outcome['before_id'], outcome['after_id']
        if after_id == '(pulled)':
            after_id = None
    if module._diff:
        shown = normalize_id(params['name'].strip()) if by_id else ref.familiar
        result['diff'] = dict(before=dict(reference=shown, id=before_id), after=dict(reference=shown, id=after_id))
    return result


def run_image_info(module):
    """fleet.docker.image_info: read-only."""
    # No name (or an empty list) lists every image, as in community.docker.docker_image_info.
    names = module.params['name'] or []
    return dict(changed=False, images=image_info(module.client, names, history=module.params['history']))


def run_image_search(module):
    """fleet.docker.image_search: read-only."""
    params = module.params
    found = search_images(module.client, params['term'], limit=params['limit'], min_stars=params['min_stars'],
                          official=params['official'], automated=params['automated'])
    return dict(changed=False, **found)
