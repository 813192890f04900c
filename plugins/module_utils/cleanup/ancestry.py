# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clean-up planning by ancestor, computed from engine listings without touching the engine.

Everything here is pure: the engine side (cleanup_ops.py) lists images and containers, hands
them over as plain dicts, and executes the plan built here. That keeps the rules - what an
ancestor matches, what is kept and why, what becomes of each tag - unit-testable.

Normalized image dict: ``id``, ``tags`` (RepoTags), ``digests`` (RepoDigests), ``parent``
(Parent ID or ''), ``layers`` (RootFS.Layers), ``size``, ``shared_size`` (from ``df``).
Normalized container dict: ``id``, ``name``, ``image`` (as created), ``image_id``, ``state``,
``size_rw``.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    ImageRefError, is_image_id, looks_like_id_prefix, normalize_id, parse_reference, repo_of)

RUNNING_STATES = ('running', 'paused', 'restarting')


def _repository(name):
    """Repository of a RepoTags/RepoDigests entry as parse_reference spells it, or None for <none>."""
    repo = repo_of(name)
    try:
        return parse_reference(repo).repository
    except ImageRefError:
        return None


def normalize_image(listed, inspected=None, df_entry=None):
    """Merge an /images/json entry, its inspect and its df entry into the dict used here."""
    inspected = inspected or {}
    df_entry = df_entry or {}

    def real(values):
        return [v for v in (values or []) if v and not v.startswith('<none>')]
    return dict(
        id=listed.get('Id'),
        tags=real(listed.get('RepoTags')),
        digests=real(listed.get('RepoDigests')),
        parent=listed.get('ParentId') or inspected.get('Parent') or '',
        layers=list((inspected.get('RootFS') or {}).get('Layers') or []),
        size=max(df_entry.get('Size', listed.get('Size')) or 0, 0),
        shared_size=max(df_entry.get('SharedSize') or 0, 0),
    )


def normalize_container(listed):
    names = listed.get('Names') or []
    return dict(
        id=listed.get('Id'),
        name=names[0].lstrip('/') if names else listed.get('Id', '')[:12],
        image=listed.get('Image'),
        image_id=listed.get('ImageID'),
        state=listed.get('State'),
        size_rw=max(listed.get('SizeRw') or 0, 0),
    )


# ---------------------------------------------------------------------------------------------
# Ancestor specs

def parse_ancestors(values):
    """Validate the ``ancestor`` option before any engine call; return a list of spec dicts.

    kind ``id`` (full ID or hex prefix that may still turn out to be a repository name),
    ``repository`` (bare name: every tag), ``tag`` or ``digest`` (exactly one image).
    """
    if isinstance(values, str):
        values = [values]
    if values is not None and not isinstance(values, (list, tuple)):
        raise FleetDockerError('ancestor must be an image reference or a list of them, got %r.' % (values,))
    if not values:
        raise FleetDockerError('ancestor must name at least one image reference, repository or image ID.')
    specs = []
    for value in values:
        if not isinstance(value, str):
            raise FleetDockerError('ancestor entries must be strings, got %r.' % (value,))
        text = value.strip()
        if is_image_id(text):
            specs.append(dict(text=value, kind='id', id=normalize_id(text)))
            continue
        bare = text[len('sha256:'):] if text.startswith('sha256:') else text
        if text.startswith('sha256:') and not looks_like_id_prefix(text):
            raise FleetDockerError('Invalid ancestor %r: an image ID is hex digits after sha256:.' % value)
        try:
            ref = parse_reference(text) if not text.startswith('sha256:') else None
        except ImageRefError as exc:
            raise FleetDockerError('Invalid ancestor: %s' % exc.msg)
        if ref is None:
            specs.append(dict(text=value, kind='id', prefix=bare))
        elif ref.digest:
            specs.append(dict(text=value, kind='digest', ref=ref))
        elif ref.tag:
            specs.append(dict(text=value, kind='tag', ref=ref))
        else:
            spec = dict(text=value, kind='repository', ref=ref)
            if looks_like_id_prefix(text):
                spec['prefix'] = bare  # resolved against the image list: name first, like the engine
            specs.append(spec)
    return specs


