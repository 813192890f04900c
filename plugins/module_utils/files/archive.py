# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure tar work for container_copy and container_fetch: no engine, no Ansible.

- ``Entry``: one file, directory or symlink as we compare it (type, mode, owner, sha256, link).
- ``scan_host``: the entries of a host file or directory tree (symlinks stay symlinks).
- ``read_archive``: the entries of an engine archive, with member names sanitised.
- ``build_archive``: one tar of the entries to upload.
- ``MemberChecker``: refuses archive members that would land outside a destination.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import stat
import tarfile

FILE, DIR, LINK, HARDLINK = 'file', 'dir', 'link', 'hardlink'
CHUNK = 1024 * 1024
MAX_LINK_DEPTH = 40


class ArchiveError(Exception):
    """An archive or a source tree we refuse to handle; the message is for the user."""


class Entry:
    """One tree entry. ``rel`` is a POSIX path relative to the tree root ('' is the root itself).

    ``source`` says where the bytes of a file come from when uploading: a host path or bytes.
    """

    __slots__ = ('rel', 'kind', 'mode', 'uid', 'gid', 'sha256', 'size', 'link', 'source', 'mtime')

    def __init__(self, rel, kind, mode=0o644, uid=0, gid=0, sha256=None, size=0, link=None, source=None, mtime=0):
        self.rel, self.kind, self.mode, self.uid, self.gid = rel, kind, mode, uid, gid
        self.sha256, self.size, self.link, self.source, self.mtime = sha256, size, link, source, mtime

    def __repr__(self):
        return 'Entry(%r, %s, %o, %s:%s, %s, %r)' % (
            self.rel, self.kind, self.mode, self.uid, self.gid, (self.sha256 or '')[:12], self.link)


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(CHUNK), b''):
            digest.update(block)
    return digest.hexdigest()


def join_rel(*parts):
    return posixpath.join(*[p for p in parts if p])


def sanitize_name(name):
    """A member name as a clean relative POSIX path, or ArchiveError when it leaves its root.

    Refused: absolute names, any '..' component, NUL bytes. '' stands for the root ('.').
    """
    if '\x00' in name:
        raise ArchiveError('archive member %r contains a NUL byte' % name)
    if name.startswith('/') or (len(name) > 1 and name[1] == ':'):
        raise ArchiveError('archive member %r has an absolute path; refusing to write outside dest' % name)
    parts = [p for p in name.split('/') if p not in ('', '.')]
    if '..' in parts:
        raise ArchiveError("archive member %r contains '..'; refusing to write outside dest" % name)
    return '/'.join(parts)


def strip_root(rel):
    """Drop the first component: the engine names members after the archived path's basename."""
    return rel.split('/', 1)[1] if '/' in rel else ''


# ---------------------------------------------------------------- host side

def entry_for_path(path, rel, follow_root=False):
    """The Entry of one host path (lstat: a symlink is a link, not what it points to)."""
    st = os.stat(path) if follow_root else os.lstat(path)
    perm = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return Entry(rel, LINK, 0o777, st.st_uid, st.st_gid, link=os.readlink(path), mtime=int(st.st_mtime))
    if stat.S_ISDIR(st.st_mode):
        return Entry(rel, DIR, perm, st.st_uid, st.st_gid, mtime=int(st.st_mtime))
    if stat.S_ISREG(st.st_mode):
        return Entry(rel, FILE, perm, st.st_uid, st.st_gid, sha256=sha256_file(path), size=st.st_size,
                     source=path, mtime=int(st.st_mtime))
    raise ArchiveError('%s is not a regular file, directory or symlink; only those can be copied' % path)


