"""container_copy on the real engine: served pages, 200-file trees, idempotence, check mode, bad input."""

import base64
import hashlib
import io
import json
import os
import tarfile
import time

import pytest

from fleet_testlib import TEST_LABEL, WEB, converge_twice, engine_http_get, ensure_image, free_port, put_tree, run_module, unique

from ansible_collections.fleet.docker.plugins.module_utils.files.archive import read_archive

HTML = '/usr/share/nginx/html'


@pytest.fixture
def web(engine, janitor):
    """Factory: a demo/web container published on a free port, started unless asked not to."""
    ensure_image(engine)

    def make(start=True):
        name = janitor.container(unique('cp'))
        port = free_port()
        engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag}, ports=[80],
                                host_config=engine.create_host_config(port_bindings={80: ('127.0.0.1', port)}))
        if start:
            engine.start(name)
        return name, port
    return make


def snapshot(engine, name, path):
    """rel -> (kind, mode, uid, gid, sha256, link) of a container path, or None when missing."""
    try:
        stream, dummy = engine.get_archive(name, path)
    except Exception:  # pylint: disable=broad-except
        return None
    entries, dummy = read_archive(io.BytesIO(b''.join(stream)))
    return {rel: (e.kind, e.mode, e.uid, e.gid, e.sha256, e.link) for rel, e in entries.items()}


def uploads(engine, name, since):
    """PUT archive calls on the container since ``since``: dockerd 20.10 logs each as 'extract-to-dir'."""
    until = time.time() + 0.5
    return list(engine.events(since=since, until=until, decode=True,
                              filters={'type': 'container', 'event': 'extract-to-dir', 'container': name}))


def copy(name, check=False, diff=False, **args):
    return run_module('container_copy', dict(container=name, **args), check=check, diff=diff)


def test_index_html_is_served_on_the_published_port(engine, web, tmp_path):
    """Workflow of section 5: docker cp a page into a running web container."""
    name, port = web()
    page = tmp_path / 'index.html'
    page.write_text('<h1>fleet copy %s</h1>\n' % name)
    result = copy(name, src=str(page), dest=HTML + '/index.html')
    assert result.changed and not result.failed, result
    assert result['changed_files'] == [HTML + '/index.html']
    status, body = engine_http_get(port)
    assert status == 200 and 'fleet copy %s' % name in body

    since = time.time()
    again = copy(name, src=str(page), dest=HTML + '/')
    assert not again.changed and again['changed_files'] == [] and again['target'] == HTML + '/index.html'
    assert uploads(engine, name, since) == []


def make_site(root, count=200):
    (root / 'css').mkdir(parents=True)
    for i in range(count - 2):
        (root / ('page%03d.html' % i)).write_text('<p>page %d</p>\n' % i)
    (root / 'css' / 'site.css').write_text('body { color: #333; }\n')
    (root / 'index.html').write_text('<h1>site home</h1>\n')
    os.symlink('index.html', str(root / 'home.html'))
    return root


