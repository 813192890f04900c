# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.volume: compare, create, recreate and remove a named volume.

A volume holds data, so it is replaced only when ``recreate`` says so, never while a container
uses it, and a replacement always says that the data is gone.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import EngineStepError, FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import check_restricted_name
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import string_mapping
from ansible_collections.fleet.docker.plugins.module_utils.volumes.info import summarize_volume, volume_users
from ansible_collections.fleet.docker.plugins.module_utils.volumes.ops import create_volume, find_volume, remove_volume

NEVER, OPTIONS_CHANGED, ALWAYS = 'never', 'options-changed', 'always'
RECREATE_POLICIES = (NEVER, OPTIONS_CHANGED, ALWAYS)

VOLUME_OPTIONS = dict(
    name=dict(type='str', required=True, aliases=['volume_name']),  # community.docker's name
    state=dict(type='str', default='present', choices=['present', 'absent']),
    driver=dict(type='str', default='local'),
    driver_options=dict(type='dict'),
    labels=dict(type='dict'),
    # raw, not str with choices: the booleans of older playbooks must reach parse_recreate.
    recreate=dict(type='raw', default=NEVER),
)


def parse_recreate(value) -> tuple:
    """(policy, warning or None) from the recreate option (pure).

    Before #13, ``recreate`` was a boolean and ``true`` wiped the volume on every run. ``false``
    meant never. ``true`` is read as options-changed, what playbooks wrote it for (let a settings
    change through): a boolean never asks for data to be wiped on every run, only ``always`` does.
    """
    if value is None:
        return NEVER, None   # an explicit null is "not set"
    if isinstance(value, str) and value.strip().lower() in RECREATE_POLICIES:
        return value.strip().lower(), None
    if isinstance(value, (bool, int, str)):
        word = value.strip().lower() if isinstance(value, str) else value
        if word in BOOLEANS_FALSE:
            return NEVER, None
        if word in BOOLEANS_TRUE:
            return OPTIONS_CHANGED, ('recreate: %s is read as recreate: options-changed (the volume is replaced only '
                                     'when its settings differ). Write options-changed, or always to replace it on '
                                     'every run.' % (value,))
    raise FleetDockerError('recreate must be one of %s, got %r.' % (', '.join(RECREATE_POLICIES), value))


def compare_volume(params, volume):
    """Differences the user asked for (pure): driver_options and labels compare the keys the task names.

    As community.docker.docker_volume does: a label or option another tool added is not a difference,
    which matters because a difference can recreate the volume and lose its data.
    """
    diffs = []
    if params.get('driver') and params['driver'] != volume.get('Driver'):
        diffs.append(dict(option='driver', before=volume.get('Driver'), after=params['driver']))
    for option, key in (('driver_options', 'Options'), ('labels', 'Labels')):
        if params.get(option) is not None:
            desired = string_mapping(option, params[option])
            actual = volume.get(key) or {}
            if any(actual.get(name) != value for name, value in desired.items()):
                diffs.append(dict(option=option, before=actual, after=desired))
    return diffs


def _describe(diffs):
    return '; '.join('%s is %r, the task wants %r' % (d['option'], d['before'], d['after']) for d in diffs)


def must_recreate(name: str, diffs: list, policy: str) -> bool:
    """Whether an existing volume is replaced (pure); raises when it differs and policy is never."""
    if policy == ALWAYS:
        return True
    if not diffs:
        return False
    if policy == NEVER:
        raise FleetDockerError('Volume %s exists with different settings (%s). Set recreate: options-changed to '
                               'replace it; its data will be lost.' % (name, _describe(diffs)), changes=diffs)
    return True


def _create(client, name, params, options, labels):
    return create_volume(client, name, params['driver'], options, labels)


def converge_volume(client, params, check_mode=False, diff=False, warn=None):
    """``warn(text)`` is the module's warn: warnings returned in the result are deprecated by ansible-core."""
    warn = warn or (lambda text: None)
    name = check_restricted_name('volume', params['name'])
    policy, warning = parse_recreate(params.get('recreate', NEVER))
    labels = string_mapping('labels', params.get('labels'))
    options = string_mapping('driver_options', params.get('driver_options'))
    volume = find_volume(client, name)
    result = dict(changed=False, actions=[], changes=[])
    if warning:
        warn(warning)
    before = dict(state='present' if volume else 'absent')
    if params['state'] == 'absent':
        if volume is not None:
            users = volume_users(client, name)
            if users:
                raise FleetDockerError('Volume %s is in use by container(s) %s; remove them first.'
                                       % (name, ', '.join(users)))
            result.update(changed=True, actions=['removed'])
            if not check_mode:
                remove_volume(client, name)
        result['volume'] = None
        if diff:
            result['diff'] = dict(before=before, after=dict(state='absent'))
        return result

    if volume is not None:
        diffs = compare_volume(params, volume)
        result['changes'] = diffs
        if must_recreate(name, diffs, policy):
            users = volume_users(client, name)
            if users:
                raise FleetDockerError('Volume %s must be recreated (recreate: %s) but is in use by container(s) %s; '
                                       'a volume in use is never recreated. Remove them first.'
                                       % (name, policy, ', '.join(users)), changes=diffs)
            result.update(changed=True, actions=['recreated'])
            warn('Volume %s was recreated: the data it held is gone.' % name)
            result['msg'] = 'Volume %s was recreated; the data it held is gone.' % name
            if not check_mode:
                remove_volume(client, name)
                try:
                    volume = _create(client, name, params, options, labels)
                except Exception as exc:  # pylint: disable=broad-except
                    raise EngineStepError('Creating volume %s again' % name, exc,
                                          'The old volume and its data were removed.', changed=True,
                                          actions=['removed'], changes=diffs)
    else:
        diffs = []
        result.update(changed=True, actions=['created'])
        if not check_mode:
            volume = _create(client, name, params, options, labels)
    if diff:
        after = dict(state='present')
        if 'recreated' in result['actions']:
            before['recreated'], after['recreated'] = False, True
        for entry in diffs:
            before[entry['option']] = entry['before']
            after[entry['option']] = entry['after']
        result['diff'] = dict(before=before, after=after)
    if volume is not None and not check_mode:
        volume = find_volume(client, name)
    result['volume'] = summarize_volume(volume, volume_users(client, name) if volume else [])
    return result
