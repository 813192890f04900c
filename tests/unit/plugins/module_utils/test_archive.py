"""archive.py (pure tar work) and the pure parts of container_files.py, without an engine."""

import io
import os
import tarfile

import pytest
from fleet_testlib import tar_bytes

from ansible_collections.fleet.docker.plugins.module_utils.files.archive import (
    DIR, FILE, LINK, ArchiveError, Entry, MemberChecker, build_archive, content_entry, differs, iter_archive,
    read_archive, sanitize_name, scan_host, sha256_bytes, strip_root)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.files.copy import (
    _link_base, copy_target, fetch_target, is_contents, parse_mode, resolve_real)


def crafted(*members):
    """A tar (file object) from (name, kind, payload): kind 'file' (payload=bytes), 'dir', 'sym' or 'hard' (payload=linkname)."""
    return io.BytesIO(tar_bytes(members))


def consume(buf, readlink=None):
    return [(e.rel, e.kind) for e, dummy in iter_archive(buf, MemberChecker(readlink))]


# ---------------------------------------------------------------- names

@pytest.mark.parametrize('name, rel', [
    ('a', 'a'), ('./a/b', 'a/b'), ('a//b/', 'a/b'), ('.', ''), ('a/./b', 'a/b'),
])
def test_sanitize_accepts_relative_names(name, rel):
    assert sanitize_name(name) == rel


@pytest.mark.parametrize('name', ['../x', 'a/../../x', 'a/..', '/etc/passwd', '//x', 'a\x00b'])
def test_sanitize_refuses_escaping_names(name):
    with pytest.raises(ArchiveError):
        sanitize_name(name)


def test_strip_root():
    assert strip_root('html') == ''
    assert strip_root('html/a/b') == 'a/b'


# ---------------------------------------------------------------- crafted archives refused

@pytest.mark.parametrize('members, fragment', [
    ([('root', 'dir', None), ('root/../../evil', 'file', b'x')], "'..'"),
    ([('root', 'dir', None), ('../evil', 'file', b'x')], "'..'"),
    ([('/etc/cron.d/evil', 'file', b'x')], 'absolute'),
    ([('root', 'dir', None), ('root/l', 'sym', '/etc')], 'outside dest'),
    ([('root', 'dir', None), ('root/l', 'sym', '../../etc')], 'outside dest'),
    ([('root', 'dir', None), ('root/a/l', 'sym', '../../x')], 'outside dest'),
    # A chain: 'a' -> '.' is harmless alone, 'b' -> 'a/..' climbs out through it.
    ([('root', 'dir', None), ('root/a', 'sym', '.'), ('root/b', 'sym', 'a/..')], 'outside dest'),
    ([('root', 'dir', None), ('root/h', 'hard', '/etc/shadow')], 'hard link'),
    ([('root', 'dir', None), ('root/h', 'hard', '../x')], 'hard link'),
    ([('root', 'dir', None), ('root/h', 'hard', 'root/nothing')], 'not a file of the archive'),
    # Writing through a symlinked directory, even one pointing inside.
    ([('root', 'dir', None), ('root/sub', 'dir', None), ('root/d', 'sym', 'sub'), ('root/d/f', 'file', b'x')],
     'under the symlink'),
    ([('root', 'dir', None), ('root/d', 'sym', '/tmp'), ('root/d/f', 'file', b'x')], 'outside dest'),
])
def test_escaping_archives_are_refused(members, fragment):
    with pytest.raises(ArchiveError) as err:
        consume(crafted(*members))
    assert fragment in str(err.value)


def test_member_under_symlink_on_disk_is_refused():
    """A symlink already in dest (not in the archive) must not be written through either."""
    on_disk = {'d': '/etc'}
    with pytest.raises(ArchiveError, match='under the symlink'):
        consume(crafted(('root', 'dir', None), ('root/d/passwd', 'file', b'x')), on_disk.get)


def test_archive_redefining_a_disk_symlink_as_directory_is_allowed():
    on_disk = {'d': '/etc'}
    assert consume(crafted(('root', 'dir', None), ('root/d', 'dir', None), ('root/d/f', 'file', b'x')),
                   on_disk.get) == [('', DIR), ('d', DIR), ('d/f', FILE)]


def test_safe_archive_with_inside_links_passes():
    got = consume(crafted(('root', 'dir', None), ('root/a', 'file', b'A'), ('root/sub', 'dir', None),
                          ('root/sub/up', 'sym', '../a'), ('root/self', 'sym', '.'), ('root/h', 'hard', 'root/a')))
    assert got == [('', DIR), ('a', FILE), ('sub', DIR), ('sub/up', LINK), ('self', LINK), ('h', FILE)]


def test_special_members_are_skipped():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        tar.addfile(tarfile.TarInfo('root'))
        fifo = tarfile.TarInfo('root/fifo')
        fifo.type = tarfile.FIFOTYPE
        tar.addfile(fifo)
    buf.seek(0)
    assert consume(buf) == [('', FILE)]


