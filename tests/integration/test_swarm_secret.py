"""fleet.docker.secret on a one-node swarm of a private dockerd (swarm_engine; issue #26).

Rotation is the case community.docker fails: a running service uses the secret; a new content must
become a new version, the service must be moved onto it in the same run (same file in the
container), and the old version removed - never leaving the service pointing to a removed secret.
"""

import base64
import textwrap
import time

import docker
import pytest

from fleet_swarmlib import file_in_service_task, remove_swarm_objects
from fleet_testlib import PYTHON, WEB, converge_twice, ensure_image, run_module, run_playbook, unique


@pytest.fixture
def swarm(swarm_engine):
    """The swarm's client; every secret and service named by the test's tag is removed afterwards."""
    tag = unique('sec')
    yield swarm_engine, tag
    remove_swarm_objects(swarm_engine.client, tag)


def _args(swarm_engine, name, **kw):
    return dict(name=name, docker_host=swarm_engine.docker_host, **kw)


def _secrets(client, prefix):
    return dict((s['Spec']['Name'], s) for s in client.secrets(filters={'name': prefix}))


def _service(client, name, secret_id, secret_name, target):
    ensure_image(client)
    spec = docker.types.ContainerSpec(
        WEB + ':1.0', command=['httpd', '-f', '-p', '80'], stop_grace_period=1000000000,
        secrets=[docker.types.SecretReference(secret_id, secret_name, filename=target)])
    # A 1 s update monitor (the engine's default is 5 s): the module waits until the engine completes the update.
    service = client.create_service(docker.types.TaskTemplate(spec), name=name,
                                    update_config=docker.types.UpdateConfig(monitor=1000000000))
    _wait_running(client, name)
    return service['ID']


