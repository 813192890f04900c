# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files in and out of containers through the engine's archive API (what ``docker cp`` uses).

A copy costs a handful of calls whatever the tree size: inspect, HEAD archive (stat) of dest,
one GET archive of the target (read back and hash everything at once), one PUT archive of only
the entries that differ. Per-file calls would make a 200-file tree take seconds.
"""

from __future__ import annotations

import base64
import json
import os
import posixpath
import shutil
import stat
import tempfile

from ansible_collections.fleet.docker.plugins.module_utils.files.archive import (
    DIR, FILE, LINK, ArchiveError, Entry, MemberChecker, StreamReader, build_archive, content_entry, differs,
    hash_stream, is_text, iter_archive, read_archive, scan_host, sha256_file)
from ansible_collections.fleet.docker.plugins.module_utils.containers import ops
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.hostfile import write_atomically


STAT_HEADER = 'X-Docker-Container-Path-Stat'
# Go's os.FileMode bits as the engine reports them in the stat header.
GO_DIR, GO_SYMLINK = 1 << 31, 1 << 27
DIFF_LIMIT = 64 * 1024
SPOOL_LIMIT = 16 * 1024 * 1024
# The kernel's own limit on symlinks followed in one lookup (ELOOP).
MAX_LINKS = 40


# ---------------------------------------------------------------- engine calls

def inspect_container(client, name):
    container = ops.lookup_container(client, name)
    if container is None:
        raise FleetDockerError('No such container: %s' % name)
    return container


def stat_path(client, container_id, path):
    """The engine's stat of a container path (HEAD archive, no event), or None when missing.

    Returns dict(name, size, mode, mtime, linkTarget, is_dir, is_link, perm).
    """
    resp = ops.stat_path_response(client, container_id, path)
    if resp.status_code == 404:
        return None
    header = resp.headers.get(STAT_HEADER)
    if resp.status_code != 200 or not header:
        # 500 when a parent component is a file: for us that path cannot exist either.
        if resp.status_code == 500:
            return None
        raise FleetDockerError('Cannot stat %s in the container (HTTP %s).' % (path, resp.status_code))
    info = json.loads(base64.b64decode(header))
    mode = info.get('mode', 0)
    info.update(is_dir=bool(mode & GO_DIR), is_link=bool(mode & GO_SYMLINK), perm=mode & 0o7777)
    return info


def resolve_real(stat, path: str) -> tuple:
    """(``path`` with every symlink in it followed, stat of that path or None when missing).

    ``stat(path)`` is stat_path bound to one container. docker cp writes through symlinked parent
    directories (``/var/run -> /run``), and the PUT archive base must be a real directory, so the
    path is resolved one component at a time. The engine reports a link's target already resolved
    inside the container's root (chains followed, ``..`` clamped at ``/``), so a link pointing
    upwards cannot lead outside the container. Components below a missing one are kept as given.
    """
    parts = [part for part in clean_path(path).split('/') if part]
    if not parts:
        return '/', stat('/')
    real, info = '/', None
    for index, part in enumerate(parts):
        current = posixpath.join(real, part)
        info = stat(current)
        for dummy in range(MAX_LINKS):
            if info is None or not info['is_link']:
                break
            current = info['linkTarget'] or current
            info = stat(current)
        else:
            raise FleetDockerError('Too many levels of symbolic links at %s in the container.' % current)
        if info is None:
            return posixpath.join(current, *parts[index + 1:]), None
        if index < len(parts) - 1 and not info['is_dir']:
            raise FleetDockerError('%s exists in the container and is not a directory.' % current)
        real = current
    return real, info


def container_path(client, container_id, path: str) -> tuple:
    """resolve_real against one container's engine stat."""
    return resolve_real(lambda p: stat_path(client, container_id, p), path)


def deepest_existing_dir(client, container_id, path):
    """(existing directory, [missing directories below it down to ``path``]) for a resolved path."""
    missing = []
    while True:
        info = stat_path(client, container_id, path)
        if info is not None:
            if not info['is_dir']:
                raise FleetDockerError('%s exists in the container and is not a directory.' % path)
            return path, list(reversed(missing))
        missing.append(path)
        path = posixpath.dirname(path)


def is_contents(src: str) -> bool:
    """A trailing '/' or '/.' on a directory src means its contents, as with cp and rsync."""
    return src.endswith('/') or src.endswith('/.')


def clean_path(path):
    """normpath, without POSIX's special '//' prefix."""
    path = posixpath.normpath(path)
    return '/' + path.lstrip('/') if path.startswith('/') else path


