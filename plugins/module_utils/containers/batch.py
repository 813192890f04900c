# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.containers: many containers in one module run, on a thread pool.

Orchestration only. Every item is validated against ``CONTAINER_OPTIONS`` (the container
module's own argument spec) and ``build_spec`` before the engine is touched, then handed to
``converge_container`` -- the single module's code -- with one shared ``ImageCache``, so each
image is pulled once and there is no second implementation of parsing or comparison.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    FleetDockerError, daemon_of, describe_error)
from ansible_collections.fleet.docker.plugins.module_utils.engine.parallel import run_parallel
from ansible_collections.fleet.docker.plugins.module_utils.containers.converge import ImageCache, converge_container
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_by_label
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS, build_spec
from ansible_collections.fleet.docker.plugins.module_utils.containers.recreate import LeftoverIndex

PROJECT_LABEL = 'fleet.docker.project'
SUMMARY_ACTIONS = ('pulled', 'created', 'recreated', 'updated', 'started', 'restarted', 'stopped', 'removed',
                   'removed-leftover', 'adopted-leftover')


class BatchInputError(FleetDockerError):
    """Bad batch input: reported before anything on the engine changes."""


def merge_item(defaults, item, project=None):
    """``defaults`` overlaid by ``item`` (option by option), plus the project label when set."""
    merged = dict(defaults or {})
    merged.update(item)
    if project:
        labels = dict(merged.get('labels') or {})
        labels[PROJECT_LABEL] = project
        merged['labels'] = labels
    return merged


def validate_items(items, defaults=None, project=None):
    """Validate every item like the container module validates its task; return ``(params, spec)``
    per item, the spec canonical (``build_spec``), so converging parses nothing again.

    Raises BatchInputError listing every bad item, so bad input changes nothing.
    """
    errors = []
    defaults = dict(defaults or {})
    unknown = sorted(set(defaults) - set(CONTAINER_OPTIONS))
    if unknown:
        errors.append('defaults: unsupported option(s) %s.' % ', '.join(unknown))
    if 'name' in defaults:
        errors.append('defaults: name must be set per item, not in defaults.')
    if project is not None and not project:
        errors.append('project must not be empty.')
    if errors:
        raise BatchInputError(' '.join(errors))
    validator = ArgumentSpecValidator(CONTAINER_OPTIONS)
    validated, seen = [], {}
    for index, item in enumerate(items or []):
        where = 'containers[%d]' % index
        if not isinstance(item, dict):
            errors.append('%s: expected a dict of container options, got %s.' % (where, type(item).__name__))
            continue
        if isinstance(item.get('name'), str) and item['name']:
            where += ' (%s)' % item['name']
        result = validator.validate(merge_item(defaults, item, project))
        if result.error_messages:
            errors.extend('%s: %s' % (where, msg) for msg in result.error_messages)
            continue
        params = result.validated_parameters
        try:
            spec = build_spec(params)
        except FleetDockerError as exc:
            errors.append('%s: %s' % (where, exc.msg))
            continue
        key = params['name'].lstrip('/')
        if key in seen:
            errors.append('%s: the name %s is already used by containers[%d].' % (where, key, seen[key]))
            continue
        seen[key] = index
        validated.append((params, spec))
    if errors:
        raise BatchInputError('Invalid containers, nothing was changed: ' + ' '.join(errors),
                              errors=errors)
    return validated


def _run_one(client, params, check_mode, diff, cache, leftovers=None, spec=None):
    try:
        result = converge_container(client, params, check_mode, diff, cache, leftovers, spec=spec)
        result['failed'] = False
    except FleetDockerError as exc:
        # The one place a batch item's error becomes words, naming the daemon like the module does.
        result = dict(exc.result)
        result.update(failed=True, msg=describe_error(exc, daemon_of(client)), changed=bool(result.get('changed')))
        result.setdefault('actions', [])
    except Exception as exc:  # pylint: disable=broad-except
        # One bad item must not lose the results of the others.
        result = dict(failed=True, changed=False, actions=[], msg=describe_error(exc, daemon_of(client)))
    result['name'] = params['name'].lstrip('/')
    return result


def purge_candidates(client, project, keep):
    """Names of the containers that carry this project's label and are not in ``keep``."""
    names = []
    for container in list_by_label(client, PROJECT_LABEL, project):
        name = ((container.get('Names') or ['/' + container['Id']])[0]).lstrip('/')
        if name not in keep:
            names.append(name)
    return sorted(names)


def summarize(results, purged):
    summary = dict(total=len(results), changed=0, unchanged=0, failed=0, purged=len(purged))
    for action in SUMMARY_ACTIONS:
        summary[action] = 0
    for result in results:
        if result.get('failed'):
            summary['failed'] += 1
        elif result.get('changed'):
            summary['changed'] += 1
        else:
            summary['unchanged'] += 1
        for action in result.get('actions') or []:
            if action in summary:
                summary[action] += 1
    return summary


def converge_batch(client, items, defaults=None, parallel=4, project=None, purge=False, check_mode=False,
                   diff=False):
    """Converge every item (in parallel) and purge this project's unlisted containers; return the result."""
    if purge and not project:
        raise BatchInputError('purge needs project: only containers with that project label are removed.')
    if parallel is not None and parallel < 1:
        raise BatchInputError('parallel must be 1 or more, got %s.' % parallel)
    validated = validate_items(items, defaults, project)
    cache = ImageCache()
    try:
        leftovers = LeftoverIndex(client) if validated or purge else None
    except Exception as exc:  # pylint: disable=broad-except
        raise FleetDockerError('Listing the replacement containers failed, nothing was changed: %s'
                               % describe_error(exc, daemon_of(client)))
    results = run_parallel(lambda item: _run_one(client, item[0], check_mode, diff, cache, leftovers, item[1]),
                           validated, parallel)

    purged_results = []
    if purge:
        keep = set(params['name'].lstrip('/') for params, dummy in validated)
        try:
            names = purge_candidates(client, project, keep)
        except Exception as exc:  # pylint: disable=broad-except
            raise FleetDockerError('Listing the containers of project %s failed: %s'
                                   % (project, describe_error(exc, daemon_of(client))),
                                   changed=any(r.get('changed') for r in results), results=results)
        purged_results = run_parallel(
            lambda name: _run_one(client, dict(name=name, state='absent'), check_mode, diff, cache, leftovers), names,
            parallel)
        for result in purged_results:
            result['purged'] = True

    everything = results + purged_results
    out = dict(
        changed=any(r.get('changed') for r in everything),
        results=results,
        purged=[r['name'] for r in purged_results if r.get('changed') and not r.get('failed')],
        summary=summarize(results, [r for r in purged_results if r.get('changed')]),
    )
    out['summary']['failed'] += sum(1 for r in purged_results if r.get('failed'))
    out['purge_results'] = purged_results
    if diff:
        out['diff'] = [dict(r['diff'], before_header=r['name'], after_header=r['name'])
                       for r in everything if r.get('diff') and r.get('changed')]
    failed = [r for r in everything if r.get('failed')]
    if failed:
        raise FleetDockerError('%d of %d containers failed: %s' % (
            len(failed), len(everything), '; '.join('%s: %s' % (r['name'], r.get('msg')) for r in failed)), **out)
    return out
