# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.image_export and image_load: image archives (``docker save`` / ``docker load``).

An archive's ``manifest.json`` lists each image by its config file (whose name is the image ID,
``<hex>.json`` up to Docker 24, ``blobs/sha256/<hex>`` in the OCI layout of 25 and later) and the
names (RepoTags) saved with it. That is what both modules compare with the engine's state.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.hostfile import write_atomically
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    DEFAULT_TAG, ImageRefError, is_image_id, normalize_id, parse_reference,
)
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import find_local_image, inspect_image

CHUNK = 1 << 20


class ArchiveError(FleetDockerError):
    """An archive that is missing, unreadable or not an image archive."""


def _config_id(config_name: str) -> str:
    base = os.path.basename(config_name or '')
    if base.endswith('.json'):
        base = base[:-len('.json')]
    return normalize_id(base) if is_image_id(base) else None


def parse_manifest(data: bytes, path: str) -> list:
    """[dict(id, names)] from manifest.json's bytes (pure); raises ArchiveError when it is not one."""
    try:
        entries = json.loads(data.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise ArchiveError('%s is not an image archive: its manifest.json is not valid JSON.' % path)
    if not isinstance(entries, list) or not entries:
        raise ArchiveError('%s is not an image archive: its manifest.json lists no images.' % path)
    images = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ArchiveError('%s is not an image archive: a manifest.json entry is not an object.' % path)
        image_id = _config_id(entry.get('Config'))
        if not image_id:
            raise ArchiveError('%s is not an image archive: manifest entry %r names no image config.'
                               % (path, entry.get('Config')))
        names = sorted(entry.get('RepoTags') or [])
        images.append(dict(id=image_id, names=names))
    return images


def read_archive(path: str) -> list:
    """The images an archive holds; raises ArchiveError for a missing, corrupt or foreign file."""
    if not os.path.exists(path):
        raise ArchiveError('The archive %s does not exist.' % path)
    if not os.path.isfile(path):
        raise ArchiveError('The archive %s is not a regular file.' % path)
    try:
        with tarfile.open(path, mode='r:*') as tar:
            member = None
            for item in tar:  # reads every header: a truncated archive fails here
                if item.name in ('manifest.json', './manifest.json'):
                    member = item
            if member is None:
                raise ArchiveError('%s is not an image archive: it has no manifest.json.' % path)
            handle = tar.extractfile(member)
            data = handle.read() if handle else b''
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArchiveError('%s is not a readable image archive (corrupt or truncated): %s' % (path, exc))
    return parse_manifest(data, path)


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b''):
            digest.update(chunk)
    return 'sha256:' + digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# image_export
# ---------------------------------------------------------------------------------------------

def export_targets(client, names: list, tag: str = DEFAULT_TAG) -> list:
    """[dict(id, names, request)] for the images to save, in the order asked; missing ones raise.

    ``tag`` is the tag of the names that carry none, as in community.docker.docker_image_export.
    """
    if not names:
        raise ImageRefError('names must list at least one image.')
    wanted = {}
    order = []
    for name in names:
        text = name.strip() if isinstance(name, str) else name
        if is_image_id(text):
            image = inspect_image(client, normalize_id(text))
            tag = None
            request = normalize_id(text)
        else:
            ref = parse_reference(text, default_tag=tag or DEFAULT_TAG)
            if ref.digest:
                raise ImageRefError('names: %s is a digest reference; an archive records tags, give repository:tag.'
                                    % text)
            image = find_local_image(client, ref)
            tag = ref.tagged
            request = tag
        if image is None:
            raise FleetDockerError('Image %s is not on the host: nothing to export.' % text)
        entry = wanted.get(image['Id'])
        if entry is None:
            entry = wanted[image['Id']] = dict(id=image['Id'], names=[], requests=[])
            order.append(image['Id'])
        if tag and tag not in entry['names']:
            entry['names'].append(tag)
        if request not in entry['requests']:
            entry['requests'].append(request)
    return [dict(id=wanted[i]['id'], names=sorted(wanted[i]['names']), requests=wanted[i]['requests'])
            for i in order]


def same_images(have: list, want: list) -> bool:
    """Whether an archive holds exactly these image IDs with exactly these names (pure)."""
    def key(items):
        return sorted((item['id'], tuple(sorted(item['names']))) for item in items)
    return key(have) == key(want)


def _write_save(client, requests: list, path: str, mode: int) -> None:
    """Stream the engine's save (GET /images/get?names=...) into ``path`` atomically."""
    def fill(handle):
        # The SDK saves one name per call; the engine's endpoint takes several, sharing their layers.
        url = client._url('/images/get')  # pylint: disable=protected-access
        response = client._get(url, params={'names': requests}, stream=True)  # pylint: disable=protected-access
        client._raise_for_status(response)  # pylint: disable=protected-access
        for chunk in response.iter_content(chunk_size=CHUNK):
            handle.write(chunk)
    write_atomically(path, fill, mode=mode)


