# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.secret and fleet.docker.config: plan and apply, with rotation through versioned names.

The engine never changes a secret's or config's data in place and refuses to remove one a service
uses. So a new content is a new object: with ``rolling_versions`` the next ``NAME_vN``; then the
services that use an older version are moved onto it (their references get the new id, the file
name in the container stays), and only then are unused versions beyond ``versions_to_keep`` removed.
A service never points to a removed object: the engine refuses that removal, and we wait for the
moved services to run the new version before removing anything.

Secrets cannot be read back, so their content is compared through a salted, slow digest kept in a
label (a plain hash in a label would let anyone who can list secrets test guesses of a short
password quickly). Configs are read back and compared byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import os
import re
import time

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import EngineStepError, FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import scalar_string
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.fleet.docker.plugins.module_utils.swarm import services as service_ops
from ansible_collections.fleet.docker.plugins.module_utils.swarm.objects import (
    create_object, find_object, list_objects, remove_object, update_labels)

# Labels of our own on the objects.
DIGEST_LABEL = 'fleet.docker.content-digest'   # secrets: pbkdf2-sha256$iterations$salt$hash
VERSION_LABEL = 'fleet.docker.version'         # rolling versions: N of NAME_vN
# community.docker's labels: its versioned objects and content hash are adopted as they are.
LEGACY_VERSION_LABEL = 'ansible_version'
LEGACY_DIGEST_LABEL = 'ansible_key'
OWN_LABELS = (DIGEST_LABEL, VERSION_LABEL)

DIGEST_ITERATIONS = 100000
# swarmkit's limits (api/validation): a name of at most 64 characters of this shape; data at most 500 KiB (secrets)
# and 1000 KiB (configs).
OBJECT_NAME = re.compile(r'^[a-zA-Z0-9]+(?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$')
MAX_NAME = 64
MAX_DATA = dict(secret=500 * 1024, config=1000 * 1024)
DEFAULT_UPDATE_TIMEOUT = 300

_COMMON = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    data_is_b64=dict(type='bool', default=False),
    src=dict(type='path', aliases=['data_src']),   # data_src: community.docker's name
    labels=dict(type='dict'),
    force=dict(type='bool', default=False),
    rolling_versions=dict(type='bool', default=False),
    versions_to_keep=dict(type='int', default=5),
    update_timeout=dict(type='int', default=DEFAULT_UPDATE_TIMEOUT),
)
SECRET_OPTIONS = dict(_COMMON, data=dict(type='str', no_log=True), driver=dict(type='str'),
                      driver_options=dict(type='dict'))
CONFIG_OPTIONS = dict(_COMMON, data=dict(type='str'), template_driver=dict(type='str', choices=['golang']))
MUTUALLY_EXCLUSIVE = [('data', 'src')]

# How a service's spec names each kind: ContainerSpec list, id key, name key.
REFERENCE_KEYS = dict(secret=('Secrets', 'SecretID', 'SecretName'), config=('Configs', 'ConfigID', 'ConfigName'))
KIND_WORD = dict(secret='Secret', config='Config')


# ------------------------------------------------------------------------------------------ pure parts

def check_object_name(kind: str, name: str, rolling: bool = False) -> str:
    if not isinstance(name, str) or not OBJECT_NAME.match(name or ''):
        raise SwarmError('Invalid %s name %r: use letters, digits, "_", "." or "-", starting and ending with a '
                         'letter or digit.' % (kind, str(name)[:100]))
    longest = name + '_v999' if rolling else name
    if len(longest) > MAX_NAME:
        raise SwarmError('Invalid %s name %r: at most %d characters%s.'
                         % (kind, name[:100], MAX_NAME, ' with the _vN suffix of rolling_versions' if rolling else ''))
    return name


def read_content(kind: str, params: dict) -> bytes | None:
    """The object's data from ``data`` (optionally base64) or the file ``src``; None when neither is given."""
    if params.get('src') is not None:
        path = params['src']
        try:
            with open(path, 'rb') as handle:
                data = handle.read()
        except OSError as exc:
            raise SwarmError('src: cannot read %s (%s); %s %s was not changed.'
                             % (path, exc.strerror or exc, kind, params['name']))
    elif params.get('data') is not None:
        data = params['data']
        if params.get('data_is_b64'):
            try:
                data = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                # Never quote the data: it may be a secret.
                raise SwarmError('data is not valid base64 (data_is_b64 is true); %s %s was not changed.'
                                 % (kind, params['name']))
        else:
            data = data.encode('utf-8')
    else:
        return None
    if len(data) > MAX_DATA[kind]:
        raise SwarmError('The %s %s is %d bytes; the engine takes at most %d.'
                         % (kind, params['name'], len(data), MAX_DATA[kind]))
    return data


