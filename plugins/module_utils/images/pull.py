# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local image lookup and pulls with layer accounting: what every module that runs an image needs.

Kept apart from ``ops.py`` (remove, info, search) and ``registry.py`` (the registry's HTTP API) so
the container modules carry and compile only this: Ansible ships every imported module_utils file
with each task and the target compiles it on every run.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, FleetDockerError, NotFound
from ansible_collections.fleet.docker.plugins.module_utils.images.auth import auth_config_for
from ansible_collections.fleet.docker.plugins.module_utils.images.references import is_image_id, parse_reference
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import PULL_POLICIES


# community.docker's spellings of the same policies: docker_container's booleans (before its
# never/missing/always) and docker_image_pull's not_present.
_PULL_SYNONYMS = {True: 'always', False: 'missing', 'not_present': 'missing'}


def pull_policy(value):
    """``value`` as one of PULL_POLICIES; raise for anything else (pure)."""
    if isinstance(value, bool) or value == 'not_present':
        return _PULL_SYNONYMS[value]
    if value not in PULL_POLICIES:
        raise FleetDockerError('pull must be one of %s, got %r.' % (', '.join(PULL_POLICIES), value))
    return value


def names_an_id(ref) -> bool:
    """Whether a parsed reference is an image ID, ``sha256:<64 hex>`` (pure)."""
    return ref.registry is None and ref.path == 'sha256' and not ref.digest and is_image_id('sha256:%s' % ref.tag)


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


def _auth_for(ref):
    """Credentials for the reference's registry from the docker config file, or None (anonymous)."""
    try:
        return auth_config_for(ref.registry or 'docker.io')
    except FleetDockerError:
        return None  # An unreadable config file: let the engine try anonymously and say why it fails.


def pull_image(client, ref, platform=None, auth_config=None):
    """Pull ``ref``; return (image inspect, layers dict). Errors in the stream become FleetDockerError.

    Without ``auth_config``, credentials come from the docker config file (as registry_login stores them).
    """
    repository = ref.repository
    tag = ref.digest or ref.tag or 'latest'
    layer_status = {}
    if auth_config is None:
        auth_config = _auth_for(ref)
    try:
        for event in client.pull(repository, tag=tag, stream=True, decode=True, platform=platform,
                                 auth_config=auth_config):
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
        if isinstance(explanation, bytes):
            explanation = explanation.decode('utf-8', 'replace')
        if 'no basic auth credentials' in str(explanation) or 'unauthorized' in str(explanation):
            raise FleetDockerError('Pull of %s was refused by the registry: %s (log in with '
                                   'fleet.docker.registry_login).' % (ref.pull_ref, explanation))
        if exc.status_code == 404 or 'not found' in str(explanation) or 'manifest unknown' in str(explanation):
            raise FleetDockerError('Image %s was not found in its registry: %s' % (ref.pull_ref, explanation))
        raise FleetDockerError('Pull of %s failed: %s' % (ref.pull_ref, explanation))
    image = find_local_image(client, ref)
    if image is None:
        raise FleetDockerError('Pull of %s reported success but the image is not on the host.' % ref.pull_ref)
    values = list(layer_status.values())
    downloaded = values.count('downloaded')
    # The engine prints no layer lines at all when it already has the image's content (another
    # name for the same image): count from the image itself, so every layer not downloaded is
    # one that was already present, as "Already exists" means.
    total = max(len((image.get('RootFS') or {}).get('Layers') or []), len(values))
    layers = dict(total=total, downloaded=downloaded, already_present=total - downloaded)
    return image, layers


def platform_matches(image, platform):
    """Whether a local image fits ``os/arch[/variant]`` (pure; no platform asked always fits)."""
    if not platform or not image:
        return True
    wanted = platform.lower().split('/')
    have = [(image.get('Os') or '').lower(), (image.get('Architecture') or '').lower(),
            (image.get('Variant') or '').lower()]
    if len(wanted) == 1:
        return wanted[0] in (have[0], have[1])  # "amd64" alone names the architecture
    return have[:len(wanted)] == wanted


def ensure_image(client, reference, pull='missing', check_mode=False, platform=None, remote=None):
    """Make ``reference`` present according to the pull policy.

    Returns a dict: ``image`` (inspect, None only in check mode when it would be pulled),
    ``before_id``, ``after_id``, ``pulled``, ``changed`` and ``layers``.
    ``changed`` means the local image ID for the reference differs afterwards.
    With ``remote`` (``remote(ref, platform)`` -> dict(digest, image_id) or None, such as
    ``ops.remote_lookup()``), check mode asks the registry instead of guessing, and the result gets
    ``remote_digest``; ``after_id`` is None when the registry could not tell. It is passed in so
    that a pull does not import the registry's HTTP client.
    """
    ref = reference if not isinstance(reference, str) else parse_reference(reference, default_tag='latest')
    pull = pull_policy(pull)
    if names_an_id(ref):
        # An image ID is local by definition and cannot be pulled; the policy does not apply, as in
        # community.docker.docker_container.
        image = find_local_image(client, ref)
        if image is None:
            raise FleetDockerError('Image %s is not on the host, and an image ID cannot be pulled.' % ref.tagged)
        return dict(image=image, before_id=image['Id'], after_id=image['Id'], pulled=False, changed=False,
                    layers=dict(total=0, downloaded=0, already_present=0))
    before = find_local_image(client, ref)
    before_id = before['Id'] if before else None
    result = dict(image=before, before_id=before_id, after_id=before_id, pulled=False, changed=False,
                  layers=dict(total=0, downloaded=0, already_present=0))
    fits = platform_matches(before, platform)
    if before is not None and fits and pull != 'always':
        return result
    if (before is None or not fits) and pull == 'never':
        raise FleetDockerError('Image %s is not present on the host and pull is never.' % ref.familiar)
    if check_mode:
        if remote is None:
            # Without pulling we only know a missing image would arrive.
            result['changed'] = before is None or not fits
            result['after_id'] = before_id if before is not None and fits else '(pulled)'
            return result
        remote = remote(ref, platform)
        result['remote_digest'] = remote['digest'] if remote else None
        if before is not None and fits and remote and remote['digest']:
            local_digests = before.get('RepoDigests') or []
            if '%s@%s' % (ref.repository, remote['digest']) in local_digests:
                return result  # the registry holds what we have: a pull would change nothing
            result['changed'] = True
            result['after_id'] = remote['image_id'] if remote['image_id'] else None
            return result
        if before is not None and fits:
            # The registry could not tell: a pull of a present image usually changes nothing.
            result['warnings'] = ['Could not ask the registry for the current digest of %s; check mode assumes '
                                  'it is unchanged.' % ref.familiar]
            return result
        result['changed'] = True
        result['after_id'] = remote['image_id'] if remote and remote['image_id'] else None
        return result
    image, layers = pull_image(client, ref, platform=platform)
    result.update(image=image, after_id=image['Id'], pulled=True, layers=layers,
                  changed=image['Id'] != before_id)
    return result
