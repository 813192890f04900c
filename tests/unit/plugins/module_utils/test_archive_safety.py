"""Archive safety beyond test_archive.py: link loops, pax/GNU long names, and a property test that
whatever archive the checker accepts, applying it with container_fetch's writer never touches
anything outside dest (issue #10)."""

import io
import os
import tarfile

import pytest
from fleet_testlib import tar_bytes
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.fleet.docker.plugins.module_utils.files.archive import ArchiveError
from ansible_collections.fleet.docker.plugins.module_utils.files.copy import _HostWriter, apply_checked
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError


def build(members, fmt=tarfile.PAX_FORMAT):
    return io.BytesIO(tar_bytes(members, fmt, modes=dict(dir=0o755, sym=0o755, hard=0o755)))


def apply(buf, dest):
    """What fetch_from does: check every member first, then write."""
    apply_checked(buf, _HostWriter(str(dest), False, False))


@pytest.mark.parametrize('members', [
    # A loop of links, then a link through it.
    [('r', 'dir', None), ('r/a', 'sym', 'b'), ('r/b', 'sym', 'a'), ('r/c', 'sym', 'a/x')],
    # Long names (pax and GNU headers) hiding '..' past the 100-character ustar field.
    [('r', 'dir', None), ('r/' + 'd' * 120 + '/../../../../evil', 'file', b'x')],
    [('r', 'dir', None), ('r/l', 'sym', '../' * 60 + 'etc')],
    # Absolute link spelled with dots, and a link to the parent of dest.
    [('r', 'dir', None), ('r/l', 'sym', '/./etc/../etc')],
    [('r', 'dir', None), ('r/l', 'sym', '..')],
    # A later member written through a link defined earlier to a directory outside.
    [('r', 'dir', None), ('r/l', 'sym', '../..'), ('r/l/evil', 'file', b'x')],
    # A hard link to an absolute path and one through a symlink.
    [('r', 'dir', None), ('r/h', 'hard', '/etc/passwd')],
    [('r', 'dir', None), ('r/l', 'sym', '/etc'), ('r/h', 'hard', 'r/l/passwd')],
])
@pytest.mark.parametrize('fmt', [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_more_escaping_archives_are_refused_and_nothing_written(tmp_path, members, fmt):
    dest = tmp_path / 'a' / 'b' / 'dest'
    dest.parent.mkdir(parents=True)
    with pytest.raises(ArchiveError):
        apply(build(members, fmt), dest)
    assert not dest.exists()
    assert sorted(os.listdir(str(tmp_path))) == ['a'] and os.listdir(str(tmp_path / 'a')) == ['b']


def test_writer_replaces_planted_symlinks_instead_of_following_them(tmp_path):
    outside = tmp_path / 'outside'
    outside.mkdir()
    dest = tmp_path / 'dest'
    dest.mkdir()
    os.symlink(str(outside), str(dest / 'd'))
    os.symlink(str(outside / 'f'), str(dest / 'f'))
    apply(build([('r', 'dir', None), ('r/d', 'dir', None), ('r/d/x', 'file', b'x'), ('r/f', 'file', b'y')]), dest)
    assert os.listdir(str(outside)) == []
    assert (dest / 'd' / 'x').read_bytes() == b'x' and not os.path.islink(str(dest / 'f'))


NAMES = st.lists(st.sampled_from(['a', 'b', '..', '.', '', 'c']), min_size=1, max_size=4).map('/'.join)
TARGETS = st.one_of(NAMES, NAMES.map(lambda t: '/' + t), st.just('../outside'))
MEMBERS = st.lists(st.tuples(NAMES, st.sampled_from(['file', 'dir', 'sym', 'hard']), TARGETS), max_size=8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=MEMBERS)
def test_accepted_archives_never_touch_anything_outside_dest(tmp_path_factory, members):
    base = tmp_path_factory.mktemp('prop')
    outside = base / 'outside'
    outside.mkdir()
    (outside / 'keep').write_bytes(b'keep')
    dest = base / 'x' / 'dest'
    dest.parent.mkdir()
    crafted = [('r', 'dir', None)]
    for name, kind, target in members:
        crafted.append(('r/' + name, kind, target.encode() if kind == 'file' else target))
    try:
        apply(build(crafted), dest)
    except (ArchiveError, FleetDockerError, OSError):
        pass   # refused, or the host refused an impossible layout: both fine
    assert sorted(os.listdir(str(base))) == ['outside', 'x']
    assert os.listdir(str(outside)) == ['keep'] and (outside / 'keep').read_bytes() == b'keep'
    assert os.listdir(str(base / 'x')) in ([], ['dest'])
    for dirpath, dirnames, filenames in os.walk(str(dest)):
        for entry in dirnames + filenames:
            path = os.path.join(dirpath, entry)
            if os.path.islink(path):
                try:
                    real = os.path.realpath(path, strict=True)
                except OSError:
                    # A dangling link or a loop (a -> a//a): realpath's non-strict answer for a
                    # loop is not the link's location ('/a' on 3.11), so judge the target lexically.
                    real = os.path.normpath(os.path.join(dirpath, os.readlink(path)))
                assert real == str(dest) or real.startswith(str(dest) + os.sep), (path, os.readlink(path))