def make_digest(data: bytes, salt: bytes | None = None, iterations: int = DIGEST_ITERATIONS) -> str:
    salt = salt if salt is not None else os.urandom(12)
    value = hashlib.pbkdf2_hmac('sha256', data, salt, iterations)
    return 'pbkdf2-sha256$%d$%s$%s' % (iterations, base64.b64encode(salt).decode(), base64.b64encode(value).decode())


def digest_matches(labels: dict, data: bytes) -> bool | None:
    """Whether a secret's digest label says it holds ``data``; None when it has no digest we can read."""
    ours = (labels or {}).get(DIGEST_LABEL)
    if ours:
        try:
            scheme, iterations, salt, value = ours.split('$')
            if scheme != 'pbkdf2-sha256' or not 0 < int(iterations) <= 10 * DIGEST_ITERATIONS:
                return None
            wanted = make_digest(data, base64.b64decode(salt), int(iterations)).rsplit('$', 1)[1]
        except (ValueError, binascii.Error):
            return None
        return hmac.compare_digest(wanted, value)
    legacy = (labels or {}).get(LEGACY_DIGEST_LABEL)
    if legacy:
        return hmac.compare_digest(hashlib.sha224(data).hexdigest(), legacy)
    return None


def user_labels(params: dict) -> dict:
    return dict((str(key), scalar_string('labels %s' % key, value)) for key, value in (params.get('labels') or {}).items())


def label_changes(wanted: dict, actual: dict) -> dict:
    """The labels the task names with another value (labels it does not name are left alone)."""
    actual = actual or {}
    return dict((key, value) for key, value in wanted.items() if actual.get(key) != value)


def engine_extras(kind: str, params: dict) -> dict:
    """The spec parts besides data and labels: a secret's driver, a config's templating (API shapes)."""
    if kind == 'secret' and params.get('driver'):
        return dict(Driver=dict(Name=params['driver'], Options=dict(
            (str(k), scalar_string('driver_options %s' % k, v)) for k, v in (params.get('driver_options') or {}).items())))
    if kind == 'config' and params.get('template_driver'):
        return dict(Templating=dict(Name=params['template_driver']))
    return {}


def extras_differ(kind: str, wanted: dict, spec: dict) -> list:
    key = 'Driver' if kind == 'secret' else 'Templating'
    have = spec.get(key) or None
    if have and not have.get('Options'):
        have = dict(have)
        have.pop('Options', None)
    want = wanted.get(key)
    if want and not want.get('Options'):
        want = dict(want)
        want.pop('Options', None)
    return [key.lower()] if (have or None) != (want or None) else []


def content_differs(kind: str, entry: dict, data: bytes | None):
    """True / False, or None when a secret's content cannot be compared (no digest label we know)."""
    spec = entry.get('Spec') or {}
    if kind == 'config':
        try:
            return base64.b64decode(spec.get('Data') or '') != (data or b'')
        except (binascii.Error, ValueError):
            return True
    if data is None:     # a driver-backed secret: the driver owns the value
        return False
    matches = digest_matches(spec.get('Labels'), data)
    return None if matches is None else not matches


def version_of(entry: dict, name: str) -> int | None:
    """N when ``entry`` is version N of ``name`` (NAME_vN, labelled by us or by community.docker), else None."""
    spec = entry.get('Spec') or {}
    match = re.match(r'^%s_v([0-9]+)$' % re.escape(name), spec.get('Name') or '')
    if not match:
        return None
    labels = spec.get('Labels') or {}
    if match.group(1) not in (labels.get(VERSION_LABEL), labels.get(LEGACY_VERSION_LABEL)):
        return None
    return int(match.group(1))


def references(service: dict, kind: str) -> list:
    key = REFERENCE_KEYS[kind][0]
    return ((((service.get('Spec') or {}).get('TaskTemplate') or {}).get('ContainerSpec') or {}).get(key)) or []


