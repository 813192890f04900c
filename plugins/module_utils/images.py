# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local image lookup and pulls with layer accounting; shared by every module that needs an image."""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.image_ref import parse_reference

try:
    from docker.errors import NotFound, APIError
except ImportError:  # pragma: no cover - connection.py reports the missing SDK
    class APIError(Exception):
        status_code = None
        explanation = None

    class NotFound(APIError):
        pass

PULL_POLICIES = ('missing', 'always', 'never')


def inspect_image(client, name):
    """Image inspect for a name, reference or ID; None when the engine has no such image."""
    try:
        return client.inspect_image(name)
    except NotFound:
        return None
    except APIError as exc:
        # A reference the engine cannot even parse is "not here" for lookups.
        if exc.status_code == 400:
            return None
        raise


def find_local_image(client, ref):
    """The local image a parsed reference points to, or None.

    A digest reference is present when that digest is local, whatever the tag says.
    """
    if ref.digest:
        return inspect_image(client, ref.digested)
    return inspect_image(client, ref.tagged)


def summarize_image(image):
    if not image:
        return None
    return dict(
        id=image.get('Id'), repo_tags=image.get('RepoTags') or [], repo_digests=image.get('RepoDigests') or [],
        size=image.get('Size'), created=image.get('Created'), architecture=image.get('Architecture'),
        os=image.get('Os'), labels=(image.get('Config') or {}).get('Labels') or {},
    )


def pull_image(client, ref, platform=None):
    """Pull ``ref``; return (image inspect, layers dict). Errors in the stream become FleetDockerError."""
    repository = ref.repository
    tag = ref.digest or ref.tag or 'latest'
    layer_status = {}
    try:
        for event in client.pull(repository, tag=tag, stream=True, decode=True, platform=platform):
            if 'error' in event:
                raise FleetDockerError('Pull of %s failed: %s' % (ref.pull_ref, event['error'].strip()))
            layer = event.get('id')
            status = event.get('status', '')
            if not layer or ':' in layer:  # tag/digest lines, not layers
                continue
            if status == 'Already exists':
                layer_status[layer] = 'already_present'
            elif status in ('Pulling fs layer', 'Waiting', 'Downloading', 'Download complete',
                            'Verifying Checksum', 'Extracting', 'Pull complete'):
                if layer_status.get(layer) != 'already_present':
                    layer_status[layer] = 'downloaded'
    except APIError as exc:
        explanation = exc.explanation or str(exc)
        if exc.status_code == 404 or 'not found' in str(explanation) or 'manifest unknown' in str(explanation):
            raise FleetDockerError('Image %s was not found in its registry: %s' % (ref.pull_ref, explanation))
        raise FleetDockerError('Pull of %s failed: %s' % (ref.pull_ref, explanation))
    image = find_local_image(client, ref)
    if image is None:
        raise FleetDockerError('Pull of %s reported success but the image is not on the host.' % ref.pull_ref)
    values = list(layer_status.values())
    layers = dict(total=len(values), downloaded=values.count('downloaded'),
                  already_present=values.count('already_present'))
    return image, layers


def ensure_image(client, reference, pull='missing', check_mode=False, platform=None):
    """Make ``reference`` present according to the pull policy.

    Returns a dict: ``image`` (inspect, None only in check mode when it would be pulled),
    ``before_id``, ``after_id``, ``pulled``, ``changed`` and ``layers``.
    ``changed`` means the local image ID for the reference differs afterwards.
    """
    ref = reference if not isinstance(reference, str) else parse_reference(reference, default_tag='latest')
    if pull not in PULL_POLICIES:
        raise FleetDockerError('pull must be one of %s, got %r.' % (', '.join(PULL_POLICIES), pull))
    before = find_local_image(client, ref)
    before_id = before['Id'] if before else None
    result = dict(image=before, before_id=before_id, after_id=before_id, pulled=False, changed=False,
                  layers=dict(total=0, downloaded=0, already_present=0))
    if before is not None and pull != 'always':
        return result
    if before is None and pull == 'never':
        raise FleetDockerError('Image %s is not present on the host and pull is never.' % ref.familiar)
    if check_mode:
        # Without pulling we only know a missing image would arrive.
        result['changed'] = before is None
        result['after_id'] = before_id if before is not None else '(pulled)'
        return result
    image, layers = pull_image(client, ref, platform=platform)
    result.update(image=image, after_id=image['Id'], pulled=True, layers=layers,
                  changed=image['Id'] != before_id)
    return result
