"""Hostile input (issue #10): every module, bad types, empty strings, huge values, shell
metacharacters and path traversal. Each row must fail with one clear message, no traceback
(run_module checks), and nothing created or changed on the engine: containers, images, volumes
and networks whose names carry the row's unique token are compared before and after.

Rows never make the engine reach past loopback: image references either do not parse or name
the local registry, and no row names a remote host.
"""

import os
import time

import docker.errors
import pytest

from fleet_testlib import REGISTRY, TEST_LABEL, WEB, put_tree, run_module, unique

U = 'UNIQ'            # replaced by a fresh token per row
HUGE = 'x' * 200000   # bigger than any name, tag or label the engine takes
META = '$(touch /tmp/UNIQ-pwned);`id`|&;<>'


def _sub(value, token):
    if isinstance(value, str):
        return value.replace(U, token)
    if isinstance(value, list):
        return [_sub(v, token) for v in value]
    if isinstance(value, dict):
        return {_sub(k, token): _sub(v, token) for k, v in value.items()}
    return value


# (id, module, args, fragment of the expected message). 'UNIQ' becomes a fresh token.
ROWS = [
    # container
    ('container-name-empty', 'container', dict(name='', image=WEB + ':1.0'), 'name'),
    ('container-name-meta', 'container', dict(name='UNIQ' + META, image=WEB + ':1.0'), 'name'),
    ('container-name-traversal', 'container', dict(name='../../UNIQ', image=WEB + ':1.0'), 'name'),
    ('container-name-huge', 'container', dict(name='UNIQ' + HUGE, image=WEB + ':1.0'), 'name'),
    ('container-name-type', 'container', dict(name=['UNIQ'], image=WEB + ':1.0'), 'name'),
    ('container-image-empty', 'container', dict(name='UNIQ', image=''), 'image'),
    ('container-image-meta', 'container', dict(name='UNIQ', image='web;rm -rf /'), 'image'),
    ('container-image-traversal', 'container', dict(name='UNIQ', image=REGISTRY + '/../../etc/passwd'), 'image'),
    ('container-image-huge', 'container', dict(name='UNIQ', image=REGISTRY + '/' + HUGE), 'image'),
    ('container-image-missing', 'container', dict(name='UNIQ', image=REGISTRY + '/UNIQ/none:1', pull='never'),
     'UNIQ'),
    ('container-state-bad', 'container', dict(name='UNIQ', image=WEB + ':1.0', state='exploded'), 'state'),
    ('container-port-range', 'container', dict(name='UNIQ', image=WEB + ':1.0', ports=['99999:80']), 'port'),
    ('container-port-meta', 'container', dict(name='UNIQ', image=WEB + ':1.0', ports=['80;id']), 'port'),
    ('container-port-type', 'container', dict(name='UNIQ', image=WEB + ':1.0', ports='80:80:80:80'), 'port'),
    ('container-volume-relative', 'container', dict(name='UNIQ', image=WEB + ':1.0', volumes=['UNIQ:relative']),
     'volume'),
    ('container-volume-traversal', 'container',
     dict(name='UNIQ', image=WEB + ':1.0', volumes=['../../etc:/x']), 'volume'),
    ('container-volume-mode', 'container', dict(name='UNIQ', image=WEB + ':1.0', volumes=['UNIQ:/data:rw,zz']),
     'volume'),
    ('container-mount-relative', 'container',
     dict(name='UNIQ', image=WEB + ':1.0', mounts=[dict(source='UNIQ', target='rel')]), 'target'),
    ('container-env-nul', 'container', dict(name='UNIQ', image=WEB + ':1.0', env={'A': 'x\x00y'}), 'env'),
    ('container-env-type', 'container', dict(name='UNIQ', image=WEB + ':1.0', env=['A=1', {'b': 2}]), 'env'),
    ('container-env-file-missing', 'container',
     dict(name='UNIQ', image=WEB + ':1.0', env_file='/nonexistent/UNIQ/../env'), 'env_file'),
    ('container-restart-retries-negative', 'container',
     dict(name='UNIQ', image=WEB + ':1.0', restart_policy='on-failure', restart_retries=-1), 'restart_retries'),
    ('container-stop-timeout-type', 'container', dict(name='UNIQ', image=WEB + ':1.0', stop_timeout='ten'),
     'stop_timeout'),
    ('container-network-missing', 'container', dict(name='UNIQ', image=WEB + ':1.0', networks=['../UNIQ']),
     'network'),
    ('container-network-mode-traversal', 'container',
     dict(name='UNIQ', image=WEB + ':1.0', network_mode='container:../../UNIQ'), 'UNIQ'),
    ('container-workdir-relative', 'container', dict(name='UNIQ', image=WEB + ':1.0', working_dir='../../tmp'),
     'working'),
    ('container-hostname-huge', 'container', dict(name='UNIQ', image=WEB + ':1.0', hostname=HUGE), 'hostname'),
    ('container-labels-type', 'container', dict(name='UNIQ', image=WEB + ':1.0', labels=['a=b;c']), 'labels'),
    ('container-timeout-type', 'container', dict(name='UNIQ', image=WEB + ':1.0', timeout='forever'), 'timeout'),
    # containers (batch)
    ('containers-not-a-list', 'containers', dict(containers='UNIQ'), 'containers'),
    ('containers-item-no-name', 'containers', dict(containers=[dict(image=WEB + ':1.0')]), 'name'),
    ('containers-item-meta', 'containers', dict(containers=[dict(name='UNIQ' + META, image=WEB + ':1.0')]),
     'name'),
    ('containers-duplicate', 'containers',
     dict(containers=[dict(name='UNIQ', image=WEB + ':1.0'), dict(name='UNIQ', image=WEB + ':1.0')]), 'UNIQ'),
    ('containers-one-bad-item', 'containers',
     dict(containers=[dict(name='UNIQ-a', image=WEB + ':1.0'),
                      dict(name='UNIQ-b', image=WEB + ':1.0', ports=['99999:80'])]), 'port'),
    ('containers-parallel-zero', 'containers', dict(containers=[dict(name='UNIQ', image=WEB + ':1.0')], parallel=0),
     'parallel'),
    ('containers-parallel-negative', 'containers',
     dict(containers=[dict(name='UNIQ', image=WEB + ':1.0')], parallel=-1), 'parallel'),
    ('containers-defaults-unknown', 'containers',
     dict(containers=[dict(name='UNIQ')], defaults=dict(image=WEB + ':1.0', bogus=1)), 'bogus'),
    # image
    ('image-name-empty', 'image', dict(name=''), 'empty'),
    ('image-name-meta', 'image', dict(name='web;touch /tmp/UNIQ'), 'web'),
    ('image-name-traversal', 'image', dict(name=REGISTRY + '/../UNIQ'), 'UNIQ'),
    ('image-name-huge', 'image', dict(name=REGISTRY + '/' + HUGE), 'image'),
    ('image-tag-traversal', 'image', dict(name=REGISTRY + '/UNIQ', tag='../../etc'), 'tag'),
    ('image-tag-empty', 'image', dict(name=REGISTRY + '/UNIQ', tag=''), 'not found'),
    ('image-platform-bad', 'image', dict(name=REGISTRY + '/UNIQ', tag='1', platform='../../x;id'), 'platform'),
    ('image-force-type', 'image', dict(name=REGISTRY + '/UNIQ', force='sometimes'), 'force'),
    ('image-absent-id-prefix', 'image', dict(name='sha256:', state='absent'), 'sha256'),
    # image_info, image_search
    ('image-info-type', 'image_info', dict(name={'a': 'b'}), 'name'),
    ('image-info-meta', 'image_info', dict(name=['web;id', '']), 'web'),
    ('image-search-limit-type', 'image_search', dict(term='UNIQ', limit='many'), 'limit'),
    # volume, volume_info
    ('volume-name-empty', 'volume', dict(name=''), 'name'),
    ('volume-name-traversal', 'volume', dict(name='../../UNIQ'), 'name'),
    ('volume-name-meta', 'volume', dict(name='UNIQ' + META), 'name'),
    ('volume-name-huge', 'volume', dict(name='UNIQ' + HUGE), 'name'),
    ('volume-driver-missing', 'volume', dict(name='UNIQ', driver='no-such-driver-UNIQ'), 'driver'),
    ('volume-labels-type', 'volume', dict(name='UNIQ', labels=['a']), 'labels'),
    # container_exec, container_copy, container_fetch, container_info
    ('exec-container-meta', 'container_exec', dict(container='UNIQ;id', command='true'), 'UNIQ'),
    ('exec-command-empty', 'container_exec', dict(container='UNIQ', command=''), 'command'),
    ('exec-command-type', 'container_exec', dict(container='UNIQ', command={'a': 1}), 'command'),
    ('copy-dest-relative', 'container_copy', dict(container='UNIQ', content='x', dest='../../etc/passwd'), 'dest'),
    ('copy-mode-huge', 'container_copy', dict(container='UNIQ', content='x', dest='/x', mode='77777777'), 'mode'),
    ('copy-owner-negative', 'container_copy', dict(container='UNIQ', content='x', dest='/x', owner=-1), 'owner'),
    ('copy-src-missing', 'container_copy', dict(container='UNIQ', src='/nonexistent/UNIQ/../x', dest='/x'), 'src'),
    ('fetch-src-relative', 'container_fetch', dict(container='UNIQ', src='../../etc', dest='/tmp/UNIQ'), 'src'),
    ('fetch-src-empty', 'container_fetch', dict(container='UNIQ', src='', dest='/tmp/UNIQ'), 'src'),
    ('info-filters-type', 'container_info', dict(filters='status=running;id'), 'invalid filter'),
    ('info-filters-bogus', 'container_info', dict(filters={'UNIQ': 'x'}), 'UNIQ'),
    # cleanup, prune (argument errors only: a prune that ran would touch the shared engine)
    ('cleanup-ancestor-empty', 'cleanup', dict(ancestor=['']), 'ancestor'),
    ('cleanup-ancestor-meta', 'cleanup', dict(ancestor=['web;rm -rf /']), 'web'),
    ('cleanup-stop-timeout-negative', 'cleanup', dict(ancestor=[REGISTRY + '/UNIQ:1'], stop_timeout=-5),
     'stop_timeout'),
    ('prune-filters-type', 'prune', dict(containers=True, containers_filters=['label=UNIQ;id']), 'containers_filters'),
    ('prune-bool-type', 'prune', dict(containers='everything'), 'containers'),
    # registry_login, host_info
    ('login-no-password', 'registry_login', dict(registry='127.0.0.1:1', username='UNIQ'), 'password'),
    ('login-registry-empty', 'registry_login', dict(registry='', username='u', password='UNIQ-pw'), 'registry'),
    ('login-registry-meta', 'registry_login',
     dict(registry='127.0.0.1:1/$(id)', username='u', password='UNIQ-pw'), 'failed'),
    ('host-info-docker-host-file', 'host_info', dict(docker_host='unix:///etc/passwd'), 'Docker daemon'),
    ('host-info-docker-host-traversal', 'host_info', dict(docker_host='unix:///run/../../UNIQ.sock'),
     'Docker daemon'),
    ('host-info-docker-host-scheme', 'host_info', dict(docker_host='gopher://127.0.0.1:1'), 'gopher'),
    ('host-info-api-version', 'host_info', dict(api_version='../../1.0;id'), 'api_version'),
    ('host-info-tls-key-missing', 'host_info',
     dict(docker_host='tcp://127.0.0.1:1', tls=True, client_cert='/nonexistent/c.pem', client_key='/nonexistent/k.pem'),
     'no such file'),
]


