# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.image_tag: give a local image more names (``docker tag``), idempotently."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    ImageRefError, is_image_id, normalize_id, parse_reference,
)
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import find_local_image, inspect_image


def source_image(client, name: str) -> dict:
    """The local image ``name`` means (reference or full ID); raise when it is not on the host."""
    text = name.strip() if isinstance(name, str) else name
    if is_image_id(text):
        image = inspect_image(client, normalize_id(text))
    else:
        image = find_local_image(client, parse_reference(text, default_tag='latest'))
    if image is None:
        raise FleetDockerError('Image %s is not on the host: build or pull it first.' % text)
    return image


def target_refs(repositories: list, tag: str) -> list:
    """Parsed targets; a tag in the repository wins over ``tag``; digests are refused (pure)."""
    if not repositories:
        raise ImageRefError('repository must name at least one repository[:tag].')
    refs = []
    for item in repositories:
        ref = parse_reference(item, default_tag=tag or 'latest')
        if ref.digest:
            raise ImageRefError('repository %s: a tag cannot carry a digest; give repository[:tag].' % item)
        if ref not in refs:
            refs.append(ref)
    return refs


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
    refs = target_refs(params['repository'], params['tag'])
    client = module.client
    image = source_image(client, params['name'])
    image_id = image['Id']
    moves = plan_tags(client, image_id, refs)
    refused = [ref.tagged for ref, current in moves if current is not None and not params['force']]
    if refused:
        raise FleetDockerError('%s already name%s another image; set force=true to move %s.'
                               % (', '.join(refused), 's' if len(refused) == 1 else '',
                                  'it' if len(refused) == 1 else 'them'))
    if not module.check_mode:
        for ref, _current in moves:
            client.tag(image_id, ref.repository, ref.tag or 'latest')
    result = dict(changed=bool(moves), image_id=image_id, tagged=[ref.tagged for ref, _current in moves],
                  moved=[ref.tagged for ref, current in moves if current is not None])
    if module._diff:
        now = dict(moves)
        result['diff'] = dict(before=dict((ref.tagged, now[ref] if ref in now else image_id) for ref in refs),
                              after=dict((ref.tagged, image_id) for ref in refs))
    return result
