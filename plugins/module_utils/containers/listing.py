# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`docker ps` for modules: rows with the columns people read, filters, and exact ancestor matching."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_entries, lookup_container
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    is_image_id, looks_like_id_prefix, parse_reference)
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import inspect_image


FILTER_KEYS = ('id', 'name', 'label', 'exited', 'status', 'ancestor')


def ps_ports(ports):
    """List-API ports -> ``0.0.0.0:8080->80/tcp`` / ``80/tcp`` strings, sorted and without duplicates."""
    out = []
    for port in ports or []:
        key = '%s/%s' % (port.get('PrivatePort'), port.get('Type', 'tcp'))
        if port.get('PublicPort'):
            ip = port.get('IP') or '0.0.0.0'
            ip = '[%s]' % ip if ':' in ip else ip
            text = '%s:%s->%s' % (ip, port['PublicPort'], key)
        else:
            text = key
        if text not in out:
            out.append(text)
    return sorted(out)


def ps_row(entry):
    """One `docker ps` row from a list-API entry."""
    return dict(
        id=entry.get('Id'), names=[n.lstrip('/') for n in entry.get('Names') or []],
        image=entry.get('Image'), image_id=entry.get('ImageID'), command=entry.get('Command'),
        created=entry.get('Created'), status=entry.get('Status'), state=entry.get('State'),
        ports=ps_ports(entry.get('Ports')), labels=entry.get('Labels') or {},
        mounts=[dict(type=m.get('Type'), name=m.get('Name'), source=m.get('Source'),
                     destination=m.get('Destination'), rw=m.get('RW')) for m in entry.get('Mounts') or []],
    )


def resolve_ancestor(client, value):
    """The set of image IDs an ``ancestor`` value names.

    An ID or a tagged/digested reference is one image. A bare repository name means every tag of
    it on the host: that is what people mean by "containers from nginx", and what the engine's
    own ``ancestor=nginx`` (= nginx:latest) misses.
    """
    value = str(value).strip()
    if is_image_id(value) or looks_like_id_prefix(value):
        # Short hex is also a valid repository name: it is an ID only if an image ID starts with it.
        image = inspect_image(client, value)
        if image is not None and image['Id'][len('sha256:'):].startswith(value.replace('sha256:', '')):
            return set([image['Id']])
    ref = parse_reference(value)
    if ref.tag or ref.digest:
        image = inspect_image(client, ref.pull_ref)
        return set([image['Id']]) if image else set()
    return set(image['Id'] for image in client.images(name=ref.repository))


def _engine_filters(filters):
    out = {}
    for key, value in (filters or {}).items():
        if key not in FILTER_KEYS:
            raise FleetDockerError('Unknown filter %r: use %s.' % (key, ', '.join(FILTER_KEYS)))
        if key == 'ancestor' or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        out[key] = [str(v) for v in values]
    return out


def list_containers(client, filters=None, all_containers=False):
    """`docker ps [-a] [-f ...]` rows; ``ancestor`` matches exactly the images it resolves to."""
    engine_filters = _engine_filters(filters)
    ancestor = (filters or {}).get('ancestor')
    image_ids = None
    if ancestor is not None:
        image_ids = set()
        for value in ancestor if isinstance(ancestor, list) else [ancestor]:
            image_ids |= resolve_ancestor(client, value)
        if not image_ids:
            return []
        engine_filters['ancestor'] = sorted(image_ids)
    entries = list_entries(client, engine_filters, all_containers)
    # The engine's ancestor filter also matches images built on top of these; keep only exact ones.
    if image_ids is not None:
        entries = [e for e in entries if e.get('ImageID') in image_ids]
    return [ps_row(e) for e in entries]


def container_info(client, name=None, filters=None, all_containers=False):
    if name:
        found = lookup_container(client, name)
        if found is None:
            return dict(changed=False, exists=False, container=None, containers=[])
        rows = [ps_row(e) for e in list_entries(client, {'id': found['Id']})]
        row = rows[0] if rows else None
        return dict(changed=False, exists=row is not None, container=row, containers=rows)
    rows = list_containers(client, filters, all_containers)
    return dict(changed=False, containers=rows)