def _names_in_repo(image, repository):
    tags = [t for t in image['tags'] if _repository(t) == repository]
    digests = [d for d in image['digests'] if _repository(d) == repository]
    return tags, digests


def _all_names(image):
    """Every name to remove so the image itself goes: its tags, digests when untagged, else its ID."""
    if image['tags']:
        return list(image['tags'])
    if image['digests']:
        return list(image['digests'])
    return [image['id']]


def resolve_ancestors(specs, images):
    """Match specs against images; return {image_id: {'names': [...], 'why': spec text}}, in spec order.

    A bare repository matches every tag of it; tag, digest and ID match one image. Only the
    names the spec stands for are listed, so other repositories' names of the same image stay.
    """
    matched = {}

    def add(image, names, why):
        entry = matched.setdefault(image['id'], dict(names=[], why=why))
        for name in names:
            if name not in entry['names']:
                entry['names'].append(name)

    for spec in specs:
        kind = spec['kind']
        if kind == 'repository' and spec.get('prefix'):
            repo = spec['ref'].repository
            if not any(_names_in_repo(i, repo) != ([], []) for i in images):
                hits = [i for i in images if i['id'][len('sha256:'):].startswith(spec['prefix'])]
                if hits:
                    kind, spec = 'id', dict(spec, kind='id')
        if kind == 'id':
            if spec.get('id'):
                hits = [i for i in images if i['id'] == spec['id']]
            else:
                hits = [i for i in images if i['id'][len('sha256:'):].startswith(spec['prefix'])]
                if len(hits) > 1:
                    raise FleetDockerError('ancestor %r is an ambiguous image ID prefix: it matches %d images.'
                                           % (spec['text'], len(hits)))
            for image in hits:
                add(image, _all_names(image), spec['text'])
        elif kind == 'repository':
            repo = spec['ref'].repository
            for image in images:
                tags, digests = _names_in_repo(image, repo)
                # A digest of the repository on an image tagged elsewhere is a leftover of an
                # earlier pull, not a name of it: its containers belong to those other names.
                if tags or (digests and not image['tags']):
                    add(image, tags or digests, spec['text'])
        elif kind == 'tag':
            wanted = spec['ref'].tagged
            for image in images:
                if any(parse_tag_equal(t, wanted) for t in image['tags']):
                    add(image, [t for t in image['tags'] if parse_tag_equal(t, wanted)], spec['text'])
        else:  # digest: exactly that image, under the reference's repository
            ref = spec['ref']
            for image in images:
                if any(d.split('@', 1)[1] == ref.digest and _repository(d) == ref.repository
                       for d in image['digests']):
                    tags, digests = _names_in_repo(image, ref.repository)
                    add(image, tags or digests, spec['text'])
    return matched


def parse_tag_equal(repo_tag, wanted):
    """RepoTags entry equals a ``repository:tag`` once both are spelled the same way."""
    try:
        return parse_reference(repo_tag).tagged == wanted
    except ImageRefError:
        return False


def descendants_of(matched_ids, images):
    """Images built FROM any matched image: {image_id: ancestor_id}.

    The Parent chain is exact for images built on this host; pulled images have no Parent,
    so for them a strictly longer layer list that starts with the ancestor's layers counts.
    An ancestor without layers (scratch) would prefix everything, so it never counts by layers.
    """
    by_id = {i['id']: i for i in images}
    found = {}
    known = set(matched_ids)
    changed = True
    while changed:
        changed = False
        for image in images:
            if image['id'] in known:
                continue
            origin = None
            if image['parent']:
                seen = set()
                parent = image['parent']
                while parent and parent not in seen:
                    seen.add(parent)
                    if parent in known:
                        origin = parent
                        break
                    parent = (by_id.get(parent) or {}).get('parent')
            else:
                layers = image['layers']
                for anc in known:
                    anc_layers = (by_id.get(anc) or {}).get('layers') or []
                    if anc_layers and len(layers) > len(anc_layers) and layers[:len(anc_layers)] == anc_layers:
                        origin = anc
                        break
            if origin:
                found[image['id']] = found.get(origin, origin)
                known.add(image['id'])
                changed = True
    return found


# ---------------------------------------------------------------------------------------------
# Exclusions

