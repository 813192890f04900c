"""fleet.docker.config on a one-node swarm of a private dockerd (swarm_engine; issue #26).

The shared logic with the secret module is covered by test_swarm_secret.py; here what is the config's
own: data compared byte for byte (shown in the diff), the golang template driver rendered by the
engine for each task, and the services' Configs references moved in a rotation.
"""


import docker
import pytest

from fleet_swarmlib import file_in_service_task, remove_swarm_objects
from fleet_testlib import WEB, converge_twice, ensure_image, run_module, unique


@pytest.fixture
def swarm(swarm_engine):
    tag = unique('cfg')
    yield swarm_engine, tag
    remove_swarm_objects(swarm_engine.client, tag)


def _configs(client, prefix):
    return dict((c['Spec']['Name'], c) for c in client.configs(filters={'name': prefix}))


def test_config_create_rerun_check_diff_and_template_rotation(swarm):
    swarm_engine, tag = swarm
    client = swarm_engine.client
    args = dict(name=tag, docker_host=swarm_engine.docker_host, data='port=80\n', labels={'tier': 'web'})
    check = run_module('config', args, check=True, diff=True)
    assert check.changed and check['diff']['after']['content'] == 'port=80\n', check
    assert _configs(client, tag) == {}
    first, _second = converge_twice('config', args)
    assert first['config_name'] == tag and _configs(client, tag)[tag]['ID'] == first['config_id']

    # Data compared byte for byte, and shown in the diff (a config is no secret).
    changed = run_module('config', dict(args, data='port=81\n'), diff=True)
    assert changed.changed and changed['diff']['before']['content'] == 'port=80\n', changed
    assert changed['diff']['after']['content'] == 'port=81\n'
    assert _configs(client, tag)[tag]['ID'] != first['config_id']

    # Rolling versions with a Go template: the engine renders it per task; the running service is moved.
    name = tag + '-tpl'
    rargs = dict(name=name, docker_host=swarm_engine.docker_host, data='one {{ .Service.Name }}',
                 template_driver='golang', rolling_versions=True, versions_to_keep=0)
    v1 = run_module('config', rargs)
    assert v1.changed and v1['config_name'] == name + '_v1', v1
    assert _configs(client, name)[name + '_v1']['Spec']['Templating']['Name'] == 'golang'
    assert run_module('config', rargs).changed is False
    ensure_image(client)
    service = tag + '-svc'
    client.create_service(docker.types.TaskTemplate(docker.types.ContainerSpec(
        WEB + ':1.0', command=['httpd', '-f', '-p', '80'], stop_grace_period=1000000000,
        configs=[docker.types.ConfigReference(v1['config_id'], v1['config_name'], filename='/etc/app.conf')])), name=service,
        update_config=docker.types.UpdateConfig(monitor=1000000000))
    assert file_in_service_task(client, service, '/etc/app.conf', 'one ' + service) == 'one ' + service

    v2 = run_module('config', dict(rargs, data='two {{ .Service.Name }}'))
    assert v2.changed and not v2.failed, v2
    assert v2['services'] == [{'service': service, 'from': name + '_v1', 'to': name + '_v2'}]
    assert v2['removed'] == [name + '_v1'] and sorted(_configs(client, name)) == [name + '_v2']
    refs = client.inspect_service(service)['Spec']['TaskTemplate']['ContainerSpec']['Configs']
    assert [(r['ConfigName'], r['File']['Name']) for r in refs] == [(name + '_v2', '/etc/app.conf')]
    assert file_in_service_task(client, service, '/etc/app.conf', 'two ' + service) == 'two ' + service
    assert run_module('config', dict(rargs, data='two {{ .Service.Name }}')).changed is False


def test_a_service_that_never_runs_the_new_version_keeps_the_old(swarm):
    """No running task ever takes the new version (an unsatisfiable constraint): the task fails after
    update_timeout, the service points to the new version and the old one is still there."""
    swarm_engine, tag = swarm
    client = swarm_engine.client
    args = dict(name=tag, docker_host=swarm_engine.docker_host, data='a', rolling_versions=True, versions_to_keep=0,
                update_timeout=3)
    v1 = run_module('config', args)
    service = tag + '-stuck'
    client.create_service(docker.types.TaskTemplate(
        docker.types.ContainerSpec(WEB + ':1.0', configs=[docker.types.ConfigReference(v1['config_id'], v1['config_name'])]),
        placement=docker.types.Placement(constraints=['node.labels.fleet-nowhere==1'])), name=service)
    stuck = run_module('config', dict(args, data='b'))
    assert stuck.failed and stuck.changed and 'update_timeout' in stuck['msg'] and service in stuck['msg'], stuck
    assert sorted(_configs(client, tag)) == [tag + '_v1', tag + '_v2']
    refs = client.inspect_service(service)['Spec']['TaskTemplate']['ContainerSpec']['Configs']
    assert [r['ConfigName'] for r in refs] == [tag + '_v2']


def test_a_move_the_engine_rolls_back_fails_with_the_reason_and_keeps_the_old(swarm):
    """The new content makes the task fail (its command checks the file); failure_action rollback puts the
    previous spec back. The task fails saying so; the old version, which the service runs again, stays."""
    swarm_engine, tag = swarm
    client = swarm_engine.client
    ensure_image(client)
    args = dict(name=tag, docker_host=swarm_engine.docker_host, data='good', rolling_versions=True, versions_to_keep=0)
    v1 = run_module('config', args)
    service = tag + '-rb'
    client.create_service(
        docker.types.TaskTemplate(docker.types.ContainerSpec(
            WEB + ':1.0', command=['sh', '-c', 'grep -q good /app.conf && exec httpd -f -p 80'],
            stop_grace_period=1000000000,
            configs=[docker.types.ConfigReference(v1['config_id'], v1['config_name'], filename='/app.conf')])),
        name=service, update_config=docker.types.UpdateConfig(
            parallelism=1, failure_action='rollback', monitor=2000000000, max_failure_ratio=0))
    assert file_in_service_task(client, service, '/app.conf', 'good') == 'good'
    bad = run_module('config', dict(args, data='bad', update_timeout=90))
    assert bad.failed and bad.changed and 'rolled back' in bad['msg'] and service in bad['msg'], bad
    assert sorted(_configs(client, tag)) == [tag + '_v1', tag + '_v2']
    refs = client.inspect_service(service)['Spec']['TaskTemplate']['ContainerSpec']['Configs']
    assert [r['ConfigName'] for r in refs] == [tag + '_v1']
    # Fixing the content converges: v3 is made, the service moves onto it, v1 and v2 go (versions_to_keep 0).
    fixed = run_module('config', dict(args, data='good again'))
    assert fixed.changed and not fixed.failed and sorted(fixed['removed']) == [tag + '_v1', tag + '_v2'], fixed
    assert sorted(_configs(client, tag)) == [tag + '_v3']
    assert file_in_service_task(client, service, '/app.conf', 'good again') == 'good again'
