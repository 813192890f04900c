# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stack_info: the stacks of a swarm (``docker stack ls``), and one stack's services and tasks (``docker stack
services`` / ``docker stack ps``), read through the services and nodes seams only."""

from __future__ import annotations

from typing import Any, Dict, List

from ansible_collections.fleet.docker.plugins.module_utils.swarm import services as ops
from ansible_collections.fleet.docker.plugins.module_utils.swarm.cluster import list_nodes

NAMESPACE_LABEL = 'com.docker.stack.namespace'   # the docker CLI's (stack_convert.NAMESPACE_LABEL)


def _service(service: Dict[str, Any], tasks: List[Dict[str, Any]]) -> Dict[str, Any]:
    spec = service.get('Spec') or {}
    mode = ops.mode_of(spec)
    live = [t for t in tasks if t.get('DesiredState') == 'running']
    running = sum(1 for t in live if (t.get('Status') or {}).get('State') == 'running')
    if mode == 'replicated':
        desired = ((spec.get('Mode') or {}).get('Replicated') or {}).get('Replicas') or 0
    elif mode == 'replicated-job':
        desired = ((spec.get('Mode') or {}).get('ReplicatedJob') or {}).get('TotalCompletions') or 0
    else:
        desired = len(live)
    ports = ((service.get('Endpoint') or {}).get('Spec') or spec.get('EndpointSpec') or {}).get('Ports') or []
    return dict(name=spec.get('Name'), id=service.get('ID'), mode=mode, replicas=dict(running=running, desired=desired),
                image=((spec.get('TaskTemplate') or {}).get('ContainerSpec') or {}).get('Image'),
                ports=[dict(published=p.get('PublishedPort'), target=p.get('TargetPort'),
                            protocol=p.get('Protocol') or 'tcp', mode=p.get('PublishMode') or 'ingress') for p in ports],
                labels=spec.get('Labels') or {})


def _task(task: Dict[str, Any], service_name: str, nodes: Dict[str, str]) -> Dict[str, Any]:
    status = task.get('Status') or {}
    slot = task.get('Slot')
    return dict(id=task.get('ID'), name='%s.%s' % (service_name, slot if slot else task.get('NodeID')),
                service=service_name, node=nodes.get(task.get('NodeID') or '', task.get('NodeID')),
                image=((task.get('Spec') or {}).get('ContainerSpec') or {}).get('Image'),
                desired_state=task.get('DesiredState'), current_state=status.get('State'),
                since=status.get('Timestamp'), error=status.get('Err') or '',
                exit_code=(status.get('ContainerStatus') or {}).get('ExitCode'))


def stack_info(client, params: Dict[str, Any]) -> Dict[str, Any]:
    ops.swarm_manager_check(client)
    name = params.get('name')
    if not name:
        counts: Dict[str, int] = {}
        for service in ops.list_services(client, dict(label=NAMESPACE_LABEL)):
            stack = ((service.get('Spec') or {}).get('Labels') or {}).get(NAMESPACE_LABEL)
            counts[stack] = counts.get(stack, 0) + 1
        return dict(changed=False, stacks=[dict(name=n, services=c, orchestrator='Swarm') for n, c in sorted(counts.items())])
    services = sorted(ops.list_services(client, dict(label='%s=%s' % (NAMESPACE_LABEL, name))),
                      key=lambda s: s['Spec']['Name'])
    nodes = dict((n['ID'], (n.get('Description') or {}).get('Hostname') or n['ID']) for n in list_nodes(client))
    out_services, out_tasks = [], []
    for service in services:
        tasks = ops.service_tasks(client, service['ID'])
        out_services.append(_service(service, tasks))
        if params.get('tasks', True):
            entries = [_task(t, service['Spec']['Name'], nodes) for t in tasks]
            out_tasks.extend(sorted(entries, key=lambda t: (t['name'], t['desired_state'] != 'running', t['since'] or '')))
    return dict(changed=False, exists=bool(services), stack=name, services=out_services, tasks=out_tasks)
