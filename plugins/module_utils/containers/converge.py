# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge one container: pull, plan, apply, wait.

``converge_container(client, params, check_mode, diff)`` is the whole job for one container and
takes a plain params dict, so the batch module calls it from several threads with one shared
``ImageCache`` (each image is then pulled once). Check mode is the plan, not applied.
"""

from __future__ import annotations

import threading
import time

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    DockerException, EngineStepError, FleetDockerError, RequestException)
from ansible_collections.fleet.docker.plugins.module_utils.containers.apply import apply
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    lookup_container, summarize_container, wait_for_exit)
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import (
    CONTAINER_OPTIONS, build_spec, check_api, diff_output)
from ansible_collections.fleet.docker.plugins.module_utils.containers.plan import after_state, current_state, plan
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import ensure_image

HEALTH_POLL = 0.5


class ImageCache:
    """Thread-safe memo of ensure_image results, so a batch pulls each reference once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._locks = {}
        self._results = {}

    def ensure(self, client, ref, pull, check_mode):
        key = (ref.canonical, pull, check_mode)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._results:
                self._results[key] = ensure_image(client, ref, pull=pull, check_mode=check_mode)
                return self._results[key]
            # Only the first caller pulled; the others found the image already there.
            return dict(self._results[key], changed=False)


def with_defaults(params: dict) -> dict:
    """The params of one item with the argument spec's defaults filled in."""
    return dict((key, params.get(key, option.get('default'))) for key, option in CONTAINER_OPTIONS.items())


def api_tuple(client) -> tuple:
    try:
        return tuple(int(part) for part in str(client.api_version).split('.')[:2])
    except (AttributeError, ValueError):
        return (1, 41)


def converge_container(client, params, check_mode=False, diff=False, image_cache=None, leftover_index=None,
                       spec=None):
    """Make one container match ``params`` (a CONTAINER_OPTIONS dict); return the result dict.

    Raises FleetDockerError on bad input, and EngineStepError (the engine's error, untranslated,
    with the partial result: ``changed`` is true when the host changed) on engine errors. Input
    is validated, and the image, networks and host ports checked, before anything changes.
    A batch shares one ``ImageCache`` and one ``LeftoverIndex`` between its items. ``spec`` is the
    canonical spec when the caller already built it from ``params`` (compose, the batch), so the
    task is parsed once.
    """
    params = with_defaults(params)
    if params['state'] == 'healthy':
        # community.docker's state healthy: started, then wait until the healthcheck passes.
        params = dict(params, state='started', wait_healthy=True)
    result = dict(changed=False, actions=[], changes=[])
    try:
        return _converge(client, params, check_mode, diff, image_cache or ImageCache(), leftover_index, result, spec)
    except FleetDockerError as exc:
        exc.result = dict(result, **exc.result)
        exc.result['changed'] = bool(result['changed'] or exc.result.get('changed'))
        raise
    except (DockerException, RequestException, OSError) as exc:
        name = str(params.get('name') or '').lstrip('/')
        outcome = ('Some changes were made before the error: %s.' % ', '.join(result['actions'])
                   if result['changed'] else 'Nothing was changed.')
        raise EngineStepError('Container %s' % name, exc, outcome, **result)


def _converge(client, params, check_mode, diff, image_cache, leftover_index, result, spec=None):
    if spec is None:
        spec = build_spec(params)
    check_api(spec, api_tuple(client))
    image = image_id = None
    if 'image' in spec and params['state'] != 'absent':
        pulled = image_cache.ensure(client, spec['image_ref'], params['pull'], check_mode)
        image = pulled['image']
        image_id = image['Id'] if image else None
        if pulled['changed']:
            result['actions'].append('pulled')
            result['changed'] = True
    p = plan(client, spec, params, image, image_id, leftover_index)
    result['actions'].extend(p.steps)
    result['changes'] = p.diffs
    if p.steps:
        result['changed'] = True if check_mode else result['changed']
    container_id = p.container['Id'] if p.container else None
    if not check_mode:
        container_id = apply(client, p, result)
    if diff:
        result['diff'] = diff_output(p.diffs, dict(state=current_state(p.container)), dict(state=after_state(p)))
    unchanged = not p.steps and not (params['wait_healthy'] and p.state == 'started')
    if check_mode or container_id is None or unchanged:
        # Nothing was done (or only planned): the inspect the plan read is still the truth.
        result['container'] = summarize_container(p.container) if p.state != 'absent' else None
        return result
    if 'started' in p.steps and not params['detach']:
        rc, stdout, stderr = wait_for_exit(client, container_id)
        result.update(rc=rc, stdout=stdout, stderr=stderr)
        result['container'] = summarize_container(lookup_container(client, container_id))
        if rc != 0:
            raise FleetDockerError('Container %s exited with code %s.' % (p.name, rc), **result)
        return result
    if params['wait_healthy'] and p.state == 'started':
        wait_healthy(client, container_id, p.name, params['wait_timeout'], result)
    result['container'] = summarize_container(lookup_container(client, container_id))
    return result


def wait_healthy(client, container_id, name, timeout, result):
    """Wait until the container's healthcheck reports healthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + max(0, timeout)
    while True:
        container = lookup_container(client, container_id) or {}
        state = container.get('State') or {}
        health = state.get('Health')
        if health is None:
            raise FleetDockerError('Container %s has no healthcheck to wait for; set healthcheck or drop '
                                   'wait_healthy.' % name, **result)
        if health.get('Status') == 'healthy':
            return
        if not state.get('Running'):
            raise FleetDockerError('Container %s stopped before it turned healthy (exit code %s).'
                                   % (name, state.get('ExitCode')), **result)
        if time.monotonic() >= deadline:
            log = (health.get('Log') or [{}])[-1]
            raise FleetDockerError('Container %s did not turn healthy within %d s (status %s; last check: exit %s, '
                                   '%r).' % (name, timeout, health.get('Status'), log.get('ExitCode'),
                                             (log.get('Output') or '').strip()[-200:]), **result)
        time.sleep(HEALTH_POLL)
