"""fleet.docker.container on the real engine: the reference deployment, idempotence, drift, check mode, bad input."""

import os

import pytest

from fleet_testlib import TEST_LABEL, WEB, container_exists, container_state, converge_twice, engine_http_get, free_port, run_module, unique

IMAGE = WEB + ':1.0'
HTML = '/usr/share/nginx/html'


def _converge(args, **kw):
    """Run the task twice (changed, then not) on the same container."""
    first, second = converge_twice('container', args, **kw)
    assert second['container']['id'] == first['container']['id']
    return first


# ------------------------------------------------------------------- the reference deployment

def test_without_ports_the_container_is_not_reachable(engine, janitor, name):
    result = _converge(janitor.container_args(name))
    assert result['container']['ports'] == ['80/tcp']
    assert engine.inspect_container(name)['NetworkSettings']['Ports'] == {'80/tcp': None}
    status, body = engine_http_get(free_port(), attempts=2)
    assert status is None, body


def test_published_port_answers_http(engine, janitor, name):
    port = free_port()
    result = _converge(janitor.container_args(name, ports=['%d:80' % port]))
    assert '0.0.0.0:%d->80/tcp' % port in result['container']['ports']
    status, body = engine_http_get(port)
    assert status == 200, body


def test_empty_bind_mount_hides_files_until_one_is_placed(engine, janitor, name):
    port, html = free_port(), janitor.tmpdir()
    result = _converge(janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], volumes=['%s:%s' % (html, HTML)]))
    assert result['container']['mounts'][0]['type'] == 'bind'
    status, body = engine_http_get(port)
    assert status == 404, body
    with open(os.path.join(html, 'index.html'), 'w') as handle:
        handle.write('<h1>from the host</h1>')
    status, body = engine_http_get(port)
    assert status == 200 and 'from the host' in body


def test_named_volume_is_filled_from_image_and_serves_replaced_file(engine, janitor, name):
    port, volume = free_port(), janitor.volume(unique('vol'))
    _converge(janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], volumes=['%s:%s' % (volume, HTML)]))
    mountpoint = engine.fleet_engine.host_path(engine.inspect_volume(volume)['Mountpoint'])
    assert sorted(os.listdir(mountpoint)) == ['50x.html', 'index.html']
    status, original = engine_http_get(port)
    assert status == 200
    with open(os.path.join(mountpoint, 'index.html'), 'w') as handle:
        handle.write('<h1>replaced in the volume</h1>')
    status, body = engine_http_get(port)
    assert status == 200 and 'replaced in the volume' in body and body != original


# ----------------------------------------------------------------------------------- drift

def test_port_change_recreates_and_keeps_named_volume_data(engine, janitor, name):
    port, volume = free_port(), janitor.volume(unique('vol'))
    args = janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], volumes=['%s:%s' % (volume, HTML)])
    first = _converge(args)
    mountpoint = engine.fleet_engine.host_path(engine.inspect_volume(volume)['Mountpoint'])
    with open(os.path.join(mountpoint, 'marker.html'), 'w') as handle:
        handle.write('marker-42')
    new_port = free_port()
    args['ports'] = ['127.0.0.1:%d:80' % new_port]
    result = run_module('container', args, diff=True)
    assert result.changed and 'recreated' in result['actions']
    assert result['container']['id'] != first['container']['id']
    assert result['changes'] == [dict(option='ports', before=['127.0.0.1:%d:80/tcp' % port],
                                      after=['127.0.0.1:%d:80/tcp' % new_port], how='recreate',
                                      engine={'80/tcp': [['127.0.0.1', str(new_port)]]})]
    assert result['diff']['before']['ports'] == ['127.0.0.1:%d:80/tcp' % port]
    assert result['diff']['after']['ports'] == ['127.0.0.1:%d:80/tcp' % new_port]
    status, body = engine_http_get(new_port, '/marker.html')
    assert status == 200 and body == 'marker-42'
    assert run_module('container', args).changed is False


def test_restart_policy_change_keeps_container_id(engine, janitor, name):
    first = _converge(janitor.container_args(name, restart_policy='always'))
    result = run_module('container', janitor.container_args(name, restart_policy='unless-stopped'), diff=True)
    assert result.changed and result['actions'] == ['updated']
    assert result['container']['id'] == first['container']['id']
    assert result['diff']['after']['restart_policy'] == {'name': 'unless-stopped', 'maximum_retry_count': 0}
    assert engine.inspect_container(name)['HostConfig']['RestartPolicy']['Name'] == 'unless-stopped'


@pytest.mark.parametrize('policy, retries', [('no', None), ('always', None), ('unless-stopped', None),
                                             ('on-failure', None), ('on-failure', 3)])
