# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.registry_login: store or remove a registry's credentials (config file or credential helper).

Apart from ``auth.py`` (which only reads credentials, for pulls and pushes), so the modules that pull
do not ship the writing side (issue #25: Ansible ships every imported file with each run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.hostfile import write_atomically
from ansible_collections.fleet.docker.plugins.module_utils.images.auth import (
    config_key, credential_helper, default_config_path, encode_auth, matching_keys, normalize_registry, read_config,
    stored_credentials,
)


def write_config(path, config):
    """Write atomically with mode 0600 (it holds secrets); the directory is made 0700 if missing."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)

    def fill(handle):
        json.dump(config, handle, indent='\t')
        handle.write('\n')
    write_atomically(path, fill, mode=0o600, prefix='.config.json.', text=True)


def helper_program(helper):
    """Path of ``docker-credential-<helper>``; raise when it is not on PATH."""
    if not isinstance(helper, str) or not re.match(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$', helper):
        raise FleetDockerError('Invalid credential helper name %r: letters, digits, "_", "." and "-" only '
                               '(the program is docker-credential-NAME).' % (helper,))
    program = shutil.which('docker-credential-%s' % helper)
    if not program:
        raise FleetDockerError('The credential helper docker-credential-%s is not on PATH.' % helper)
    return program


def _helper_call(helper, action, payload, secret=None):
    """Run ``docker-credential-<helper> <action>`` with ``payload`` on stdin (secrets never in argv).

    Returns (returncode, stdout text). Output quoted in errors has ``secret`` masked.
    """
    program = helper_program(helper)
    try:
        proc = subprocess.run([program, action], input=payload.encode('utf-8'), capture_output=True,
                              timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise FleetDockerError('The credential helper docker-credential-%s could not run: %s' % (helper, exc))
    out = proc.stdout.decode('utf-8', 'replace').strip()
    if proc.returncode != 0 and action != 'get':
        text = (out or proc.stderr.decode('utf-8', 'replace').strip())[:300]
        if secret:
            text = text.replace(secret, '********')
        raise FleetDockerError('The credential helper docker-credential-%s failed to %s the credentials: %s'
                               % (helper, action, text or 'exit code %d' % proc.returncode))
    return proc.returncode, out


def helper_get(helper, registry):
    """(username, secret) the helper holds for ``registry``, or (None, None)."""
    code, out = _helper_call(helper, 'get', config_key(registry))
    if code != 0:
        return None, None  # "credentials not found in native keychain"
    try:
        data = json.loads(out)
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not data.get('Username'):
        return None, None
    return data['Username'], data.get('Secret')


def helper_store(helper, registry, username, secret):
    payload = json.dumps(dict(ServerURL=config_key(registry), Username=username, Secret=secret))
    _helper_call(helper, 'store', payload, secret=secret)


def helper_erase(helper, registry):
    _helper_call(helper, 'erase', config_key(registry))


def _engine_login(client, registry, username, password, config_path):
    """Ask the engine to log in (it talks to the registry); a refusal becomes one clear sentence."""
    try:
        client.login(username, password=password, registry=config_key(registry), reauth=True,
                     dockercfg_path=config_path)
    except APIError as exc:
        explanation = exc.explanation or str(exc)
        if isinstance(explanation, bytes):
            explanation = explanation.decode('utf-8', 'replace')
        explanation = str(explanation).replace(password, '********') if password else str(explanation)
        if '401' in explanation or 'unauthorized' in explanation.lower() or exc.status_code == 401:
            raise FleetDockerError('Login to %s as %s failed: the registry rejected the username or password.'
                                   % (normalize_registry(registry), username))
        raise FleetDockerError('Login to %s as %s failed: %s' % (normalize_registry(registry), username, explanation))


def run_registry_login(module):
    """Store (present) or remove (absent) a registry's credentials: in a credential helper when the
    config file names one for the registry (or ``credential_helper`` asks for one), else in the config file."""
    params = module.params
    registry = normalize_registry(params['registry'])
    path = params['config_path'] or default_config_path()
    if os.path.isdir(path):
        path = os.path.join(path, 'config.json')  # a DOCKER_CONFIG-style directory was given
    config = read_config(path)
    auths = config.get('auths') or {}
    if not isinstance(auths, dict):
        raise FleetDockerError('The docker config file %s has an "auths" entry that is not an object.' % path)
    wanted_helper = params.get('credential_helper')
    helper = wanted_helper or credential_helper(config, registry)
    if helper:
        helper_program(helper)  # a missing helper is an error before anything is asked
    key, old_user, old_password = stored_credentials(config, registry)
    if helper:
        old_user, old_password = helper_get(helper, registry)
    result = dict(changed=False, registry=registry, config_path=path)
    if helper:
        result['credential_helper'] = helper
    warnings = []
    if params['state'] == 'absent':
        keys = matching_keys(auths, registry)
        in_helper = bool(helper) and old_user is not None
        result['changed'] = bool(keys) or in_helper
        if not module.check_mode:
            if in_helper:
                helper_erase(helper, registry)
            if keys:
                for name in keys:
                    del auths[name]
                config['auths'] = auths
                write_config(path, config)
        after_user = None
    else:
        username, password = params['username'], params['password']
        if not username or password is None or password == '':
            raise FleetDockerError('state=present needs username and password.')
        if ':' in username:
            raise FleetDockerError('username must not contain ":" (the config file stores user:password).')
        # Validate first, in check mode too: it changes nothing, and a wrong password must fail either way.
        _engine_login(module.client, registry, username, password, path)
        same = old_user == username and old_password == password and (helper is not None or key is not None)
        config_changed = False
        if helper:
            # Name the helper for this registry (so pulls and pushes ask it) and keep no secret in the file.
            helpers = config.get('credHelpers') or {}
            if wanted_helper and credential_helper(config, registry) != wanted_helper:
                helpers[registry] = wanted_helper
                config['credHelpers'] = helpers
                config_changed = True
            for name in matching_keys(auths, registry):
                entry = auths[name]
                if isinstance(entry, dict) and any(k in entry for k in ('auth', 'password', 'identitytoken')):
                    auths[name] = dict((k, v) for k, v in entry.items()
                                       if k not in ('auth', 'username', 'password', 'identitytoken'))
                    config['auths'] = auths
                    config_changed = True
            mode_ok = True
        else:
            mode_ok = not os.path.exists(path) or (os.stat(path).st_mode & 0o777) == 0o600
        result['changed'] = not same or not mode_ok or config_changed
        if result['changed'] and not module.check_mode:
            if helper:
                if not same:
                    helper_store(helper, registry, username, password)
                if config_changed:
                    write_config(path, config)
            else:
                target = key or config_key(registry)
                entry = auths.get(target) if isinstance(auths.get(target), dict) else {}
                entry = dict((k, v) for k, v in entry.items() if k not in ('username', 'password', 'identitytoken'))
                entry['auth'] = encode_auth(username, password)
                auths[target] = entry
                config['auths'] = auths
                write_config(path, config)
        result['username'] = username
        after_user = username
    if warnings:
        result['warnings'] = warnings
    if module._diff:
        # Usernames only: the password never leaves the config file or the helper.
        result['diff'] = dict(before=dict(registry=registry, username=old_user),
                              after=dict(registry=registry, username=after_user))
    return result
