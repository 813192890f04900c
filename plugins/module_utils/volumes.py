# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named volumes: inspect, compare, create, remove, and who uses them.

A volume holds data, so a volume whose settings differ is never replaced without ``recreate``.
"""

from __future__ import annotations

import re

from ansible_collections.fleet.docker.plugins.module_utils.connection import FleetDockerError, NotFound
from ansible_collections.fleet.docker.plugins.module_utils.container_spec import scalar_string


VOLUME_OPTIONS = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    driver=dict(type='str', default='local'),
    driver_options=dict(type='dict'),
    labels=dict(type='dict'),
    recreate=dict(type='bool', default=False),
)

_NAME = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]+$')


def _strings(option, values):
    """labels and driver_options as the engine stores them, by the container options' own rule."""
    return dict((str(key), scalar_string('%s %s' % (option, key), value)) for key, value in (values or {}).items())


def find_volume(client, name):
    try:
        return client.inspect_volume(name)
    except NotFound:
        return None


def volume_users(client, name):
    """Names of the containers (running or not) that use the volume."""
    return sorted(n.lstrip('/') for c in client.containers(all=True, filters={'volume': name})
                  for n in (c.get('Names') or [])[:1])


def summarize_volume(volume, users):
    if not volume:
        return None
    return dict(name=volume.get('Name'), driver=volume.get('Driver'), mountpoint=volume.get('Mountpoint'),
                scope=volume.get('Scope'), labels=volume.get('Labels') or {}, options=volume.get('Options') or {},
                created_at=volume.get('CreatedAt'), containers=users)


def compare_volume(params, volume):
    """Differences the user asked for; options and labels are compared only when set (pure)."""
    diffs = []
    if params.get('driver') and params['driver'] != volume.get('Driver'):
        diffs.append(dict(option='driver', before=volume.get('Driver'), after=params['driver']))
    for option, key in (('driver_options', 'Options'), ('labels', 'Labels')):
        if params.get(option) is not None:
            desired = _strings(option, params[option])
            actual = volume.get(key) or {}
            if desired != actual:
                diffs.append(dict(option=option, before=actual, after=desired))
    return diffs


def _describe(diffs):
    return '; '.join('%s is %r, the task wants %r' % (d['option'], d['before'], d['after']) for d in diffs)


def converge_volume(client, params, check_mode=False, diff=False):
    name = params['name']
    if not name or not _NAME.match(name):
        raise FleetDockerError('Invalid volume name %r: use letters, digits, _ . and -, at least 2 characters.'
                               % (name,))
    labels = _strings('labels', params.get('labels'))
    options = _strings('driver_options', params.get('driver_options'))
    volume = find_volume(client, name)
    result = dict(changed=False, actions=[], changes=[])
    before = dict(state='present' if volume else 'absent')
    if params['state'] == 'absent':
        if volume is not None:
            users = volume_users(client, name)
            if users:
                raise FleetDockerError('Volume %s is in use by container(s) %s; remove them first.'
                                       % (name, ', '.join(users)))
            result.update(changed=True, actions=['removed'])
            if not check_mode:
                client.remove_volume(name)
        result['volume'] = None
        if diff:
            result['diff'] = dict(before=before, after=dict(state='absent'))
        return result

    if volume is not None:
        diffs = compare_volume(params, volume)
        result['changes'] = diffs
        if diffs or params.get('recreate'):
            if diffs and not params.get('recreate'):
                raise FleetDockerError('Volume %s exists with different settings (%s). Set recreate: true to replace '
                                       'it; its data will be lost.' % (name, _describe(diffs)), changes=diffs)
            users = volume_users(client, name)
            if users:
                raise FleetDockerError('Volume %s must be recreated but is in use by container(s) %s; remove them '
                                       'first.' % (name, ', '.join(users)), changes=diffs)
            result.update(changed=True, actions=['recreated'])
            result.setdefault('warnings', []).append('Volume %s was recreated: the data it held is gone.' % name)
            result['msg'] = 'Volume %s was recreated; the data it held is gone.' % name
            if not check_mode:
                client.remove_volume(name)
                volume = client.create_volume(name, driver=params['driver'], driver_opts=options or None,
                                              labels=labels or None)
    else:
        diffs = []
        result.update(changed=True, actions=['created'])
        if not check_mode:
            volume = client.create_volume(name, driver=params['driver'], driver_opts=options or None,
                                          labels=labels or None)
    if diff:
        after = dict(state='present')
        for entry in diffs:
            before[entry['option']] = entry['before']
            after[entry['option']] = entry['after']
        result['diff'] = dict(before=before, after=after)
    if volume is not None and not check_mode:
        volume = find_volume(client, name)
    result['volume'] = summarize_volume(volume, volume_users(client, name) if volume else [])
    return result


def volume_info(client, name=None):
    if name:
        volume = find_volume(client, name)
        if volume is None:
            return dict(changed=False, exists=False, volume=None, volumes=[])
        info = summarize_volume(volume, volume_users(client, name))
        return dict(changed=False, exists=True, volume=info, volumes=[info])
    users = {}
    for container in client.containers(all=True):
        cname = (container.get('Names') or [container['Id'][:12]])[0].lstrip('/')
        for mount in container.get('Mounts') or []:
            if mount.get('Type') == 'volume' and mount.get('Name'):
                users.setdefault(mount['Name'], set()).add(cname)
    volumes = client.volumes().get('Volumes') or []
    return dict(changed=False, volumes=[summarize_volume(v, sorted(users.get(v['Name'], ())))
                                        for v in sorted(volumes, key=lambda v: v['Name'])])
