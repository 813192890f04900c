"""container_fetch on the real engine: directories and files out, idempotence, check mode, refusals."""

import hashlib
import os

import pytest

from fleet_testlib import converge_twice, put_tree, run_module

HTML = '/usr/share/nginx/html'


@pytest.fixture
def box(stopped_web):
    """A stopped demo/web container with a small tree under /srv/app (files, subdir, symlink, hard link)."""
    return stopped_web('fetch', [
        ('srv/app', 'dir', None, 0o755),
        ('srv/app/app.conf', 'file', b'port=9000\n', 0o640),
        ('srv/app/logs', 'dir', None, 0o750),
        ('srv/app/logs/app.log', 'file', b'started\n' * 100, 0o644),
        ('srv/app/current.log', 'sym', 'logs/app.log', 0o777),
        ('srv/app/same.conf', 'hard', 'srv/app/app.conf', 0o640),
    ])


def tree(root):
    """rel -> (kind, mode, sha256 or link target) of a host tree."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in dirnames + filenames:
            path = os.path.join(dirpath, entry)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                out[rel] = ('link', os.readlink(path))
            elif os.path.isdir(path):
                out[rel] = ('dir', oct(st.st_mode & 0o7777))
            else:
                with open(path, 'rb') as handle:
                    out[rel] = ('file', oct(st.st_mode & 0o7777), hashlib.sha256(handle.read()).hexdigest())
    return out


def fetch(name, check=False, **args):
    return run_module('container_fetch', dict(container=name, **args), check=check)


def test_fetch_directory_is_idempotent(box, tmp_path):
    dest = tmp_path / 'out'
    dest.mkdir()
    result = fetch(box, src='/srv/app', dest=str(dest))
    assert result.changed and not result.failed, result
    assert result['dest'] == str(dest / 'app')
    got = tree(str(dest / 'app'))
    assert got['app.conf'] == ('file', '0o640', hashlib.sha256(b'port=9000\n').hexdigest())
    assert got['same.conf'] == got['app.conf']
    assert got['current.log'] == ('link', 'logs/app.log')
    assert got['logs'] == ('dir', '0o750')
    assert (dest / 'app' / 'current.log').read_bytes() == b'started\n' * 100
    assert len(result['changed_files']) == 6

    again = fetch(box, src='/srv/app', dest=str(dest))
    assert not again.changed and again['changed_files'] == []

    # A host edit is reported in check mode without being undone, then repaired.
    (dest / 'app' / 'app.conf').write_text('tampered\n')
    before = tree(str(dest))
    preview = fetch(box, check=True, src='/srv/app', dest=str(dest))
    assert preview.changed and preview['changed_files'] == [str(dest / 'app' / 'app.conf')]
    assert tree(str(dest)) == before
    repaired = fetch(box, src='/srv/app', dest=str(dest))
    assert repaired['changed_files'] == [str(dest / 'app' / 'app.conf')]
    assert (dest / 'app' / 'app.conf').read_text() == 'port=9000\n'


def test_fetch_contents_of_a_running_containers_web_root(engine, box, tmp_path):
    engine.start(box)
    dest = tmp_path / 'html'
    result = fetch(box, src=HTML + '/', dest=str(dest))
    assert result.changed and result['dest'] == str(dest)
    assert 'index.html' in os.listdir(str(dest)) and '50x.html' in os.listdir(str(dest))
    assert not fetch(box, src=HTML + '/', dest=str(dest)).changed


def test_fetch_single_file_and_check_mode(box, tmp_path):
    dest = tmp_path / 'conf' / 'app.conf'
    preview = fetch(box, check=True, src='/srv/app/app.conf', dest=str(dest))
    assert preview.changed and not os.path.exists(str(tmp_path / 'conf'))
    result = fetch(box, src='/srv/app/app.conf', dest=str(dest))
    assert result.changed and dest.read_text() == 'port=9000\n'
    assert result['checksum'] == hashlib.sha256(b'port=9000\n').hexdigest()
    assert not fetch(box, src='/srv/app/app.conf', dest=str(dest)).changed


def test_symlink_pointing_outside_dest_is_refused_and_nothing_written(engine, box, tmp_path):
    put_tree(engine, box, '/srv/app', [('escape', 'sym', '/etc', 0o777)])
    dest = tmp_path / 'out'
    result = fetch(box, src='/srv/app', dest=str(dest) + '/')
    assert result.failed and 'outside dest' in result['msg'] and 'escape' in result['msg'], result
    assert not os.path.exists(str(dest / 'app'))


@pytest.mark.parametrize('args, message', [
    (dict(container='missing-container', src='/srv/app'), 'No such container'),
    (dict(src='/srv/nothing'), 'does not exist in container'),
    (dict(src='srv/app'), 'src must be an absolute path'),
])
def test_bad_input_fails_clearly_and_writes_nothing(box, tmp_path, args, message):
    args = dict(args)
    args.setdefault('container', box)
    dest = tmp_path / 'out'
    result = run_module('container_fetch', dict(args, dest=str(dest)))
    assert result.failed and message in result['msg'], result
    assert not os.path.exists(str(dest))


# ---------------------------------------------------------------- directory into a missing dest (#13 n)

@pytest.mark.parametrize('src_slash', ['', '/', '/.'])
@pytest.mark.parametrize('dest_slash', ['', '/'])
def test_directory_into_a_missing_dest_lands_in_the_same_place_on_every_run(box, tmp_path, src_slash, dest_slash):
    """Run 1 finds dest missing, run 2 finds the directory run 1 made: the tree must not move."""
    dest = tmp_path / 'new'
    args = dict(src='/srv/app' + src_slash, dest=str(dest) + dest_slash)
    first = fetch(box, **args)
    assert first.changed and not first.failed, first
    after_first = tree(str(dest))
    second = fetch(box, **args)
    assert not second.failed and second.changed is False and second['changed_files'] == [], second
    assert tree(str(dest)) == after_first
    landed = str(dest) if src_slash else str(dest / 'app')
    assert first['dest'].rstrip('/') == second['dest'].rstrip('/') == landed
    expected = {'app.conf', 'same.conf', 'current.log', 'logs', 'logs/app.log'}
    assert set(after_first) == (expected if src_slash else {'app'} | {'app/' + rel for rel in expected})
    assert (dest / ('app.conf' if src_slash else 'app/app.conf')).read_text() == 'port=9000\n'


def test_directory_onto_an_existing_host_file_fails_and_writes_nothing(box, tmp_path):
    dest = tmp_path / 'taken'
    dest.write_text('mine\n')
    for check in (True, False):
        result = fetch(box, check=check, src='/srv/app', dest=str(dest))
        assert result.failed and 'not a directory' in result['msg'], result
    assert dest.read_text() == 'mine\n' and os.listdir(str(tmp_path)) == ['taken']


def test_src_below_a_symlinked_directory(engine, box, tmp_path):
    """Like container_copy's dest: a symlinked parent in src is followed inside the container."""
    put_tree(engine, box, '/', [('srvlink', 'sym', 'srv'), ('deep', 'dir', None), ('deep/up', 'sym', '../../..')])
    dest = tmp_path / 'conf'
    first, second = converge_twice('container_fetch', dict(container=box, src='/deep/up/srvlink/app/app.conf',
                                                           dest=str(dest)))
    assert first['src'] == '/srv/app/app.conf' and dest.read_text() == 'port=9000\n'