def get_archive(client, container_id, path):
    return StreamReader(ops.get_archive(client, container_id, path, chunk_size=1024 * 1024))


# ---------------------------------------------------------------- option parsing (pure)

def parse_mode(value):
    """An octal mode from 0644, '0644' or '644'; None when not given."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    else:
        text = str(value).strip()
        try:
            mode = int(text, 8)
        except ValueError:
            raise FleetDockerError("mode must be an octal number such as '0644', got %r." % (value,))
    if not 0 <= mode <= 0o7777:
        raise FleetDockerError("mode must be between 0000 and 07777, got %r." % (value,))
    return mode


def copy_target(dest, trailing_slash, dest_info, src_kind, contents, src_name):
    """Where the source lands in the container (pure); see the copy_paths doc fragment.

    ``dest`` is the resolved dest path and ``dest_info`` its stat or None. Contents of a directory
    go into dest. A directory always goes into dest under its own name, whether dest exists or
    not: with docker cp's rule (to dest when missing, into it when present) the second run would
    nest the tree. A file goes into an existing directory (or a dest written with a trailing '/')
    under its own name, else to dest itself, which is stable from run to run.
    """
    dest_is_dir = bool(dest_info and dest_info['is_dir'])
    if src_kind == 'content':
        if dest_is_dir or trailing_slash:
            raise FleetDockerError('dest %s is a directory; with content, dest must be the path of a file.' % dest)
        return dest
    if contents or src_kind == DIR:
        if dest_info is not None and not dest_is_dir:
            raise FleetDockerError('dest %s exists and is not a directory; it cannot receive the directory src.'
                                   % dest)
        return dest if contents else posixpath.join(dest, src_name)
    if dest_is_dir or trailing_slash:
        return posixpath.join(dest, src_name)
    return dest


# ---------------------------------------------------------------- container_copy

def _source_entries(params, mode):
    if params['content'] is not None:
        return [content_entry(params['content'].encode('utf-8'), 0o644 if mode is None else mode)], 'content', False
    src = params['src']
    if not os.path.lexists(src):
        raise FleetDockerError('src %s does not exist on the managed host.' % src)
    contents = is_contents(src) and os.path.isdir(src)
    if src.endswith('/.'):
        src = src[:-1]
    root = src.rstrip('/') or '/'
    try:
        entries = scan_host(root if not contents else os.path.realpath(root))
    except ArchiveError as exc:
        raise FleetDockerError(str(exc))
    except OSError as exc:
        raise FleetDockerError('Cannot read src %s: %s' % (src, exc))
    if contents:
        entries[0].kind = DIR
    if mode is not None:
        for entry in entries:
            if entry.kind == FILE:
                entry.mode = mode
    return entries, entries[0].kind, contents


def _link_base(base, abs_path, link):
    """The extraction root must contain a relative link's target, or the engine refuses the link."""
    if link.startswith('/'):
        return base
    joined = posixpath.join(posixpath.dirname(abs_path), link)
    depth = 0
    for part in joined.split('/'):
        if part == '..':
            depth -= 1
        elif part not in ('', '.'):
            depth += 1
        if depth < 0:
            raise FleetDockerError('symlink %s -> %s points above / in the container; refusing.' % (abs_path, link))
    return posixpath.commonpath([base, posixpath.normpath(joined)])


def _describe(entry, data=None):
    if entry is None:
        return ''
    if entry.kind == FILE and data is not None and is_text(data, DIFF_LIMIT):
        return data.decode('utf-8')
    if entry.kind == LINK:
        return 'symlink -> %s\n' % entry.link
    if entry.kind == DIR:
        return 'directory mode %04o owner %s:%s\n' % (entry.mode, entry.uid, entry.gid)
    return 'file sha256 %s mode %04o owner %s:%s\n' % (entry.sha256, entry.mode, entry.uid, entry.gid)


def _source_bytes(entry):
    if entry.kind != FILE or entry.size > DIFF_LIMIT:
        return None
    if isinstance(entry.source, bytes):
        return entry.source
    with open(entry.source, 'rb') as handle:
        return handle.read()