def test_directory_of_200_files_is_copied_served_and_idempotent(engine, web, tmp_path, record_property):
    name, port = web()
    site = make_site(tmp_path / 'site')
    since = time.time()
    start = time.monotonic()
    first = copy(name, src=str(site), dest=HTML + '/')
    first_s = time.monotonic() - start
    assert first.changed and not first.failed, first
    assert first['target'] == HTML + '/site'
    assert len(first['changed_files']) == 203  # 200 files (198 pages, css, index), a symlink, 2 directories
    assert len(uploads(engine, name, since)) == 1, 'one archive upload for the whole tree'

    for path, text in (('/site/page123.html', 'page 123'), ('/site/css/site.css', 'color'),
                       ('/site/home.html', 'site home')):
        status, body = engine_http_get(port, path)
        assert status == 200 and text in body, (path, status, body)
    state = snapshot(engine, name, HTML + '/site')
    assert state['home.html'][0] == 'link' and state['home.html'][5] == 'index.html'

    since = time.time()
    start = time.monotonic()
    second = copy(name, src=str(site), dest=HTML + '/')
    second_s = time.monotonic() - start
    assert not second.changed and second['changed_files'] == []
    assert uploads(engine, name, since) == [], 'a second run uploads nothing'
    # One changed page: one upload carrying one file.
    (site / 'page042.html').write_text('<p>page 42, edited</p>\n')
    since = time.time()
    third = copy(name, src=str(site), dest=HTML + '/')
    assert third['changed_files'] == [HTML + '/site/page042.html']
    assert len(uploads(engine, name, since)) == 1
    assert 'edited' in engine_http_get(port, '/site/page042.html')[1]

    # Speed is measured by benchmarks/ (B3), not asserted here; the figures are recorded.
    record_property('first_run_s', round(first_s, 3))
    record_property('second_run_s', round(second_s, 3))


def test_mode_owner_and_content_string(engine, web, tmp_path):
    name, dummy = web()
    conf = tmp_path / 'conf'
    conf.mkdir()
    (conf / 'app.conf').write_text('listen 9000\n')
    args = dict(src=str(conf) + '/', dest='/etc/app/conf.d', mode='0640', owner=33, group=44)
    result = copy(name, **args)
    assert result.changed, result
    # Missing parents are created.
    assert result['changed_files'] == ['/etc/app', '/etc/app/conf.d', '/etc/app/conf.d/app.conf']
    state = snapshot(engine, name, '/etc/app/conf.d')
    assert state['app.conf'][:4] == ('file', 0o640, 33, 44)
    assert state[''][2:4] == (33, 44)
    assert not copy(name, **args).changed

    # Ownership alone differing is a change, and is fixed.
    as_root = dict(args)
    as_root['owner'] = 0
    assert copy(name, **as_root)['changed_files'] == ['/etc/app/conf.d', '/etc/app/conf.d/app.conf']
    assert snapshot(engine, name, '/etc/app/conf.d/app.conf')[''][2:4] == (0, 44)

    content = dict(content='motd for %s\n' % name, dest='/etc/motd')
    written = copy(name, **content)
    assert written.changed and written['changed_files'] == ['/etc/motd']
    stream, dummy = engine.get_archive(name, '/etc/motd')
    assert b'motd for %s' % name.encode() in b''.join(stream)
    assert snapshot(engine, name, '/etc/motd')[''][1] == 0o644
    assert not copy(name, **content).changed

    # Diff shows before and after of a small text file; check mode writes nothing.
    before = snapshot(engine, name, '/etc/motd')
    preview = copy(name, check=True, diff=True, content='new motd\n', dest='/etc/motd')
    assert preview.changed and preview['diff'] == [dict(before_header='/etc/motd', after_header='/etc/motd',
                                                        before='motd for %s\n' % name, after='new motd\n')]
    assert snapshot(engine, name, '/etc/motd') == before

    # force=false leaves an existing, different file alone.
    assert not copy(name, content='other\n', dest='/etc/motd', force=False).changed
    assert snapshot(engine, name, '/etc/motd') == before


def test_check_mode_writes_nothing(engine, web, tmp_path):
    name, dummy = web()
    site = make_site(tmp_path / 'site', count=10)
    before = snapshot(engine, name, HTML)
    since = time.time()
    preview = copy(name, check=True, src=str(site) + '/', dest=HTML)
    assert preview.changed and HTML + '/page003.html' in preview['changed_files']
    assert uploads(engine, name, since) == []
    assert snapshot(engine, name, HTML) == before