def _wait_running(client, name, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        tasks = [t for t in client.tasks(filters={'service': name}) if t['DesiredState'] == 'running']
        if tasks and all(t['Status']['State'] == 'running' for t in tasks):
            return tasks
        time.sleep(0.25)
    raise AssertionError('service %s did not run: %s' % (name, client.tasks(filters={'service': name})))


def test_create_rerun_check_diff_labels_and_replace_when_unused(swarm):
    swarm_engine, tag = swarm
    client = swarm_engine.client
    args = _args(swarm_engine, tag, data='first-value', labels={'app': 'web'})
    check = run_module('secret', args, check=True, diff=True)
    assert check.changed and not check.failed, check
    assert _secrets(client, tag) == {}
    first, _second = converge_twice('secret', args)
    entry = _secrets(client, tag)[tag]
    labels = entry['Spec']['Labels']
    assert labels['app'] == 'web' and labels['fleet.docker.content-digest'].startswith('pbkdf2-sha256$')
    assert 'first-value' not in labels['fleet.docker.content-digest']
    assert first['secret_id'] == entry['ID'] and first['secret_name'] == tag

    # A label difference is changed in place: same secret, same id.
    relabel = run_module('secret', dict(args, labels={'app': 'shop'}), diff=True)
    assert relabel.changed and not relabel.failed, relabel
    assert relabel['diff']['before']['labels']['app'] == 'web' and relabel['diff']['after']['labels']['app'] == 'shop'
    after = _secrets(client, tag)[tag]
    assert after['ID'] == entry['ID'] and after['Spec']['Labels']['app'] == 'shop'

    # A new content on a secret no service uses: removed and created again; the diff never shows the data.
    new = run_module('secret', dict(args, data='second-value', labels={'app': 'shop'}), diff=True)
    assert new.changed and not new.failed, new
    assert 'second-value' not in str(new) and 'first-value' not in str(new)
    assert new['diff']['after']['content'] == 'new'
    replaced = _secrets(client, tag)[tag]
    assert replaced['ID'] != entry['ID']
    assert run_module('secret', dict(args, data='second-value', labels={'app': 'shop'})).changed is False


def test_rotation_moves_a_running_service_and_keeps_n_versions(swarm):
    swarm_engine, tag = swarm
    client = swarm_engine.client
    args = _args(swarm_engine, tag, data='pw-one', rolling_versions=True, versions_to_keep=1)
    v1 = run_module('secret', args)
    assert v1.changed and v1['secret_name'] == tag + '_v1' and v1['version'] == 1, v1
    service = tag + '-api'
    _service(client, service, v1['secret_id'], v1['secret_name'], 'db_password')
    assert file_in_service_task(client, service, '/run/secrets/db_password', 'pw-one') == 'pw-one'
    assert run_module('secret', args).changed is False

    # Check mode: reports the new version and the move, changes nothing.
    spec_before = client.inspect_service(service)['Spec']
    check = run_module('secret', dict(args, data='pw-two'), check=True, diff=True)
    assert check.changed and not check.failed, check
    assert check['services'] == [{'service': service, 'from': tag + '_v1', 'to': tag + '_v2'}]
    assert sorted(_secrets(client, tag)) == [tag + '_v1']
    assert client.inspect_service(service)['Spec'] == spec_before

    # The rotation: v2 created, the running service moved onto it (same file), v1 kept (versions_to_keep 1).
    v2 = run_module('secret', dict(args, data='pw-two'), diff=True)
    assert v2.changed and not v2.failed, v2
    assert v2['secret_name'] == tag + '_v2' and v2['versions'] == [tag + '_v1', tag + '_v2'], v2
    assert v2['diff']['before']['services_use'] == [tag + '_v1'] and v2['diff']['after']['services_use'] == [tag + '_v2']
    refs = client.inspect_service(service)['Spec']['TaskTemplate']['ContainerSpec']['Secrets']
    assert [(r['SecretName'], r['SecretID'], r['File']['Name']) for r in refs] == [(tag + '_v2', v2['secret_id'], 'db_password')]
    assert file_in_service_task(client, service, '/run/secrets/db_password', 'pw-two') == 'pw-two'
    assert sorted(_secrets(client, tag)) == [tag + '_v1', tag + '_v2']
    moved = client.inspect_service(service)
    assert run_module('secret', dict(args, data='pw-two')).changed is False
    # The rerun leaves the service alone: same Version, same UpdatedAt.
    again = client.inspect_service(service)
    assert (again['Version'], again['UpdatedAt']) == (moved['Version'], moved['UpdatedAt'])

    # Next rotation: v1 is beyond versions_to_keep and unused -> removed; v2 kept.
    v3 = run_module('secret', dict(args, data='pw-three'))
    assert v3.changed and v3['removed'] == [tag + '_v1'], v3
    assert sorted(_secrets(client, tag)) == [tag + '_v2', tag + '_v3']
    assert file_in_service_task(client, service, '/run/secrets/db_password', 'pw-three') == 'pw-three'
    labels = _secrets(client, tag)[tag + '_v3']['Spec']['Labels']
    assert labels['fleet.docker.version'] == '3'

    # state=absent while the service uses it: a clear error, nothing removed.
    gone = run_module('secret', dict(args, state='absent'))
    assert gone.failed and service in gone['msg'] and 'Nothing was changed' in gone['msg'], gone
    assert sorted(_secrets(client, tag)) == [tag + '_v2', tag + '_v3']
    client.remove_service(service)
    gone = run_module('secret', dict(args, state='absent'))
    assert gone.changed and not gone.failed and sorted(gone['removed']) == [tag + '_v2', tag + '_v3'], gone
    assert _secrets(client, tag) == {}


def test_plain_secret_in_use_fails_clearly_or_moves_with_force(swarm):
    swarm_engine, tag = swarm
    client = swarm_engine.client
    args = _args(swarm_engine, tag, data='old')
    first = run_module('secret', args)
    service = tag + '-svc'
    _service(client, service, first['secret_id'], tag, 'app.key')
    refused = run_module('secret', dict(args, data='new'))
    assert refused.failed and service in refused['msg'] and 'rolling_versions' in refused['msg'], refused
    assert _secrets(client, tag)[tag]['ID'] == first['secret_id']
    check = run_module('secret', dict(args, data='new', force=True), check=True)
    assert check.changed and [(m['from'], m['to']) for m in check['services']] == [
        (tag, tag + '-fleet-next'), (tag + '-fleet-next', tag)], check
    assert sorted(_secrets(client, tag)) == [tag] and _secrets(client, tag)[tag]['ID'] == first['secret_id']
    forced = run_module('secret', dict(args, data='new', force=True))
    assert forced.changed and not forced.failed, forced
    now = _secrets(client, tag)
    assert sorted(now) == [tag] and now[tag]['ID'] != first['secret_id']
    refs = client.inspect_service(service)['Spec']['TaskTemplate']['ContainerSpec']['Secrets']
    assert [(r['SecretName'], r['SecretID'], r['File']['Name']) for r in refs] == [(tag, now[tag]['ID'], 'app.key')]
    assert file_in_service_task(client, service, '/run/secrets/app.key', 'new') == 'new'


def test_missing_src_is_a_clear_error_and_nothing_changes(swarm, tmp_path):
    swarm_engine, tag = swarm
    result = run_module('secret', _args(swarm_engine, tag, src=str(tmp_path / 'nope.key')))
    assert result.failed and 'src: cannot read' in result['msg'] and 'nope.key' in result['msg'], result
    bad = run_module('secret', _args(swarm_engine, tag, data='not base64!', data_is_b64=True))
    assert bad.failed and 'base64' in bad['msg'] and 'not base64!' not in bad['msg'], bad
    assert _secrets(swarm_engine.client, tag) == {}


def test_secret_never_in_vvv_results_or_diffs(swarm, tmp_path):
    """The content comes from a file (src), which Ansible cannot mask for us: the module itself must not leak it."""
    swarm_engine, tag = swarm
    value = 'S3cr3t-' + unique('v')
    src = tmp_path / 'secret.txt'
    src.write_text(value)
    playbook = tmp_path / 'secret.yml'
    playbook.write_text(textwrap.dedent('''\
        - hosts: localhost
          gather_facts: false
          vars:
            ansible_python_interpreter: %s
          tasks:
            - fleet.docker.secret: {name: %s, src: "%s", rolling_versions: true, docker_host: "%s"}
              register: made
            - ansible.builtin.debug: {var: made}
        ''' % (PYTHON, tag, src, swarm_engine.docker_host)))
    encoded = base64.b64encode(value.encode()).decode()
    for extra, data in ((['--diff', '-vvv'], value), (['--check', '--diff', '-vvv'], value + '-rotated')):
        src.write_text(data)
        proc = run_playbook(str(playbook), extra_args=extra)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-3000:]
        assert 'changed=1' in output, output[-3000:]
        for leak in (value, encoded, base64.b64encode(data.encode()).decode()):
            assert leak not in output, leak
