# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error the compose loader raises."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError


class ComposeError(FleetDockerError):
    """A compose project that cannot be loaded; ``msg`` names the file, service and key."""


def compose_accepts(why: str) -> str:
    """The reason for refusing what `docker compose config` (2.40) accepts: the rule is to accept
    and send what Compose sends, or to say that Compose would accept it and why we do not."""
    return 'Compose would accept it, but fleet.docker.compose refuses it: %s' % why