def scan_host(root):
    """Entries of a host file or directory, root first, parents before children, sorted.

    Symlinked directories are not followed: they are copied as symlinks.
    """
    top = entry_for_path(root, '', follow_root=False)
    entries = [top]
    if top.kind != DIR:
        return entries
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, '/')
        rel_dir = '' if rel_dir == '.' else rel_dir
        for name in sorted(dirnames + filenames):
            entries.append(entry_for_path(os.path.join(dirpath, name), join_rel(rel_dir, name)))
        # os.walk lists symlinked dirs among dirnames but (followlinks=False) does not descend: good.
    return entries


def content_entry(data, mode=0o644):
    return Entry('', FILE, mode, 0, 0, sha256=sha256_bytes(data), size=len(data), source=data)


# ---------------------------------------------------------------- comparison and building

def differs(want, have, compare_owner):
    """Why ``have`` (current, or None) does not match ``want``; '' when they match."""
    if have is None:
        return 'missing'
    if want.kind != have.kind:
        return 'type %s -> %s' % (have.kind, want.kind)
    if want.kind == FILE and want.sha256 != have.sha256:
        return 'content'
    if want.kind == LINK and want.link != have.link:
        return 'link target'
    if want.kind != LINK and want.mode != have.mode:
        return 'mode'
    if compare_owner and (want.uid, want.gid) != (have.uid, have.gid):
        return 'owner'
    return ''


