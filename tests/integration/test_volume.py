"""fleet.docker.volume and volume_info on the real engine."""

import io
import tarfile

import pytest

from fleet_testlib import TEST_LABEL, WEB, ensure_image, put_tree, run_module, unique


def _with_volume(engine, janitor, volume, action):
    """Run ``action(container)`` on a throwaway stopped container mounting the volume at /data.

    The container is removed afterwards, so the volume is not in use when the module runs.
    """
    ensure_image(engine)
    name = janitor.container(unique('volio'))
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(binds=['%s:/data' % volume]))
    try:
        return action(name)
    finally:
        engine.remove_container(name, force=True)


def write_marker(engine, janitor, volume, text=b'precious data\n'):
    _with_volume(engine, janitor, volume, lambda c: put_tree(engine, c, '/data', [('marker', 'file', text)]))


def read_marker(engine, janitor, volume):
    """The bytes of /data/marker in the volume, or None when it is not there."""
    def read(container):
        try:
            stream, dummy = engine.get_archive(container, '/data/marker')
        except Exception:  # pylint: disable=broad-except
            return None
        with tarfile.open(fileobj=io.BytesIO(b''.join(stream))) as tar:
            return tar.extractfile(tar.getmembers()[0]).read()
    return _with_volume(engine, janitor, volume, read)


def warnings(result):
    """Warning texts: ansible-core 2.19+ returns each as a WarningSummary dict, older ones as a string."""
    return [w if isinstance(w, str) else (w.get('event') or {}).get('msg', '') for w in result.get('warnings', [])]


def _args(janitor, **kw):
    args = dict(name=janitor.volume(unique('vol')), labels={TEST_LABEL: janitor.tag})
    args.update(kw)
    return args


def test_create_is_idempotent_and_returns_inspect(engine, janitor):
    args = _args(janitor)
    first = run_module('volume', args, diff=True)
    assert not first.failed and first.changed and first['actions'] == ['created']
    assert first['diff'] == {'before': {'state': 'absent'}, 'after': {'state': 'present'}}
    vol = first['volume']
    assert vol['driver'] == 'local' and vol['scope'] == 'local'
    assert vol['mountpoint'] == engine.inspect_volume(args['name'])['Mountpoint']
    assert vol['mountpoint'].endswith('/volumes/%s/_data' % args['name'])
    second = run_module('volume', args)
    assert not second.failed and second.changed is False


def test_check_mode_creates_and_removes_nothing(engine, janitor):
    args = _args(janitor)
    assert run_module('volume', args, check=True).changed
    assert not [v for v in engine.volumes()['Volumes'] or [] if v['Name'] == args['name']]
    run_module('volume', args)
    write_marker(engine, janitor, args['name'])
    before = engine.inspect_volume(args['name'])
    assert run_module('volume', dict(args, state='absent'), check=True).changed
    for policy in ('options-changed', 'always'):
        changed = run_module('volume', dict(args, labels={TEST_LABEL: 'other'}, recreate=policy), check=True,
                             diff=True)
        assert changed.changed and changed['actions'] == ['recreated'], changed
        assert changed['diff']['before']['labels'] == {TEST_LABEL: janitor.tag}
        assert changed['diff']['after']['labels'] == {TEST_LABEL: 'other'}
    assert engine.inspect_volume(args['name']) == before
    assert read_marker(engine, janitor, args['name']) == b'precious data\n'


@pytest.mark.parametrize('recreate', [None, 'never', 'options-changed', False, True])
def test_identical_settings_keep_the_data(engine, janitor, recreate):
    """#13 m: recreate: true wiped the volume on every run, even with the same settings."""
    args = _args(janitor, labels={TEST_LABEL: janitor.tag, 'tier': 'db'})
    run_module('volume', args)
    write_marker(engine, janitor, args['name'])
    created = engine.inspect_volume(args['name'])['CreatedAt']
    rerun = dict(args) if recreate is None else dict(args, recreate=recreate)
    for dummy in range(2):
        result = run_module('volume', rerun, diff=True)
        assert not result.failed and result.changed is False and result['actions'] == [], result
        assert result['diff']['before'] == result['diff']['after'] == {'state': 'present'}
    assert read_marker(engine, janitor, args['name']) == b'precious data\n'
    assert engine.inspect_volume(args['name'])['CreatedAt'] == created
    if recreate is True:
        assert any('read as recreate: options-changed' in text for text in warnings(result)), result


