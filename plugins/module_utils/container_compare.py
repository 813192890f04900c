# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired container spec versus a container's inspect output: which options drift, and how to fix them.

Pure functions. Only options present in the spec (the ones the user set) are compared, and
values the container inherited from its image (env, labels, volumes) are not drift.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.container_spec import (
    env_list_to_dict, normalize_binds, normalize_mounts, normalize_port_bindings, normalize_restart_policy,
    port_strings)
from ansible_collections.fleet.docker.plugins.module_utils.naming import ANONYMOUS_VOLUME_NAME, REPLACEMENT_LABEL

RECREATE = 'recreate'
UPDATE = 'update'


def _difference(option, before, after, how=RECREATE, engine=None):
    """One drifting option; ``engine`` is the desired value in the engine's form, for update calls."""
    entry = dict(option=option, before=before, after=after, how=how)
    if engine is not None:
        entry['engine'] = engine
    return entry


def _compare_dict(option, desired, actual, defaults):
    """Desired keys must match; keys the container has beyond them must be the image's own values.

    Returns (before, after) for the diff or None when equal. ``before`` leaves out what the image set.
    """
    drift = any(actual.get(k) != v for k, v in desired.items())
    drift = drift or any(k not in desired and defaults.get(k) != v for k, v in actual.items())
    if not drift:
        return None
    before = dict((k, v) for k, v in actual.items() if k in desired or defaults.get(k) != v)
    return before, dict(desired)


def _volume_text(vol):
    modes = (['ro'] if vol['read_only'] else []) + list(vol.get('flags') or [])
    return '%s:%s%s' % (vol['source'], vol['target'], ':' + ','.join(modes) if modes else '')


def _mount_text(mount):
    text = 'type=%s,target=%s' % (mount['type'], mount['target'])
    if mount['source']:
        text += ',source=%s' % mount['source']
    return text + (',readonly' if mount['read_only'] else '')


def _network_mode(mode):
    return 'bridge' if mode in (None, '', 'default') else mode


