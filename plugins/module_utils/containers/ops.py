# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place the collection calls the engine for containers.

Lookups, lists, create, start, stop, restart, remove, rename, update, network endpoints, wait,
logs, exec, archives and prune: every module_utils file that touches a container does it
through here, so there is one seam to read, fake in a test, or change. It imports only
``engine/``, so any domain can use it without a cycle; bodies come ready-made (``body.py``).
Public docker SDK calls, plus ``engine_request`` for the two calls the SDK lacks. Engine
errors go up untranslated; the module (or batch item) that reports them puts them into words once.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.fleet.docker.plugins.module_utils.engine import connection as engine
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import engine_request

# The SDK's errors are named as ``engine.NotFound`` and the like, read when an exception is being
# matched: importing this file does not import the SDK, which the ``api`` connection plugin's
# workers do without (they call the engine through engine/lite.py; see engine/connection.py).


# ---------------------------------------------------------------------------------- lookups

def find_container(client, name: str) -> dict | None:
    """Inspect of the container with exactly this name, or None (never an ID-prefix match)."""
    try:
        container = client.inspect_container(name)
    except engine.NotFound:
        return None
    if container.get('Name', '').lstrip('/') != name.lstrip('/'):
        return None
    return container


def lookup_container(client, name_or_id: str) -> dict | None:
    """Inspect by name or ID prefix, or None."""
    try:
        return client.inspect_container(name_or_id)
    except engine.NotFound:
        return None


def list_entries(client, filters: dict | None = None, all_containers: bool = True, size: bool = False) -> list:
    """The engine's list entries (``docker ps``), stopped ones too unless ``all_containers`` is false.

    ``size`` adds the writable layer sizes, which makes the engine walk every layer: slow.
    """
    kwargs = dict(all=all_containers)
    if filters:
        kwargs['filters'] = filters
    if size:
        kwargs['size'] = True
    return client.containers(**kwargs)


def list_by_label(client, key: str, value: str | None = None, all_containers: bool = True) -> list:
    """List entries carrying label ``key`` (with exactly ``value`` when given)."""
    wanted = key if value is None else '%s=%s' % (key, value)
    listed = list_entries(client, {'label': wanted}, all_containers)
    if value is None:
        return listed
    # The engine's filter is exact on 20.10 and later; kept as a guard for what we remove by it.
    return [c for c in listed if (c.get('Labels') or {}).get(key) == value]


def _port_text(key, binding):
    if not binding:
        return key
    ip = binding.get('HostIp') or '0.0.0.0'
    ip = '[%s]' % ip if ':' in ip else ip
    return '%s:%s->%s' % (ip, binding.get('HostPort'), key)


def summarize_container(container: dict | None) -> dict | None:
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


# ---------------------------------------------------------------------------------- lifecycle

def create_container(client, config: dict, name: str, endpoints=()) -> str:
    """Create (not start) a container from a create body; returns its ID.

    ``endpoints`` are ``(network, endpoint body)`` pairs connected after the create. If one of
    them fails, the half-made container is removed before the error goes up.
    """
    container_id = client.create_container_from_config(config, name=name)['Id']
    try:
        for network, endpoint in endpoints:
            connect_network(client, container_id, network, endpoint)
    except (engine.APIError, engine.RequestException):
        remove_container(client, container_id, volumes=True)
        raise
    return container_id


def connect_network(client, container_id: str, network: str, endpoint: dict | None = None) -> None:
    """Connect to a network with the aliases, addresses and links of an EndpointSettings body
    (``Aliases``, ``Links`` as ``name[:alias]``, ``IPAMConfig``)."""
    endpoint = endpoint or {}
    ipam = endpoint.get('IPAMConfig') or {}
    # The SDK takes links as (name, alias) pairs; it cannot unpack the engine's "name:alias" strings.
    links = [link.partition(':')[::2] for link in endpoint.get('Links') or []]
    links = [(name, alias or None) for name, alias in links]
    client.connect_container_to_network(container_id, network, aliases=endpoint.get('Aliases') or None,
                                        links=links or None, ipv4_address=ipam.get('IPv4Address'),
                                        ipv6_address=ipam.get('IPv6Address'))


def disconnect_network(client, container_id: str, network: str, force: bool = False) -> None:
    client.disconnect_container_from_network(container_id, network, force=force)


def start_container(client, container_id: str) -> None:
    client.start(container_id)


def stop_container(client, container_id: str, timeout: int | None = None) -> None:
    """Stop; ``timeout`` None leaves the container's own stop timeout (or the engine's 10 s)."""
    client.stop(container_id, timeout=timeout)