def test_options_changed_recreates_only_when_a_label_differs(engine, janitor):
    args = _args(janitor)
    run_module('volume', args)
    write_marker(engine, janitor, args['name'])
    wanted = dict(args, labels={TEST_LABEL: janitor.tag, 'tier': 'db'}, recreate='options-changed')
    replaced = run_module('volume', wanted, diff=True)
    assert replaced.changed and replaced['actions'] == ['recreated'], replaced
    assert 'data it held is gone' in replaced['msg']
    assert [c['option'] for c in replaced['changes']] == ['labels']
    assert replaced['diff']['before']['labels'] == {TEST_LABEL: janitor.tag}
    assert replaced['diff']['after']['labels'] == {TEST_LABEL: janitor.tag, 'tier': 'db'}
    assert replaced['diff']['after']['recreated'] is True
    assert engine.inspect_volume(args['name'])['Labels'] == {TEST_LABEL: janitor.tag, 'tier': 'db'}
    assert read_marker(engine, janitor, args['name']) is None
    # Now the settings match: the new data stays.
    write_marker(engine, janitor, args['name'], b'new data\n')
    again = run_module('volume', wanted)
    assert not again.failed and again.changed is False and again['actions'] == []
    assert read_marker(engine, janitor, args['name']) == b'new data\n'


def test_always_recreates_on_every_run(engine, janitor):
    args = _args(janitor, recreate='always')
    run_module('volume', args)
    for dummy in range(2):
        write_marker(engine, janitor, args['name'])
        result = run_module('volume', args)
        assert result.changed and result['actions'] == ['recreated'] and 'data it held is gone' in result['msg']
        assert any('data it held is gone' in text for text in warnings(result)), result
        assert read_marker(engine, janitor, args['name']) is None


def test_different_settings_fail_with_never_and_name_them(engine, janitor):
    args = _args(janitor)
    run_module('volume', args)
    write_marker(engine, janitor, args['name'])
    before = engine.inspect_volume(args['name'])
    wanted = dict(args, labels={TEST_LABEL: janitor.tag, 'tier': 'db'},
                  driver_options={'type': 'tmpfs', 'device': 'tmpfs'})
    for recreate in (None, 'never', False):
        refused = run_module('volume', wanted if recreate is None else dict(wanted, recreate=recreate))
        assert refused.failed and 'different settings' in refused['msg'], refused
        assert 'recreate: options-changed' in refused['msg']
        assert 'labels' in refused['msg'] and 'driver_options' in refused['msg']
        assert refused.changed is False
    assert engine.inspect_volume(args['name']) == before
    assert read_marker(engine, janitor, args['name']) == b'precious data\n'
    replaced = run_module('volume', dict(wanted, recreate='options-changed'))
    assert replaced.changed and replaced['actions'] == ['recreated']
    assert engine.inspect_volume(args['name'])['Options'] == {'type': 'tmpfs', 'device': 'tmpfs'}
    assert read_marker(engine, janitor, args['name']) is None
    assert run_module('volume', wanted).changed is False


