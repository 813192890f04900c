# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine side of fleet.docker.cleanup: gather listings, run the plan from ancestry.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.fleet.docker.plugins.module_utils.cleanup.ancestry import (
    build_plan, normalize_container, normalize_image, parse_ancestors, reclaimable_bytes, summarize)
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    list_entries, lookup_container, remove_container, stop_container)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    MAX_POOL_SIZE, APIError, FleetDockerError, NotFound, daemon_of, describe_error)


# Every stop holds a pooled connection for its whole timeout: never more threads than connections.
MAX_WORKERS = MAX_POOL_SIZE


def _pool_size(count):
    return max(1, min(MAX_WORKERS, count))


def gather(client):
    """Top-level images (with layers and df sizes), every image's parent, every container."""
    df = client.df()
    df_images = {i['Id']: i for i in df.get('Images') or []}
    listed = client.images()
    listed_all = client.images(all=True)

    def inspect(image_id):
        try:
            return client.inspect_image(image_id)
        except NotFound:
            return None  # removed meanwhile by someone else
    with ThreadPoolExecutor(max_workers=8) as pool:
        inspected = dict(zip([i['Id'] for i in listed], pool.map(inspect, [i['Id'] for i in listed])))
    images = [normalize_image(i, inspected[i['Id']], df_images.get(i['Id']))
              for i in listed if inspected[i['Id']] is not None]
    top = {i['id'] for i in images}
    all_images = images + [normalize_image(i) for i in listed_all if i['Id'] not in top]
    containers = [normalize_container(c) for c in list_entries(client)]
    return images, all_images, containers


def _container_sizes(client, ids):
    """Writable-layer sizes of the given containers (size=1 is slow, so only for these)."""
    if not ids:
        return {}
    listed = list_entries(client, {'id': list(ids)}, size=True)
    return {c['Id']: max(c.get('SizeRw') or 0, 0) for c in listed}


def _named_volumes(client, container_ids):
    """Named volumes mounted by the containers: {volume name: [container names]}."""
    found = {}
    for cid in container_ids:
        info = lookup_container(client, cid)
        if info is None:
            continue
        for mount in info.get('Mounts') or []:
            if mount.get('Type') == 'volume' and mount.get('Name') and not _anonymous(mount['Name']):
                found.setdefault(mount['Name'], []).append(info['Name'].lstrip('/'))
    return found


def _anonymous(volume_name):
    # The engine names anonymous volumes with 64 hex digits; 20.10 has no label for it.
    return len(volume_name) == 64 and all(ch in '0123456789abcdef' for ch in volume_name)


def _remove_containers(module, plan, stop_timeout, volumes):
    """Stop the running ones in parallel, then remove all; return {container id: error}."""
    targets = [c for c in plan['containers'] if c['action'] != 'kept']
    if not targets:
        return {}
    workers = _pool_size(len(targets))
    client = module.client

    def stop_and_remove(container):
        try:
            if container['action'] == 'stopped_and_removed':
                stop_container(client, container['id'], stop_timeout)
            # force: a restart policy or a slow stop must not leave it behind; gone already is fine.
            remove_container(client, container['id'], volumes=volumes)
        except NotFound:
            return None  # already gone: the goal is met
        except Exception as exc:  # pylint: disable=broad-except
            return describe_error(exc, daemon_of(client))
        return None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        errors = dict(zip([c['id'] for c in targets], pool.map(stop_and_remove, targets)))
    return {cid: err for cid, err in errors.items() if err}


def _remove_names(client, plan):
    """Untag/delete in the planned order; update each entry with what the engine did."""
    errors = []
    for entry in plan['images']:
        if entry['action'] == 'kept':
            continue
        try:
            client.remove_image(entry['tag'], force=False, noprune=False)
        except NotFound:
            pass
        except APIError as exc:
            entry['action'] = 'kept'
            entry['reason'] = describe_error(exc, daemon_of(client))
            errors.append('%s: %s' % (entry['tag'], entry['reason']))
    # What really happened: an image still present was only untagged.
    for entry in plan['images']:
        if entry['action'] == 'deleted':
            try:
                client.inspect_image(entry['id'])
                entry['action'] = 'untagged'
                entry['reason'] = 'image still in use'
            except NotFound:
                pass
    return errors


def run_cleanup(module):
    params = module.params
    specs = parse_ancestors(params['ancestor'])  # bad input fails before any engine call
    if params['stop_timeout'] < 0:
        raise FleetDockerError('stop_timeout must be 0 or more seconds, got %d.' % params['stop_timeout'])
    client = module.client
    images, all_images, containers = gather(client)
    plan = build_plan(specs, images, containers, exclude=params['exclude'] or (),
                      descendants=params['descendants'], remove_containers=params['containers'],
                      remove_images=params['images'], all_images=all_images)
    sizes = _container_sizes(client, plan['removed_container_ids'])
    space = sum(sizes.values()) + reclaimable_bytes(images, plan['deleted_ids'])

    volumes_result = []
    if params['named_volumes'] and plan['removed_container_ids']:
        for name, users in sorted(_named_volumes(client, plan['removed_container_ids']).items()):
            volumes_result.append(dict(name=name, action='removed', used_by=users))

    errors = []
    if not module.check_mode:
        failed = _remove_containers(module, plan, params['stop_timeout'], params['volumes'])
        for entry in plan['containers']:
            if entry['id'] in failed:
                entry.update(action='kept', reason=failed[entry['id']])
                errors.append('container %s: %s' % (entry['name'], failed[entry['id']]))
        for volume in volumes_result:
            try:
                client.remove_volume(volume['name'])
            except NotFound:
                pass
            except APIError as exc:
                volume.update(action='kept', reason=describe_error(exc, daemon_of(client)))
        if params['images'] and not failed:
            errors.extend(_remove_names(client, plan))
        elif failed:
            for entry in plan['images']:
                if entry['action'] != 'kept':
                    entry.update(action='kept', reason='containers could not all be removed')
        if errors:
            # Recompute only what really went, so the numbers stay honest.
            gone = {e['id'] for e in plan['images'] if e['action'] == 'deleted'}
            space = sum(size for cid, size in sizes.items() if cid not in failed) + \
                reclaimable_bytes(images, gone)

    plan['volumes_removed'] = len([v for v in volumes_result if v['action'] == 'removed'])
    changed = any(c['action'] != 'kept' for c in plan['containers']) or \
        any(i['action'] != 'kept' for i in plan['images']) or plan['volumes_removed'] > 0
    result = dict(
        changed=changed,
        containers=[{k: c[k] for k in ('id', 'name', 'image', 'image_id', 'state', 'action', 'reason') if k in c}
                    for c in plan['containers']],
        images=plan['images'],
        space_reclaimed=space,
        summary=summarize(plan, space, module.check_mode),
    )
    if params['named_volumes']:
        result['volumes'] = volumes_result
    if plan['exclude_not_found']:
        result['exclude_not_found'] = plan['exclude_not_found']
    if errors:
        raise FleetDockerError('Clean-up incomplete: %s' % '; '.join(errors), **result)
    return result
