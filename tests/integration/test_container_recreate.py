"""Safe recreate (#13): create-before-destroy, refused changes keep the old container, leftovers, edge cases.

Every test runs on each engine the engine fixture selects (20.10, 26.1 and 28.5 by default).
"""

import io
import threading

import pytest

from fleet_testlib import REGISTRY, TEST_LABEL, WEB, engine_http_get, exec_sh, free_port, run_module, unique

IMAGE = WEB + ':1.0'
# Older versions labelled the replacement; a container must not carry this label after a recreate.
REPLACEMENT_LABEL = 'fleet.docker.replacement-for'


class _EventRecorder:
    """The engine's container events, streamed from now on by a thread, until a given event shows."""

    def __init__(self, engine, filters):
        self.events = []
        self._seen = threading.Event()
        self._want = None
        self._stream = engine.events(decode=True, filters=filters)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        try:
            for event in self._stream:
                self.events.append(event)
                if self._want is not None and self._want(event):
                    self._seen.set()
        except Exception:   # the stream is closed under the reader once the test has what it needs
            pass

    def until(self, want, timeout=30):
        self._want = want
        if any(want(e) for e in list(self.events)):
            self._seen.set()
        self._seen.wait(timeout)
        self._stream.close()
        return list(self.events)


def _serving(engine, name, port):
    """Start a container that answers HTTP on a published loopback port; return its inspect."""
    first = run_module('container', engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '1'}))
    assert first.changed and not first.failed, first
    assert engine_http_get(port)[0] == 200
    return engine.inspect_container(name)


def _leftovers(engine, name):
    """Replacements of ``name`` still under their temporary name, ``NAME-fleet-next-XXXXXXXX``."""
    prefix = '/%s-fleet-next-' % name
    return [c for c in engine.containers(all=True, filters={'name': name})
            if any(n.startswith(prefix) and len(n) == len(prefix) + 8 for n in c['Names'])]


def _names_with(engine, name):
    return sorted(n.lstrip('/') for c in engine.containers(all=True) for n in c['Names'] if name in n)


def _assert_old_kept(engine, name, before, port=None):
    after = engine.inspect_container(name)
    assert after['Id'] == before['Id']
    assert after['State']['Running'] == before['State']['Running']
    assert after['Config']['Env'] == before['Config']['Env']
    if port:
        assert engine_http_get(port)[0] == 200
    # Nothing else is left over: no replacement under a temporary name.
    assert _names_with(engine, name) == [name]


@pytest.fixture
def jengine(engine, janitor):
    engine.janitor = janitor
    return engine


# ------------------------------------------------------------------ the transaction itself

def test_recreate_creates_the_replacement_before_the_old_one_is_stopped(jengine, name):
    engine = jengine
    port = free_port()
    old = _serving(engine, name, port)
    # A live stream, not a replay with since/until: the engine keeps only its last 256 events, and
    # the other test workers on the same engine can push this test's out of that buffer.
    recorder = _EventRecorder(engine, {'type': 'container', 'label': '%s=%s' % (TEST_LABEL, engine.janitor.tag)})
    result = run_module('container', engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '2'}))
    assert result.changed and not result.failed and 'recreated' in result['actions'], result
    new = engine.inspect_container(name)
    assert new['Id'] != old['Id'] and 'GEN=2' in new['Config']['Env'] and new['State']['Running']
    assert engine_http_get(port)[0] == 200
    assert _names_with(engine, name) == [name]
    # The engine's own record of the order: create new, then stop old, start new, destroy old, rename.
    events = recorder.until(lambda e: e.get('Action') == 'rename' and e.get('id') == new['Id'])
    order = [(e['Action'].split(':')[0], e['id']) for e in events if e.get('id') in (old['Id'], new['Id'])]
    index = dict((step, order.index(step)) for step in (
        ('create', new['Id']), ('die', old['Id']), ('start', new['Id']), ('destroy', old['Id']),
        ('rename', new['Id'])))
    assert (index[('create', new['Id'])] < index[('die', old['Id'])] < index[('start', new['Id'])]
            < index[('destroy', old['Id'])] < index[('rename', new['Id'])]), order
    # No bookkeeping label is left on the new container (#25).
    assert REPLACEMENT_LABEL not in new['Config']['Labels']
    rerun = run_module('container', engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '2'}))
    assert not rerun.changed and not rerun.failed, rerun


