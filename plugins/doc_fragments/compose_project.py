# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How a task names its compose project, shared by compose and stack: one loader reads it for both
    # (module_utils/compose/project.py, whose PROJECT_ARGS is the matching argument spec).
    DOCUMENTATION = r"""
options:
  project_src:
    description: Directory on the managed host with the compose file(s); relative paths in them are relative to it.
    type: path
  files:
    description: Compose files in O(project_src), merged in order. Default, the first of C(compose.yaml),
      C(compose.yml), C(docker-compose.yaml), C(docker-compose.yml).
    type: list
    elements: path
  definition:
    description: The compose project inline, as a dict (what a compose file holds).
    type: dict
  env_files:
    description: Files with variables for interpolation, instead of C(.env) in O(project_src).
    type: list
    elements: path
  profiles:
    description: Profiles to enable.
    type: list
    elements: str
"""
