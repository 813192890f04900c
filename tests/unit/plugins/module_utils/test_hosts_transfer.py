"""Streamed tar in and out of containers (fleet.docker.api put_file / fetch_file), no engine."""

import io
import subprocess
import tarfile

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.hosts.transfer import (
    EmptyArchive, TransferError, copy_member, first_member, link_target, shell_printf_format, split_target,
    tar_one_file)


def test_tar_one_file_streams_a_valid_archive_with_a_non_utf8_name():
    payload = bytes(range(256)) * 5000
    chunks = list(tar_one_file(io.BytesIO(payload), b'caf\xe9.bin', len(payload), uid=1000, gid=1000, mode=0o600))
    assert len(chunks) > 2, 'streamed in chunks'
    with tarfile.open(fileobj=io.BytesIO(b''.join(chunks)), encoding='utf-8', errors='surrogateescape') as tar:
        member = tar.next()
        assert member.name.encode('utf-8', 'surrogateescape') == b'caf\xe9.bin'
        assert (member.uid, member.gid, member.mode, member.size) == (1000, 1000, 0o600, len(payload))
        assert tar.extractfile(member).read() == payload


def test_tar_one_file_refuses_a_file_that_changed_size():
    with pytest.raises(TransferError):
        list(tar_one_file(io.BytesIO(b'12345'), b'f', 3))
    with pytest.raises(TransferError):
        list(tar_one_file(io.BytesIO(b'1'), b'f', 3))


def test_first_member_reads_lazily_and_copies():
    chunks = tar_one_file(io.BytesIO(b'x' * 100000), b'f', 100000)
    archive, member = first_member(iter([c[i:i + 1000] for c in chunks for i in range(0, len(c), 1000)]))
    sink = io.BytesIO()
    assert copy_member(archive, member, sink) == 100000 and sink.getvalue() == b'x' * 100000


def test_an_empty_archive_is_its_own_error():
    with pytest.raises(EmptyArchive):
        first_member([b'\0' * 1024])


@pytest.mark.parametrize('path, parts', [('/tmp/a.txt', (b'/tmp', b'a.txt')), ('/a', (b'/', b'a')),
                                         (b'/t/caf\xe9', (b'/t', b'caf\xe9')), ('/tmp/x/', (b'/tmp', b'x'))])
def test_split_target(path, parts):
    assert split_target(path) == parts


@pytest.mark.parametrize('path', ['relative/x', '/'])
def test_split_target_refuses(path):
    with pytest.raises(TransferError):
        split_target(path)


def test_link_target():
    info = tarfile.TarInfo('l')
    info.linkname = '../etc/real'
    assert link_target(b'/srv/app/l', info) == b'/srv/etc/real'
    info.linkname = '/abs'
    assert link_target(b'/srv/app/l', info) == b'/abs'


@pytest.mark.parametrize('raw', [b'/tmp/caf\xe9 it\'s %s \\n "x"\n', b'/plain/path-1.txt', bytes(range(1, 256))])
def test_shell_printf_format_prints_exactly_the_bytes(raw):
    out = subprocess.run(['sh', '-c', 'printf %s' % shell_printf_format(raw)], capture_output=True, check=True).stdout
    assert out == raw