# ---------------------------------------------------------------- reading and building

def test_read_archive_hashes_only_wanted_and_resolves_hardlinks():
    buf = crafted(('root', 'dir', None), ('root/a', 'file', b'hello'), ('root/b', 'file', b'other'),
                  ('root/h', 'hard', 'root/a'))
    entries, kept = read_archive(buf, want={'a'}, keep=lambda e: True)
    assert entries['a'].sha256 == sha256_bytes(b'hello')
    assert entries['b'].sha256 is None
    assert entries['h'].kind == FILE and entries['h'].sha256 == sha256_bytes(b'hello')
    assert kept == {'a': b'hello'}


def test_build_then_read_round_trip(tmp_path):
    src = tmp_path / 'f'
    src.write_bytes(b'data' * 1000)
    items = [('d', Entry('d', DIR, 0o750, 5, 6)),
             ('d/f', Entry('d/f', FILE, 0o600, 5, 6, size=4000, source=str(src))),
             ('d/s', Entry('d/s', FILE, 0o644, 0, 0, size=3, source=b'abc')),
             ('d/l', Entry('d/l', LINK, 0o777, 0, 0, link='f'))]
    buf = build_archive(items, io.BytesIO())
    buf.seek(0)
    entries, dummy = read_archive(buf)
    assert entries[''].kind == DIR and entries[''].mode == 0o750 and (entries[''].uid, entries[''].gid) == (5, 6)
    assert entries['f'].sha256 == sha256_bytes(b'data' * 1000) and entries['f'].mode == 0o600
    assert entries['s'].sha256 == sha256_bytes(b'abc')
    assert entries['l'].link == 'f'


def test_scan_host_keeps_symlinks_and_order(tmp_path):
    root = tmp_path / 'site'
    (root / 'sub').mkdir(parents=True)
    (root / 'a.txt').write_text('A')
    (root / 'sub' / 'b.txt').write_text('B')
    os.symlink('a.txt', str(root / 'link'))
    os.symlink('sub', str(root / 'dirlink'))
    os.chmod(str(root / 'a.txt'), 0o640)
    entries = scan_host(str(root))
    kinds = {e.rel: e.kind for e in entries}
    assert kinds == {'': DIR, 'a.txt': FILE, 'dirlink': LINK, 'link': LINK, 'sub': DIR, 'sub/b.txt': FILE}
    assert [e.rel for e in entries].index('sub') < [e.rel for e in entries].index('sub/b.txt')
    by_rel = {e.rel: e for e in entries}
    assert by_rel['a.txt'].mode == 0o640 and by_rel['a.txt'].sha256 == sha256_bytes(b'A')
    assert by_rel['dirlink'].link == 'sub'


def test_scan_host_refuses_special_files(tmp_path):
    os.mkfifo(str(tmp_path / 'fifo'))
    with pytest.raises(ArchiveError, match='not a regular file'):
        scan_host(str(tmp_path))


def test_differs():
    want = content_entry(b'x', 0o644)
    assert differs(want, None, True) == 'missing'
    assert differs(want, Entry('', FILE, 0o644, sha256=want.sha256), True) == ''
    assert differs(want, Entry('', FILE, 0o600, sha256=want.sha256), True) == 'mode'
    assert differs(want, Entry('', FILE, 0o644, sha256='0' * 64), True) == 'content'
    assert differs(want, Entry('', FILE, 0o644, 1, 0, sha256=want.sha256), True) == 'owner'
    assert differs(want, Entry('', DIR, 0o755), True).startswith('type')
    assert differs(Entry('', LINK, link='a'), Entry('', LINK, link='b'), True) == 'link target'


# ---------------------------------------------------------------- container_files pure parts

DIR_STAT = dict(is_dir=True, is_link=False)
FILE_STAT = dict(is_dir=False, is_link=False)


def test_copy_target_follows_docker_cp():
    assert copy_target('/srv', False, DIR_STAT, 'file', False, 'index.html') == '/srv/index.html'
    assert copy_target('/srv', True, None, 'file', False, 'index.html') == '/srv/index.html'
    assert copy_target('/srv/new.html', False, None, 'file', False, 'index.html') == '/srv/new.html'
    assert copy_target('/srv', True, None, 'dir', False, 'site') == '/srv/site'
    assert copy_target('/srv/new', False, None, 'dir', True, 'site') == '/srv/new'
    assert copy_target('/etc/x.conf', False, FILE_STAT, 'content', False, '') == '/etc/x.conf'
    with pytest.raises(FleetDockerError, match='with content'):
        copy_target('/etc', False, DIR_STAT, 'content', False, '')
    with pytest.raises(FleetDockerError, match='not a directory'):
        copy_target('/etc/passwd', False, FILE_STAT, 'dir', True, 'site')
    with pytest.raises(FleetDockerError, match='not a directory'):
        copy_target('/etc/passwd', False, FILE_STAT, 'dir', False, 'site')