def test_recreated_container_has_the_labels_of_a_fresh_one(jengine, name):
    """#25: after a recreate the labels are exactly the task's plus the image's, as after a create;
    no bookkeeping label of the transaction is left on the container."""
    engine = jengine
    fresh = name + '-fresh'
    labels = {TEST_LABEL: engine.janitor.tag, 'a': 'b'}
    assert run_module('container', engine.janitor.container_args(name, labels=labels, env={'GEN': '1'})).changed
    recreated = run_module('container', engine.janitor.container_args(name, labels=labels, env={'GEN': '2'}))
    assert recreated.changed and 'recreated' in recreated['actions'], recreated
    created = run_module('container', engine.janitor.container_args(fresh, labels=labels, env={'GEN': '2'}))
    assert created.changed and created['actions'] == ['created', 'started'], created
    want = engine.inspect_container(fresh)['Config']['Labels']
    assert set(labels) <= set(want)
    assert engine.inspect_container(name)['Config']['Labels'] == want
    assert recreated['container']['labels'] == created['container']['labels'] == want
    # Also when the task names no image (the container's own is kept), and through the batch module.
    assert run_module('container', dict(name=name, labels=labels, env={'GEN': '3'})).changed
    assert engine.inspect_container(name)['Config']['Labels'] == want
    batch = run_module('containers', dict(containers=[engine.janitor.container_args(name, labels=labels, env={'GEN': '4'})]))
    assert batch.changed and batch['results'][0]['actions'] == ['recreated', 'started'], batch
    assert engine.inspect_container(name)['Config']['Labels'] == want
    info = run_module('container_info', dict(name=name))
    assert info['container']['labels'] == want, info
    assert not run_module('container', engine.janitor.container_args(name, labels=labels, env={'GEN': '4'})).changed


@pytest.mark.parametrize('change, fragment', [
    # b. a bind mount whose source does not exist (the engine refuses with HTTP 400)
    (dict(mounts=[dict(type='bind', source='/nonexistent/fleet-no-such-dir', target='/data')]), 'bind'),
    # c. entrypoint [] and no command: "No command specified"
    (dict(entrypoint=[]), 'command'),
    # d. read_only on an anonymous volume mount
    (dict(mounts=[dict(type='volume', target='/data', read_only=True)]), ''),
])
def test_change_the_engine_refuses_at_create_keeps_the_old_container(jengine, name, change, fragment):
    engine = jengine
    port = free_port()
    old = _serving(engine, name, port)
    args = engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '2'}, **change)
    result = run_module('container', args)
    assert result.failed, result
    assert result.changed is False, result
    msg = result['msg']
    assert 'refused to create its replacement' in msg and 'kept as it was (running)' in msg, msg
    assert fragment.lower() in msg.lower(), msg
    # Errors name the daemon they came from.
    assert 'at unix://' in msg, msg
    _assert_old_kept(engine, name, old, port)


def test_replacement_that_cannot_start_is_removed_and_the_old_one_runs_again(jengine, name, tmp_path):
    engine = jengine
    port = free_port()
    old = _serving(engine, name, port)
    # A file bind-mounted over a directory: create succeeds, start fails.
    afile = tmp_path / 'not-a-directory'
    afile.write_text('x')
    args = engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '2'}, volumes=['%s:/usr/share/nginx/html' % afile])
    result = run_module('container', args)
    assert result.failed, result
    # The old container was stopped and started again: the host changed.
    assert result.changed is True, result
    assert 'could not start' in result['msg'] and 'old container %s was started again' % old['Id'][:12] \
        in result['msg'], result['msg']
    _assert_old_kept(engine, name, old, port)


def test_replacement_that_cannot_start_keeps_a_stopped_old_container_stopped(jengine, name, tmp_path):
    engine = jengine
    first = run_module('container', engine.janitor.container_args(name, state='stopped', env={'GEN': '1'}))
    assert first.changed and not first.failed, first
    old = engine.inspect_container(name)
    afile = tmp_path / 'f'
    afile.write_text('x')
    result = run_module('container', engine.janitor.container_args(name, state='started', env={'GEN': '2'}, volumes=['%s:/usr/share/nginx/html' % afile]))
    assert result.failed and result.changed is False, result
    assert 'kept (stopped, as it was)' in result['msg'], result['msg']
    _assert_old_kept(engine, name, old)


def test_check_mode_recreate_changes_nothing(jengine, name):
    engine = jengine
    port = free_port()
    old = _serving(engine, name, port)
    result = run_module('container', engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '2'}),
                        check=True, diff=True)
    assert result.changed and 'recreated' in result['actions'], result
    assert result['diff']['before']['env'] == {'GEN': '1'} and result['diff']['after']['env'] == {'GEN': '2'}
    _assert_old_kept(engine, name, old, port)