def build_archive(items, fileobj):
    """Write a tar of ``items`` = [(member name, Entry)] to ``fileobj`` (parents listed first)."""
    with tarfile.open(fileobj=fileobj, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for name, entry in items:
            info = tarfile.TarInfo(name)
            info.mode, info.uid, info.gid, info.mtime = entry.mode, entry.uid, entry.gid, entry.mtime
            if entry.kind == DIR:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == LINK:
                info.type, info.linkname = tarfile.SYMTYPE, entry.link
                tar.addfile(info)
            elif isinstance(entry.source, bytes):
                info.size = len(entry.source)
                tar.addfile(info, io.BytesIO(entry.source))
            else:
                with open(entry.source, 'rb') as handle:
                    info.size = os.fstat(handle.fileno()).st_size
                    tar.addfile(info, handle)
    return fileobj


# ---------------------------------------------------------------- reading engine archives

class MemberChecker:
    """Refuses members that would be written outside the destination.

    ``readlink(rel)`` gives the target of a symlink already on disk under dest (or None), so a
    member is also refused when it would be written through a symlink that exists there.
    """

    def __init__(self, readlink=None):
        self.links = {}      # rel -> link target, or None for a member that is not a symlink
        self.files = set()   # rel of regular files seen (hardlink targets)
        self.readlink = readlink or (lambda rel: None)

    def _link_of(self, rel):
        if rel in self.links:
            return self.links[rel]
        return self.readlink(rel)

    def check_parents(self, rel, name):
        parts = rel.split('/')
        for i in range(1, len(parts)):
            prefix = '/'.join(parts[:i])
            if self._link_of(prefix) is not None:
                raise ArchiveError('archive member %r would be written under the symlink %r; refusing'
                                   % (name, prefix))

    def resolves_inside(self, rel_dir, target):
        """Whether ``target`` (a link in ``rel_dir``) stays inside dest, following known links."""
        if target.startswith('/'):
            return False
        pending = [p for p in target.split('/') if p not in ('', '.')]
        pending.reverse()
        current = [p for p in rel_dir.split('/') if p]
        depth = 0
        while pending:
            part = pending.pop()
            if part == '..':
                if not current:
                    return False
                current.pop()
                continue
            current.append(part)
            link = self._link_of('/'.join(current))
            if link is not None:
                depth += 1
                if depth > MAX_LINK_DEPTH or link.startswith('/'):
                    return False
                current.pop()
                pending.extend(reversed([p for p in link.split('/') if p not in ('', '.')]))
        return True

    def check(self, info, rel):
        """Validate one TarInfo whose sanitised, rebased path is ``rel``; returns the kind."""
        self.check_parents(rel, info.name)
        if info.issym():
            if not self.resolves_inside(posixpath.dirname(rel), info.linkname):
                raise ArchiveError('archive member %r is a symlink to %r, outside dest; refusing'
                                   % (info.name, info.linkname))
            self.links[rel] = info.linkname
            return LINK
        # The archive decides what this path is, whatever sits on disk now.
        self.links[rel] = None
        if info.islnk():
            try:
                target = sanitize_name(info.linkname)
            except ArchiveError:
                raise ArchiveError('archive member %r is a hard link to %r, outside dest; refusing'
                                   % (info.name, info.linkname))
            if strip_root(target) not in self.files:
                raise ArchiveError('archive member %r is a hard link to %r, which is not a file of the archive;'
                                   ' refusing' % (info.name, info.linkname))
            self.files.add(rel)
            return HARDLINK
        if info.isdir():
            return DIR
        if info.isfile():
            self.files.add(rel)
            return FILE
        return None


def iter_archive(fileobj, checker=None):
    """Yield ``(entry, data)`` for each member of an engine archive (GET archive), in order.

    Names are sanitised, checked and rebased (first component dropped, '' is the archived path
    itself). ``data`` is a file object for a regular file's bytes, valid until the next item;
    ``entry.sha256`` is None until the caller hashes it. A hard link comes as a FILE entry whose
    ``link`` is the rel of the file it repeats. Devices, FIFOs and sockets are skipped.
    """
    checker = checker or MemberChecker()
    with tarfile.open(fileobj=fileobj, mode='r|') as tar:
        for info in tar:
            rel = strip_root(sanitize_name(info.name))
            kind = checker.check(info, rel)
            if kind is None:
                continue
            entry = Entry(rel, kind, stat.S_IMODE(info.mode), info.uid, info.gid, size=info.size,
                          mtime=int(info.mtime))
            data = None
            if kind == LINK:
                entry.link, entry.mode = info.linkname, 0o777
            elif kind == HARDLINK:
                entry.kind, entry.link = FILE, strip_root(sanitize_name(info.linkname))
            elif kind == FILE:
                data = tar.extractfile(info)
            yield entry, data


def hash_stream(data, sink=None):
    """sha256 of a file object, copying the bytes to ``sink`` on the way when given."""
    digest = hashlib.sha256()
    for block in iter(lambda: data.read(CHUNK), b''):
        digest.update(block)
        if sink is not None:
            sink.write(block)
    return digest.hexdigest()


def read_archive(fileobj, want=None, keep=None):
    """Entries of an engine archive keyed by rel path, hashing only the files in ``want``.

    Hashing only what we compare keeps reading a big directory for a few files cheap.
    ``keep(entry)`` says whether to keep a file's bytes (for diffs): returned in ``kept``.
    """
    entries, kept = {}, {}
    for entry, data in iter_archive(fileobj):
        if entry.kind == FILE and entry.link is not None:
            linked = entries.get(entry.link)
            entry.sha256 = linked.sha256 if linked else None
            entry.size = linked.size if linked else 0
            entry.link = None
        elif data is not None and (want is None or entry.rel in want):
            if keep is not None and keep(entry):
                buf = io.BytesIO()
                entry.sha256 = hash_stream(data, buf)
                kept[entry.rel] = buf.getvalue()
            else:
                entry.sha256 = hash_stream(data)
        entries[entry.rel] = entry
    return entries, kept


class StreamReader(io.RawIOBase):
    """A file object over an iterator of byte chunks (the SDK's archive stream)."""

    def __init__(self, chunks):
        super().__init__()
        self._chunks = iter(chunks)
        self._buf = b''

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._buf))
        buffer[:size] = self._buf[:size]
        self._buf = self._buf[size:]
        return size


def is_text(data, limit):
    return len(data) <= limit and b'\x00' not in data and _decodes(data)


def _decodes(data):
    try:
        data.decode('utf-8')
        return True
    except UnicodeDecodeError:
        return False
