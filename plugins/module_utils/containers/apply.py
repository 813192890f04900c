# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a container plan: ``apply()``, step by step, in the order the plan lists them.

``result['changed']`` turns true at the first step that changes the host, so a failure later on
still reports it. A recreate goes through the create-before-destroy transaction (recreate.py).
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, EngineStepError, RequestException
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    create_container, lookup_container, remove_container, stop_container, update_in_place)
from ansible_collections.fleet.docker.plugins.module_utils.containers.plan import Plan
from ansible_collections.fleet.docker.plugins.module_utils.containers.recreate import recreate


def apply(client, p: Plan, result: dict) -> str | None:
    """Run the plan's steps; return the ID of the container afterwards (None when removed)."""
    container = p.container
    container_id = container['Id'] if container else None
    timeout = p.params.get('stop_timeout')
    for leftover in p.leftovers:
        remove_container(client, leftover['Id'], volumes=False)
        result['changed'] = True
    if p.adopt is not None:
        client.rename(p.adopt['Id'], p.name)
        result['changed'] = True
        container = lookup_container(client, p.adopt['Id'])
    steps = p.steps
    if 'removed' in steps:
        if p.was_running:
            stop_container(client, container_id, timeout)
            result['changed'] = True
        remove_container(client, container_id, volumes=True)
        result['changed'] = True
        return None
    changed_before = result['changed']
    if 'created' in steps:
        container_id = create_container(client, p.spec, p.params, p.network_mode)
        result['changed'] = True
    elif 'recreated' in steps:
        container_id = recreate(client, container, p.spec, p.params, result, network_mode=p.network_mode,
                                new_image=p.image, start='started' in steps)
        result['changed'] = True
    elif 'updated' in steps or 'reconnected' in steps:
        update_in_place(client, container, p.diffs)
        result['changed'] = True
    if 'started' in steps and 'recreated' not in steps:
        _start(client, container_id, p.name, 'created' in steps, result, changed_before)
    elif 'restarted' in steps:
        # The SDK's restart has its own default of 10 s; only pass ours when the task sets one.
        client.restart(container_id, **({} if timeout is None else dict(timeout=timeout)))
        result['changed'] = True
    elif 'stopped' in steps:
        stop_container(client, container_id, timeout)
        result['changed'] = True
    return container_id


def _start(client, container_id, name, created, result, changed_before):
    """Start a container; one we just created is removed again when it cannot start."""
    try:
        client.start(container_id)
    except (APIError, RequestException) as exc:
        if not created:
            raise
        remove_container(client, container_id, volumes=True)
        result['changed'] = changed_before
        raise EngineStepError('Container %s could not start' % name, exc,
                              'The container was created and removed again, so nothing was changed.', **result)
    result['changed'] = True
