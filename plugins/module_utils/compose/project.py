# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project a compose task names: its options (project_src, files, definition, ...) through the loader.

Shared by ``compose`` and ``compose_info``; it reads files only, so the read-only module ships
the loader and not the converge code.
"""

from __future__ import annotations

import os
import re

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose.load import (
    find_default_files, load_project_with_warnings)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError


# The options that name a project, for every module that loads one (compose, compose_info, stack);
# their docs are the compose_project doc fragment.
PROJECT_ARGS = dict(
    project_src=dict(type='path'),
    files=dict(type='list', elements='path'),
    definition=dict(type='dict'),
    env_files=dict(type='list', elements='path'),
    profiles=dict(type='list', elements='str'),
)


def load(params: dict) -> dict:
    """The normalized project from the module's options (through the compose loader)."""
    project_dir = params.get('project_src')
    if project_dir is None and params.get('definition') is None:
        raise FleetDockerError('Give project_src (a directory with a compose file) or definition.')
    if project_dir is not None:
        project_dir = os.path.abspath(os.path.expanduser(project_dir))
    try:
        project, warnings = load_project_with_warnings(
            project_dir, params.get('files'), params.get('definition'), params.get('project_name'),
            params.get('env_files'), params.get('profiles'), params.get('environment'))
    except FleetDockerError as exc:
        raise FleetDockerError(locate(exc.msg, config_files(project_dir, params.get('files'))))
    project = dict(project)
    project['x-fleet-warnings'] = list(warnings)
    n.name_images(project)
    files = [os.path.join(project_dir, f) if project_dir and not os.path.isabs(f) else f
             for f in project.get('x-fleet-files') or config_files(project_dir, params.get('files'))]
    project['x-fleet-files'] = files
    project.setdefault('x-fleet-working-dir', project_dir or os.getcwd())
    if not n.valid_project_name(project.get('name') or ''):
        raise FleetDockerError('Invalid project name %r: lower-case letters, digits, "_" and "-", starting with a '
                               'letter or digit (set project_name).' % project.get('name'))
    return project


def locate(msg: str, files: list) -> str:
    """A loader message that does not say where: prefixed with the file(s), service and key it is about."""
    files = files or ['definition']
    if not any(f in msg or os.path.basename(f) in msg for f in files):
        match = re.match(r'^(?:service "([^"]+)" depends on|dependency cycle detected: ([^ ]+) ->)', msg)
        if match:
            msg = 'service %s: depends_on: %s' % (match.group(1) or match.group(2), msg)
        msg = '%s: %s' % (', '.join(files), msg)
    return msg


def config_files(project_dir, files) -> list:
    """The compose files a task reads: the given ones, else the project directory's defaults."""
    if files:
        return list(files)
    if not project_dir:
        return []
    try:
        return find_default_files(project_dir)
    except FleetDockerError:
        return []