# ------------------------------------------------------------------ anonymous volumes survive

def _image_with_volume(engine, janitor, tag):
    """A local image declaring VOLUME /var/lib/db, like a database image; built offline on the base."""
    repo = '%s/%s/db' % (REGISTRY, unique('t').replace('-', ''))
    ref = janitor.image('%s:%s' % (repo, tag))
    engine.pull(WEB, tag='1.0')
    dockerfile = 'FROM %s:1.0\nLABEL fleet.test.generation=%s\nVOLUME /var/lib/db\n' % (WEB, tag)
    for _line in engine.build(fileobj=io.BytesIO(dockerfile.encode()), tag=ref, rm=True, decode=True):
        pass
    return repo


def _exec(engine, name, command):
    return exec_sh(engine, name, command)[1].strip()


def test_anonymous_volume_of_the_image_survives_an_image_upgrade(jengine, name):
    engine = jengine
    repo = _image_with_volume(engine, engine.janitor, 'v1')
    for _line in engine.build(fileobj=io.BytesIO(('FROM %s:v1\nLABEL fleet.test.generation=v2\n' % repo).encode()),
                              tag=engine.janitor.image(repo + ':v2'), rm=True, decode=True):
        pass
    first = run_module('container', engine.janitor.container_args(name, image=repo + ':v1', pull='never'))
    assert first.changed and not first.failed, first
    _exec(engine, name, 'echo precious > /var/lib/db/data')
    volume = [m['Name'] for m in engine.inspect_container(name)['Mounts'] if m['Destination'] == '/var/lib/db'][0]
    upgrade = run_module('container', engine.janitor.container_args(name, image=repo + ':v2', pull='never'))
    assert upgrade.changed and 'recreated' in upgrade['actions'], upgrade
    mounts = engine.inspect_container(name)['Mounts']
    assert [m['Name'] for m in mounts if m['Destination'] == '/var/lib/db'] == [volume]
    assert _exec(engine, name, 'cat /var/lib/db/data') == 'precious'
    rerun = run_module('container', engine.janitor.container_args(name, image=repo + ':v2', pull='never'))
    assert not rerun.changed, rerun


def test_anonymous_volume_of_the_task_survives_a_recreate(jengine, name):
    engine = jengine
    args = engine.janitor.container_args(name, volumes=['/data'], env={'GEN': '1'})
    assert run_module('container', args).changed
    _exec(engine, name, 'echo kept > /data/file')
    second = run_module('container', dict(args, env={'GEN': '2'}))
    assert second.changed and 'recreated' in second['actions'], second
    assert _exec(engine, name, 'cat /data/file') == 'kept'
    assert not run_module('container', dict(args, env={'GEN': '2'})).changed


# ------------------------------------------------------------------ leftovers of an interrupted run

def _leftover(engine, name, running=False, labelled=False):
    """What a run killed between the replacement's create and the old one's removal leaves
    (``labelled``: as older versions left it, with the replacement label)."""
    temp = '%s-fleet-next-%s' % (name, unique('x')[-8:])
    engine.janitor.container(temp)
    labels = {TEST_LABEL: engine.janitor.tag}
    if labelled:
        labels[REPLACEMENT_LABEL] = name
    created = engine.create_container(IMAGE, name=temp, labels=labels, environment={'GEN': '2'})
    if running:
        engine.start(created['Id'])
    return created['Id']


def test_leftover_replacement_is_found_by_its_name_and_removed(jengine, name):
    engine = jengine
    port = free_port()
    old = _serving(engine, name, port)
    _leftover(engine, name)
    checked = run_module('container', engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '1'}), check=True)
    assert checked.changed and checked['actions'] == ['removed-leftover'], checked
    assert len(_leftovers(engine, name)) == 1  # check mode removed nothing
    result = run_module('container', engine.janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], env={'GEN': '1'}))
    assert result.changed and result['actions'] == ['removed-leftover'], result
    _assert_old_kept(engine, name, old, port)


def test_leftover_is_adopted_when_the_old_container_is_already_gone(jengine, name):
    engine = jengine
    leftover = _leftover(engine, name, running=True)
    args = engine.janitor.container_args(name, env={'GEN': '2'})
    result = run_module('container', args)
    assert result.changed and 'adopted-leftover' in result['actions'], result
    assert engine.inspect_container(name)['Id'] == leftover
    assert _names_with(engine, name) == [name]