def test_each_restart_policy_appears_in_inspect(engine, janitor, name, policy, retries):
    args = janitor.container_args(name, restart_policy=policy)
    if retries is not None:
        args['restart_retries'] = retries
    _converge(args)
    inspected = engine.inspect_container(name)['HostConfig']['RestartPolicy']
    assert inspected['Name'] == policy
    assert inspected['MaximumRetryCount'] == (retries or 0)


def test_on_failure_retries_change_in_place(engine, janitor, name):
    first = _converge(janitor.container_args(name, restart_policy='on-failure', restart_retries=1))
    result = run_module('container', janitor.container_args(name, restart_policy='on-failure', restart_retries=4))
    assert result.changed and result['container']['id'] == first['container']['id']
    assert engine.inspect_container(name)['HostConfig']['RestartPolicy']['MaximumRetryCount'] == 4


def test_other_image_tag_recreates(engine, janitor, name):
    first = _converge(janitor.container_args(name))
    result = run_module('container', janitor.container_args(name, image=WEB + ':stable'))
    assert result.changed and [c['option'] for c in result['changes']] == ['image']
    assert result['container']['id'] != first['container']['id']
    assert result['container']['image_id'] == engine.inspect_image(WEB + ':stable')['Id']


def test_image_changed_under_same_tag_after_pull_is_drift(engine, janitor, name, web_repo):
    ref = web_repo['repo'] + ':1.0'
    first = _converge(janitor.container_args(name, image=ref))
    # Someone pushes a new image under the same tag.
    engine.pull(web_repo['repo'], tag='stable')
    engine.tag(web_repo['repo'] + ':stable', web_repo['repo'], '1.0')
    for line in engine.push(web_repo['repo'], tag='1.0', stream=True, decode=True):
        assert 'error' not in line, line
    engine.tag(IMAGE, web_repo['repo'], '1.0')  # the host still has the old image under the tag
    assert run_module('container', janitor.container_args(name, image=ref)).changed is False
    result = run_module('container', janitor.container_args(name, image=ref, pull='always'))
    assert result.changed and result['actions'][:2] == ['pulled', 'recreated']
    assert result['container']['image_id'] == engine.inspect_image(web_repo['repo'] + ':stable')['Id']
    assert result['container']['id'] != first['container']['id']


def test_env_labels_and_command_from_image_are_not_drift(engine, janitor, name):
    labels = {TEST_LABEL: janitor.tag, 'tier': 'web'}
    args = janitor.container_args(name, env={'COUNT': 3, 'DEBUG': True, 'NAME': 'x'}, labels=labels)
    _converge(args)
    env = engine.inspect_container(name)['Config']['Env']
    assert 'COUNT=3' in env and 'DEBUG=true' in env and 'WEB_ROOT=/usr/share/nginx/html' in env
    labels = engine.inspect_container(name)['Config']['Labels']
    assert labels['org.fleet.demo'] == 'web' and labels['tier'] == 'web'
    # Restating the image's own command is not drift either.
    image_cmd = engine.inspect_image(IMAGE)['Config']['Cmd']
    assert run_module('container', dict(args, command=image_cmd)).changed is False


def test_env_change_recreates_with_diff(engine, janitor, name):
    _converge(janitor.container_args(name, env={'A': '1'}))
    result = run_module('container', janitor.container_args(name, env={'A': '2'}), diff=True)
    assert result.changed
    assert result['diff']['before']['env'] == {'A': '1'} and result['diff']['after']['env'] == {'A': '2'}


def test_env_file_on_managed_host(engine, janitor, name, tmp_path):
    env_file = tmp_path / 'app.env'
    env_file.write_text('# settings\nFROM_FILE=yes\nSHARED=file\n')
    _converge(janitor.container_args(name, env_file=str(env_file), env={'SHARED': 'task'}))
    env = engine.inspect_container(name)['Config']['Env']
    assert 'FROM_FILE=yes' in env and 'SHARED=task' in env


# ------------------------------------------------------------------------------- check mode

def test_check_mode_reports_drift_and_changes_nothing(engine, janitor, name):
    port = free_port()
    _converge(janitor.container_args(name, ports=['127.0.0.1:%d:80' % port], restart_policy='always'))
    before = container_state(engine, name)
    args = janitor.container_args(name, ports=['127.0.0.1:%d:80' % free_port()], restart_policy='no', env={'A': 1})
    result = run_module('container', args, check=True, diff=True)
    assert result.changed and 'recreated' in result['actions']
    assert set(result['diff']['after']) == {'state', 'ports', 'env', 'restart_policy'}
    assert result['diff']['before']['restart_policy']['name'] == 'always'
    assert container_state(engine, name) == before


def test_check_mode_create_creates_nothing(engine, janitor, name):
    result = run_module('container', janitor.container_args(name), check=True, diff=True)
    assert result.changed and result['actions'] == ['created', 'started']
    assert result['diff'] == {'before': {'state': 'absent'}, 'after': {'state': 'started'}}
    assert not container_exists(engine, name)


