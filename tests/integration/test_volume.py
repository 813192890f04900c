"""fleet.docker.volume and volume_info on the real engine."""

import os

from fleet_testlib import TEST_LABEL, WEB, run_module, unique


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
    before = engine.inspect_volume(args['name'])
    assert run_module('volume', dict(args, state='absent'), check=True).changed
    changed = run_module('volume', dict(args, labels={TEST_LABEL: 'other'}, recreate=True), check=True)
    assert changed.changed and changed['actions'] == ['recreated']
    assert engine.inspect_volume(args['name']) == before


def test_different_settings_fail_without_recreate_and_recreate_says_data_is_gone(engine, janitor):
    args = _args(janitor)
    run_module('volume', args)
    marker = os.path.join(engine.inspect_volume(args['name'])['Mountpoint'], 'marker')
    with open(marker, 'w') as handle:
        handle.write('data')
    wanted = dict(args, labels={TEST_LABEL: janitor.tag, 'tier': 'db'},
                  driver_options={'type': 'tmpfs', 'device': 'tmpfs'})
    refused = run_module('volume', wanted)
    assert refused.failed and 'different settings' in refused['msg'] and 'recreate: true' in refused['msg']
    assert 'labels' in refused['msg'] and 'driver_options' in refused['msg']
    assert os.path.exists(marker)
    replaced = run_module('volume', dict(wanted, recreate=True), diff=True)
    assert replaced.changed and replaced['actions'] == ['recreated'] and 'data it held is gone' in replaced['msg']
    assert replaced['diff']['after']['labels']['tier'] == 'db'
    assert engine.inspect_volume(args['name'])['Options'] == {'type': 'tmpfs', 'device': 'tmpfs'}
    assert not os.path.exists(marker)
    assert run_module('volume', wanted).changed is False


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
    before = sorted(v['Name'] for v in engine.volumes()['Volumes'] or [])
    checked = run_module('volume_info', {'name': name}, check=True)
    assert not checked.failed and checked['changed'] is False and checked['exists'] is True
    assert checked['volume']['name'] == name
    assert sorted(v['Name'] for v in engine.volumes()['Volumes'] or []) == before
    bad = run_module('volume_info', {'name': name, 'timeout': 'soon'})
    assert bad.failed and 'timeout' in bad['msg']
    # A name no volume can have is simply not there, like a missing image for image_info.
    odd = run_module('volume_info', {'name': 'bad/name'})
    assert not odd.failed and odd['exists'] is False and odd['volume'] is None
