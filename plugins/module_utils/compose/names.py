# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names, labels and configuration hashes of a compose project, as Docker Compose v2 sets them.

Containers are ``<project>-<service>-<n>`` (or the service's ``container_name``), networks and
volumes ``<project>_<key>`` (or their ``name:``), and every object carries Compose's labels, so
``docker compose ps`` and ``docker compose down`` see what the module made. Pure functions only.
"""

from __future__ import annotations

import hashlib
import json
import re

PREFIX = 'com.docker.compose.'
PROJECT = PREFIX + 'project'
SERVICE = PREFIX + 'service'
NUMBER = PREFIX + 'container-number'
ONEOFF = PREFIX + 'oneoff'
WORKING_DIR = PREFIX + 'project.working_dir'
CONFIG_FILES = PREFIX + 'project.config_files'
CONFIG_HASH = PREFIX + 'config-hash'
DEPENDS_ON = PREFIX + 'depends_on'
IMAGE = PREFIX + 'image'
NETWORK = PREFIX + 'network'
VOLUME = PREFIX + 'volume'
# Our own: one short hash per top-level key of the service, so a plan can say which keys changed.
KEY_HASHES = 'fleet.docker.compose.key-hashes'

# Keys that do not change a container: how many there are, and what only orders the start.
UNHASHED_KEYS = ('scale', 'depends_on', 'profiles', 'pull_policy', 'build')
_PROJECT_NAME = re.compile(r'^[a-z0-9][a-z0-9_-]*$')


def normalize_project_name(name: str) -> str:
    """Compose's rule: lower case; letters, digits, ``_`` and ``-``; starting with a letter or digit."""
    text = re.sub(r'[^a-z0-9_-]', '', str(name or '').lower())
    return text.lstrip('_-')


def valid_project_name(name: str) -> bool:
    return bool(_PROJECT_NAME.match(name or ''))


def container_name(project: str, service_name: str, service: dict, number: int) -> str:
    return service.get('container_name') or '%s-%s-%d' % (project, service_name, number)


def image_name(project_name: str, svc: str) -> str:
    """The image Compose v2 gives a service that has ``build`` and no ``image``."""
    return '%s-%s' % (project_name, svc)


def name_images(project: dict) -> None:
    """Give every service that only builds the image name Compose gives it (in place)."""
    for svc, service in (project.get('services') or {}).items():
        if service.get('build') and not service.get('image'):
            service['image'] = image_name(project['name'], svc)


def resource_name(project: str, key: str, definition: dict | None) -> str:
    """A network's or volume's engine name: its ``name:``, else ``<project>_<key>``."""
    definition = definition or {}
    if definition.get('name'):
        return definition['name']
    return '%s_%s' % (project, key)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode('utf-8')).hexdigest()


def hashed_view(service: dict) -> dict:
    """The part of a normalized service that makes its containers what they are."""
    view = dict((k, val) for k, val in service.items() if k not in UNHASHED_KEYS)
    deploy = dict(view.get('deploy') or {})
    deploy.pop('replicas', None)
    if deploy:
        view['deploy'] = deploy
    else:
        view.pop('deploy', None)
    return view


def config_hash(service: dict, extra: dict | None = None) -> str:
    """The per-service configuration hash (not Compose's value; the same role)."""
    view = hashed_view(service)
    if extra:
        view['x-fleet-inputs'] = extra
    return _digest(view)


def key_hashes(service: dict, extra: dict | None = None) -> str:
    """``key=hash8,...`` over the hashed keys: written as a label, read back to name changed keys."""
    view = hashed_view(service)
    if extra:
        view.update(extra)
    return ','.join('%s=%s' % (key, _digest(view[key])[:8]) for key in sorted(view))


def changed_keys(old_label: str | None, new_label: str) -> list:
    """The keys whose hashes differ between two KEY_HASHES labels (all of them if the old is unknown)."""
    def parse(text):
        return dict(part.split('=', 1) for part in (text or '').split(',') if '=' in part)
    old, new = parse(old_label), parse(new_label)
    if not old:
        return ['(configuration, unknown before)']
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def depends_on_label(service: dict) -> str:
    """``svc:condition:restart`` entries, comma-separated, as Compose writes them."""
    entries = []
    for name, dep in sorted((service.get('depends_on') or {}).items()):
        dep = dep or {}
        condition = dep.get('condition') or 'service_started'
        entries.append('%s:%s:%s' % (name, condition, 'true' if dep.get('restart') else 'false'))
    return ','.join(entries)