def test_check_mode_absent_and_stop(engine, janitor, name):
    _converge(janitor.container_args(name))
    before = container_state(engine, name)
    assert run_module('container', dict(name=name, state='stopped'), check=True).changed
    assert run_module('container', dict(name=name, state='absent'), check=True).changed
    assert container_state(engine, name) == before


# ---------------------------------------------------------------------------- state changes

def test_states_stopped_present_started_absent(engine, janitor, name):
    args = janitor.container_args(name, state='stopped')
    _converge(args)
    assert engine.inspect_container(name)['State']['Status'] == 'created'
    assert run_module('container', dict(args, state='present')).changed is False
    started = _converge(dict(args, state='started'))
    assert started['actions'] == ['started'] and started['container']['running']
    stopped = _converge(dict(args, state='stopped'))
    assert stopped['actions'] == ['stopped'] and not stopped['container']['running']
    gone = run_module('container', dict(name=name, state='absent'))
    assert gone.changed and gone['container'] is None and not container_exists(engine, name)
    assert run_module('container', dict(name=name, state='absent')).changed is False


def test_restart_restarts_a_running_container(engine, janitor, name):
    first = _converge(janitor.container_args(name))
    started_at = engine.inspect_container(name)['State']['StartedAt']
    result = run_module('container', janitor.container_args(name, restart=True))
    assert result.changed and result['actions'] == ['restarted']
    assert result['container']['id'] == first['container']['id']
    assert engine.inspect_container(name)['State']['StartedAt'] != started_at


def test_recreate_forces_a_new_container(engine, janitor, name):
    first = _converge(janitor.container_args(name))
    result = run_module('container', janitor.container_args(name, recreate=True))
    assert result.changed and result['container']['id'] != first['container']['id']


def test_detach_false_returns_exit_code_and_output(engine, janitor, name):
    args = janitor.container_args(name, detach=False, command=['sh', '-c', 'echo out; echo err >&2'])
    result = run_module('container', args)
    assert not result.failed, result
    assert result['rc'] == 0 and result['stdout'] == 'out\n' and result['stderr'] == 'err\n'
    failing = run_module('container', janitor.container_args(unique(), detach=False, command='sh -c "exit 3"'))
    assert failing.failed and failing['rc'] == 3 and 'exited with code 3' in failing['msg']


def test_networks_are_changed_in_place(engine, janitor, name):
    nets = [unique('net'), unique('net')]
    for net in nets:
        engine.create_network(net, labels={TEST_LABEL: janitor.tag})
    try:
        first = _converge(janitor.container_args(name, networks=nets[:1]))
        result = run_module('container', janitor.container_args(name, networks=nets))
        assert result.changed and result['container']['id'] == first['container']['id']
        assert sorted(engine.inspect_container(name)['NetworkSettings']['Networks']) == sorted(nets)
        assert run_module('container', janitor.container_args(name, networks=nets)).changed is False
    finally:
        engine.remove_container(name, force=True)
        for net in nets:
            engine.remove_network(net)


# ------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize('extra, fragment', [
    (dict(ports=['80:80:80:80']), 'Invalid port'),
    (dict(ports=['70000:80']), 'out of range'),
    (dict(volumes=['/tmp:relative/path']), 'must be absolute'),
    (dict(volumes=['/tmp:/data:rx']), 'mode'),
    (dict(restart_policy='sometimes'), 'restart_policy'),
    (dict(env_file='/nonexistent/app.env'), 'env_file /nonexistent/app.env does not exist'),
    (dict(network_mode='container:no-such-container-x1'), 'no container no-such-container-x1'),
    (dict(image=WEB + ':no-such-tag', pull='never'), 'not present on the host and pull is never'),
    (dict(networks=['no-such-network-x1']), 'Network no-such-network-x1 does not exist'),
])
def test_bad_input_fails_clearly_and_creates_nothing(engine, janitor, name, extra, fragment):
    result = run_module('container', janitor.container_args(name, **extra))
    assert result.failed, result
    assert fragment in result['msg'], result['msg']
    assert '\n' not in result['msg'].strip()
    assert not container_exists(engine, name)


def test_host_port_taken_by_another_container_fails_without_leftover(engine, janitor, name):
    port = free_port()
    _converge(janitor.container_args(unique(), ports=['127.0.0.1:%d:80' % port]))
    result = run_module('container', janitor.container_args(name, ports=['127.0.0.1:%d:80' % port]))
    assert result.failed and 'already published by container' in result['msg'], result
    assert not container_exists(engine, name)


def test_image_required_to_create(engine, janitor, name):
    result = run_module('container', dict(name=janitor.container(name)))
    assert result.failed and result['msg'] == 'image is required to create container %s.' % name
