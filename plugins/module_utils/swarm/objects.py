# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Swarm secrets and configs: the one place that calls the engine for them (list, create, relabel, remove).

Both kinds share one shape in the API (``/secrets`` and ``/configs``, ``Spec.Name``, ``Spec.Labels``,
``Spec.Data``), so every call takes ``kind``. The engine never returns a secret's data; a config's
data is in its inspect.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import NotFound, engine_request

KINDS = ('secret', 'config')


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError('kind must be secret or config, got %r' % (kind,))
    return kind


def list_objects(client, kind: str, name_prefix: str | None = None, label: str | None = None) -> list:
    """The engine's objects of ``kind``; the engine's ``name`` filter matches name prefixes; ``label``: KEY=VALUE."""
    filters = {'name': name_prefix} if name_prefix else {}
    if label:
        filters['label'] = label
    filters = filters or None
    if _check_kind(kind) == 'secret':
        return client.secrets(filters=filters) or []
    return client.configs(filters=filters) or []


def find_object(client, kind: str, name: str) -> dict | None:
    """The object named exactly ``name``, or None."""
    for entry in list_objects(client, kind, name):
        if entry.get('Spec', {}).get('Name') == name:
            return entry
    return None


def inspect_object(client, kind: str, object_id: str) -> dict | None:
    try:
        if _check_kind(kind) == 'secret':
            return client.inspect_secret(object_id)
        return client.inspect_config(object_id)
    except NotFound:
        return None


def create_object(client, kind: str, name: str, data: bytes, labels: dict | None = None,
                  driver: dict | None = None, templating: dict | None = None) -> str:
    """Create a secret or config; returns its id. ``driver`` (secrets) and ``templating`` (configs) as the API takes them."""
    if _check_kind(kind) == 'secret':
        created = client.create_secret(name, data, labels=labels or None, driver=driver or None)
    else:
        created = client.create_config(name, data, labels=labels or None, templating=templating or None)
    return created['ID'] if isinstance(created, dict) else created


def update_labels(client, kind: str, entry: dict, labels: dict) -> None:
    """Replace an object's labels in place: the only update the engine allows on secrets and configs.

    The SDK has no call for ``POST /secrets/{id}/update``; the spec is sent back without its data
    (the engine keeps the data when none is sent).
    """
    spec = dict(entry.get('Spec') or {})
    spec.pop('Data', None)
    spec['Labels'] = labels
    engine_request(client, 'POST', '/%ss/{0}/update' % _check_kind(kind), entry['ID'],
                   params={'version': entry['Version']['Index']}, body=spec)


def remove_object(client, kind: str, object_id: str) -> None:
    try:
        if _check_kind(kind) == 'secret':
            client.remove_secret(object_id)
        else:
            client.remove_config(object_id)
    except NotFound:
        pass