def compare_container(spec, container, container_image=None, desired_image_id=None, network_mode=None):
    """List the differences between ``spec`` and ``container`` (an inspect dict).

    ``container_image`` is the inspect of the image the container runs, for its defaults.
    ``desired_image_id`` is the ID the spec's image resolves to now (None: not known, e.g. an
    image check mode would pull, which then counts as a change). ``network_mode`` overrides the
    spec's network mode after resolution (``container:<id>``).
    """
    config = container.get('Config') or {}
    host = container.get('HostConfig') or {}
    image_config = (container_image or {}).get('Config') or {}
    diffs = []

    if 'image' in spec:
        current = container.get('Image')
        if desired_image_id is None or desired_image_id != current:
            diffs.append(_difference('image', dict(name=config.get('Image'), id=current),
                                     dict(name=spec['image'], id=desired_image_id or '(to be pulled)')))

    for option, key in (('command', 'Cmd'), ('entrypoint', 'Entrypoint')):
        if option in spec:
            actual = config.get(key) or []
            desired = spec[option]
            if option == 'entrypoint' and desired in ([], ['']):
                desired, actual = [], [a for a in actual if a]
            elif option == 'command' and not desired:
                # No command means the image's CMD, which the engine copied into the container.
                desired = actual if list(actual) == list(image_config.get('Cmd') or []) else []
            if list(actual) != list(desired):
                diffs.append(_difference(option, list(actual), list(desired)))

    if 'ports' in spec:
        actual = normalize_port_bindings(host.get('PortBindings'))
        desired = normalize_port_bindings(spec['ports'])
        if actual != desired:
            diffs.append(_difference('ports', port_strings(actual), port_strings(desired)))

    if 'publish_all' in spec and bool(host.get('PublishAllPorts')) != bool(spec['publish_all']):
        diffs.append(_difference('publish_all', bool(host.get('PublishAllPorts')), bool(spec['publish_all'])))

    if 'volumes' in spec:
        image_volumes = set(image_config.get('Volumes') or {})
        desired_anon = sorted(set(spec['volumes']['anonymous']) - image_volumes)
        anonymous_targets = image_volumes | set(spec['volumes']['anonymous'])
        # Anonymous volumes carried over from a replaced container are binds of their hex name.
        actual_binds = [v for v in normalize_binds(host.get('Binds'))
                        if not (ANONYMOUS_VOLUME_NAME.match(v['source']) and v['target'] in anonymous_targets)]
        actual_anon = sorted(set(config.get('Volumes') or {}) - image_volumes)
        if actual_binds != spec['volumes']['binds'] or actual_anon != desired_anon:
            diffs.append(_difference('volumes', [_volume_text(v) for v in actual_binds] + actual_anon,
                                     [_volume_text(v) for v in spec['volumes']['binds']] + desired_anon))

    if 'mounts' in spec:
        actual = normalize_mounts(host.get('Mounts'))
        if actual != spec['mounts']:
            diffs.append(_difference('mounts', [_mount_text(m) for m in actual],
                                     [_mount_text(m) for m in spec['mounts']]))

    if 'env' in spec:
        found = _compare_dict('env', spec['env'], env_list_to_dict(config.get('Env')),
                              env_list_to_dict(image_config.get('Env')))
        if found:
            diffs.append(_difference('env', *found))

    if 'labels' in spec:
        actual = dict((k, v) for k, v in (config.get('Labels') or {}).items() if k != REPLACEMENT_LABEL)
        found = _compare_dict('labels', spec['labels'], actual, image_config.get('Labels') or {})
        if found:
            diffs.append(_difference('labels', *found))

    for option, section, key in (('hostname', config, 'Hostname'), ('user', config, 'User'),
                                 ('working_dir', config, 'WorkingDir'), ('tty', config, 'Tty'),
                                 ('interactive', config, 'OpenStdin'), ('auto_remove', host, 'AutoRemove')):
        if option not in spec:
            continue
        desired, actual = spec[option], section.get(key)
        if isinstance(desired, bool):
            actual = bool(actual)
        elif option == 'working_dir':
            actual = (actual or '/').rstrip('/') or '/'
            desired = desired.rstrip('/') or '/'
        else:
            actual = actual or ''
        if actual != desired:
            diffs.append(_difference(option, actual, desired))

    if 'network_mode' in spec:
        desired = _network_mode(network_mode or spec['network_mode'])
        actual = _network_mode(host.get('NetworkMode'))
        if actual != desired:
            diffs.append(_difference('network_mode', actual, desired))

    if 'networks' in spec:
        actual = sorted(((container.get('NetworkSettings') or {}).get('Networks') or {}).keys())
        desired = set(spec['networks'])
        mode = spec.get('network_mode')
        if mode and mode not in ('host', 'none') and not mode.startswith('container:'):
            desired.add(mode)
        if actual != sorted(desired):
            diffs.append(_difference('networks', actual, sorted(desired), UPDATE))

    if 'restart_policy' in spec:
        actual = normalize_restart_policy(host.get('RestartPolicy'))
        desired = dict(spec['restart_policy'])
        if desired['MaximumRetryCount'] is None:
            # Unset retries are not compared; a policy change sets the engine's default, 0.
            desired['MaximumRetryCount'] = actual['MaximumRetryCount'] if actual['Name'] == desired['Name'] else 0
        if actual != desired:
            diffs.append(_difference('restart_policy', _policy_text(actual), _policy_text(desired), UPDATE,
                                     engine=desired))
    return diffs


def _policy_text(policy):
    return dict(name=policy['Name'], maximum_retry_count=policy['MaximumRetryCount'])


def needs_recreate(diffs):
    return any(d['how'] == RECREATE for d in diffs)


def diff_output(diffs, before_extra=None, after_extra=None):
    """Ansible's diff dict: before and after per drifting option."""
    before = dict(before_extra or {})
    after = dict(after_extra or {})
    for entry in diffs:
        before[entry['option']] = entry['before']
        after[entry['option']] = entry['after']
    return dict(before=before, after=after)
