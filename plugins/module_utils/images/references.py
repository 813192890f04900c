# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image references: ``[registry[:port]/][owner/]name[:tag][@digest]``, parsed without an engine.

The grammar follows the distribution reference rules the engine applies, so a reference
we accept is one the engine accepts, and we can say why one is wrong before calling it.
"""

from __future__ import annotations

import re

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError

HUB_REGISTRY = 'docker.io'
HUB_NAMESPACE = 'library'
DEFAULT_TAG = 'latest'
HUB_API_HOST = 'registry-1.docker.io'
# Names the engine also normalises to docker.io.
_HUB_ALIASES = ('index.docker.io', 'registry-1.docker.io')

_COMPONENT = re.compile(r'^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$')
_DOMAIN_PART = r'(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
_DOMAIN = re.compile(r'^(?:%s(?:\.%s)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$' % (_DOMAIN_PART, _DOMAIN_PART))
# re.ASCII: \w would otherwise accept non-ASCII letters the engine rejects.
_TAG = re.compile(r'^[\w][\w.-]{0,127}$', re.ASCII)
_DIGEST = re.compile(r'^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$')
_SHA256 = re.compile(r'^sha256:[a-f0-9]{64}$')
_FULL_ID = re.compile(r'^(?:sha256:)?[a-f0-9]{64}$')
_ID_PREFIX = re.compile(r'^(?:sha256:)?[a-f0-9]{4,64}$')
MAX_REFERENCE_LENGTH = 255


class ImageRefError(FleetDockerError):
    pass


class ImageRef:
    """A parsed reference. ``registry`` is None for the hub, as users write it."""

    __slots__ = ('registry', 'path', 'tag', 'digest')

    def __init__(self, registry, path, tag=None, digest=None):
        self.registry = registry
        self.path = path
        self.tag = tag
        self.digest = digest

    def __eq__(self, other):
        return isinstance(other, ImageRef) and self.canonical == other.canonical

    def __hash__(self):
        return hash(self.canonical)

    def __repr__(self):
        return 'ImageRef(%r)' % self.familiar

    @property
    def repository(self):
        """Repository as the engine lists it in RepoTags: hub images without docker.io/library."""
        if self.registry is None or self.registry == HUB_REGISTRY:
            if self.path.startswith(HUB_NAMESPACE + '/'):
                return self.path[len(HUB_NAMESPACE) + 1:]
            return self.path
        return '%s/%s' % (self.registry, self.path)

    @property
    def canonical_repository(self):
        registry = self.registry or HUB_REGISTRY
        path = self.path
        if registry == HUB_REGISTRY and '/' not in path:
            path = '%s/%s' % (HUB_NAMESPACE, path)
        return '%s/%s' % (registry, path)

    def _with_tag_and_digest(self, repository):
        return repository + (':' + self.tag if self.tag else '') + ('@' + self.digest if self.digest else '')

    @property
    def familiar(self):
        """The reference as `docker images` would print it; tag kept only if given."""
        return self._with_tag_and_digest(self.repository)

    @property
    def canonical(self):
        return self._with_tag_and_digest(self.canonical_repository)

    @property
    def tagged(self):
        """``repository:tag``, the form found in RepoTags (tag defaults to latest)."""
        return '%s:%s' % (self.repository, self.tag or DEFAULT_TAG)

    @property
    def digested(self):
        """``repository@digest``, the form found in RepoDigests, or None."""
        return '%s@%s' % (self.repository, self.digest) if self.digest else None

    @property
    def pull_ref(self):
        """What to hand to the engine's pull: the digest wins over the tag."""
        if self.digest:
            return self.digested
        return self.tagged

    def with_tag(self, tag):
        return ImageRef(self.registry, self.path, tag, self.digest)