def copy_into(module):
    """container_copy: upload what differs under dest in one PUT archive."""
    params, client = module.params, None
    dest = params['dest']
    if not dest.startswith('/'):
        raise FleetDockerError('dest must be an absolute path in the container, got %r.' % dest)
    mode = parse_mode(params['mode'])
    owner, group = params['owner'], params['group']
    for option, value in (('owner', owner), ('group', group)):
        if value is not None and value < 0:
            raise FleetDockerError('%s must be a numeric ID of 0 or more, got %s.' % (option, value))
    wanted, src_kind, contents = _source_entries(params, mode)

    client = module.client
    container = inspect_container(client, params['container'])
    cid = container['Id']
    real_dest, dest_info = container_path(client, cid, dest)
    src_name = os.path.basename(os.path.normpath(params['src'] or '/'))
    target = copy_target(real_dest, dest.endswith('/'), dest_info, src_kind, contents, src_name)
    # A name inside a directory is compared as it is (not followed): a symlink there gets replaced.
    target_info = dest_info if target == real_dest else stat_path(client, cid, target)

    # Current state: one GET of the whole target, hashing only the files we would write.
    current, before = {}, {}
    if target_info is not None:
        want_files = set(e.rel for e in wanted if e.kind == FILE)
        keep = (lambda e: e.size <= DIFF_LIMIT) if module._diff else None
        try:
            current, before = read_archive(get_archive(client, cid, target), want=want_files, keep=keep)
        except ArchiveError as exc:
            raise FleetDockerError('Cannot read back %s from the container: %s' % (target, exc))

    upload, diffs = [], []
    for entry in wanted:
        have = current.get(entry.rel)
        if have is not None and not params['force']:
            continue
        # Ownership is managed only when asked; otherwise keep what is there (root for new files).
        entry.uid = owner if owner is not None else (have.uid if have else 0)
        entry.gid = group if group is not None else (have.gid if have else 0)
        if entry.rel == '' and contents:
            # The directory receiving contents is not ours to re-mode; only create it when missing.
            if have is not None and have.kind == DIR and (owner is None or have.uid == owner) \
                    and (group is None or have.gid == group):
                continue
            entry.mode = have.mode if have is not None and have.kind == DIR else 0o755
        if not differs(entry, have, compare_owner=True):
            continue
        abs_path = posixpath.join(target, entry.rel) if entry.rel else target
        upload.append((abs_path, entry))
        if module._diff:
            diffs.append(dict(before_header=abs_path, after_header=abs_path,
                              before=_describe(have, before.get(entry.rel)),
                              after=_describe(entry, _source_bytes(entry))))

    result = dict(changed=bool(upload), container=container['Name'].lstrip('/'), target=target,
                  changed_files=[path for path, dummy in upload])
    if module._diff:
        result['diff'] = diffs
    if not upload or module.check_mode:
        return result

    base, missing = deepest_existing_dir(client, cid, posixpath.dirname(target) if target != '/' else '/')
    parents = [(path, Entry('', DIR, 0o755, owner or 0, group or 0)) for path in missing]
    for abs_path, entry in upload:
        if entry.kind == LINK:
            base = _link_base(base, abs_path, entry.link)
    items = [(posixpath.relpath(path, base), entry) for path, entry in parents + upload]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT) as tar:
        build_archive(items, tar)
        tar.seek(0)
        ops.put_archive(client, cid, base, tar)
    result['changed_files'] = [path for path, dummy in parents] + result['changed_files']
    return result


# ---------------------------------------------------------------- container_fetch

def fetch_target(dest, src, contents, dest_is_dir, src_is_dir=False):
    """Host path that receives src (pure); the same rule as copy_target (copy_paths doc fragment)."""
    if contents:
        return dest.rstrip('/') or '/'
    if src_is_dir or dest_is_dir or dest.endswith('/'):
        return os.path.join(dest, posixpath.basename(src.rstrip('/')))
    return dest


def _host_link(root):
    def readlink(rel):
        path = os.path.join(root, rel)
        return os.readlink(path) if os.path.islink(path) else None
    return readlink


