# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""service_info: services and their tasks, read through swarm/services.py only (no spec builder shipped)."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.fleet.docker.plugins.module_utils.swarm import services as ops


def service_info(client, params: Dict[str, Any]) -> Dict[str, Any]:
    """service_info: one service by name (or every service) with its tasks."""
    ops.swarm_manager_check(client)
    if params.get('name'):
        found = ops.find_service(client, params['name'])
        services = [found] if found else []
    else:
        services = ops.list_services(client, dict(label=params['labels']) if params.get('labels') else None)
    out = []
    for service in services:
        entry = dict(service)
        if params.get('tasks', True):
            tasks = ops.service_tasks(client, service['ID'])
            entry['Tasks'] = [dict(ID=t['ID'], NodeID=t.get('NodeID'), Slot=t.get('Slot'),
                                   DesiredState=t.get('DesiredState'), State=(t.get('Status') or {}).get('State'),
                                   Err=(t.get('Status') or {}).get('Err'),
                                   Image=((t.get('Spec') or {}).get('ContainerSpec') or {}).get('Image'))
                              for t in tasks]
            entry['RunningTasks'] = sum(1 for t in entry['Tasks'] if t['State'] == 'running')
        out.append(entry)
    result: Dict[str, Any] = dict(changed=False, exists=bool(out), services=out)
    if params.get('name'):
        result['service'] = out[0] if out else None
    return result
