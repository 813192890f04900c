# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a container plan: ``apply()``, step by step, in the order the plan lists them.

``result['changed']`` turns true at the first step that changes the host, so a failure later on
still reports it. A recreate goes through the create-before-destroy transaction (recreate.py).
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, EngineStepError, RequestException
from ansible_collections.fleet.docker.plugins.module_utils.containers.body import (
    create_config, endpoint_steps, post_create_endpoints, update_body)
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    connect_network, create_container, disconnect_network, lookup_container, remove_container, rename_container,
    restart_container, start_container, stop_container, update_container)
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import RECONNECT
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
        rename_container(client, p.adopt['Id'], p.name)
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
        config = create_config(p.spec, p.params, network_mode=p.network_mode)
        container_id = create_container(client, config, p.name, post_create_endpoints(p.spec, config))
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
        restart_container(client, container_id, timeout)
        result['changed'] = True
    elif 'stopped' in steps:
        stop_container(client, container_id, timeout)
        result['changed'] = True
    return container_id


def _start(client, container_id, name, created, result, changed_before):
    """Start a container; one we just created is removed again when it cannot start."""
    try:
        start_container(client, container_id)
    except (APIError, RequestException) as exc:
        if not created:
            raise
        remove_container(client, container_id, volumes=True)
        result['changed'] = changed_before
        raise EngineStepError('Container %s could not start' % name, exc,
                              'The container was created and removed again, so nothing was changed.', **result)
    result['changed'] = True


def update_in_place(client, container: dict, diffs: list) -> None:
    """Apply the differences the engine changes on a live container: resources and restart policy
    in one ``docker update``, network endpoints by reconnecting. The container ID stays."""
    body = update_body(diffs, container)
    if body:
        update_container(client, container['Id'], body)
    for entry in diffs:
        if entry['how'] == RECONNECT:
            for action, network, endpoint in endpoint_steps(container, entry['engine']):
                if action == 'disconnect':
                    disconnect_network(client, container['Id'], network)
                else:
                    connect_network(client, container['Id'], network, endpoint)
