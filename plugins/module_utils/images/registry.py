# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small v2 registry HTTP client.

Credentials come from the docker config file (``auth.py``). The HTTP client answers what the engine cannot: a registry's catalog and tag lists, and a tag's
manifest digest without pulling. Only the standard library is used, so no extra dependency.
"""

from __future__ import annotations

import json
import re

from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, build_opener, HTTPRedirectHandler

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.references import registry_path
from ansible_collections.fleet.docker.plugins.module_utils.images.auth import auth_config_for, encode_auth, normalize_registry

MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
# The v2 schema first (what the issue asks for), then the list types so a multi-arch tag answers
# with the same digest the engine records after a pull.
MANIFEST_ACCEPT = ', '.join((MANIFEST_V2, MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX))
_LIST_TYPES = (MANIFEST_LIST, OCI_INDEX)


class RegistryError(FleetDockerError):
    """A registry answered with an error or could not be reached. ``status`` is the HTTP code or None."""

    def __init__(self, msg, status=None):
        super().__init__(msg)
        self.status = status


# ---------------------------------------------------------------------------------------------
# The v2 registry HTTP client
# ---------------------------------------------------------------------------------------------

_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def is_loopback(host):
    name = host.rsplit(':', 1)[0] if not host.endswith(']') else host
    name = name.strip('[]')
    return name == 'localhost' or name.startswith('127.') or name == '::1'


def parse_challenge(header):
    """(scheme, params) of a WWW-Authenticate header (pure)."""
    if not header:
        return None, {}
    scheme, _sep, rest = header.strip().partition(' ')
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(rest))


def parse_link_next(header):
    """The next-page path of a Link header, or None (pure)."""
    match = _LINK_NEXT.search(header or '')
    return match.group(1) if match else None


class _NoRedirectOnHead(HTTPRedirectHandler):
    """Blob/manifest redirects are fine; keep HEAD a HEAD when following them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == 'HEAD':
            new.method = 'HEAD'
        return new