def users_of(services: list, kind: str, object_ids) -> dict:
    """{object id: [service names]} for the services whose spec references one of ``object_ids``."""
    id_key = REFERENCE_KEYS[kind][1]
    out = {}
    for service in services:
        for ref in references(service, kind):
            if ref.get(id_key) in object_ids:
                out.setdefault(ref[id_key], [])
                name = service['Spec']['Name']
                if name not in out[ref[id_key]]:
                    out[ref[id_key]].append(name)
    return out


def prune_candidates(old: list, keep: int) -> list:
    """The old versions beyond ``keep`` (old is newest first); keep < 0 keeps all."""
    if keep < 0:
        return []
    return old[keep:]


# ------------------------------------------------------- services (through swarm/services.py, the services seam)

def list_services(client) -> list:
    return service_ops.list_services(client) or []


def update_service_references(client, service_id: str, kind: str, moves: dict) -> bool:
    """Point a service's secret or config references at other objects, keeping everything else of its spec.

    ``moves`` is {old object id: (new id, new name)}. The reference's File (target name, uid, gid,
    mode) stays, so the container sees the new content at the same path. Returns whether the spec
    changed. The spec goes back as the engine stored it (no defaults inserted).
    """
    list_key, id_key, name_key = REFERENCE_KEYS[kind]
    service = service_ops.inspect_service(client, service_id)
    if service is None:
        return False
    spec = copy.deepcopy(service['Spec'])
    task = spec.setdefault('TaskTemplate', {})
    changed = False
    for ref in (task.get('ContainerSpec') or {}).get(list_key) or []:
        if ref.get(id_key) in moves:
            ref[id_key], ref[name_key] = moves[ref[id_key]]
            changed = True
    if not changed:
        return False
    if spec.get('Networks') and not task.get('Networks'):
        task['Networks'] = spec['Networks']   # the pre-1.25 place; the SDK sends TaskTemplate.Networks
    service_ops.update_service(client, service['ID'], service['Version']['Index'], spec)
    return True


def wait_for_services(client, service_ids: list, kind: str, object_id: str, timeout: int, prior: dict | None = None) -> None:
    """Wait until the engine has completed the services' updates onto ``object_id``; raise when it rolled back or paused.

    Tasks that run the new version are not enough: a task may start and fail a moment later, and the
    engine then rolls back onto the old version, which must still exist. So the update must be
    ``completed`` (after the service's update monitor period). ``prior`` is {service id: its
    UpdateStatus before the move}: right after the update the engine may still show that one.
    """
    prior = prior or {}
    id_key, deadline = REFERENCE_KEYS[kind][1], time.monotonic() + max(timeout, 0)
    pending, names = list(service_ids), {}
    while pending:
        for service_id in list(pending):
            service = service_ops.inspect_service(client, service_id)
            if service is None:
                raise FleetDockerError('Service %s was removed while moving it to the new %s; the old versions are '
                                       'kept.' % (names.get(service_id, service_id), kind))
            spec = service['Spec']
            name = names[service_id] = spec['Name']
            status = service.get('UpdateStatus') or {}
            fresh = bool(status) and status != prior.get(service_id)
            if object_id not in [ref.get(id_key) for ref in references(service, kind)]:
                raise FleetDockerError('Service %s was rolled back by the engine while moving it to the new %s (%s); '
                                       'the old versions are kept.' % (name, kind, status.get('Message') or 'no reason given'))
            if fresh and status.get('State') in ('paused', 'rollback_paused'):
                raise FleetDockerError('The update of service %s that moves it to the new %s is %s: %s. The old versions '
                                       'are kept.' % (name, kind, status['State'], status.get('Message') or 'no reason given'))
            if service_ops.mode_of(spec).endswith('-job') or (fresh and status.get('State') == 'completed'):
                pending.remove(service_id)
            elif (spec.get('Mode') or {}).get('Replicated', {}).get('Replicas') == 0 and not any(
                    task.get('DesiredState') == 'running' for task in service_ops.service_tasks(client, service_id)):
                pending.remove(service_id)     # nothing to update
        if pending:
            if time.monotonic() > deadline:
                raise FleetDockerError('Service(s) %s did not complete the update onto the new %s within update_timeout '
                                       '(%d s); the old versions are kept.' % (', '.join(names[i] for i in pending), kind, timeout))
            time.sleep(0.5)


