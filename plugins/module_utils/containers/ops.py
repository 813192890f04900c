# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One container on the engine: look it up, summarise it, create, remove, stop, update, wait.

The single steps every converge and the recreate transaction are built from. Engine errors
go up untranslated; the module (or batch item) that reports them puts them into words once.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, NotFound, RequestException
from ansible_collections.fleet.docker.plugins.module_utils.containers.options import (
    BY_NAME, RECONNECT, create_config, endpoint_config, update_body)


# ---------------------------------------------------------------------------------- lookups

def find_container(client, name):
    """Inspect of the container with exactly this name, or None (never an ID-prefix match)."""
    try:
        container = client.inspect_container(name)
    except NotFound:
        return None
    if container.get('Name', '').lstrip('/') != name.lstrip('/'):
        return None
    return container


def lookup_container(client, name_or_id):
    """Inspect by name or ID prefix, or None."""
    try:
        return client.inspect_container(name_or_id)
    except NotFound:
        return None


def _port_text(key, binding):
    if not binding:
        return key
    ip = binding.get('HostIp') or '0.0.0.0'
    ip = '[%s]' % ip if ':' in ip else ip
    return '%s:%s->%s' % (ip, binding.get('HostPort'), key)


def summarize_container(container):
    """The fields people read in `docker ps` and `docker inspect`, from an inspect dict."""
    if not container:
        return None
    state = container.get('State') or {}
    host = container.get('HostConfig') or {}
    network = container.get('NetworkSettings') or {}
    ports = []
    for key, bindings in sorted((network.get('Ports') or {}).items()):
        for binding in bindings or [None]:
            ports.append(_port_text(key, binding))
    mounts = [dict(type=m.get('Type'), name=m.get('Name'), source=m.get('Source'), destination=m.get('Destination'),
                   mode=m.get('Mode'), rw=m.get('RW')) for m in container.get('Mounts') or []]
    policy = host.get('RestartPolicy') or {}
    return dict(
        id=container.get('Id'), name=container.get('Name', '').lstrip('/'),
        image=(container.get('Config') or {}).get('Image'), image_id=container.get('Image'),
        state=state.get('Status'), running=bool(state.get('Running')), exit_code=state.get('ExitCode'),
        created=container.get('Created'), ports=ports, mounts=mounts,
        restart_policy=dict(name=policy.get('Name') or 'no', maximum_retry_count=policy.get('MaximumRetryCount') or 0),
        networks=sorted((network.get('Networks') or {}).keys()),
        labels=(container.get('Config') or {}).get('Labels') or {},
    )


# ------------------------------------------------------------------------------ operations

def create_container(client, spec, params, network_mode=None, name=None, image=None, inherited_volumes=(),
                     extra_labels=None):
    """Create (not start) the container; returns its ID. Extra networks are connected after create.

    If connecting a network fails, the half-made container is removed before the error goes up.
    """
    config = create_config(spec, params, image=image, inherited_volumes=inherited_volumes,
                           extra_labels=extra_labels)
    if network_mode:
        config['HostConfig']['NetworkMode'] = network_mode
    created = client.create_container_from_config(config, name=name or spec['name'])
    container_id = created['Id']
    first = set(((config.get('NetworkingConfig') or {}).get('EndpointsConfig') or {}).keys())
    try:
        for entry in spec.get('networks') or []:
            if entry['name'] not in first:
                connect(client, container_id, entry)
    except (APIError, RequestException):
        remove_container(client, container_id, volumes=True)
        raise
    return container_id


def connect(client, container_id, entry):
    """Connect to a network with the entry's aliases, addresses and links."""
    endpoint = endpoint_config(entry)
    ipam = endpoint.get('IPAMConfig') or {}
    client.connect_container_to_network(container_id, entry['name'], aliases=endpoint.get('Aliases'),
                                        links=endpoint.get('Links'), ipv4_address=ipam.get('IPv4Address'),
                                        ipv6_address=ipam.get('IPv6Address'))


def remove_container(client, container_id, volumes=False):
    """Remove, forcing a running one. ``volumes`` removes anonymous volumes only; named ones always stay."""
    try:
        client.remove_container(container_id, force=True, v=volumes)
    except NotFound:
        pass


def stop_container(client, container_id, timeout=None):
    client.stop(container_id, timeout=timeout)


def update_resources(client, container_id, body):
    """POST /containers/{id}/update with the engine's field names (the SDK's helper lacks NanoCpus, PidsLimit)."""
    url = client._url('/containers/{0}/update', container_id)  # pylint: disable=protected-access
    return client._result(client._post_json(url, data=body), True)  # pylint: disable=protected-access


def update_in_place(client, container, diffs):
    """Apply the differences the engine changes on a live container: resources and restart policy
    in one ``docker update``, network endpoints by reconnecting. The container ID stays."""
    body = update_body(diffs)
    if body:
        host = container.get('HostConfig') or {}
        # Like at create, an unset swap limit follows memory (the engine stored twice the old memory).
        if 'Memory' in body and 'MemorySwap' not in body and host.get('MemorySwap', 0) > 0 \
                and host.get('MemorySwap') == 2 * (host.get('Memory') or 0):
            body['MemorySwap'] = 2 * body['Memory'] if body['Memory'] else 0
        update_resources(client, container['Id'], body)
    for entry in diffs:
        if entry['how'] == RECONNECT:
            reconnect(client, container, entry['engine'])


def reconnect(client, container, wanted):
    """Make the container's endpoints ``wanted``: connect new ones, disconnect dropped ones, and
    reconnect those whose aliases, addresses or links differ."""
    have = dict((e['name'], e) for e in _endpoints(container))
    want = dict((e['name'], e) for e in wanted)
    for name in sorted(set(have) - set(want)):
        client.disconnect_container_from_network(container['Id'], name)
    for name in sorted(want):
        if name in have and _same_endpoint(have[name], want[name]):
            continue
        if name in have:
            client.disconnect_container_from_network(container['Id'], name)
        connect(client, container['Id'], want[name])


def _endpoints(container):
    return BY_NAME['networks'].read(container, None)


def _same_endpoint(have, want):
    return all(have.get(key) == want.get(key) for key in ('aliases', 'links', 'ipv4_address', 'ipv6_address'))


def wait_for_exit(client, container_id):
    """Block until the container exits; return (exit code, stdout, stderr)."""
    status = client.wait(container_id, timeout=None)
    stdout = client.logs(container_id, stdout=True, stderr=False) or b''
    stderr = client.logs(container_id, stdout=False, stderr=True) or b''
    return (status.get('StatusCode'), stdout.decode('utf-8', 'replace'), stderr.decode('utf-8', 'replace'))