def engine_state(client, token):
    """Every engine object whose name mentions ``token`` (containers, images, volumes, networks)."""
    containers = sorted((c['Id'], c['State'], tuple(c['Names'])) for c in client.containers(all=True)
                        if any(token in n for n in c['Names']))
    images = sorted((i['Id'], tuple(i.get('RepoTags') or ())) for i in client.images(all=True)
                    if any(token in t for t in list(i.get('RepoTags') or ()) + list(i.get('RepoDigests') or ())))
    volumes = sorted(v['Name'] for v in (client.volumes().get('Volumes') or []) if token in v['Name'])
    networks = sorted(n['Name'] for n in client.networks() if token in n['Name'])
    return dict(containers=containers, images=images, volumes=volumes, networks=networks)


def _web_state(client):
    """The shared demo image must survive every row too."""
    return client.inspect_image(WEB + ':1.0')['Id']


@pytest.mark.parametrize('module, args, fragment', [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_hostile_option_fails_clearly_and_changes_nothing(engine, module, args, fragment):
    try:
        engine.inspect_image(WEB + ':1.0')
    except Exception:  # pylint: disable=broad-except
        engine.pull(WEB, tag='1.0')
    token = unique('hostile')
    args = _sub(args, token)
    fragment = _sub(fragment, token)
    before = engine_state(engine, token)
    web = _web_state(engine)
    pwned = '/tmp/%s-pwned' % token
    try:
        result = run_module(module, args, timeout=120)
        assert result.failed, result
        assert not result.changed, result
        msg = str(result.get('msg', ''))
        assert msg.strip(), result
        assert '\n' not in msg.strip(), msg[:2000]
        assert len(msg) < 2000, 'message of %d characters: %s...' % (len(msg), msg[:300])
        assert fragment.lower() in msg.lower(), msg
        assert 'Traceback' not in msg
        assert engine_state(engine, token) == before
        assert _web_state(engine) == web
        assert not os.path.exists(pwned)
    finally:
        for c in engine.containers(all=True):
            if any(token in n for n in c['Names']):
                engine.remove_container(c['Id'], force=True)
        for v in engine.volumes().get('Volumes') or []:
            if token in v['Name']:
                engine.remove_volume(v['Name'], force=True)


# ---------------------------------------------------------------- archive safety, end to end


@pytest.fixture
def box(stopped_web):
    return stopped_web('hostile-box', [('srv/app', 'dir', None), ('srv/app/ok.txt', 'file', b'ok\n')])


def _listing(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(str(root)):
        for entry in dirnames + filenames:
            path = os.path.join(dirpath, entry)
            st = os.lstat(path)
            found.append((os.path.relpath(path, str(root)), st.st_mode, st.st_size, st.st_mtime_ns))
    return sorted(found)


@pytest.mark.parametrize('link', ['/etc', '../../../../../../tmp', '../..', '/', 'sub/../../..'])
def test_fetch_refuses_container_symlink_escaping_dest(engine, janitor, tmp_path, link):
    """A container holding a symlink that points outside: the fetch writes nothing anywhere."""
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'keep.txt').write_text('keep\n')
    # The engine refuses to extract such a link, so the container makes it itself.
    maker = engine.create_container(WEB + ':1.0', command=[
        'sh', '-c', 'mkdir -p /srv/app/sub && ln -s "$0" /srv/app/escape && echo after > /srv/app/z-after.txt',
        link], labels={TEST_LABEL: janitor.tag})
    engine.start(maker)
    assert engine.wait(maker, timeout=30)['StatusCode'] == 0
    box = maker['Id']
    dest = tmp_path / 'dest'
    before = _listing(outside)
    result = run_module('container_fetch', dict(container=box, src='/srv/app', dest=str(dest) + '/'))
    assert result.failed and 'outside dest' in result['msg'] and 'escape' in result['msg'], result
    assert not os.path.exists(str(dest / 'app')), 'fetch wrote part of a refused archive'
    assert _listing(outside) == before


def test_fetch_replaces_a_host_symlink_in_dest_instead_of_writing_through_it(engine, box, tmp_path):
    """dest already holds a symlink (planted on the host) where the archive has a directory/file."""
    outside = tmp_path / 'outside'
    outside.mkdir()
    dest = tmp_path / 'dest'
    dest.mkdir()
    os.symlink(str(outside), str(dest / 'sub'))
    os.symlink(str(outside / 'stolen.txt'), str(dest / 'ok.txt'))
    put_tree(engine, box, '/srv/app', [('sub', 'dir', None), ('sub/inner.txt', 'file', b'inner\n')])
    result = run_module('container_fetch', dict(container=box, src='/srv/app/', dest=str(dest)))
    assert not result.failed, result
    assert os.listdir(str(outside)) == [], 'fetch wrote through a symlink in dest'
    assert not os.path.islink(str(dest / 'sub')) and (dest / 'sub' / 'inner.txt').read_text() == 'inner\n'
    assert not os.path.islink(str(dest / 'ok.txt')) and (dest / 'ok.txt').read_text() == 'ok\n'


def test_fetch_single_file_onto_a_host_symlink_replaces_the_link(engine, box, tmp_path):
    outside = tmp_path / 'outside.txt'
    outside.write_text('precious\n')
    dest = tmp_path / 'ok.txt'
    os.symlink(str(outside), str(dest))
    result = run_module('container_fetch', dict(container=box, src='/srv/app/ok.txt', dest=str(dest)))
    assert result.changed and not result.failed, result
    assert outside.read_text() == 'precious\n'
    assert not os.path.islink(str(dest)) and dest.read_text() == 'ok\n'


def test_copy_refuses_when_the_containers_dest_holds_an_escaping_symlink(engine, box, tmp_path):
    """container_copy reads dest back before writing: an escaping link there is refused, nothing uploaded."""
    put_tree(engine, box, '/srv/app', [('escape', 'sym', '/etc')])
    site = tmp_path / 'site'
    (site / 'escape').mkdir(parents=True)
    (site / 'escape' / 'passwd').write_text('root::0:0::/:/bin/sh\n')
    since = time.time()
    result = run_module('container_copy', dict(container=box, src=str(site) + '/', dest='/srv/app'))
    assert result.failed and 'escape' in result['msg'], result
    assert '\n' not in result['msg'].strip()
    events = list(engine.events(since=since, until=time.time() + 0.5, decode=True,
                                filters={'type': 'container', 'event': 'extract-to-dir', 'container': box}))
    assert events == []
    try:
        stream, dummy = engine.get_archive(box, '/etc/passwd')
        assert b'root::0:0' not in b''.join(stream)
    except docker.errors.NotFound:
        pass