# --------------------------------------------------------------------------------------------- converge

def _summary(kind: str, entry: dict | None, version: int | None = None) -> dict | None:
    if entry is None:
        return None
    spec = entry.get('Spec') or {}
    out = dict(id=entry.get('ID'), name=spec.get('Name'), labels=spec.get('Labels') or {},
               created_at=entry.get('CreatedAt'), updated_at=entry.get('UpdatedAt'))
    if version is not None:
        out['version'] = version
    if kind == 'secret' and spec.get('Driver'):
        out['driver'] = spec['Driver']
    if kind == 'config' and spec.get('Templating'):
        out['template_driver'] = spec['Templating'].get('Name')
    return out


class _Run:
    """One task's run: the plan and what was done, for the result and the diff."""

    def __init__(self, client, kind, params, check_mode, warn):
        self.client, self.kind, self.params, self.check_mode, self.warn = client, kind, params, check_mode, warn
        self.actions, self.moved, self.removed = [], [], []
        self._services = None

    @property
    def services(self):
        if self._services is None:
            self._services = list_services(self.client)
        return self._services

    def refresh_services(self):
        self._services = None

    def create(self, name, data, labels, extras):
        self.actions.append('created %s' % name)
        if self.check_mode:
            return None
        try:
            return create_object(self.client, self.kind, name, data, labels, driver=extras.get('Driver'),
                                 templating=extras.get('Templating'))
        except Exception as exc:  # pylint: disable=broad-except
            raise EngineStepError('Creating %s %s' % (self.kind, name), exc, self._outcome(), changed=bool(self.actions[:-1]),
                                  actions=self.actions[:-1])

    def remove(self, entry):
        name = entry['Spec']['Name']
        self.actions.append('removed %s' % name)
        self.removed.append(name)
        if not self.check_mode:
            try:
                remove_object(self.client, self.kind, entry['ID'])
            except Exception as exc:  # pylint: disable=broad-except
                raise EngineStepError('Removing %s %s' % (self.kind, name), exc, self._outcome(), changed=True,
                                      actions=self.actions[:-1])

    def move(self, old_entries: list, new_id: str | None, new_name: str) -> None:
        """Move every service that uses one of ``old_entries`` onto (new_id, new_name), then wait for them."""
        by_id = dict((e['ID'], e['Spec']['Name']) for e in old_entries)
        users = users_of(self.services, self.kind, set(by_id))
        if not users:
            return
        id_key = REFERENCE_KEYS[self.kind][1]
        touched, prior = [], {}
        for service in self.services:
            olds = sorted(set(ref.get(id_key) for ref in references(service, self.kind)) & set(by_id))
            if not olds:
                continue
            sname = service['Spec']['Name']
            for old in olds:
                self.moved.append({'service': sname, 'from': by_id[old], 'to': new_name})
            self.actions.append('moved service %s to %s' % (sname, new_name))
            if self.check_mode:
                continue
            try:
                update_service_references(self.client, service['ID'], self.kind,
                                          dict((old, (new_id, new_name)) for old in olds))
            except Exception as exc:  # pylint: disable=broad-except
                raise EngineStepError('Moving service %s to %s %s' % (sname, self.kind, new_name), exc, self._outcome(),
                                      changed=True, actions=self.actions[:-1])
            touched.append(service['ID'])
            prior[service['ID']] = service.get('UpdateStatus') or {}
        if touched:
            try:
                wait_for_services(self.client, touched, self.kind, new_id, self.params['update_timeout'], prior)
            except FleetDockerError as exc:
                raise FleetDockerError(exc.msg, changed=True, actions=self.actions, services=self.moved)
        self.refresh_services()

    def _outcome(self):
        return ('Done before this: %s.' % '; '.join(self.actions)) if self.actions else 'Nothing was changed.'


def _in_use_error(kind, name, users, extra=''):
    return SwarmError('%s %s is used by service(s) %s; the engine cannot change or remove a %s in use. %s'
                      'Nothing was changed.' % (KIND_WORD[kind], name, ', '.join(users), kind, extra))


