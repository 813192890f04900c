# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named volumes: the engine calls (inspect, create, list, remove), for the volume modules and compose.

The volume module's logic is in ``apply.py`` and ``info.py``; compose imports only this file, so it does not
ship them (issue #25).
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import NotFound
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import string_mapping


def find_volume(client, name):
    try:
        return client.inspect_volume(name)
    except NotFound:
        return None


def create_volume(client, name: str, driver: str = 'local', driver_opts=None, labels=None) -> dict:
    """Create a named volume; driver options and labels as the engine stores them (strings)."""
    return client.create_volume(name, driver=driver or 'local',
                                driver_opts=string_mapping('driver_options', driver_opts) or None,
                                labels=string_mapping('labels', labels) or None)


def list_volumes(client, label=None) -> list:
    """The engine's volume list, those carrying ``label`` (``key`` or ``key=value``) when given."""
    return (client.volumes(filters={'label': label} if label else None) or {}).get('Volumes') or []


def remove_volume(client, name: str) -> None:
    client.remove_volume(name)
