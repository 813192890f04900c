# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`docker exec`: run a command in a running container and collect rc, stdout and stderr."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import exec_in_container, lookup_container
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import parse_command, parse_env


EXEC_OPTIONS = dict(
    container=dict(type='str', required=True),
    command=dict(type='raw', required=True),
    user=dict(type='str'),
    working_dir=dict(type='str', aliases=['chdir']),  # chdir: community.docker's name
    env=dict(type='dict'),
    tty=dict(type='bool', default=False),
    report_changed=dict(type='bool', default=False),
)


def _text(data):
    return (data or b'').decode('utf-8', 'replace')


def run_exec(client, params, check_mode=False):
    command = parse_command(params['command'])
    if not command:
        raise FleetDockerError('command must not be empty.')
    env = parse_env(params.get('env'))
    if params.get('working_dir') and not params['working_dir'].startswith('/'):
        raise FleetDockerError('working_dir %r must be an absolute path.' % params['working_dir'])
    container = lookup_container(client, params['container'])
    if container is None:
        raise FleetDockerError('There is no container %s.' % params['container'])
    if not (container.get('State') or {}).get('Running'):
        raise FleetDockerError('Container %s is not running (%s); exec needs a running container.'
                               % (params['container'], (container.get('State') or {}).get('Status')))
    changed = bool(params.get('report_changed'))
    if check_mode:
        # The command may change anything, so it cannot be simulated: report what the task declares.
        return dict(changed=changed, skipped=True, msg='Not run in check mode.', command=command)
    rc, stdout, stderr = exec_in_container(client, container['Id'], command, user=params.get('user') or '',
                                           environment=env or None, workdir=params.get('working_dir'),
                                           tty=params.get('tty', False))
    result = dict(changed=changed, rc=rc, stdout=_text(stdout), stderr=_text(stderr), command=command)
    result['stdout_lines'] = result['stdout'].splitlines()
    result['stderr_lines'] = result['stderr'].splitlines()
    if rc != 0:
        raise FleetDockerError('The command exited with code %s in container %s.' % (rc, params['container']),
                               **result)
    return result