def converge_object(client, kind: str, params: dict, check_mode: bool = False, diff: bool = False, warn=None) -> dict:
    warn = warn or (lambda text: None)
    name = check_object_name(kind, params['name'], params.get('rolling_versions'))
    if params['state'] == 'absent':
        return _absent(client, kind, params, name, check_mode, diff)
    data = read_content(kind, params)
    extras = engine_extras(kind, params)
    if data is None and not extras.get('Driver'):
        raise SwarmError('state=present needs data or src%s.' % (' (or driver)' if kind == 'secret' else ''))
    if params.get('data_is_b64') and params.get('src') is not None:
        warn('data_is_b64 applies to data only; the file of src is used as it is.')
    wanted_labels = user_labels(params)
    run = _Run(client, kind, params, check_mode, warn)
    if params.get('rolling_versions'):
        versions = sorted(((version_of(e, name), e) for e in list_objects(client, kind, name + '_v')
                           if version_of(e, name) is not None), key=lambda pair: pair[0])
        current_version, current = versions[-1] if versions else (0, None)
    else:
        versions = []
        current_version, current = None, find_object(client, kind, name)

    differs, reasons = _compare(kind, current, data, extras, params, warn)
    relabel = label_changes(wanted_labels, (current or {}).get('Spec', {}).get('Labels')) if current else {}
    before = _state(kind, current, current_version)
    target, target_version = current, current_version
    if differs:
        labels = dict(wanted_labels)
        if kind == 'secret' and data is not None:
            labels[DIGEST_LABEL] = make_digest(data)
        if params.get('rolling_versions'):
            target_version = current_version + 1
            new_name = '%s_v%d' % (name, target_version)
            labels[VERSION_LABEL] = str(target_version)
            new_id = run.create(new_name, data, labels, extras)
            target = _placeholder(new_id, new_name, labels) if new_id is None else _reload(client, kind, new_id, new_name, labels)
        elif current is None:
            new_id = run.create(name, data, labels, extras)
            target = _placeholder(new_id, name, labels) if new_id is None else _reload(client, kind, new_id, name, labels)
        else:
            target = _replace_in_place(run, kind, name, current, data, labels, extras, reasons)
    elif relabel:
        merged = dict(current['Spec'].get('Labels') or {}, **wanted_labels)
        run.actions.append('labels of %s updated' % current['Spec']['Name'])
        if not check_mode:
            update_labels(client, kind, current, merged)
            target = _reload(client, kind, current['ID'], current['Spec']['Name'], merged)
        else:
            target = copy.deepcopy(current)
            target['Spec']['Labels'] = merged

    if params.get('rolling_versions'):
        # Every version before the target: after a change all existing ones, else all but the current.
        olds = [e for v, e in versions if differs or v != current_version]
        olds.sort(key=lambda e: version_of(e, name), reverse=True)
        run.move(olds, target['ID'], target['Spec']['Name'])
        users = users_of(run.services, kind, set(e['ID'] for e in olds)) if not check_mode else {}
        for entry in prune_candidates(olds, params['versions_to_keep']):
            if entry['ID'] in users:
                warn('%s %s is beyond versions_to_keep but service(s) %s use it; it is kept.'
                     % (KIND_WORD[kind], entry['Spec']['Name'], ', '.join(users[entry['ID']])))
                continue
            run.remove(entry)

    result = dict(changed=bool(run.actions), actions=run.actions, services=run.moved, removed=run.removed)
    result[kind] = _summary(kind, target, target_version)
    result['%s_id' % kind] = (target or {}).get('ID') or ''
    result['%s_name' % kind] = (target or {}).get('Spec', {}).get('Name') or ''
    if params.get('rolling_versions'):
        result['version'] = target_version
        result['versions'] = sorted((e['Spec']['Name'] for v, e in versions if e['Spec']['Name'] not in run.removed
                                     and v != target_version), key=lambda n: int(n.rsplit('_v', 1)[1]))
        result['versions'].append(target['Spec']['Name'])
    if diff:
        after = _state(kind, target, target_version)
        if differs:
            after['content'] = 'new' if kind == 'secret' else _text(data)
            before['content'] = ('previous' if current is not None else None) if kind == 'secret' else (
                _text(base64.b64decode(current['Spec'].get('Data') or '')) if current else None)
        before['services'] = sorted(set(m['service'] for m in run.moved))
        after['services'] = before['services']
        if before['services']:
            before['services_use'] = sorted(set(m['from'] for m in run.moved))
            after['services_use'] = [result['%s_name' % kind]]
        result['diff'] = dict(before=before, after=after)
    return result


