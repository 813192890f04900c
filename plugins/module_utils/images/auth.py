# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry credentials: the docker config file and credential helpers.

The config file is the one the engine client reads (``$DOCKER_CONFIG/config.json`` or
``~/.docker/config.json``), so credentials stored here serve ``docker pull`` and our modules alike.
Pulls need only this (``auth_config_for``); the registry's HTTP API lives in ``registry.py``, and
writing credentials (registry_login) in ``login.py``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess

from urllib.parse import urlsplit

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError

HUB_INDEX_KEY = 'https://index.docker.io/v1/'
HUB_NAMES = ('docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com')


def default_config_path(environ=None):
    """Where the engine client reads credentials: $DOCKER_CONFIG/config.json, else ~/.docker/config.json."""
    environ = os.environ if environ is None else environ
    base = environ.get('DOCKER_CONFIG') or os.path.join(os.path.expanduser('~'), '.docker')
    return os.path.join(base, 'config.json')


def normalize_registry(registry):
    """Bare ``host[:port]`` of a registry as users write it (URL, trailing /v1/ etc. removed); hub → docker.io."""
    text = (registry or '').strip()
    if not text:
        return 'docker.io'
    if '://' in text:
        text = urlsplit(text).netloc or text.split('://', 1)[1]
    text = text.split('/', 1)[0].lower()
    if text in HUB_NAMES:
        return 'docker.io'
    return text


def config_key(registry):
    """The ``auths`` key the docker CLI writes: the hub's legacy URL, otherwise the bare host."""
    host = normalize_registry(registry)
    return HUB_INDEX_KEY if host == 'docker.io' else host


def matching_keys(auths, registry):
    """Every ``auths`` key that names ``registry`` (http://host, https://host/v1/, host ...)."""
    host = normalize_registry(registry)
    return [key for key in (auths or {}) if normalize_registry(key) == host]


def read_config(path):
    """The parsed config file; {} when missing. A broken file is a clear error, never a traceback."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise FleetDockerError('Cannot read the docker config file %s: %s' % (path, exc.strerror or exc))
    if not data.strip():
        return {}
    try:
        config = json.loads(data.decode('utf-8'))
    except ValueError as exc:
        raise FleetDockerError('The docker config file %s is not valid JSON: %s' % (path, exc))
    if not isinstance(config, dict):
        raise FleetDockerError('The docker config file %s does not hold a JSON object.' % path)
    return config


def encode_auth(username, password):
    return base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')


def decode_auth(entry):
    """(username, password) stored in one ``auths`` entry, or (None, None)."""
    if not isinstance(entry, dict):
        return None, None
    if entry.get('auth'):
        try:
            text = base64.b64decode(entry['auth']).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            return None, None
        username, sep, password = text.partition(':')
        return (username, password) if sep else (None, None)
    if entry.get('username'):
        return entry.get('username'), entry.get('password')
    return None, None


def stored_credentials(config, registry):
    """(key, username, password) of the first ``auths`` entry for ``registry``, or (None, None, None)."""
    auths = config.get('auths') or {}
    for key in matching_keys(auths, registry):
        username, password = decode_auth(auths[key])
        if username is not None:
            return key, username, password
    return None, None, None


def credential_helper(config, registry):
    """Name of the credential helper the engine client would use for ``registry``, or None."""
    host = normalize_registry(registry)
    for key, helper in (config.get('credHelpers') or {}).items():
        if normalize_registry(key) == host:
            return helper
    return config.get('credsStore') or None


def _helper_credentials(helper, registry):
    """Ask ``docker-credential-<helper>``; None when it is absent or knows nothing."""
    program = shutil.which('docker-credential-%s' % helper)
    if not program:
        return None
    server = config_key(registry)
    try:
        proc = subprocess.run([program, 'get'], input=server.encode('utf-8'), capture_output=True,
                              timeout=30, check=False)
        data = json.loads(proc.stdout.decode('utf-8')) if proc.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    if not data or not data.get('Username'):
        return None
    if data['Username'] == '<token>':
        return dict(identitytoken=data.get('Secret'))
    return dict(username=data['Username'], password=data.get('Secret'))


def auth_config_for(registry, config_path=None):
    """The SDK ``auth_config`` for ``registry`` from the config file (helper first, as the CLI does), or None."""
    config = read_config(config_path or default_config_path())
    helper = credential_helper(config, registry)
    if helper:
        found = _helper_credentials(helper, registry)
        if found:
            return found
    key, username, password = stored_credentials(config, registry)
    if key is None:
        entry = None
        for candidate in matching_keys(config.get('auths') or {}, registry):
            entry = config['auths'][candidate]
        if isinstance(entry, dict) and entry.get('identitytoken'):
            return dict(identitytoken=entry['identitytoken'])
        return None
    return dict(username=username, password=password, serveraddress=key)