@pytest.mark.parametrize('trailing_slash', [False, True])
def test_a_directory_lands_in_the_same_place_whether_dest_exists_or_not(trailing_slash):
    """Run 1 sees dest missing, run 2 sees the directory run 1 made: both must give one target."""
    for contents in (False, True):
        first = copy_target('/srv/new', trailing_slash, None, 'dir', contents, 'site')
        second = copy_target('/srv/new', trailing_slash, DIR_STAT, 'dir', contents, 'site')
        assert first == second == ('/srv/new' if contents else '/srv/new/site')
        dest = '/tmp/new/' if trailing_slash else '/tmp/new'
        first = fetch_target(dest, '/srv/site/' if contents else '/srv/site', contents, False, True)
        second = fetch_target(dest, '/srv/site/' if contents else '/srv/site', contents, True, True)
        assert first == second and first.rstrip('/') == ('/tmp/new' if contents else '/tmp/new/site')


def test_is_contents():
    assert is_contents('/srv/site/') and is_contents('/srv/site/.') and is_contents('/')
    assert not is_contents('/srv/site') and not is_contents('/srv/.site')


class FakeStat:
    """The engine's HEAD archive answers for a few paths: links come with linkTarget resolved in the root."""

    def __init__(self, entries):
        self.entries, self.calls = entries, []

    def __call__(self, path):
        self.calls.append(path)
        kind, target = self.entries.get(path, (None, ''))
        if kind is None:
            return None
        return dict(is_dir=kind == 'dir', is_link=kind == 'link', linkTarget=target)


ROOTFS = FakeStat({
    '/': ('dir', ''), '/dir': ('dir', ''), '/dir/f': ('file', ''), '/dir/sub': ('dir', ''),
    '/rel': ('link', '/dir'), '/abs': ('link', '/dir'), '/chain': ('link', '/dir'),
    '/dir/up': ('link', '/'), '/etc': ('dir', ''), '/etc/passwd': ('file', ''), '/dangling': ('link', '/gone'),
})


@pytest.mark.parametrize('path, real, exists', [
    ('/', '/', True),
    ('/dir/f', '/dir/f', True),
    ('/rel/f', '/dir/f', True),
    ('/abs/sub/', '/dir/sub', True),
    ('/chain/new/deeper', '/dir/new/deeper', False),
    ('/rel', '/dir', True),
    ('/dir/up/etc/passwd', '/etc/passwd', True),
    ('/dir/up/dir/up/rel/f', '/dir/f', True),
    ('//dir/./sub/../f', '/dir/f', True),
    ('/dangling/x', '/gone/x', False),
])
def test_resolve_real_follows_every_symlink_inside_the_root(path, real, exists):
    got, info = resolve_real(ROOTFS, path)
    assert got == real and (info is not None) == exists


def test_resolve_real_refuses_a_file_as_a_directory():
    with pytest.raises(FleetDockerError, match='/etc/passwd exists in the container and is not a directory'):
        resolve_real(ROOTFS, '/etc/passwd/x')


def test_resolve_real_stops_asking_below_a_missing_component():
    fake = FakeStat(dict(ROOTFS.entries))
    assert resolve_real(fake, '/nothing/a/b/c') == ('/nothing/a/b/c', None)
    assert fake.calls == ['/nothing']


def test_fetch_target():
    assert fetch_target('/tmp/out', '/etc/nginx', False, True, True) == '/tmp/out/nginx'
    assert fetch_target('/tmp/out/', '/etc/nginx', False, False, True) == '/tmp/out/nginx'
    assert fetch_target('/tmp/conf', '/etc/nginx', False, False, True) == '/tmp/conf/nginx'
    assert fetch_target('/tmp/conf', '/etc/nginx.conf', False, False) == '/tmp/conf'
    assert fetch_target('/tmp/conf/', '/etc/nginx/', True, True, True) == '/tmp/conf'


@pytest.mark.parametrize('value, mode', [(None, None), ('0644', 0o644), ('755', 0o755), (0o600, 0o600)])
def test_parse_mode(value, mode):
    assert parse_mode(value) == mode


@pytest.mark.parametrize('value', ['rw-r--r--', 'u+x', '99999', -1])
def test_parse_mode_refuses(value):
    with pytest.raises(FleetDockerError, match='mode'):
        parse_mode(value)


def test_link_base_widens_to_contain_relative_targets():
    assert _link_base('/usr/share/nginx', '/usr/share/nginx/html/l', 'x') == '/usr/share/nginx'
    assert _link_base('/usr/share/nginx', '/usr/share/nginx/html/l', '../../lib/x') == '/usr/share'
    assert _link_base('/usr/share/nginx', '/usr/share/nginx/html/l', '/abs') == '/usr/share/nginx'
    with pytest.raises(FleetDockerError, match='above /'):
        _link_base('/a', '/a/l', '../../../x')
