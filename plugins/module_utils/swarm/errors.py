# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the swarm modules: FleetDockerError, so the module reports one clear message."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError


class SwarmError(FleetDockerError):
    """Bad input or a swarm state the task cannot act on; nothing was changed."""