def match_container(token, containers):
    """Container for a name, full ID or unique ID prefix, or None."""
    token = token.strip().lstrip('/')
    for container in containers:
        if container['name'] == token or container['id'] == token:
            return container
    hits = [c for c in containers if len(token) >= 4 and c['id'].startswith(token)]
    return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------------------------------------
# Plan

def build_plan(specs, images, containers, exclude=(), descendants=False,
               remove_containers=True, remove_images=True, all_images=None):
    """Decide what happens to every matching container and image name.

    ``images`` are the top-level images (what ``docker images`` lists); ``all_images`` adds the
    untagged intermediates so Parent chains can be followed (defaults to ``images``).
    Returns a dict with ``containers`` and ``images`` (result entries with ``action``),
    ``remove_names`` (in a safe order), ``deleted_ids`` (predicted), ``excluded`` and
    ``exclude_not_found``.
    """
    all_images = all_images or images
    by_id = {i['id']: i for i in all_images}
    by_id.update({i['id']: i for i in images})
    matched = resolve_ancestors(specs, images)
    if descendants:
        for child_id, origin in descendants_of(list(matched), list(by_id.values())).items():
            child = by_id[child_id]
            if child['tags'] or child['digests'] or child_id in {i['id'] for i in images}:
                matched.setdefault(child_id, dict(names=_all_names(child),
                                                  why='descendant of %s' % matched[origin]['why']))

    excluded = {}
    not_found = []
    for token in exclude or ():
        container = match_container(token, containers)
        if container is None:
            not_found.append(token)
        else:
            excluded[container['id']] = container

    # Containers: every one whose image is matched.
    result_containers = []
    staying_users = {}  # image_id -> names of containers that stay
    removed_container_ids = set()
    for container in containers:
        if container['image_id'] not in matched:
            continue
        entry = dict(id=container['id'], name=container['name'], image=container['image'],
                     image_id=container['image_id'], state=container['state'])
        if container['id'] in excluded:
            entry.update(action='kept', reason='excluded')
        elif not remove_containers:
            entry.update(action='kept', reason='containers is false')
        else:
            running = container['state'] in RUNNING_STATES
            entry.update(action='stopped_and_removed' if running else 'removed')
            removed_container_ids.add(container['id'])
        if entry['action'] == 'kept':
            staying_users.setdefault(container['image_id'], []).append(container['name'])
        result_containers.append(entry)

    # Images: children before parents, so a parent is not held by a child we delete anyway.
    order = sorted(matched, key=lambda i: (-len(by_id[i]['layers']), -_depth(i, by_id)))
    remove_names = []
    deleted = set()
    result_images = []
    for image_id in order:
        image = by_id[image_id]
        names = matched[image_id]['names']
        why = matched[image_id]['why']
        users = staying_users.get(image_id)
        if users:
            reason = ('used by excluded container %s' % ', '.join(sorted(users))
                      if any(c['image_id'] == image_id for c in excluded.values())
                      else 'used by container %s' % ', '.join(sorted(users)))
            result_images.extend(dict(tag=n, id=image_id, action='kept', reason=reason, matched_by=why)
                                 for n in names)
            continue
        if not remove_images:
            result_images.extend(dict(tag=n, id=image_id, action='kept', reason='images is false', matched_by=why)
                                 for n in names)
            continue
        goes = _image_goes(image, names, all_images, deleted)
        if goes:
            deleted.add(image_id)
        for index, name in enumerate(names):
            # Only the last name removed deletes the image; earlier ones just untag.
            action = 'deleted' if goes and index == len(names) - 1 else 'untagged'
            entry = dict(tag=name, id=image_id, action=action, matched_by=why)
            if not goes and index == len(names) - 1:
                entry['reason'] = _why_image_stays(image, names, all_images, deleted)
            result_images.append(entry)
            remove_names.append(name)
    return dict(containers=result_containers, images=result_images, remove_names=remove_names,
                deleted_ids=sorted(deleted), removed_container_ids=sorted(removed_container_ids),
                excluded=sorted(c['name'] for c in excluded.values()), exclude_not_found=not_found,
                matched_ids=list(matched))


def _depth(image_id, by_id):
    depth, seen = 0, set()
    parent = (by_id.get(image_id) or {}).get('parent')
    while parent and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = (by_id.get(parent) or {}).get('parent')
    return depth