def _compare(kind, current, data, extras, params, warn):
    """(differs, reasons) between the current object and the task."""
    if current is None:
        return True, ['missing']
    reasons = extras_differ(kind, extras, current.get('Spec') or {})
    content = content_differs(kind, current, data)
    if content is None:
        if not params.get('force'):
            warn('%s %s has no content digest label (it was made outside fleet.docker), so its content cannot be '
                 'compared; it is left as it is. force: true replaces it.' % (KIND_WORD[kind], current['Spec']['Name']))
    elif content:
        reasons.append('content')
    if params.get('force'):
        reasons.append('force')
    return bool(reasons), reasons


def _replace_in_place(run, kind, name, current, data, labels, extras, reasons):
    """A changed object without rolling_versions: remove and create it again, moving its users out and back with force."""
    users = users_of(run.services, kind, {current['ID']}).get(current['ID'])
    if users and not run.params.get('force'):
        raise _in_use_error(kind, name, users, 'Its %s differs from the task. Set rolling_versions: true to create a '
                            'new version and move the services onto it, or force: true to move them through a '
                            'temporary copy. ' % ' and '.join(r for r in reasons if r != 'force'))
    if not users:
        run.remove(current)
        new_id = run.create(name, data, labels, extras)
        return _placeholder(new_id, name, labels) if new_id is None else _reload(run.client, kind, new_id, name, labels)
    # force with users: a temporary copy carries them while the object is made again under its name.
    temp_name = '%s-fleet-next' % name[:MAX_NAME - len('-fleet-next')]
    leftover = find_object(run.client, kind, temp_name)
    if leftover is not None:
        run.remove(leftover)
    temp_id = run.create(temp_name, data, labels, extras)
    run.move([current], temp_id, temp_name)
    run.remove(current)
    new_id = run.create(name, data, labels, extras)
    temp = dict(ID=temp_id, Spec=dict(Name=temp_name))
    if run.check_mode:
        # Nothing moved to the copy in check mode, so say what the real run moves back.
        for service in users:
            run.moved.append({'service': service, 'from': temp_name, 'to': name})
            run.actions.append('moved service %s to %s' % (service, name))
    else:
        run.move([temp], new_id, name)
    run.remove(temp)
    return _placeholder(new_id, name, labels) if new_id is None else _reload(run.client, kind, new_id, name, labels)


def _placeholder(object_id, name, labels):
    """What check mode reports for an object it would create."""
    return dict(ID=object_id, Spec=dict(Name=name, Labels=labels))


def _reload(client, kind, object_id, name, labels):
    return find_object(client, kind, name) or _placeholder(object_id, name, labels)


def _text(data):
    if data is None:
        return None
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return '<%d bytes of binary data>' % len(data)


def _state(kind, entry, version):
    if entry is None:
        return dict(state='absent')
    labels = dict((k, v) for k, v in (entry.get('Spec', {}).get('Labels') or {}).items() if k != DIGEST_LABEL)
    out = dict(state='present', name=entry['Spec']['Name'], labels=labels)
    if version:
        out['version'] = version
    return out


def _absent(client, kind, params, name, check_mode, diff):
    if params.get('rolling_versions'):
        entries = [e for e in list_objects(client, kind, name + '_v') if version_of(e, name) is not None]
    else:
        entries = [e for e in [find_object(client, kind, name)] if e]
    users = users_of(list_services(client), kind, set(e['ID'] for e in entries)) if entries else {}
    if users:
        names = sorted(set(n for group in users.values() for n in group))
        raise _in_use_error(kind, name, names, 'Remove or change those services first. ')
    removed = []
    for entry in entries:
        removed.append(entry['Spec']['Name'])
        if not check_mode:
            remove_object(client, kind, entry['ID'])
    result = dict(changed=bool(removed), actions=['removed %s' % n for n in removed], removed=removed, services=[])
    result[kind] = None
    if diff:
        result['diff'] = dict(before=dict(state='present' if entries else 'absent', names=removed),
                              after=dict(state='absent'))
    return result
