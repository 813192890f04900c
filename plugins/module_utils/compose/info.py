# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""compose_info: the compose projects on a host, read from Compose's labels, and drift against a project.

Works for projects made by fleet.docker.compose and by ``docker compose`` alike (both set the
same labels); only the configuration hash is fleet.docker's own.
"""

from __future__ import annotations

import re

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p
from ansible_collections.fleet.docker.plugins.module_utils.compose.project import load
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import list_by_label


def _health(status: str) -> str | None:
    match = re.search(r'\((healthy|unhealthy|health: starting)\)', status or '')
    if not match:
        return None
    return 'starting' if match.group(1) == 'health: starting' else match.group(1)


def summarize(container: dict) -> dict:
    labels = container.get('Labels') or {}
    try:
        number = int(labels.get(n.NUMBER) or 0)
    except ValueError:
        number = 0
    return dict(name=p.entry_name(container), id=container.get('Id'), number=number,
                state=container.get('State'), status=container.get('Status'), health=_health(container.get('Status')),
                exit_code=p.exit_code(container), image=container.get('Image'), image_id=container.get('ImageID'),
                config_hash=labels.get(n.CONFIG_HASH), oneoff=labels.get(n.ONEOFF) == 'True')


def projects(listed: list, only: str | None = None) -> dict:
    """``{project: {working_dir, config_files, services: {service: [container summaries]}}}`` from a list."""
    out = {}
    for container in listed:
        labels = container.get('Labels') or {}
        name = labels.get(n.PROJECT)
        if not name or (only and name != only):
            continue
        entry = out.setdefault(name, dict(name=name, working_dir=labels.get(n.WORKING_DIR),
                                          config_files=[f for f in (labels.get(n.CONFIG_FILES) or '').split(',') if f],
                                          services={}))
        entry['services'].setdefault(labels.get(n.SERVICE) or '', []).append(summarize(container))
    for entry in out.values():
        for service in entry['services']:
            entry['services'][service].sort(key=lambda c: (c['oneoff'], c['number'], c['name']))
        states = [c['state'] for cs in entry['services'].values() for c in cs]
        entry['running'] = states.count('running')
        entry['containers'] = len(states)
    return out


def drift(project: dict, listed: list, scale: dict | None = None) -> dict:
    """Per service, what a run of fleet.docker.compose would change (from hashes and counts), and orphans."""
    known = project.get('services') or {}
    current = projects(listed, project['name']).get(project['name'], dict(services={}))['services']
    services = {}
    for name, service in sorted(known.items()):
        want = p.service_count(service, scale, name)
        have = [c for c in current.get(name, []) if not c['oneoff']]
        want_hash = n.config_hash(service)
        stale = [c['name'] for c in have if c['config_hash'] != want_hash]
        stopped = [c['name'] for c in have if c['state'] != 'running' and c['config_hash'] == want_hash
                   and not (c['exit_code'] == 0 and p.is_one_shot(project, name))]
        entry = dict(wanted=want, existing=len(have), outdated=stale, stopped=stopped,
                     in_sync=len(have) == want and not stale and not stopped)
        services[name] = entry
    orphans = sorted(c['name'] for s, cs in current.items() if s not in known for c in cs)
    return dict(services=services, orphans=orphans,
                in_sync=all(s['in_sync'] for s in services.values()) and not orphans)


def compose_info(client, params: dict) -> dict:
    result = dict(changed=False)
    if params.get('project_src') is not None or params.get('definition') is not None:
        project = load(params)
        listed = list_by_label(client, n.PROJECT, project['name'])
        result['drift'] = drift(project, listed, params.get('scale'))
        result['projects'] = projects(listed, project['name'])
        return result
    listed = list_by_label(client, n.PROJECT, params.get('project_name') or None)
    result['projects'] = projects(listed, params.get('project_name'))
    return result
