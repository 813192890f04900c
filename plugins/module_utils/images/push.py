# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.image_push: push a tag only when the registry does not already hold that image.

The registry is asked first (``HEAD /v2/<name>/manifests/<tag>``, ``Docker-Content-Digest``). When
that digest is one of the local image's RepoDigests for the repository, the registry's tag already
is this image and nothing is pushed. Credentials come from the docker config file (credential
helpers first), as for pulls.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import (
    APIError, FleetDockerError, mentions_credentials)
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    ImageRefError, parse_reference, registry_path, repo_of,
)
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import find_local_image, summarize_image
from ansible_collections.fleet.docker.plugins.module_utils.images.auth import auth_config_for, normalize_registry
from ansible_collections.fleet.docker.plugins.module_utils.images.registry import RegistryClient, RegistryError


def push_reference(name: str, tag: str):
    ref = parse_reference(name, default_tag=tag or 'latest')
    if ref.digest:
        raise ImageRefError('name must be repository[:tag] to push, not a digest reference (%s).' % ref.familiar)
    return ref


def local_digests(image: dict, repository: str) -> list:
    """The manifest digests the engine knows this image by in ``repository`` (pure)."""
    return [entry.split('@', 1)[1] for entry in (image.get('RepoDigests') or [])
            if '@' in entry and repo_of(entry) == repository]


def _credentials_failure(ref, registry: str, has_auth: bool) -> FleetDockerError:
    if has_auth:
        return FleetDockerError('Push of %s was refused: registry %s rejected the stored credentials (log in again '
                                'with fleet.docker.registry_login).' % (ref.tagged, registry))
    return FleetDockerError('Push of %s was refused: registry %s needs credentials (log in with '
                            'fleet.docker.registry_login).' % (ref.tagged, registry))


def insecure_for_engine(info: dict, registry: str) -> bool:
    """Whether the engine talks plain HTTP to ``registry`` (its insecure-registries setting) (pure over info)."""
    config = (info or {}).get('RegistryConfig') or {}
    entry = (config.get('IndexConfigs') or {}).get(registry)
    if isinstance(entry, dict) and entry.get('Secure') is False:
        return True
    host = registry.rsplit(':', 1)[0].strip('[]') if not registry.endswith(']') else registry.strip('[]')
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for cidr in config.get('InsecureRegistryCIDRs') or []:
        try:
            if address in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False


def registry_digest(ref, registry_client, has_auth: bool):
    """The digest the registry's tag points to, or None when the registry has no such tag."""
    registry = normalize_registry(ref.registry or 'docker.io')
    try:
        return registry_client.manifest_digest(registry_path(ref), ref.tag or 'latest')
    except RegistryError as exc:
        if exc.status == 404:
            return None
        if exc.status in (401, 403):
            raise _credentials_failure(ref, registry, has_auth)
        raise FleetDockerError('Cannot ask registry %s for %s: %s' % (registry, ref.tagged, exc.msg))


def parse_push_events(events) -> dict:
    """Layers and the pushed digest from the engine's push stream; an error raises (pure over the events)."""
    layers = {}
    digest = None
    for event in events:
        if 'error' in event or 'errorDetail' in event:
            raise PushStreamError((event.get('errorDetail') or {}).get('message') or event.get('error') or '')
        aux = event.get('aux')
        if isinstance(aux, dict) and aux.get('Digest'):
            digest = aux['Digest']
        layer, status = event.get('id'), event.get('status') or ''
        if not layer or ':' in layer:
            continue
        if status == 'Layer already exists' or status.startswith('Mounted from'):
            layers[layer] = 'already_present'
        elif status in ('Pushed', 'Pushing', 'Preparing', 'Waiting'):
            if layers.get(layer) != 'already_present':
                layers[layer] = 'pushed' if status == 'Pushed' else layers.get(layer, 'pending')
    values = list(layers.values())
    return dict(digest=digest, layers=dict(total=len(values), pushed=values.count('pushed'),
                                           already_present=values.count('already_present')))


class PushStreamError(Exception):
    """An error line of the push stream (internal: run_image_push words it)."""


def run_image_push(module) -> dict:
    """fleet.docker.image_push."""
    params = module.params
    ref = push_reference(params['name'], params['tag'])
    registry = normalize_registry(ref.registry or 'docker.io')
    client = module.client
    image = find_local_image(client, ref)
    if image is None:
        raise FleetDockerError('Image %s is not on the host: build, tag or pull it first.' % ref.tagged)
    try:
        auth = auth_config_for(registry)
    except FleetDockerError:
        auth = None
    # Ask the registry the way the engine reaches it: plain HTTP for the registries it treats as insecure.
    scheme = 'http' if insecure_for_engine(client.info(), registry) else None
    reg = RegistryClient.for_registry(registry, timeout=params['registry_timeout'], scheme=scheme)
    before = registry_digest(ref, reg, bool(auth))
    known = local_digests(image, ref.repository)
    result = dict(changed=False, image=summarize_image(image), registry_digest_before=before,
                  layers=dict(total=0, pushed=0, already_present=0))
    if before and before in known:
        result.update(digest=before, repo_digest='%s@%s' % (ref.repository, before))
    else:
        result['changed'] = True
        if not module.check_mode:
            try:
                pushed = parse_push_events(client.push(ref.repository, tag=ref.tag or 'latest', stream=True,
                                                       decode=True, auth_config=auth))
            except PushStreamError as exc:
                text = str(exc)
                if mentions_credentials(text):
                    raise _credentials_failure(ref, registry, bool(auth))
                raise FleetDockerError('Push of %s failed: %s' % (ref.tagged, text.strip()))
            except APIError as exc:
                explanation = exc.explanation or str(exc)
                if isinstance(explanation, bytes):
                    explanation = explanation.decode('utf-8', 'replace')
                if mentions_credentials(explanation):
                    raise _credentials_failure(ref, registry, bool(auth))
                raise FleetDockerError('Push of %s failed: %s' % (ref.tagged, explanation))
            after = registry_digest(ref, reg, bool(auth))
            if pushed['digest'] and after and pushed['digest'] != after:
                raise FleetDockerError('Push of %s finished with digest %s, but the registry now names %s for the '
                                       'tag (another push in between?).' % (ref.tagged, pushed['digest'], after))
            digest = after or pushed['digest']
            image = find_local_image(client, ref) or image
            result.update(digest=digest, repo_digest='%s@%s' % (ref.repository, digest) if digest else None,
                          layers=pushed['layers'], image=summarize_image(image))
    if module._diff:
        result['diff'] = dict(before=dict(reference=ref.tagged, registry_digest=before),
                              after=dict(reference=ref.tagged,
                                         registry_digest=result.get('digest') if not module.check_mode or
                                         not result['changed'] else '(pushed)'))
    return result
