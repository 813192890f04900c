# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.prune: filter parsing and candidate selection (pure), and the prune calls.

The engine's prune endpoints have no dry run, so check mode lists the candidates with list
calls and applies the same filters here, the way the engine's prune code selects them.
"""

from __future__ import annotations

import datetime
import re
import time

from ansible_collections.fleet.docker.plugins.module_utils.cleanup.ancestry import human_size
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, FleetDockerError, NotFound
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_entries, prune_containers
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import ValueSpecError, parse_duration
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import (
    PREDEFINED_NETWORKS, PRUNE_ANONYMOUS_ONLY_API, is_anonymous_volume)


KINDS = ('containers', 'images', 'volumes', 'networks', 'builder_cache')
# What each prune endpoint of API 1.41 accepts; anything else is refused before any call.
ALLOWED_FILTERS = dict(
    containers=('until', 'label', 'label!'),
    images=('until', 'label', 'label!'),
    volumes=('label', 'label!'),
    networks=('until', 'label', 'label!'),
    builder_cache=('until',),
)
STOPPED_STATES = ('created', 'exited', 'dead')
# community.docker hands its filters to the engine as they are; these two select what our own
# options select: images {dangling: false} is images_all, volumes {all: true} (Docker 23+) volumes_all.
_FILTER_OPTIONS = (('images', 'dangling', 'images_all', False), ('volumes', 'all', 'volumes_all', True))


def parse_until(value, now=None, duration_only=False):
    """Epoch seconds for an ``until`` value: a Go duration ago (24h, 90m), a Unix timestamp or a date."""
    now = time.time() if now is None else now
    text = str(value).strip()
    number = re.match(r'^\d+(?:\.\d+)?$', text)
    if not number:  # a bare number is a Unix timestamp here, not seconds as in parse_duration
        try:
            return now - parse_duration('until', text) / 1e9
        except ValueSpecError:
            pass
    if duration_only:
        raise FleetDockerError('until %r: the build cache takes a duration such as 24h or 90m.' % value)
    if number:
        return float(text)
    try:
        stamp = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise FleetDockerError('until %r is not a duration (24h), a Unix timestamp or a date (2024-01-31T12:00:00Z).'
                               % value)
    if stamp.tzinfo is None:
        return time.mktime(stamp.timetuple()) + stamp.microsecond / 1e6  # like the engine: local time
    return stamp.timestamp()


def normalize_filters(kind, filters):
    """Validate one kind's filters; return {'until': str or None, 'label': [...], 'label!': [...]}."""
    filters = filters or {}
    if not isinstance(filters, dict):
        raise FleetDockerError('%s_filters must be a dictionary such as {label: [team=web], until: 24h}.' % kind)
    unknown = sorted(set(filters) - set(ALLOWED_FILTERS[kind]))
    if unknown:
        raise FleetDockerError('%s_filters: unsupported filter %s; %s takes %s.'
                               % (kind, ', '.join(unknown), kind, ', '.join(ALLOWED_FILTERS[kind])))
    result = {'until': None, 'label': [], 'label!': []}
    for key, value in filters.items():
        if value is None:
            continue
        if key == 'until':
            if isinstance(value, (list, dict, bool)):
                raise FleetDockerError('%s_filters: until takes one value, got %r.' % (kind, value))
            parse_until(value, duration_only=kind == 'builder_cache')
            result['until'] = str(value)
        else:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                raise FleetDockerError('%s_filters: %s takes a label key or key=value, or a list of them.'
                                       % (kind, key))
            result[key] = [v.strip() for v in values]
    return result


def api_filters(filters):
    """The filters dict the prune endpoint takes."""
    out = {}
    if filters['until']:
        out['until'] = filters['until']
    for key in ('label', 'label!'):
        if filters[key]:
            out[key] = list(filters[key])
    return out


def _label_hit(labels, expr):
    key, sep, val = expr.partition('=')
    return key in labels and (not sep or labels[key] == val)