def test_batch_finds_each_items_leftovers_from_one_list(jengine, name):
    """fleet.docker.containers lists the replacements once per run; each item still gets exactly its own."""
    engine = jengine
    port = free_port()
    kept, gone = name + '-kept', name + '-gone'
    old = _serving(engine, kept, port)
    _leftover(engine, kept)
    adopted = _leftover(engine, gone, running=True, labelled=True)  # as an older version left it
    items = [engine.janitor.container_args(kept, ports=['127.0.0.1:%d:80' % port], env={'GEN': '1'}),
             engine.janitor.container_args(gone, env={'GEN': '2'})]
    checked = run_module('containers', dict(containers=items), check=True)
    assert [r['actions'] for r in checked['results']] == [['removed-leftover'], ['adopted-leftover']], checked
    assert len(_leftovers(engine, kept)) == 1 and len(_leftovers(engine, gone)) == 1  # check mode removed nothing
    result = run_module('containers', dict(containers=items))
    assert not result.failed, result.get('msg')
    assert [r['actions'] for r in result['results']] == [['removed-leftover'], ['adopted-leftover']], result
    _assert_old_kept(engine, kept, old, port)
    assert engine.inspect_container(gone)['Id'] == adopted
    assert _names_with(engine, kept) == [kept] and _names_with(engine, gone) == [gone]
    assert not run_module('containers', dict(containers=items)).changed


# ------------------------------------------------------------------ 2a: drift without `image`

def test_drift_without_image_recreates_from_the_containers_own_image(jengine, name):
    engine = jengine
    first = run_module('container', engine.janitor.container_args(name, env={'GEN': '1'}))
    assert first.changed, first
    old = engine.inspect_container(name)
    result = run_module('container', dict(name=name, env={'GEN': '2'}))
    assert result.changed and not result.failed and 'recreated' in result['actions'], result
    new = engine.inspect_container(name)
    assert new['Id'] != old['Id'] and new['Image'] == old['Image'] and new['Config']['Image'] == IMAGE
    assert 'GEN=2' in new['Config']['Env']
    assert not run_module('container', dict(name=name, env={'GEN': '2'})).changed
    # The replacement is built from the task's options alone (and the container's own image).
    forced = run_module('container', dict(name=name, recreate=True))
    assert forced.changed and not forced.failed, forced
    assert engine.inspect_container(name)['Config']['Image'] == IMAGE
    assert 'GEN=2' not in engine.inspect_container(name)['Config']['Env']
    assert not run_module('container', dict(name=name)).changed


# ------------------------------------------------------------------ 2g, 2i, 2j, 2k, 2l

@pytest.mark.parametrize('command', [[], ''])
def test_empty_command_means_the_images_and_is_idempotent(jengine, name, command):
    engine = jengine
    args = engine.janitor.container_args(name, command=command)
    assert run_module('container', args).changed
    assert engine.inspect_container(name)['Config']['Cmd']  # the image's CMD
    assert not run_module('container', args).changed


def test_unset_restart_retries_is_not_compared(jengine, name):
    engine = jengine
    assert run_module('container', engine.janitor.container_args(name, restart_policy='on-failure', restart_retries=5)).changed
    result = run_module('container', engine.janitor.container_args(name, restart_policy='on-failure'))
    assert not result.changed, result
    assert engine.inspect_container(name)['HostConfig']['RestartPolicy'] == {'Name': 'on-failure',
                                                                             'MaximumRetryCount': 5}


def test_restart_retries_zero_is_accepted_with_any_policy(jengine, name):
    engine = jengine
    args = engine.janitor.container_args(name, restart_policy='always', restart_retries=0)
    assert run_module('container', args).changed
    assert engine.inspect_container(name)['HostConfig']['RestartPolicy']['Name'] == 'always'
    assert not run_module('container', args).changed
    bad = run_module('container', dict(args, restart_retries=3))
    assert bad.failed and 'only applies to restart_policy: on-failure' in bad['msg'], bad


def test_all_addresses_and_ipv4_wildcard_are_different_ports(jengine, name):
    engine = jengine
    port = free_port()
    args = engine.janitor.container_args(name, ports=['%d:80' % port])
    assert run_module('container', args).changed
    assert engine.inspect_container(name)['HostConfig']['PortBindings']['80/tcp'][0]['HostIp'] == ''
    ipv4 = run_module('container', dict(args, ports=['0.0.0.0:%d:80' % port]))
    assert ipv4.changed and 'recreated' in ipv4['actions'], ipv4
    assert engine.inspect_container(name)['HostConfig']['PortBindings']['80/tcp'][0]['HostIp'] == '0.0.0.0'
    assert not run_module('container', dict(args, ports=['0.0.0.0:%d:80' % port])).changed