class _HostWriter:
    """Applies fetched entries under ``root`` unless check mode; records what changed."""

    def __init__(self, root, check_mode, contents):
        self.root, self.check_mode, self.contents = root, check_mode, contents
        self.changed, self.dir_modes, self.hashes = [], [], {}

    def path(self, rel):
        return os.path.join(self.root, rel) if rel else self.root

    def _clear(self, path, for_kind):
        st = _lstat(path)
        if st is None:
            return
        if stat.S_ISDIR(st.st_mode):
            if for_kind == DIR:
                return
            raise FleetDockerError('%s is a directory on the host; refusing to replace it with a %s.'
                                   % (path, for_kind))
        if not self.check_mode:
            os.unlink(path)

    def directory(self, entry):
        path = self.path(entry.rel)
        st = _lstat(path)
        if st is not None and stat.S_ISDIR(st.st_mode):
            if not (entry.rel == '' and self.contents) and stat.S_IMODE(st.st_mode) != entry.mode:
                self.changed.append(path)
                self.dir_modes.append((path, entry.mode))
            return
        self.changed.append(path)
        if not self.check_mode:
            self._clear(path, DIR)
            # Managed directories get their mode at the end; dest itself gets the umask default.
            os.makedirs(path, 0o700 if entry.rel else 0o777)
        if not (entry.rel == '' and self.contents):
            self.dir_modes.append((path, entry.mode))

    def link(self, entry):
        path = self.path(entry.rel)
        st = _lstat(path)
        if st is not None and stat.S_ISLNK(st.st_mode) and os.readlink(path) == entry.link:
            return
        self._clear(path, 'symlink')
        self.changed.append(path)
        if not self.check_mode:
            os.symlink(entry.link, path)

    def regular(self, entry, data):
        path = self.path(entry.rel)
        st = _lstat(path)
        same_kind = st is not None and stat.S_ISREG(st.st_mode)
        have_sha = sha256_file(path) if same_kind else None
        if data is None:
            # A hard link repeats a file fetched earlier in this archive.
            entry.sha256 = self.hashes.get(entry.link)
            source = self.path(entry.link)
            if have_sha == entry.sha256 and stat.S_IMODE(st.st_mode) == entry.mode:
                return
            self._clear(path, 'file')
            self.changed.append(path)
            if not self.check_mode:
                self._write(path, entry.mode, lambda out: _copy_file(source, out))
            self.hashes[entry.rel] = entry.sha256
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT) as spool:
            entry.sha256 = hash_stream(data, spool)
            self.hashes[entry.rel] = entry.sha256
            if have_sha == entry.sha256 and stat.S_IMODE(st.st_mode) == entry.mode:
                return
            self._clear(path, 'file')
            self.changed.append(path)
            if not self.check_mode:
                spool.seek(0)
                self._write(path, entry.mode, lambda out: shutil.copyfileobj(spool, out))

    @staticmethod
    def _write(path, mode, fill):
        write_atomically(path, fill, mode=mode, prefix='.fleet-fetch-')

    def finish(self):
        # Directory modes last, so a read-only directory does not block writing its children.
        if not self.check_mode:
            for path, mode in reversed(self.dir_modes):
                os.chmod(path, mode)


def _lstat(path):
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _copy_file(source, out):
    with open(source, 'rb') as handle:
        shutil.copyfileobj(handle, out)


def apply_checked(archive, writer):
    """Apply a seekable archive with ``writer``, checking every member before writing any.

    A crafted archive (raising ArchiveError) therefore leaves the host untouched.
    """
    start = archive.tell()
    for dummy in iter_archive(archive, MemberChecker(_host_link(writer.root))):
        pass
    archive.seek(start)
    for entry, data in iter_archive(archive, MemberChecker(_host_link(writer.root))):
        if entry.kind == DIR:
            writer.directory(entry)
        elif entry.kind == LINK:
            writer.link(entry)
        else:
            writer.regular(entry, data)
    writer.finish()


def fetch_from(module):
    """container_fetch: write what differs from a container path to a host path."""
    params = module.params
    src, dest = params['src'], params['dest']
    if not src.startswith('/'):
        raise FleetDockerError('src must be an absolute path in the container, got %r.' % src)
    client = module.client
    container = inspect_container(client, params['container'])
    cid = container['Id']
    contents = is_contents(src)
    real_src, info = container_path(client, cid, src)
    if info is None:
        raise FleetDockerError('src %s does not exist in container %s.' % (src, params['container']))
    contents = contents and info['is_dir']
    target = fetch_target(dest, src, contents, os.path.isdir(dest), info['is_dir'])
    parent = os.path.dirname(target.rstrip('/')) or '/'
    if os.path.lexists(parent) and not os.path.isdir(parent):
        raise FleetDockerError('%s exists on the host and is not a directory.' % parent)
    if not module.check_mode:
        os.makedirs(parent, exist_ok=True)

    writer = _HostWriter(target, module.check_mode, contents)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT) as spool:
        shutil.copyfileobj(get_archive(client, cid, real_src), spool)
        spool.seek(0)
        try:
            apply_checked(spool, writer)
        except ArchiveError as exc:
            raise FleetDockerError('Refusing the archive of %s: %s' % (src, exc))
    result = dict(changed=bool(writer.changed), changed_files=writer.changed, dest=target, src=real_src,
                  container=container['Name'].lstrip('/'))
    if not info['is_dir'] and writer.hashes:
        result['checksum'] = writer.hashes.get('')
    return result