def test_copy_into_a_stopped_container(engine, web, tmp_path):
    name, dummy = web(start=False)
    assert not engine.inspect_container(name)['State']['Running']
    site = make_site(tmp_path / 'site', count=5)
    # Trailing slash: the contents, so dest is the same path on every run.
    result = copy(name, src=str(site) + '/', dest='/srv/www')
    assert result.changed and result['target'] == '/srv/www'
    state = snapshot(engine, name, '/srv/www')
    assert state['index.html'][0] == 'file' and state['home.html'][5] == 'index.html'
    assert not copy(name, src=str(site) + '/', dest='/srv/www').changed
    assert not engine.inspect_container(name)['State']['Running']


@pytest.mark.parametrize('args, message', [
    (dict(container='missing', src='SITE', dest='/srv/x'), 'No such container'),
    (dict(src='SITE', dest='srv/x'), 'dest must be an absolute path'),
    (dict(src='SITE', content='x', dest='/srv/x'), 'mutually exclusive'),
    (dict(src='SITE/nothing-here', dest='/srv/x'), 'does not exist on the managed host'),
    (dict(dest='/srv/x'), 'one of the following is required'),
    (dict(content='x', dest='/srv/x', mode='rw'), 'mode must be an octal number'),
    (dict(content='x', dest='/etc'), 'with content, dest must be the path of a file'),
])
def test_bad_input_fails_clearly_and_writes_nothing(engine, web, tmp_path, args, message):
    name, dummy = web(start=False)
    site = make_site(tmp_path / 'site', count=3)
    args = dict(args)
    args.setdefault('container', name)
    if 'src' in args:
        args['src'] = args['src'].replace('SITE', str(site))
    since = time.time()
    result = run_module('container_copy', args)
    assert result.failed and message in result['msg'], result
    assert '\n' not in result['msg'].strip()
    assert snapshot(engine, name, '/srv') is None
    assert uploads(engine, name, since) == []


# ---------------------------------------------------------------- symlinked parent directories (#13 h)

LINKS = [
    ('dir', 'dir', None),
    ('dir/a', 'dir', None),
    ('rel', 'sym', 'dir'),             # relative, like /var/run -> ../run
    ('abs', 'sym', '/dir'),            # absolute
    ('chain', 'sym', 'rel'),           # a link to a link
    ('deep', 'dir', None),
    ('deep/b', 'dir', None),
    ('deep/b/up', 'sym', '../../../../..'),  # points above / : the engine clamps it at the root
]


def link_target(engine, name, path):
    """The symlink at a container path as stored (not followed), or None when it is not a link."""
    resp = engine.head(engine._url('/containers/{0}/archive', name), params={'path': path})
    info = json.loads(base64.b64decode(resp.headers['X-Docker-Container-Path-Stat']))
    if not info['mode'] & (1 << 27):
        return None
    stream, dummy = engine.get_archive(name, path)
    with tarfile.open(fileobj=io.BytesIO(b''.join(stream))) as tar:
        return tar.getmembers()[0].linkname