def test_first_listed_network_is_the_network_mode(jengine, name):
    engine = jengine
    nets = [unique('netb'), unique('neta')]
    try:
        for net in nets:
            engine.create_network(net)
        args = engine.janitor.container_args(name, networks=nets)
        assert run_module('container', args).changed
        info = engine.inspect_container(name)
        assert info['HostConfig']['NetworkMode'] == nets[0]
        assert sorted(info['NetworkSettings']['Networks']) == sorted(nets)
        assert not run_module('container', args).changed
    finally:
        try:
            engine.remove_container(name, force=True)
        except Exception:  # pylint: disable=broad-except
            pass
        for net in nets:
            engine.remove_network(net)


def test_links_on_a_network_joined_after_create(jengine, name):
    """A networks entry after the first is connected after the create; its links reach the engine
    (the SDK cannot take "name:alias" strings, so they used to fail with an unexpected error)."""
    engine = jengine
    nets = [unique('netb'), unique('neta')]
    db = name + '-db'
    try:
        for net in nets:
            engine.create_network(net)
        assert run_module('container', engine.janitor.container_args(db, networks=[nets[1]])).changed
        args = engine.janitor.container_args(name, networks=[nets[0], dict(name=nets[1], links=[db + ':database'])])
        result = run_module('container', args)
        assert result.changed and not result.failed, result
        links = engine.inspect_container(name)['NetworkSettings']['Networks'][nets[1]]['Links']
        assert [link.replace('/%s/' % name, '').lstrip('/') for link in links] == [db + ':database'], links
        assert not run_module('container', args).changed
    finally:
        for container in (name, db):
            try:
                engine.remove_container(container, force=True)
            except Exception:  # pylint: disable=broad-except
                pass
        for net in nets:
            engine.remove_network(net)


# ------------------------------------------------------------------ 2e, 2f, 2o: bad input, nothing changed

@pytest.mark.parametrize('extra, fragment', [
    (dict(volumes=['a:/data']), 'at least 2 characters'),
    (dict(mounts=[dict(type='volume', source='a', target='/data')]), 'not a volume name'),
    (dict(ports=['\u00b9']), 'ASCII digits'),
    (dict(ports=['8080:\u0668\u0660']), 'ASCII digits'),
    (dict(ports=[1279342]), 'quote port mappings, e.g. "21322:22"'),
])
def test_bad_input_is_refused_and_nothing_is_created(jengine, name, extra, fragment):
    engine = jengine
    result = run_module('container', engine.janitor.container_args(name, **extra))
    assert result.failed and not result.changed, result
    assert fragment in result['msg'], result['msg']
    assert _names_with(engine, name) == []


def test_one_character_container_name_is_refused_like_the_engine_does(jengine):
    result = run_module('container', dict(name='a', image=IMAGE))
    assert result.failed and 'Invalid container name' in result['msg'], result


# ------------------------------------------------------------------ the batch module, same guarantees

def test_batch_refused_change_keeps_that_old_container_and_converges_the_rest(jengine, name):
    engine = jengine
    other = unique('other')
    engine.janitor.container(other)
    items = [dict(name=name, env={'GEN': '1'}), dict(name=other, env={'GEN': '1'})]
    defaults = dict(image=IMAGE, labels={TEST_LABEL: engine.janitor.tag})
    assert run_module('containers', dict(containers=items, defaults=defaults)).changed
    old = engine.inspect_container(name)
    items = [dict(name=name, env={'GEN': '2'}, mounts=[dict(type='bind', source='/nonexistent/fleet-x', target='/d')]),
             dict(name=other, env={'GEN': '2'})]
    result = run_module('containers', dict(containers=items, defaults=defaults))
    assert result.failed and result.changed, result
    by_name = dict((r['name'], r) for r in result['results'])
    assert by_name[name]['failed'] and not by_name[name]['changed']
    assert 'kept as it was' in by_name[name]['msg'] and 'at unix://' in by_name[name]['msg']
    assert by_name[other]['changed'] and not by_name[other]['failed']
    _assert_old_kept(engine, name, old)
    assert 'GEN=2' in engine.inspect_container(other)['Config']['Env']
