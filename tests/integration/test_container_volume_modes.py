"""Volume short specs with mode flags (SELinux relabel z/Z, ro/rw) reach the engine and are idempotent."""

import os
import tempfile

from fleet_testlib import TEST_LABEL, WEB, converge_twice, run_module, unique

IMAGE = WEB + ':1.0'


def _bind_dir(janitor):
    path = tempfile.mkdtemp(prefix='fleet-selinux-')
    os.chmod(path, 0o755)
    janitor.paths.append(path)
    return path


def test_selinux_flags_reach_host_config_binds_and_rerun_is_no_change(engine, janitor, name):
    volume, conf = janitor.volume(unique('vol')), _bind_dir(janitor)
    args = dict(name=janitor.container(name), image=IMAGE, labels={TEST_LABEL: janitor.tag},
                volumes=['%s:/var/lib/x:Z' % volume, '%s:/etc/x:ro,z' % conf])
    first, second = converge_twice('container', args)
    assert first.changed and not second.changed
    assert second['container']['id'] == first['container']['id']
    binds = sorted(engine.inspect_container(name)['HostConfig']['Binds'])
    assert binds == sorted(['%s:/var/lib/x:Z' % volume, '%s:/etc/x:ro,z' % conf])
    mounts = dict((m['Destination'], m) for m in engine.inspect_container(name)['Mounts'])
    assert mounts['/etc/x']['RW'] is False and mounts['/var/lib/x']['RW'] is True
    # rw spelled out is the default: the same container, no change.
    args['volumes'] = ['%s:/var/lib/x:rw,Z' % volume, '%s:/etc/x:z,ro' % conf]
    again = run_module('container', args)
    assert not again.changed, again


def test_relabel_flag_change_recreates(engine, janitor, name):
    conf = _bind_dir(janitor)
    args = dict(name=janitor.container(name), image=IMAGE, labels={TEST_LABEL: janitor.tag},
                volumes=['%s:/etc/x:ro' % conf])
    first = run_module('container', args)
    args['volumes'] = ['%s:/etc/x:ro,Z' % conf]
    second = run_module('container', args)
    assert second.changed and second['container']['id'] != first['container']['id']
    assert engine.inspect_container(name)['HostConfig']['Binds'] == ['%s:/etc/x:ro,Z' % conf]


def test_invalid_mode_combinations_fail_clearly_and_create_nothing(engine, janitor, name):
    for spec, fragment in (('/srv:/x:z,Z', 'z or Z'), ('/srv:/x:ro,rw', 'ro or rw'),
                           ('/srv:/x:nocopy', 'nocopy'), ('vol1:/x:rshared', 'propagation')):
        result = run_module('container', dict(name=janitor.container(name), image=IMAGE, volumes=[spec]))
        assert result.failed and fragment in result['msg'], (spec, result)
        assert 'Traceback' not in str(result)
        assert not engine.containers(all=True, filters={'name': '^/%s$' % name})
