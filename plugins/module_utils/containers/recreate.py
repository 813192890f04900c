# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recreate a container as a transaction: create the replacement before the old one is destroyed.

1. Create the replacement under a temporary name, ``<name>-fleet-next-<8 hex>``, from the same
   create body a fresh container gets (no label of ours: a recreated container is like a new
   one). A create binds no ports, so the old container keeps serving. If the engine refuses,
   the old container is untouched.
2. Stop the old container, start the new one. If the start fails, the new one is removed and
   the old one started again when it was running.
3. Only then the old container is removed (its volumes kept) and the new one renamed.

Anonymous volumes of the old container (an image's ``VOLUME`` paths) are attached to the new one
at the same paths, as ``docker compose`` does, so their data survives an image upgrade.

If the engine dies midway, the next run finds the temporary container by its name (names are
unique per engine; ``find_leftovers``): the plan removes it, or, when the old container is
already gone, renames it into place.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    APIError, DockerException, EngineStepError, RequestException, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.containers.body import (
    create_config, post_create_endpoints)
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    create_container, list_entries, lookup_container, remove_container, rename_container, start_container,
    stop_container)
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import inspect_image
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import ANONYMOUS_VOLUME_NAME, MAX_CONTAINER_NAME

_SUFFIX = '-fleet-next-'
_TOKEN = 8
# The longest prefix a temporary name has room for. A name this long or longer is cut to it and
# gets its hash as token; a shorter one is kept whole, so the two kinds never share a prefix.
_PREFIX_MAX = MAX_CONTAINER_NAME - len(_SUFFIX) - _TOKEN
_TEMPORARY = re.compile(r'^/?(?P<base>.+)%s(?P<token>[0-9a-f]{%d})$' % (re.escape(_SUFFIX), _TOKEN))


def _name_digest(name: str) -> str:
    return hashlib.sha256(name.encode('utf-8')).hexdigest()[:_TOKEN]


def temporary_name(name: str) -> str:
    """``<name>-fleet-next-<8 hex>``: random, unless the name is cut to fit the engine's limit;
    then the token is the full name's hash, so the leftover still names its container."""
    if len(name) >= _PREFIX_MAX:
        return name[:_PREFIX_MAX] + _SUFFIX + _name_digest(name)
    return name + _SUFFIX + uuid.uuid4().hex[:_TOKEN]


def is_temporary_for(candidate: str, name: str) -> bool:
    """Whether container name ``candidate`` is a temporary name ``temporary_name(name)`` gives."""
    match = _TEMPORARY.match(candidate)
    if not match:
        return False
    if len(name) >= _PREFIX_MAX:
        return match.group('base') == name[:_PREFIX_MAX] and match.group('token') == _name_digest(name)
    return match.group('base') == name


def _name(container: dict) -> str:
    names = container.get('Names')
    if names:
        return names[0].lstrip('/')
    return (container.get('Name') or '').lstrip('/')


def _leftovers_of(listed: list, name: str) -> list:
    found = [c for c in listed if is_temporary_for(_name(c), name)]
    return sorted(found, key=lambda c: c.get('Created') or 0, reverse=True)


def _list_temporary(client) -> list:
    # The engine's name filter is a regular expression search: this narrows the list to
    # temporary names, and is_temporary_for matches them exactly.
    return list_entries(client, {'name': _SUFFIX})


def find_leftovers(client, name: str) -> list:
    """Replacements for ``name`` still under a temporary name, newest first."""
    return _leftovers_of(_list_temporary(client), name)


class LeftoverIndex:
    """Every replacement on the engine still under a temporary name, from one list call.

    A batch asks it per item instead of listing once per container (a no-op of 30 containers
    made 30 list calls). Only converging a name creates a replacement for it, and each name is
    converged once per batch, so a list taken before the batch stays true for it.
    """

    def __init__(self, client):
        self._listed = _list_temporary(client)

    def find(self, name: str) -> list:
        return _leftovers_of(self._listed, name)


def replacement_image(client, container: dict) -> str:
    """The image to recreate with when the task names none: the container's own.

    Its reference when that still points to the same image (so ``docker ps`` and ancestor filters
    read as before), otherwise the image ID, so a moved tag never changes the image unasked.
    """
    reference = (container.get('Config') or {}).get('Image') or ''
    if reference and not reference.startswith('sha256:'):
        image = inspect_image(client, reference)
        if image and image.get('Id') == container.get('Image'):
            return reference
    return container['Image']