def filters_match(filters, labels, created, now=None):
    """Whether an object passes the filters as the engine's prune applies them."""
    labels = labels or {}
    if not all(_label_hit(labels, expr) for expr in filters['label']):
        return False
    if any(_label_hit(labels, expr) for expr in filters['label!']):
        return False
    if filters['until'] and created is not None:
        if created >= parse_until(filters['until'], now):
            return False
    return True


def _iso_epoch(text):
    """Epoch seconds from the engine's RFC 3339 timestamps (nanoseconds trimmed)."""
    if not text:
        return None
    text = re.sub(r'(\.\d{6})\d+', r'\1', str(text).replace(' UTC', '').strip())
    text = text.replace('Z', '+00:00')
    text = re.sub(r' ([+-]\d{4})$', lambda m: m.group(1)[:3] + ':' + m.group(1)[3:], text)
    try:
        return datetime.datetime.fromisoformat(text.replace(' ', 'T', 1)).timestamp()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Candidates (pure: inputs are the engine's list answers)

def container_candidates(containers, filters, now=None):
    found = []
    for c in containers:
        if c.get('State') not in STOPPED_STATES:
            continue
        if filters_match(filters, c.get('Labels'), c.get('Created'), now):
            name = (c.get('Names') or ['/' + c['Id'][:12]])[0].lstrip('/')
            found.append(dict(id=c['Id'], name=name, size=max(c.get('SizeRw') or 0, 0)))
    return found


def image_candidates(images, all_images, containers, filters, dangling_only, df_images=None, now=None):
    """Images a prune would delete: unused by any container; dangling ones only unless -a.

    Dangling means no tag and no digest, and not the parent of another image (those are build
    intermediates that go with their child).
    """
    df_images = df_images or {}
    used = {c.get('ImageID') for c in containers}
    parents = {i.get('ParentId') for i in all_images if i.get('ParentId')}
    found = []
    for image in images:
        tags = [t for t in image.get('RepoTags') or [] if not t.startswith('<none>')]
        digests = [d for d in image.get('RepoDigests') or [] if not d.startswith('<none>')]
        if image['Id'] in used:
            continue
        if dangling_only and (tags or digests or image['Id'] in parents):
            continue
        if not filters_match(filters, image.get('Labels'), image.get('Created'), now):
            continue
        df_entry = df_images.get(image['Id'], {})
        size = max(df_entry.get('Size', image.get('Size')) or 0, 0)
        shared = max(df_entry.get('SharedSize') or 0, 0)
        found.append(dict(id=image['Id'], tags=tags, size=max(size - shared, 0)))
    return found


def volume_candidates(volumes, filters, df_volumes=None, anonymous_only=False):
    """Unused volumes a prune would remove; with ``anonymous_only``, the anonymous ones only."""
    df_volumes = df_volumes or {}
    found = []
    for vol in volumes:
        if anonymous_only and not is_anonymous_volume(vol):
            continue
        if filters_match(filters, vol.get('Labels'), None):
            usage = (df_volumes.get(vol['Name']) or {}).get('UsageData') or {}
            found.append(dict(name=vol['Name'], size=max(usage.get('Size') or 0, 0)))
    return found


def network_candidates(networks, filters, now=None):
    """Networks with no container attached, predefined ones excepted; entries come from inspect."""
    found = []
    for net in networks:
        if net.get('Name') in PREDEFINED_NETWORKS or net.get('Containers'):
            continue
        if (net.get('Labels') or {}).get('com.docker.swarm.internal') or net.get('Ingress'):
            continue
        if filters_match(filters, net.get('Labels'), _iso_epoch(net.get('Created')), now):
            found.append(dict(id=net['Id'], name=net['Name']))
    return found


def cache_candidates(records, filters, now=None):
    found = []
    for rec in records:
        if rec.get('InUse') or rec.get('Shared'):
            continue
        last = _iso_epoch(rec.get('LastUsedAt')) or _iso_epoch(rec.get('CreatedAt'))
        if filters_match(filters, None, last, now):
            found.append(dict(id=rec.get('ID'), type=rec.get('Type'), size=max(rec.get('Size') or 0, 0)))
    return found


# ---------------------------------------------------------------------------------------------
# Engine side

def api_of(client) -> tuple:
    """The negotiated API version as a tuple, e.g. (1, 41)."""
    try:
        return tuple(int(part) for part in str(client.api_version).split('.'))
    except ValueError:
        return (0,)


def _plan(client, kinds, filters, images_all, volumes_all=False):
    df = client.df() if any(k in kinds for k in ('images', 'volumes', 'builder_cache')) else {}
    out = {}
    if 'containers' in kinds:
        listed = list_entries(client, _list_labels(filters['containers'], status=list(STOPPED_STATES)), size=True)
        out['containers'] = container_candidates(listed, filters['containers'])
    if 'images' in kinds:
        images = client.images(filters=_list_labels(filters['images']))
        out['images'] = image_candidates(images, client.images(all=True), list_entries(client),
                                         filters['images'], not images_all,
                                         {i['Id']: i for i in df.get('Images') or []})
    if 'volumes' in kinds:
        volumes = client.volumes(filters=_list_labels(filters['volumes'], dangling=True)).get('Volumes') or []
        out['volumes'] = volume_candidates(volumes, filters['volumes'],
                                           {v['Name']: v for v in df.get('Volumes') or []},
                                           anonymous_only=not volumes_all)
    if 'networks' in kinds:
        inspected = []
        for net in client.networks(filters=_list_labels(filters['networks'])):
            try:
                inspected.append(client.inspect_network(net['Id']))
            except NotFound:
                continue
        out['networks'] = network_candidates(inspected, filters['networks'])
    if 'builder_cache' in kinds:
        out['builder_cache'] = cache_candidates(df.get('BuildCache') or [], filters['builder_cache'])
    return out


def _list_labels(filters, **extra):
    # List endpoints take positive label filters; label! and until are applied in Python.
    out = dict(extra)
    if filters['label']:
        out['label'] = list(filters['label'])
    return out


def _prune_volumes(client, filters: dict, volumes_all: bool) -> dict:
    """Prune volumes with the same outcome on every engine: anonymous ones only unless volumes_all.

    Every unused volume: the engine's prune (with all=true from API 1.42, where prune alone means
    anonymous only). Anonymous only: done here, because the engines disagree on what that is
    (20.10 prunes named ones too, 26.1 misses --mount volumes, naming.is_anonymous_volume): list
    the unused anonymous volumes and remove them one by one (one that got a user meanwhile stays).
    """
    flt = api_filters(filters)
    if volumes_all:
        if api_of(client) >= PRUNE_ANONYMOUS_ONLY_API:
            flt['all'] = ['true']
        res = client.prune_volumes(filters=flt)
        return dict(items=[dict(name=n) for n in res.get('VolumesDeleted') or []],
                    space=res.get('SpaceReclaimed') or 0)
    listed = client.volumes(filters=_list_labels(filters, dangling=True)).get('Volumes') or []
    sizes = {v['Name']: v for v in client.df().get('Volumes') or []}
    done = dict(items=[], space=0)
    for vol in volume_candidates(listed, filters, sizes, anonymous_only=True):
        try:
            client.remove_volume(vol['name'])
        except NotFound:
            continue
        except APIError as exc:
            if exc.status_code == 409:  # in use since it was listed: not unused any more
                continue
            raise FleetDockerError('Removing volume %s failed: %s' % (vol['name'], exc.explanation or exc),
                                   changed=bool(done['items']), volumes=dict(count=len(done['items']),
                                                                             items=done['items']))
        done['items'].append(dict(name=vol['name']))
        done['space'] += vol['size']
    return done


def _prune(client, kinds, filters, images_all, volumes_all=False):
    out = {}
    if 'containers' in kinds:
        res = prune_containers(client, api_filters(filters['containers']))
        out['containers'] = dict(items=[dict(id=i) for i in res.get('ContainersDeleted') or []],
                                 space=res.get('SpaceReclaimed') or 0)
    if 'images' in kinds:
        flt = api_filters(filters['images'])
        flt['dangling'] = not images_all
        res = client.prune_images(filters=flt)
        deleted = [d['Deleted'] for d in res.get('ImagesDeleted') or [] if d.get('Deleted')]
        untagged = [d['Untagged'] for d in res.get('ImagesDeleted') or [] if d.get('Untagged')]
        out['images'] = dict(items=[dict(id=i) for i in deleted], untagged=untagged,
                             space=res.get('SpaceReclaimed') or 0)
    if 'volumes' in kinds:
        out['volumes'] = _prune_volumes(client, filters['volumes'], volumes_all)
    if 'networks' in kinds:
        res = client.prune_networks(filters=api_filters(filters['networks']))
        out['networks'] = dict(items=[dict(name=n) for n in res.get('NetworksDeleted') or []], space=0)
    if 'builder_cache' in kinds:
        res = client.prune_builds(filters=api_filters(filters['builder_cache']))
        out['builder_cache'] = dict(items=[dict(id=i) for i in res.get('CachesDeleted') or []],
                                    space=res.get('SpaceReclaimed') or 0)
    return out


def community_filters(params: dict) -> dict:
    """``params`` with community.docker's images_filters.dangling and volumes_filters.all turned into
    images_all and volumes_all (pure); a value that contradicts the option is refused."""
    out = dict(params)
    for kind, key, option, selects_all in _FILTER_OPTIONS:
        filters = dict(out.get('%s_filters' % kind) or {})
        if key not in filters:
            continue
        value = filters.pop(key)
        out['%s_filters' % kind] = filters
        if not out.get(kind):
            continue  # that kind is not pruned: its filters select nothing
        text = str(value).strip().lower()
        if text not in ('true', 'false', '1', '0'):
            raise FleetDockerError('%s_filters: %s takes true or false, got %r.' % (kind, key, value))
        wants_all = (text in ('true', '1')) == selects_all
        if out.get(option) and not wants_all:
            raise FleetDockerError('%s_filters: %s=%s contradicts %s=true.' % (kind, key, value, option))
        out[option] = bool(out.get(option)) or wants_all
    return out


def run_prune(module):
    params = community_filters(module.params)
    kinds = [k for k in KINDS if params[k]]
    # Validate every filter before the first engine call, so bad input changes nothing.
    filters = {k: normalize_filters(k, params['%s_filters' % k]) for k in KINDS}
    if params['images_all'] and not params['images']:
        raise FleetDockerError('images_all needs images: true.')
    if params['volumes_all'] and not params['volumes']:
        raise FleetDockerError('volumes_all needs volumes: true.')
    result = dict(changed=False, space_reclaimed=0)
    if not kinds:
        result['summary'] = 'Nothing selected to prune.'
        return result
    client = module.client
    if module.check_mode:
        plan = _plan(client, kinds, filters, params['images_all'], params['volumes_all'])
        for kind in kinds:
            items = plan[kind]
            space = sum(i.get('size', 0) for i in items)
            result[kind] = dict(count=len(items), space_reclaimed=space, items=items)
    else:
        done = _prune(client, kinds, filters, params['images_all'], params['volumes_all'])
        for kind in kinds:
            entry = dict(count=len(done[kind]['items']), space_reclaimed=done[kind]['space'],
                         items=done[kind]['items'])
            if 'untagged' in done[kind]:
                entry['untagged'] = done[kind]['untagged']
            result[kind] = entry
    result['space_reclaimed'] = sum(result[k]['space_reclaimed'] for k in kinds)
    result['changed'] = any(result[k]['count'] or result[k].get('untagged') for k in kinds)
    counts = ', '.join('%d %s' % (result[k]['count'], k.replace('_', ' ')) for k in kinds)
    result['summary'] = '%s %s; %s %s.' % ('Would prune' if module.check_mode else 'Pruned', counts,
                                           'would reclaim' if module.check_mode else 'reclaimed',
                                           human_size(result['space_reclaimed']))
    return result
