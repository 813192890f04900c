# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.image_tag: give a local image more names (``docker tag``), idempotently."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    DEFAULT_TAG, ImageRefError, is_image_id, normalize_id, parse_reference, validate_tag,
)
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import find_local_image, inspect_image


def source_ref(name: str, tag: str):
    """The parsed source reference, or None for a full image ID (pure).

    ``tag`` applies to ``name`` when it carries neither tag nor digest, as in community.docker's
    docker_image_tag: ``name: acme/site`` with ``tag: "1"`` is ``acme/site:1``.
    """
    text = name.strip() if isinstance(name, str) else name
    if is_image_id(text):
        return None
    return parse_reference(text, default_tag=tag or DEFAULT_TAG)


def source_image(client, name: str, tag: str = DEFAULT_TAG) -> dict:
    """The local image ``name`` (with ``tag``) means; raise when it is not on the host."""
    ref = source_ref(name, tag)
    if ref is None:
        image = inspect_image(client, normalize_id(name.strip()))
        shown = name.strip()
    else:
        image = find_local_image(client, ref)
        shown = ref.digested or ref.tagged
    if image is None:
        raise FleetDockerError('Image %s is not on the host: build or pull it first.' % shown)
    return image


def target_refs(repositories: list, tag: str) -> list:
    """Parsed targets; a tag in the repository wins over ``tag``; digests are refused (pure)."""
    if not repositories:
        raise ImageRefError('repository must name at least one repository[:tag].')
    refs = []
    for item in repositories:
        ref = parse_reference(item, default_tag=tag or DEFAULT_TAG)
        if ref.digest:
            raise ImageRefError('repository %s: a tag cannot carry a digest; give repository[:tag].' % item)
        if ref not in refs:
            refs.append(ref)
    return refs


def existing_policy(existing_images, force: bool) -> bool:
    """True when names of other images are to be kept (pure); refuse contradicting settings.

    ``existing_images`` is community.docker's option; unset, ``force`` decides (refuse or move).
    """
    if existing_images == 'keep' and force:
        raise FleetDockerError('existing_images=keep and force=true contradict each other; set one of them.')
    return existing_images == 'keep'


def plan_tags(client, image_id: str, refs: list) -> list:
    """[(ref, id it names now or None)] for every target that does not name ``image_id`` yet."""
    moves = []
    for ref in refs:
        current = find_local_image(client, ref)
        current_id = current['Id'] if current else None
        if current_id != image_id:
            moves.append((ref, current_id))
    return moves


def run_image_tag(module) -> dict:
    """fleet.docker.image_tag."""
    params = module.params
    if params['tag']:
        validate_tag(params['tag'])
    refs = target_refs(params['repository'], params['tag'])
    keep = existing_policy(params.get('existing_images'), params['force'])
    move_others = params['force'] or params.get('existing_images') == 'overwrite'
    client = module.client
    image = source_image(client, params['name'], params['tag'])
    image_id = image['Id']
    planned = plan_tags(client, image_id, refs)
    kept = dict((ref, current) for ref, current in planned if current is not None and keep)
    moves = [(ref, current) for ref, current in planned if ref not in kept]
    refused = [ref.tagged for ref, current in moves if current is not None and not move_others]
    if refused:
        raise FleetDockerError('%s already name%s another image; set force=true (or existing_images=overwrite) to '
                               'move %s, or existing_images=keep to leave %s.'
                               % (', '.join(refused), 's' if len(refused) == 1 else '',
                                  'it' if len(refused) == 1 else 'them', 'it' if len(refused) == 1 else 'them'))
    if not module.check_mode:
        for ref, _current in moves:
            client.tag(image_id, ref.repository, ref.tag or DEFAULT_TAG)
    result = dict(changed=bool(moves), image_id=image_id, tagged=[ref.tagged for ref, _current in moves],
                  moved=[ref.tagged for ref, current in moves if current is not None],
                  kept=[ref.tagged for ref in refs if ref in kept])
    if module._diff:
        before = dict(planned)
        result['diff'] = dict(before=dict((ref.tagged, before[ref] if ref in before else image_id) for ref in refs),
                              after=dict((ref.tagged, kept.get(ref, image_id)) for ref in refs))
    return result