def restart_container(client, container_id: str, timeout: int | None = None) -> None:
    # The SDK's restart has its own default of 10 s; only pass ours when the task sets one.
    client.restart(container_id, **({} if timeout is None else dict(timeout=timeout)))


def remove_container(client, container_id: str, volumes: bool = False) -> None:
    """Remove, forcing a running one; gone already is fine. ``volumes`` removes anonymous volumes
    only; named ones always stay."""
    try:
        client.remove_container(container_id, force=True, v=volumes)
    except engine.NotFound:
        pass


def rename_container(client, container_id: str, name: str) -> None:
    client.rename(container_id, name)


def update_container(client, container_id: str, body: dict) -> dict:
    """``docker update`` with the engine's field names: the SDK's ``update_container`` cannot send
    NanoCpus or PidsLimit, so this goes through the documented ``engine_request``."""
    return engine_request(client, 'POST', '/containers/{0}/update', container_id, body=body).json()


def wait_container(client, container_id: str, timeout: float | None = None) -> dict:
    """Block until the container stops; the engine's status dict (``StatusCode``).

    ``timeout`` bounds the wait in seconds (the SDK raises a requests error when it passes).
    """
    return client.wait(container_id, timeout=timeout)


def container_output(client, container_id: str) -> tuple:
    """(stdout, stderr) of the container so far, as text."""
    stdout = client.logs(container_id, stdout=True, stderr=False) or b''
    stderr = client.logs(container_id, stdout=False, stderr=True) or b''
    return stdout.decode('utf-8', 'replace'), stderr.decode('utf-8', 'replace')


def wait_for_exit(client, container_id: str) -> tuple:
    """Block until the container exits; return (exit code, stdout, stderr)."""
    status = wait_container(client, container_id)
    stdout, stderr = container_output(client, container_id)
    return status.get('StatusCode'), stdout, stderr


def prune_containers(client, filters: dict | None = None) -> dict:
    """``docker container prune`` with engine filters; the engine's report."""
    return client.prune_containers(filters=filters or None)


# ---------------------------------------------------------------------------------- exec

def exec_in_container(client, container_id: str, command: list, user: str = '', environment: Any = None,
                      workdir: str | None = None, tty: bool = False) -> tuple:
    """Run a command in a running container; (exit code, stdout bytes, stderr bytes)."""
    exec_id = client.exec_create(container_id, command, user=user or '', environment=environment,
                                 workdir=workdir, tty=tty)
    output = client.exec_start(exec_id, tty=tty, demux=True)
    stdout, stderr = output if isinstance(output, tuple) else (output, b'')
    return exec_exit_code(client, exec_id['Id']), stdout, stderr


def start_exec(client, container_id: str, command: list, stdin: bool = False, user: str = '',
               environment: list | None = None, workdir: str | None = None, privileged: bool = False) -> tuple:
    """Start a command in a running container, attached; (exec id, socket), no TTY.

    For the ``api`` connection plugin: the socket takes the command's stdin (with ``stdin``; half-close
    it to end the input) and carries its output in the engine's stream frames (8-byte header: stream,
    3 padding bytes, size). The SDK wraps a unix socket in a SocketIO: the socket itself is returned.
    """
    exec_id = client.exec_create(container_id, command, stdin=stdin, stdout=True, stderr=True, tty=False,
                                 user=user or '', environment=environment, workdir=workdir,
                                 privileged=privileged)['Id']
    sock = client.exec_start(exec_id, socket=True, tty=False)
    inner = getattr(sock, '_sock', None)
    return exec_id, inner if inner is not None and hasattr(inner, 'recv') else sock


def exec_exit_code(client, exec_id: str) -> int | None:
    """The exit code of an exec, None while it runs (or when it never started)."""
    return client.exec_inspect(exec_id).get('ExitCode')


# ---------------------------------------------------------------------------------- archives

def stat_path_response(client, container_id: str, path: str):
    """The engine's answer to ``HEAD /containers/{id}/archive`` (a path's stat, no event).

    Returned as is: the caller reads the status code (404: no such path) and the stat header.
    """
    return engine_request(client, 'HEAD', '/containers/{0}/archive', container_id, params={'path': path},
                          check=False)


def get_archive(client, container_id: str, path: str, chunk_size: int = 1024 * 1024):
    """A tar stream of ``path`` in the container (chunks of ``chunk_size`` bytes)."""
    stream, dummy = client.get_archive(container_id, path, chunk_size=chunk_size)
    return stream


def put_archive(client, container_id: str, path: str, data) -> None:
    """Unpack a tar (bytes or a file object) into the existing directory ``path``."""
    client.put_archive(container_id, path, data)
