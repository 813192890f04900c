# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine calls for services and their tasks: the one place that talks to /services and /tasks.

The service module, service_info, and later the stack and the secret/config rotation all call the
engine through these functions. Imports only ``engine/``; takes ready ServiceSpec bodies.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    APIError, FleetDockerError, NotFound)


def swarm_manager_check(client) -> None:
    """Raise a clear error unless the engine is a swarm manager (service calls need one)."""
    swarm = (client.info() or {}).get('Swarm') or {}
    if swarm.get('LocalNodeState') != 'active':
        raise FleetDockerError('The Docker engine is not part of a swarm (state %s): services need a swarm '
                               'manager; use fleet.docker.swarm to init or join.' % (swarm.get('LocalNodeState') or '?'))
    if not swarm.get('ControlAvailable'):
        raise FleetDockerError('The Docker engine is a swarm worker: services are managed on a manager node.')


def find_service(client, name: str) -> Optional[Dict[str, Any]]:
    """The service called exactly ``name`` (the engine's name filter matches prefixes), or None."""
    for entry in client.services(filters={'name': name}):
        if (entry.get('Spec') or {}).get('Name') == name:
            return entry
    return None


def inspect_service(client, service_id: str) -> Optional[Dict[str, Any]]:
    try:
        return client.inspect_service(service_id)
    except NotFound:
        return None


def list_services(client, filters: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    return client.services(filters=filters)


def _pieces(spec: Dict[str, Any]) -> Dict[str, Any]:
    """A ServiceSpec body as the SDK's keyword arguments (it adds the registry auth header for the image)."""
    return dict(task_template=spec.get('TaskTemplate') or {}, name=spec['Name'], labels=spec.get('Labels'),
                mode=spec.get('Mode'), update_config=spec.get('UpdateConfig'),
                rollback_config=spec.get('RollbackConfig'), endpoint_spec=spec.get('EndpointSpec'))


def create_service(client, spec: Dict[str, Any]) -> str:
    """Create a service from a full ServiceSpec body; returns its ID."""
    return client.create_service(**_pieces(spec))['ID']


def update_service(client, service_id: str, version: int, spec: Dict[str, Any]) -> List[str]:
    """Replace the service's spec at ``version`` with ``spec`` (a full body); returns the engine's warnings."""
    answer = client.update_service(service_id, version, **_pieces(spec))
    return (answer or {}).get('Warnings') or []


def remove_service(client, service_id: str) -> None:
    try:
        client.remove_service(service_id)
    except NotFound:
        pass


def service_tasks(client, service_id: str, desired: Optional[str] = None) -> List[Dict[str, Any]]:
    """The service's tasks (every state, or those whose desired state is ``desired``: running, shutdown...)."""
    filters: Dict[str, Any] = dict(service=service_id)
    if desired:
        filters['desired-state'] = desired
    try:
        return client.tasks(filters=filters)
    except NotFound:
        return []


# The engine's Spec.Mode keys and the mode words of the service option (and of docker service ls).
_MODE_WORDS = (('Global', 'global'), ('ReplicatedJob', 'replicated-job'), ('GlobalJob', 'global-job'))


def mode_of(spec: Dict[str, Any]) -> str:
    """A stored service spec's mode word: replicated (also when the engine stores no Mode), global, or a job's."""
    mode = spec.get('Mode') or {}
    return next((word for key, word in _MODE_WORDS if key in mode), 'replicated')


_DISTRIBUTION: Dict[str, Optional[Dict[str, Any]]] = {}


def distribution(client, image: str) -> Optional[Dict[str, Any]]:
    """The engine's registry lookup of ``image`` (GET /distribution/NAME/json: its manifest digest and platforms,
    through the engine's own registry settings: insecure registries, mirrors), or None when it cannot tell.

    Asked once per image and module run (a stack pins the image, then writes its platforms, for each of its
    services): ``NAME:TAG@DIGEST`` is the answer for ``NAME:TAG`` of a moment ago."""
    key = image.split('@')[0] if '@' in image and image.split('@')[0] in _DISTRIBUTION else image
    if key not in _DISTRIBUTION:
        # Any failure means "the engine cannot tell": the caller falls back to the registry or goes without.
        try:
            _DISTRIBUTION[key] = client.inspect_distribution(image)
        except Exception:  # pylint: disable=broad-except
            _DISTRIBUTION[key] = None
    return _DISTRIBUTION[key]


def image_platforms(client, image: str) -> List[Dict[str, str]]:
    """The platforms of ``image`` as the engine's registry lookup reports them, in the form the docker client
    library puts into Placement.Platforms when it pins a service's image (``arm`` loses its architecture: nodes
    report armv7l and the like). [] when the engine cannot tell."""
    found = distribution(client, image) or {}
    return [dict(Architecture='' if (p.get('architecture') or '').lower() == 'arm' else p.get('architecture') or '',
                 OS=p.get('os') or '') for p in found.get('Platforms') or []]


def network_of(client, name: str) -> Optional[Dict[str, Any]]:
    """A network by exact name or by ID, as the swarm knows it, or None.

    Asked with scope swarm first: the swarm's ``host`` network has an ID of its own, which is what a
    service's spec stores, not the local engine's ``host`` ID (a rerun would otherwise see a change).
    """
    try:
        found = client.inspect_network(name, scope='swarm')
    except (NotFound, APIError):
        found = None
    if found and (found.get('Name') == name or found.get('Id', '').startswith(name)):
        return found
    matches = [n for n in client.networks(names=[name]) if n.get('Name') == name]
    if len(matches) > 1:
        raise FleetDockerError('%d networks are named %s; name the one to use by ID.' % (len(matches), name))
    if matches:
        return matches[0]
    try:
        found = client.inspect_network(name)
    except (NotFound, APIError):
        return None
    return found if found.get('Id', '').startswith(name) else None


def networks_by_id(client) -> Dict[str, str]:
    """{network ID: name} of the networks the engine knows."""
    return dict((n['Id'], n.get('Name')) for n in client.networks())