@pytest.mark.parametrize('recreate', ['options-changed', 'always'])
def test_a_volume_in_use_is_never_recreated(engine, janitor, recreate):
    args = _args(janitor)
    run_module('volume', args)
    write_marker(engine, janitor, args['name'])
    ensure_image(engine)
    user = janitor.container(unique('voluser'))
    engine.create_container(WEB + ':1.0', name=user, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(binds=['%s:/data' % args['name']]))
    before = engine.inspect_volume(args['name'])
    for check in (True, False):
        result = run_module('volume', dict(args, labels={TEST_LABEL: 'other'}, recreate=recreate), check=check)
        assert result.failed and user in result['msg'] and 'never recreated' in result['msg'], result
        assert result.changed is False
    assert engine.inspect_volume(args['name']) == before
    engine.remove_container(user, force=True)
    assert read_marker(engine, janitor, args['name']) == b'precious data\n'


def test_bad_recreate_value_fails_clearly(engine, janitor):
    args = _args(janitor, recreate='sometimes')
    result = run_module('volume', args)
    assert result.failed and result['msg'] == "recreate must be one of never, options-changed, always, got 'sometimes'."
    assert not [v for v in engine.volumes()['Volumes'] or [] if v['Name'] == args['name']]


def test_absent_in_use_fails_naming_containers(engine, janitor):
    args = _args(janitor)
    run_module('volume', args)
    engine.pull(WEB, tag='1.0')
    user = janitor.container(unique())
    engine.create_container(WEB + ':1.0', name=user, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(binds=['%s:/data' % args['name']]))
    result = run_module('volume', dict(args, state='absent'))
    assert result.failed and user in result['msg'] and 'in use' in result['msg']
    assert engine.inspect_volume(args['name'])
    info = run_module('volume_info', {'name': args['name']})
    assert info['exists'] and info['volume']['containers'] == [user]
    engine.remove_container(user, force=True)
    gone = run_module('volume', dict(args, state='absent'))
    assert gone.changed and gone['volume'] is None
    assert run_module('volume', dict(args, state='absent')).changed is False


def test_volume_info_lists_all_with_users(engine, janitor):
    used, unused = _args(janitor)['name'], _args(janitor)['name']
    for name in (used, unused):
        engine.create_volume(name, labels={TEST_LABEL: janitor.tag})
    engine.pull(WEB, tag='1.0')
    user = janitor.container(unique())
    engine.create_container(WEB + ':1.0', name=user, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(binds=['%s:/data' % used]))
    result = run_module('volume_info', {})
    assert not result.failed and result['changed'] is False
    by_name = dict((v['name'], v) for v in result['volumes'])
    assert by_name[used]['containers'] == [user] and by_name[unused]['containers'] == []
    assert by_name[used]['driver'] == 'local' and by_name[used]['mountpoint']
    missing = run_module('volume_info', {'name': unique('nope')})
    assert missing['exists'] is False and missing['volume'] is None


def test_bad_name_fails_clearly(engine):
    result = run_module('volume', {'name': 'bad/name'})
    assert result.failed and result['msg'].startswith("Invalid volume name 'bad/name'")


def test_volume_info_check_mode_and_bad_input(engine, janitor):
    name = _args(janitor)['name']
    engine.create_volume(name, labels={TEST_LABEL: janitor.tag})
    # Other tests create and remove volumes meanwhile: compare what this test owns.
    mine = {'label': '%s=%s' % (TEST_LABEL, janitor.tag)}
    before = (engine.inspect_volume(name), sorted(v['Name'] for v in engine.volumes(filters=mine)['Volumes'] or []))
    checked = run_module('volume_info', {'name': name}, check=True)
    assert not checked.failed and checked['changed'] is False and checked['exists'] is True
    assert checked['volume']['name'] == name
    after = (engine.inspect_volume(name), sorted(v['Name'] for v in engine.volumes(filters=mine)['Volumes'] or []))
    assert after == before
    bad = run_module('volume_info', {'name': name, 'timeout': 'soon'})
    assert bad.failed and 'timeout' in bad['msg']
    # A name no volume can have is simply not there, like a missing image for image_info.
    odd = run_module('volume_info', {'name': 'bad/name'})
    assert not odd.failed and odd['exists'] is False and odd['volume'] is None