class RegistryClient:
    """Talks the v2 API to one registry, authenticating from the docker config file.

    Plain HTTP is used for loopback registries (the engine allows them insecure by default),
    HTTPS everywhere else, unless ``scheme`` says otherwise.
    """

    def __init__(self, host, auth=None, scheme=None, timeout=30, opener=None):
        self.host = host
        self.scheme = scheme or ('http' if is_loopback(host) else 'https')
        self.auth = auth or {}
        self.timeout = timeout
        self._opener = opener or build_opener(_NoRedirectOnHead())
        self._tokens = {}

    @classmethod
    def for_registry(cls, registry, config_path=None, **kwargs):
        """A client whose credentials come from the docker config file."""
        host = normalize_registry(registry)
        api_host = 'registry-1.docker.io' if host == 'docker.io' else host
        try:
            auth = auth_config_for(host, config_path)
        except FleetDockerError:
            auth = None  # A broken config file must not stop an anonymous read.
        return cls(api_host, auth=auth, **kwargs)

    def _url(self, path):
        return '%s://%s%s' % (self.scheme, self.host, path)

    def _basic_header(self):
        if self.auth.get('username') is None:
            return None
        return 'Basic ' + encode_auth(self.auth['username'], self.auth.get('password') or '')

    def _bearer_token(self, params, scope):
        """Fetch a token from the realm the registry named; cached per scope."""
        key = (params.get('realm'), scope)
        if key in self._tokens:
            return self._tokens[key]
        query = {}
        if params.get('service'):
            query['service'] = params['service']
        if scope:
            query['scope'] = scope
        realm = params.get('realm')
        if not realm:
            raise RegistryError('Registry %s asked for a token but named no realm.' % self.host)
        req = Request(realm + ('?' + urlencode(query) if query else ''))
        basic = self._basic_header()
        if basic:
            req.add_header('Authorization', basic)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                data = json.loads(resp.read().decode('utf-8'))
        except HTTPError as exc:
            raise RegistryError('Registry %s refused the credentials for %s (HTTP %s).'
                                % (self.host, scope or 'access', exc.code), exc.code)
        except (URLError, OSError, ValueError) as exc:
            raise RegistryError('Cannot get a token for registry %s: %s' % (self.host, _reason(exc)))
        token = data.get('token') or data.get('access_token')
        self._tokens[key] = token
        return token

    def request(self, method, path, headers=None, scope=None):
        """(status, headers, body bytes); 401 challenges are answered once. Errors raise RegistryError."""
        auth_header = None
        for attempt in (0, 1):
            req = Request(self._url(path), method=method)
            for name, value in (headers or {}).items():
                req.add_header(name, value)
            if auth_header:
                req.add_header('Authorization', auth_header)
            try:
                with self._opener.open(req, timeout=self.timeout) as resp:
                    return resp.status, resp.headers, resp.read()
            except HTTPError as exc:
                if exc.code == 401 and attempt == 0:
                    scheme, params = parse_challenge(exc.headers.get('WWW-Authenticate'))
                    if scheme == 'basic' and self._basic_header():
                        auth_header = self._basic_header()
                        continue
                    if scheme == 'bearer':
                        token = self._bearer_token(params, scope or params.get('scope'))
                        if token:
                            auth_header = 'Bearer ' + token
                            continue
                if exc.code == 401:
                    raise RegistryError('Registry %s needs credentials for %s: log in with '
                                        'fleet.docker.registry_login.' % (self.host, path), 401)
                raise RegistryError('Registry %s answered HTTP %s for %s %s.' % (self.host, exc.code, method, path),
                                    exc.code)
            except (URLError, OSError) as exc:
                raise RegistryError('Cannot reach registry %s: %s' % (self.host, _reason(exc)))
        raise RegistryError('Registry %s refused the credentials for %s.' % (self.host, path), 401)

    def _json(self, path, scope=None):
        _status, headers, body = self.request('GET', path, headers={'Accept': 'application/json'}, scope=scope)
        try:
            return headers, json.loads(body.decode('utf-8') or '{}')
        except ValueError:
            raise RegistryError('Registry %s sent something that is not JSON for %s.' % (self.host, path))

    def catalog(self, page_size=1000):
        """Every repository name, following Link pagination."""
        names = []
        path = '/v2/_catalog?n=%d' % page_size
        while path:
            headers, data = self._json(path, scope='registry:catalog:*')
            names.extend(data.get('repositories') or [])
            path = parse_link_next(headers.get('Link'))
        return names

    def tags(self, name):
        """Tags of one repository; [] when the repository does not exist."""
        try:
            _headers, data = self._json('/v2/%s/tags/list' % name, scope='repository:%s:pull' % name)
        except RegistryError as exc:
            if exc.status == 404:
                return []
            raise
        return sorted(data.get('tags') or [])

    def manifest_digest(self, name, reference):
        """The manifest digest a tag points to (HEAD, Docker-Content-Digest), or None when unknown.

        Raises RegistryError with status 404 when the registry has no such manifest.
        """
        _status, headers, _body = self.request('HEAD', '/v2/%s/manifests/%s' % (name, reference),
                                               headers={'Accept': MANIFEST_ACCEPT},
                                               scope='repository:%s:pull' % name)
        return headers.get('Docker-Content-Digest')

    def image_id(self, name, reference, platform=None):
        """The image ID (config digest) the engine would get by pulling, or None when not knowable.

        A manifest list is resolved to the entry for ``platform`` (``os/arch[/variant]``).
        """
        for _depth in range(2):
            _status, headers, body = self.request('GET', '/v2/%s/manifests/%s' % (name, reference),
                                                  headers={'Accept': MANIFEST_ACCEPT},
                                                  scope='repository:%s:pull' % name)
            try:
                manifest = json.loads(body.decode('utf-8'))
            except ValueError:
                return None
            media = manifest.get('mediaType') or headers.get('Content-Type', '').split(';')[0]
            if media in _LIST_TYPES or 'manifests' in manifest:
                reference = pick_platform(manifest.get('manifests') or [], platform)
                if reference is None:
                    return None
                continue
            config = manifest.get('config') or {}
            return config.get('digest')
        return None


def remote_state(ref, platform=None, registry_client=None):
    """What the registry says a reference is now: dict(digest, image_id), or None when it cannot tell.

    Raises FleetDockerError when the registry says the tag does not exist, so check mode fails
    like the real pull would.
    """
    if ref.digest:
        return dict(digest=ref.digest, image_id=None)
    reg = registry_client or RegistryClient.for_registry(ref.registry or 'docker.io', timeout=15)
    name = registry_path(ref)
    try:
        digest = reg.manifest_digest(name, ref.tag or 'latest')
        image_id = reg.image_id(name, ref.tag or 'latest', platform=platform)
    except RegistryError as exc:
        if exc.status == 404:
            raise FleetDockerError('Image %s was not found in its registry: %s' % (ref.familiar, exc.msg))
        return None
    return dict(digest=digest, image_id=image_id)


def pick_platform(entries, platform):
    """Digest of the manifest-list entry matching ``os/arch[/variant]`` (default linux/amd64), or None."""
    wanted = (platform or 'linux/amd64').lower().split('/')
    for entry in entries:
        plat = entry.get('platform') or {}
        have = [plat.get('os', ''), plat.get('architecture', '')]
        if len(wanted) > 2:
            have.append(plat.get('variant', ''))
        if [part.lower() for part in have] == wanted[:len(have)]:
            return entry.get('digest')
    return None


def _reason(exc):
    reason = getattr(exc, 'reason', None) or exc
    return str(reason)