def inherited_volumes(container: dict, spec: dict, new_image: dict | None) -> list:
    """``(volume, target)`` pairs: the old container's anonymous volumes at paths the new one
    would again give an anonymous volume (the new image's VOLUMEs and the task's bare paths)."""
    wanted = set(((new_image or {}).get('Config') or {}).get('Volumes') or {})
    volumes = spec.get('volumes') or {}
    wanted |= set(volumes.get('anonymous') or [])
    taken = set(v['target'] for v in volumes.get('binds') or []) | set(m['target'] for m in spec.get('mounts') or [])
    pairs = []
    for mount in container.get('Mounts') or []:
        target = mount.get('Destination')
        if (mount.get('Type') == 'volume' and ANONYMOUS_VOLUME_NAME.match(mount.get('Name') or '')
                and target in wanted and target not in taken):
            pairs.append((mount['Name'], target))
    return sorted(pairs, key=lambda pair: pair[1])


def _state_text(container: dict) -> str:
    return 'running' if (container.get('State') or {}).get('Running') else 'stopped'


def recreate(client, old: dict, spec: dict, params: dict, result: dict, *, network_mode: str | None,
             new_image: dict | None, start: bool) -> str:
    """Replace ``old`` by a container built from ``spec``; returns the new ID.

    ``result['changed']`` is kept true from the first step that changed the host, so a failure
    reports it. Every failure says what state the host is left in.
    """
    name = spec['name']
    short = old['Id'][:12]
    was_running = (old.get('State') or {}).get('Running')
    image = None if 'image' in spec else replacement_image(client, old)
    temp = temporary_name(name)
    try:
        config = create_config(spec, params, image=image, network_mode=network_mode,
                               inherited_volumes=inherited_volumes(old, spec, new_image))
        new_id = create_container(client, config, temp, post_create_endpoints(spec, config))
    except (APIError, DockerException, RequestException, OSError) as exc:
        _remove_quietly(client, temp)
        raise EngineStepError('Container %s: the engine refused to create its replacement' % name, exc,
                              'Nothing was replaced: the old container %s is kept as it was (%s).'
                              % (short, _state_text(old)), **result)
    result['changed'] = True  # until the replacement is gone again

    if was_running:
        try:
            stop_container(client, old['Id'], params.get('stop_timeout'))
        except (APIError, DockerException, RequestException, OSError) as exc:
            raise EngineStepError('Container %s: stopping the old container failed' % name, exc,
                                  '%s The old container %s is kept.' % (_drop_replacement(client, new_id, temp), short),
                                  **result)
    if start:
        try:
            start_container(client, new_id)
        except (APIError, DockerException, RequestException, OSError) as exc:
            dropped = _drop_replacement(client, new_id, temp)
            if not was_running and dropped.startswith('The replacement was removed'):
                result['changed'] = False  # created and removed again: the host is as it was
            raise EngineStepError('Container %s: its replacement could not start' % name, exc,
                                  '%s %s' % (dropped, _rollback(client, old, was_running)), **result)

    try:
        remove_container(client, old['Id'], volumes=False)
        rename_container(client, new_id, name)
    except (APIError, DockerException, RequestException, OSError) as exc:
        result['changed'] = True
        raise EngineStepError('Container %s: finishing the replacement failed' % name, exc,
                              'The new container runs as %s; run the task again to finish.' % temp, **result)
    return new_id


def _rollback(client, old: dict, was_running: bool) -> str:
    """Start the old container again after a failed start of its replacement; say how that went."""
    short = old['Id'][:12]
    if not was_running:
        return 'The old container %s is kept (stopped, as it was).' % short
    try:
        if lookup_container(client, old['Id']) is None:
            return ('The old container %s removed itself when stopped (auto_remove), so no container %s is left.'
                    % (short, _name(old)))
        start_container(client, old['Id'])
    except (APIError, DockerException, RequestException, OSError) as exc:
        return 'Starting the old container %s again failed too (%s), so it is stopped.' % (short, describe_error(exc))
    return 'The old container %s was started again.' % short


def _drop_replacement(client, new_id: str, temp: str) -> str:
    """Remove the replacement after a failed step; say whether that worked."""
    if _remove_quietly(client, new_id):
        return 'The replacement was removed.'
    return 'The replacement %s could not be removed; the next run removes it.' % temp


def _remove_quietly(client, container: Any) -> bool:
    """Best-effort clean-up of a replacement; a failure here must not hide the first error."""
    try:
        remove_container(client, container, volumes=True)
    except (APIError, DockerException, RequestException, OSError):
        return False
    return True