def run_image_export(module) -> dict:
    """fleet.docker.image_export."""
    params = module.params
    path = os.path.abspath(os.path.expanduser(params['path']))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise ArchiveError('The directory %s for the archive does not exist.' % directory)
    if os.path.isdir(path):
        raise ArchiveError('path %s is a directory; give the archive file name.' % path)
    mode = int(params['mode'], 8) if params.get('mode') else 0o644
    want = export_targets(module.client, params['names'], params.get('tag') or DEFAULT_TAG)
    have = None
    if os.path.exists(path):
        try:
            have = read_archive(path)
        except ArchiveError:
            have = None  # a foreign or broken file there is replaced
    changed = have is None or not same_images(have, want) or params['force']
    if changed and not module.check_mode:
        _write_save(module.client, [r for item in want for r in item['requests']], path, mode)
        have_now = read_archive(path)
        if not same_images(have_now, want):
            raise ArchiveError('The engine saved %s with other images or names than asked: %s.'
                               % (path, json.dumps(have_now)))
    images = [dict(id=item['id'], names=item['names']) for item in want]
    result = dict(changed=changed, path=path, images=images)
    if os.path.exists(path) and not (changed and module.check_mode):
        result.update(size=os.path.getsize(path), checksum=_sha256_file(path))
    if module._diff:
        result['diff'] = dict(before=dict(path=path, images=have), after=dict(path=path, images=images))
    return result


# ---------------------------------------------------------------------------------------------
# image_load
# ---------------------------------------------------------------------------------------------

def plan_load(client, images: list) -> list:
    """The archive's images that a load would change: missing by ID, or a name that points elsewhere."""
    todo = []
    for item in images:
        present = inspect_image(client, item['id'])
        if present is None:
            todo.append(dict(item, reason='missing'))
            continue
        for name in item['names']:
            try:
                ref = parse_reference(name, default_tag='latest')
            except ImageRefError:
                continue
            current = find_local_image(client, ref)
            if current is None or current['Id'] != item['id']:
                todo.append(dict(item, reason='name %s points elsewhere' % name))
                break
    return todo


def run_load(client, path: str) -> dict:
    """Load the archive; return dict(loaded names, loaded ids). Engine errors become ArchiveError."""
    names, ids = [], []
    with open(path, 'rb') as handle:
        try:
            events = client.load_image(handle, quiet=True)
            for event in events or []:
                if 'error' in event or 'errorDetail' in event:
                    message = (event.get('errorDetail') or {}).get('message') or event.get('error')
                    raise ArchiveError('Loading %s failed: %s' % (path, str(message).strip()))
                text = (event.get('stream') or '').strip()
                if text.startswith('Loaded image ID: '):
                    ids.append(text[len('Loaded image ID: '):].strip())
                elif text.startswith('Loaded image: '):
                    names.append(text[len('Loaded image: '):].strip())
        except ArchiveError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            explanation = getattr(exc, 'explanation', None) or str(exc)
            if isinstance(explanation, bytes):
                explanation = explanation.decode('utf-8', 'replace')
            raise ArchiveError('Loading %s failed: %s' % (path, str(explanation).strip()))
    return dict(names=names, ids=ids)


def run_image_load(module) -> dict:
    """fleet.docker.image_load."""
    path = os.path.abspath(os.path.expanduser(module.params['path']))
    images = read_archive(path)  # before the engine is asked anything
    client = module.client
    todo = plan_load(client, images)
    result = dict(changed=bool(todo), path=path, images=images, loaded=[], loaded_ids=[],
                  reasons=dict((item['id'], item['reason']) for item in todo))
    if todo and not module.check_mode:
        loaded = run_load(client, path)
        missing = [item['id'] for item in images if inspect_image(client, item['id']) is None]
        if missing:
            raise ArchiveError('Loading %s reported success but %s %s not on the host.'
                               % (path, ', '.join(missing), 'is' if len(missing) == 1 else 'are'))
        result.update(loaded=loaded['names'] or [n for item in todo for n in item['names']],
                      loaded_ids=loaded['ids'] or [item['id'] for item in todo])
    elif todo:
        result.update(loaded=[n for item in todo for n in item['names']], loaded_ids=[item['id'] for item in todo])
    if module._diff:
        result['diff'] = dict(
            before=dict(present=sorted(item['id'] for item in images if item['id'] not in result['reasons'])),
            after=dict(present=sorted(item['id'] for item in images)))
    return result
