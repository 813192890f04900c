# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's naming rules and shared vocabularies, in one place for every module.

The patterns follow dockerd's own: containers and volumes share its "restricted name" rule
(a letter or digit, then at least one more of letters, digits, ``_ . -``), so one-character
names are refused by the engine and therefore here too.
"""

from __future__ import annotations

import re

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError

# dockerd: daemon/names RestrictedNamePattern, used for container and local volume names.
RESTRICTED_NAME = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]+$')
RESTRICTED_NAME_TEXT = 'a letter or digit followed by at least one letter, digit, "_", "." or "-"'
# Longer names are accepted by dockerd but break hostnames, logs and tools.
MAX_CONTAINER_NAME = 255

# Networks every engine has; they need no existence check and cannot be created or removed.
BUILTIN_NETWORKS = ('bridge', 'host', 'none')
# Names that are built in or reserved by swarm mode; prune and network modules leave them alone.
PREDEFINED_NETWORKS = BUILTIN_NETWORKS + ('ingress', 'docker_gwbridge')
# network_mode values that are not networks a container joins.
SPECIAL_NETWORK_MODES = ('host', 'none')

# dockerd refuses to create or remove these, 'default' included (runconfig.IsPreDefinedNetwork).
RESERVED_NETWORK_NAMES = PREDEFINED_NETWORKS + ('default',)
# dockerd takes any non-empty network name; longer ones are refused here like container names.
MAX_NETWORK_NAME = 255

PULL_POLICIES = ('missing', 'always', 'never')
RESTART_POLICIES = ('no', 'on-failure', 'always', 'unless-stopped')

# Label on a replacement container while a recreate is in flight (see containers.recreate).
REPLACEMENT_LABEL = 'fleet.docker.replacement-for'

# image_build: the label holding the digest of an image's build inputs, and when to rebuild.
BUILD_INPUTS_LABEL = 'fleet.docker.build-inputs'
REBUILD_POLICIES = ('changed', 'always', 'never')

# Anonymous volumes (docker run -v /data, --mount without a source): the engine names them with
# 64 hex digits. Since API 1.42 (Docker 23) it also labels them, and its volume prune removes only
# labelled ones unless the filters hold all=true; Docker 20.10 (API 1.41) sets no label and prunes
# named ones too, and Docker 26.1 leaves the label off volumes made by --mount. So the name is the
# sign that holds on every engine.
ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous'
ANONYMOUS_VOLUME_NAME = re.compile(r'^[0-9a-f]{64}$')
PRUNE_ANONYMOUS_ONLY_API = (1, 42)


def is_anonymous_volume(volume: dict) -> bool:
    """Whether a volume (list entry) is anonymous: the engine's label or a name the engine generated."""
    return (ANONYMOUS_VOLUME_LABEL in (volume.get('Labels') or {})
            or bool(ANONYMOUS_VOLUME_NAME.match(volume.get('Name') or '')))


class InvalidNameError(FleetDockerError):
    """A name the engine would refuse."""


# A platform as pull takes it: os[/arch[/variant]] (containerd's platforms specifier; an OS version
# in parentheses is Windows-only). Checked here because engines word their refusal differently:
# 20.10 names the platform, 26.1 and later only say the OS component is invalid.
PLATFORM = re.compile(r'^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+){0,2}\Z')


def check_platform(platform):
    """Return ``platform`` (None when not given), or raise before the engine sees it."""
    if platform is None or platform == '':
        return None
    if not isinstance(platform, str) or not PLATFORM.match(platform):
        raise InvalidNameError('Invalid platform %r: use os[/arch[/variant]], such as linux/amd64 or linux/arm64/v8.'
                               % _clip_name(platform))
    return platform


def check_restricted_name(kind: str, name: str) -> str:
    """Return ``name`` without a leading ``/`` (containers), or raise with the engine's rule."""
    bare = name.lstrip('/') if kind == 'container' else name
    if not isinstance(name, str) or not RESTRICTED_NAME.match(bare or ''):
        raise InvalidNameError('Invalid %s name %r: use %s.' % (kind, _clip_name(name), RESTRICTED_NAME_TEXT))
    if kind == 'container' and len(bare) > MAX_CONTAINER_NAME:
        raise InvalidNameError('Invalid container name %r...: %d characters, at most %d.'
                               % (bare[:40], len(bare), MAX_CONTAINER_NAME))
    return bare


def check_network_name(name: str) -> str:
    """A name the network module may create or remove: the engine's rule (non-empty, not predefined)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError('Invalid network name %r: it must not be empty or blank.' % (name,))
    if name in RESERVED_NETWORK_NAMES:
        raise InvalidNameError('Network %s is built in or reserved by the engine (%s); this module does not '
                               'create, change or remove it.' % (name, ', '.join(RESERVED_NETWORK_NAMES)))
    if len(name) > MAX_NETWORK_NAME:
        raise InvalidNameError('Invalid network name %r...: %d characters, at most %d.'
                               % (name[:40], len(name), MAX_NETWORK_NAME))
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise InvalidNameError('Invalid network name %r: control characters are not allowed.' % _clip_name(name))
    return name


def is_volume_name(text: str) -> bool:
    return bool(RESTRICTED_NAME.match(text or ''))


def _clip_name(name) -> str:
    text = str(name)
    return text if len(text) <= 100 else text[:100] + '...'