@pytest.mark.parametrize('dest, real', [
    ('/rel/f.txt', '/dir/f.txt'),
    ('/abs/f.txt', '/dir/f.txt'),
    ('/chain/f.txt', '/dir/f.txt'),
    ('/chain/new/deeper/f.txt', '/dir/new/deeper/f.txt'),
    ('/deep/b/up/f.txt', '/f.txt'),
    ('/deep/b/up/deep/b/up/chain/a/', '/dir/a/f.txt'),
])
def test_dest_below_a_symlinked_directory_is_written_in_the_links_target(engine, web, tmp_path, dest, real):
    """docker cp resolves symlinked parents inside the container; before #13 this was HTTP 500."""
    name, dummy = web(start=False)
    put_tree(engine, name, '/', LINKS)
    page = tmp_path / 'f.txt'
    page.write_text('through %s\n' % dest)
    before = snapshot(engine, name, '/dir')
    preview = copy(name, check=True, src=str(page), dest=dest)
    assert preview.changed and not preview.failed and preview['target'] == real, preview
    assert snapshot(engine, name, '/dir') == before and snapshot(engine, name, real) is None

    first = copy(name, src=str(page), dest=dest)
    assert first.changed and not first.failed and first['target'] == real, first
    assert first['changed_files'][-1] == real
    stream, dummy = engine.get_archive(name, real)
    assert read_archive(io.BytesIO(b''.join(stream)))[0][''].sha256 == hashlib.sha256(page.read_bytes()).hexdigest()
    # The links are still links: the write went through them, not over them.
    assert [link_target(engine, name, path) for path in ('/rel', '/abs', '/chain', '/deep/b/up')] == \
        ['dir', '/dir', 'rel', '../../../../..']
    if real == '/f.txt':
        # Outside the container's root (where an unclamped '../..' would land) nothing was written.
        merged = engine.inspect_container(name)['GraphDriver']['Data'] or {}
        for key in ('MergedDir', 'UpperDir'):
            if merged.get(key):
                assert not os.path.exists(os.path.join(os.path.dirname(merged[key]), 'f.txt'))

    since = time.time()
    again = copy(name, src=str(page), dest=dest)
    assert not again.changed and again['changed_files'] == [] and again['target'] == real, again
    assert uploads(engine, name, since) == []


def test_directory_through_a_symlinked_parent_is_idempotent(engine, web, tmp_path):
    name, dummy = web(start=False)
    put_tree(engine, name, '/', LINKS)
    site = make_site(tmp_path / 'site', count=4)
    first, second = converge_twice('container_copy', dict(container=name, src=str(site), dest='/chain/www'))
    assert first['target'] == second['target'] == '/dir/www/site'
    state = snapshot(engine, name, '/dir/www/site')
    assert state['index.html'][0] == 'file' and state['home.html'][5] == 'index.html'


# ---------------------------------------------------------------- directory into a missing dest (#13 n)

@pytest.mark.parametrize('src_slash', ['', '/', '/.'])
@pytest.mark.parametrize('dest_slash', ['', '/'])
def test_directory_into_a_missing_dest_lands_in_the_same_place_on_every_run(
        engine, web, tmp_path, src_slash, dest_slash):
    """Run 1 finds dest missing, run 2 finds the directory run 1 made: the tree must not move."""
    name, dummy = web(start=False)
    site = make_site(tmp_path / 'site', count=4)
    args = dict(src=str(site) + src_slash, dest='/srv/new' + dest_slash)
    assert snapshot(engine, name, '/srv/new') is None
    first = copy(name, **args)
    assert first.changed and not first.failed, first
    after_first = snapshot(engine, name, '/srv/new')
    second = copy(name, **args)
    assert not second.failed and second.changed is False and second['changed_files'] == [], second
    assert snapshot(engine, name, '/srv/new') == after_first
    landed = '/srv/new' if src_slash else '/srv/new/site'
    assert first['target'] == second['target'] == landed
    expected = {'index.html', 'home.html', 'css', 'css/site.css', 'page000.html', 'page001.html'}
    inside = {rel for rel in after_first if rel}
    assert inside == (expected if src_slash else {'site'} | {'site/' + rel for rel in expected})
    assert after_first['index.html' if src_slash else 'site/index.html'][0] == 'file'


def test_directory_onto_an_existing_file_fails_and_writes_nothing(engine, web, tmp_path):
    name, dummy = web(start=False)
    site = make_site(tmp_path / 'site', count=3)
    put_tree(engine, name, '/', [('srv', 'dir', None), ('srv/app.conf', 'file', b'port=1\n')])
    before = snapshot(engine, name, '/srv')
    since = time.time()
    for check in (True, False):
        result = copy(name, check=check, src=str(site), dest='/srv/app.conf')
        assert result.failed and 'is not a directory' in result['msg'], result
    assert snapshot(engine, name, '/srv') == before and before['app.conf'][0] == 'file'
    assert uploads(engine, name, since) == []