def parse_reference(text, default_tag=None):
    """Parse a reference; raise ImageRefError with one sentence saying what is wrong.

    ``default_tag`` fills in the tag when neither tag nor digest is given.
    """
    if not isinstance(text, str):
        raise ImageRefError('Invalid image reference %r: expected a string.' % (text,))
    ref = text.strip()
    if not ref:
        raise ImageRefError('Invalid image reference: it is empty.')
    if len(ref) > MAX_REFERENCE_LENGTH:
        raise ImageRefError('Invalid image reference %r: longer than %d characters.'
                            % (ref[:40] + '...', MAX_REFERENCE_LENGTH))
    if any(ch.isspace() for ch in ref):
        raise ImageRefError('Invalid image reference %r: it contains whitespace.' % ref)
    digest = None
    if '@' in ref:
        ref, digest = ref.split('@', 1)
        if not _DIGEST.match(digest):
            raise ImageRefError('Invalid image reference %r: %r is not a digest like sha256:<64 hex digits>.'
                                % (text, digest))
        if digest.startswith('sha256:') and not _SHA256.match(digest):
            raise ImageRefError('Invalid image reference %r: a sha256 digest has 64 lowercase hex digits.' % text)
    tag = None
    last_slash = ref.rfind('/')
    colon = ref.rfind(':')
    if colon > last_slash:
        ref, tag = ref[:colon], ref[colon + 1:]
        if not _TAG.match(tag):
            raise ImageRefError('Invalid image reference %r: %r is not a valid tag '
                                '(letters, digits, _ . -, at most 128, not starting with . or -).' % (text, tag))
    if not ref:
        raise ImageRefError('Invalid image reference %r: the repository name is missing.' % text)
    registry = None
    parts = ref.split('/')
    first = parts[0]
    if len(parts) > 1 and ('.' in first or ':' in first or first == 'localhost'):
        if not _DOMAIN.match(first):
            raise ImageRefError('Invalid image reference %r: %r is not a valid registry host.' % (text, first))
        port = first.rsplit(':', 1)[1] if ':' in first and not first.endswith(']') else None
        if port is not None and not 0 < int(port) < 65536:
            raise ImageRefError('Invalid image reference %r: registry port %s is out of range.' % (text, port))
        registry = first
        parts = parts[1:]
    for part in parts:
        if not _COMPONENT.match(part):
            if part != part.lower():
                raise ImageRefError('Invalid image reference %r: repository names must be lowercase.' % text)
            raise ImageRefError('Invalid image reference %r: %r is not a valid name component '
                                '(lowercase letters, digits and single separators . _ __ -).' % (text, part or '/'))
    path = '/'.join(parts)
    if tag is None and digest is None and default_tag:
        validate_tag(default_tag)
        tag = default_tag
    if registry in _HUB_ALIASES:
        registry = HUB_REGISTRY
    return ImageRef(registry, path, tag, digest)


def validate_tag(tag):
    """Raise ImageRefError unless ``tag`` is a valid tag; return it."""
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise ImageRefError('Invalid tag %r: letters, digits, _ . -, at most 128, not starting with . or -.' % (tag,))
    return tag


def split_registry(term):
    """(registry or None, rest) of a search term like ``127.0.0.1:5000/acme`` (pure).

    The first component is a registry when it looks like a host, as the engine decides.
    """
    first, sep, rest = (term or '').partition('/')
    if sep and ('.' in first or ':' in first or first == 'localhost') and _DOMAIN.match(first):
        return first, rest
    return None, term


def registry_host(ref):
    """The host to talk v2 HTTP to for a reference: the hub's registry API host for hub images."""
    if ref.registry is None or ref.registry == HUB_REGISTRY:
        return HUB_API_HOST
    return ref.registry


def registry_path(ref):
    """The repository path as the registry API names it (hub official images under library/)."""
    if (ref.registry is None or ref.registry == HUB_REGISTRY) and '/' not in ref.path:
        return '%s/%s' % (HUB_NAMESPACE, ref.path)
    return ref.path


def is_image_id(text):
    """A full image ID, with or without the sha256: prefix."""
    return isinstance(text, str) and bool(_FULL_ID.match(text))


def looks_like_id_prefix(text):
    """Short hex that the engine may resolve as an ID prefix (also a valid repository name)."""
    return isinstance(text, str) and bool(_ID_PREFIX.match(text))


def normalize_id(image_id):
    if image_id and not image_id.startswith('sha256:'):
        return 'sha256:' + image_id
    return image_id


def repo_of(repo_tag):
    """Repository part of a RepoTags or RepoDigests entry."""
    cut = repo_tag.find('@')
    if cut < 0:
        slash = repo_tag.rfind('/')
        colon = repo_tag.rfind(':')
        cut = colon if colon > slash else -1
    return repo_tag[:cut] if cut >= 0 else repo_tag


def image_reference(name, tag):
    """The one parser for the image module's name/tag options: a tag or digest in name wins."""
    if isinstance(name, str) and is_image_id(name.strip()):
        raise ImageRefError('name must be an image reference like registry/name:tag, not an image ID (%s).'
                            % name.strip())
    return parse_reference(name, default_tag=tag or 'latest')
