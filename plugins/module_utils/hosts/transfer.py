# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files in and out of a container through the archive API, streamed (no whole file in memory).

Paths are bytes from here to the engine: a file name that is not UTF-8 (``b'caf\\xe9'``) goes
into the tar header and the ``path`` query parameter as the bytes it is, which dockerd (Go
strings are bytes) takes as they are.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import time

CHUNK = 1024 * 1024
BLOCK = tarfile.BLOCKSIZE
# Links followed by fetch before giving up (a loop, or a chain of links).
MAX_LINKS = 20


class TransferError(Exception):
    """A put or fetch that cannot be done, in words for the user."""


def fs_bytes(path) -> bytes:
    """A path as bytes: str paths from Ansible may carry undecodable bytes as surrogates."""
    return path if isinstance(path, bytes) else os.fsencode(path)


def split_target(path) -> tuple:
    """(directory, file name) of an absolute container path, both bytes."""
    raw = fs_bytes(path)
    if not raw.startswith(b'/'):
        raise TransferError('The container path %r is not absolute.' % os.fsdecode(raw))
    directory, name = posixpath.split(raw.rstrip(b'/') or b'/')
    if not name:
        raise TransferError('The container path %r names no file.' % os.fsdecode(raw))
    return directory or b'/', name


def file_header(name: bytes, size: int, mode: int = 0o644, uid: int = 0, gid: int = 0, mtime=None) -> bytes:
    """The tar header of one regular file. GNU format: long and non-UTF-8 names stay raw bytes."""
    info = tarfile.TarInfo(os.fsdecode(name))
    info.size, info.mode, info.uid, info.gid = size, mode, uid, gid
    info.mtime = int(time.time() if mtime is None else mtime)
    info.type = tarfile.REGTYPE
    return info.tobuf(tarfile.GNU_FORMAT, 'utf-8', 'surrogateescape')


def tar_one_file(handle, name: bytes, size: int, **header):
    """Yield a tar archive holding the open file ``handle`` as ``name``, chunk by chunk.

    ``size`` is taken before the copy: a file that grows or shrinks meanwhile would make a
    corrupt archive, so it raises instead.
    """
    yield file_header(name, size, **header)
    sent = 0
    while True:
        chunk = handle.read(CHUNK)
        if not chunk:
            break
        sent += len(chunk)
        if sent > size:
            raise TransferError('%s changed size while being copied.' % os.fsdecode(name))
        yield chunk
    if sent != size:
        raise TransferError('%s changed size while being copied.' % os.fsdecode(name))
    yield b'\0' * ((BLOCK - size % BLOCK) % BLOCK) + b'\0' * (2 * BLOCK)


class EmptyArchive(TransferError):
    """The engine answered with a tar holding nothing (it could not encode the name)."""


SAFE_BYTES = frozenset(b'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,=@')


def shell_printf_format(raw: bytes) -> str:
    """A single-quoted printf format that prints exactly ``raw``: other bytes as octal escapes.

    Exec commands travel as JSON strings, so a name that is not UTF-8 cannot be an argument;
    ``printf`` (dash, bash, busybox) rebuilds it inside the container from plain ASCII.
    """
    return "'%s'" % ''.join(chr(byte) if byte in SAFE_BYTES else '\\%03o' % byte for byte in raw)


class ChunkReader:
    """A minimal file object over an iterator of byte chunks, for ``tarfile`` stream mode."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b''

    def read(self, size=-1):
        while size < 0 or len(self._buf) < size:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                break
            self._buf += chunk
        if size < 0:
            data, self._buf = self._buf, b''
        else:
            data, self._buf = self._buf[:size], self._buf[size:]
        return data


def first_member(chunks):
    """(tarfile, member) of the first entry of a tar stream, read lazily."""
    archive = tarfile.open(fileobj=ChunkReader(chunks), mode='r|', encoding='utf-8', errors='surrogateescape')
    member = archive.next()
    if member is None:
        raise EmptyArchive('The engine sent an empty archive.')
    return archive, member


def link_target(path: bytes, member) -> bytes:
    """Where a symbolic link found at ``path`` points, as an absolute container path."""
    target = fs_bytes(member.linkname)
    if not target.startswith(b'/'):
        target = posixpath.join(posixpath.dirname(path), target)
    return posixpath.normpath(target)


def copy_member(archive, member, sink) -> int:
    """Write a regular file member's data into the open file ``sink``; its size."""
    data = archive.extractfile(member)
    written = 0
    while True:
        chunk = data.read(CHUNK)
        if not chunk:
            break
        sink.write(chunk)
        written += len(chunk)
    return written