def _remaining_refs(image, names):
    """Names the image keeps once ``names`` are removed, as the engine does it.

    Removing the last tag of a repository also drops that repository's digest references.
    """
    removed = set(names)
    tags = [t for t in image['tags'] if t not in removed]
    digests = [d for d in image['digests'] if d not in removed]
    emptied = {_repository(n) for n in names if '@' not in n} - {_repository(t) for t in tags}
    digests = [d for d in digests if _repository(d) not in emptied]
    return tags + digests


def _live_children(image, all_images, deleted):
    return [i for i in all_images if i['parent'] == image['id'] and i['id'] not in deleted]


def _image_goes(image, names, all_images, deleted):
    if names == [image['id']]:
        return not _live_children(image, all_images, deleted)
    return not _remaining_refs(image, names) and not _live_children(image, all_images, deleted)


def _why_image_stays(image, names, all_images, deleted):
    others = _remaining_refs(image, names)
    if others:
        return 'image also named %s' % ', '.join(sorted(others))
    return 'image is the parent of %d other image(s)' % len(_live_children(image, all_images, deleted))


# ---------------------------------------------------------------------------------------------
# Space

def reclaimable_bytes(images, deleted_ids):
    """Bytes of image layers freed when ``deleted_ids`` go, from layer lists and df sizes.

    Layers are shared by prefix (a layer's identity includes every layer below it), so the
    layers an image shares with any other image are exactly a prefix of its list. df gives the
    size of each image (all its layers) and of that shared prefix; both pin the cumulative size
    at a point of the prefix tree, and a layer's size is the step between two such points.
    Freed layers are those that only deleted images use.
    """
    deleted_ids = set(deleted_ids)
    known = {(): 0}
    users = {}
    for image in images:
        layers = tuple(image['layers'])
        for k in range(1, len(layers) + 1):
            users.setdefault(layers[:k], set()).add(image['id'])
    for image in images:
        layers = tuple(image['layers'])
        if not layers:
            continue
        known[layers] = image['size']
        shared = 0
        for k in range(len(layers), 0, -1):
            if len(users[layers[:k]]) > 1:
                shared = k
                break
        if shared:
            known[layers[:shared]] = image['shared_size']

    def cumulative(prefix):
        while prefix not in known:
            prefix = prefix[:-1]  # nearest pinned point below; () is always pinned
        return known[prefix]

    total = 0
    for prefix, who in users.items():
        if who <= deleted_ids:
            total += max(cumulative(prefix) - cumulative(prefix[:-1]), 0)
    return total


def human_size(num):
    for unit in ('B', 'kB', 'MB', 'GB'):
        if abs(num) < 1000 or unit == 'GB':
            return ('%d %s' % (num, unit)) if unit == 'B' else ('%.1f %s' % (num, unit))
        num /= 1000.0
    return '%d B' % num  # pragma: no cover


def summarize(plan, space, check_mode):
    """One line: what was (or would be) removed and the space it gives back."""
    conts = [c for c in plan['containers'] if c['action'] != 'kept']
    stopped = [c for c in conts if c['action'] == 'stopped_and_removed']
    deleted = [i for i in plan['images'] if i['action'] == 'deleted']
    untagged = [i for i in plan['images'] if i['action'] == 'untagged']
    kept = [c for c in plan['containers'] if c['action'] == 'kept'] + \
        [i for i in plan['images'] if i['action'] == 'kept']
    if not conts and not deleted and not untagged and not plan.get('volumes_removed'):
        text = 'Nothing to clean up'
        if kept:
            text += ' (%d kept)' % len(kept)
        return text + '.'
    verb = 'Would remove' if check_mode else 'Removed'
    parts = ['%s %d container(s) (%d running)' % (verb, len(conts), len(stopped)),
             '%d image tag(s) (%d image(s) deleted)' % (len(deleted) + len(untagged), len(deleted))]
    if plan.get('volumes_removed'):
        parts.append('%d volume(s)' % plan['volumes_removed'])
    text = ', '.join(parts)
    if kept:
        text += ', kept %d' % len(kept)
    return '%s; %s %s.' % (text, 'would reclaim' if check_mode else 'reclaimed', human_size(space))
