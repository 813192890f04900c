# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named volumes as the info and volume modules report them, with the containers that use them."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_entries
from ansible_collections.fleet.docker.plugins.module_utils.volumes.ops import find_volume


def volume_users(client, name):
    """Names of the containers (running or not) that use the volume."""
    return sorted(n.lstrip('/') for c in list_entries(client, {'volume': name})
                  for n in (c.get('Names') or [])[:1])


def summarize_volume(volume, users):
    if not volume:
        return None
    return dict(name=volume.get('Name'), driver=volume.get('Driver'), mountpoint=volume.get('Mountpoint'),
                scope=volume.get('Scope'), labels=volume.get('Labels') or {}, options=volume.get('Options') or {},
                created_at=volume.get('CreatedAt'), containers=users)


def volume_info(client, name=None):
    if name:
        volume = find_volume(client, name)
        if volume is None:
            return dict(changed=False, exists=False, volume=None, volumes=[])
        info = summarize_volume(volume, volume_users(client, name))
        return dict(changed=False, exists=True, volume=info, volumes=[info])
    users = {}
    for container in list_entries(client):
        cname = (container.get('Names') or [container['Id'][:12]])[0].lstrip('/')
        for mount in container.get('Mounts') or []:
            if mount.get('Type') == 'volume' and mount.get('Name'):
                users.setdefault(mount['Name'], set()).add(cname)
    volumes = client.volumes().get('Volumes') or []
    return dict(changed=False, volumes=[summarize_volume(v, sorted(users.get(v['Name'], ())))
                                        for v in sorted(volumes, key=lambda v: v['Name'])])
