"""fleet.docker.stack and stack_info on the one-node swarm of a private dockerd (swarm_engine).

The reference is ``docker stack deploy``: a stack it deployed is adopted with no change, and the docker CLI
lists and removes the stacks the module deploys. Runs on 20.10 and with FLEET_SWARM_DOCKERD=28.5.
"""

import json
import os
import subprocess
import textwrap
import time

import pytest
import yaml

from fleet_testlib import PYTHON, ROOT, WEB, free_port, run_module, run_playbook, unique

NS = 'com.docker.stack.namespace'
HTTPD = ['httpd', '-f', '-p', '80', '-h', '/usr/share/nginx/html']
QUICK_STOP = '1s'   # busybox httpd as PID 1 ignores SIGTERM: stop in 1 s, not the default 10 s (teardowns wait for it)
SID_CLI = os.path.join(ROOT, '.state', 'engines', '28.5', 'root', 'usr', 'bin', 'docker')


@pytest.fixture
def stack(swarm_engine):
    """A stack name, removed (with docker stack rm) after the test."""
    name = unique('st').replace('-', '')[:14]
    yield name
    swarm_engine.docker('stack', 'rm', name, check=False)
    # Until the node has let the stack's networks go: the manager hands a freed subnet to the next network at
    # once, and a 28.5 node still holding the old one refuses it ("Pool overlaps with other one").
    deadline = time.monotonic() + 60
    while swarm_engine.client.networks(filters={'label': '%s=%s' % (NS, name)}) and time.monotonic() < deadline:
        time.sleep(0.5)


def run(swarm, args, **kw):
    return run_module('stack', dict(args, docker_host=swarm.docker_host), env=swarm.env, **kw)


def services(swarm, name):
    """{service name: (Version, UpdatedAt, spec)} of the stack."""
    return dict((s['Spec']['Name'], (s['Version']['Index'], s['UpdatedAt'], s['Spec']))
                for s in swarm.client.services(filters={'label': '%s=%s' % (NS, name)}))


def settled(swarm, name, timeout=60):
    """services() once the engine is done with a CLI deployment (the CLI returns before the engine has allocated
    and started everything, and the engine bumps Version meanwhile): the same twice, one second apart."""
    deadline = time.monotonic() + timeout
    last = services(swarm, name)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = services(swarm, name)
        if now == last:
            return now
        last = now
    return last


def objects(swarm, name):
    label = {'label': '%s=%s' % (NS, name)}
    return dict(networks=sorted(n['Name'] for n in swarm.client.networks(filters=label)),
                secrets=sorted(s['Spec']['Name'] for s in swarm.client.secrets(filters=label)),
                configs=sorted(c['Spec']['Name'] for c in swarm.client.configs(filters=label)))


def project(tmp_path, port, secret_value='s3cr3t', replicas=2, extra=None):
    (tmp_path / 'db_password.txt').write_text(secret_value)
    definition = {
        'version': '3.8',   # the 20.10 CLI wants one
        'services': {
            'web': {
                'image': WEB + ':1.0', 'command': HTTPD,
                'networks': {'front': {'aliases': ['www']}},
                'environment': {'A': 1, 'B': 'x'}, 'labels': {'tier': 'web'},
                'secrets': ['db_password'], 'configs': [{'source': 'site', 'target': '/etc/site.conf'}],
                'volumes': ['data:/data', {'type': 'tmpfs', 'target': '/t', 'tmpfs': {'size': 16 << 20}}],
                'healthcheck': {'test': ['CMD', 'true'], 'interval': '5s'}, 'stop_grace_period': QUICK_STOP,
                'deploy': {'replicas': replicas, 'endpoint_mode': 'dnsrr', 'labels': {'team': 'a'},
                           'placement': {'constraints': ['node.role == manager'], 'max_replicas_per_node': 2},
                           'resources': {'limits': {'cpus': '0.5', 'memory': '64M'}},
                           'restart_policy': {'condition': 'on-failure', 'delay': '1s'},
                           'update_config': {'parallelism': 1, 'delay': '1s', 'order': 'stop-first'}},
            },
            'worker': {'image': WEB + ':1.0', 'command': HTTPD, 'deploy': {'mode': 'global'}, 'stop_grace_period': QUICK_STOP,
                       'ports': [{'target': 80, 'published': port, 'mode': 'host'}]},
        },
        'networks': {'front': {'driver': 'overlay', 'attachable': True}},
        'volumes': {'data': {}},
        'secrets': {'db_password': {'file': str(tmp_path / 'db_password.txt')}},
        'configs': {'site': {'file': str(tmp_path / 'site.conf')}},
    }
    (tmp_path / 'site.conf').write_text('listen 80\n')
    for key, value in (extra or {}).items():
        definition['services'][key] = value
    path = tmp_path / 'docker-stack.yml'
    path.write_text(yaml.safe_dump(definition))
    return path


def test_deploy_rerun_check_diff_prune_absent(swarm_engine, stack, tmp_path):
    swarm, port = swarm_engine, free_port()
    path = project(tmp_path, port)
    args = dict(name=stack, project_src=str(tmp_path), files=['docker-stack.yml'])
    first = run(swarm, args)
    assert first.changed and not first.failed, first.get("msg")
    made = services(swarm, stack)
    assert sorted(made) == [stack + '_web', stack + '_worker']
    spec = made[stack + '_web'][2]
    assert spec['Labels'] == {NS: stack, 'com.docker.stack.image': WEB + ':1.0', 'team': 'a'}
    cont = spec['TaskTemplate']['ContainerSpec']
    assert cont['Labels'] == {NS: stack, 'tier': 'web'} and cont['Image'].startswith(WEB + ':1.0@sha256:')
    assert cont['Args'] == HTTPD and 'Command' not in cont
    assert [s['SecretName'] for s in cont['Secrets']] == [stack + '_db_password']
    assert cont['Secrets'][0]['File']['Name'] == 'db_password'
    assert [(c['ConfigName'], c['File']['Name']) for c in cont['Configs']] == [(stack + '_site', '/etc/site.conf')]
    mounts = dict((m['Target'], m) for m in cont['Mounts'])
    assert mounts['/data']['Source'] == stack + '_data' and mounts['/data']['VolumeOptions']['Labels'] == {NS: stack}
    front = swarm.client.inspect_network(stack + '_front')
    assert front['Labels'] == {NS: stack} and front['Driver'] == 'overlay' and front['Attachable']
    nets = spec['TaskTemplate']['Networks']
    assert nets[0]['Target'] == front['Id'] and sorted(nets[0]['Aliases']) == ['web', 'www']
    assert spec['Mode'] == {'Replicated': {'Replicas': 2}} and spec['EndpointSpec']['Mode'] == 'dnsrr'
    assert objects(swarm, stack) == dict(networks=sorted([stack + '_default', stack + '_front']),
                                         secrets=[stack + '_db_password'], configs=[stack + '_site'])
    # the docker CLI sees it
    listed = swarm.docker('stack', 'ls', '--format', '{{.Name}} {{.Services}}').split('\n')
    assert '%s 2' % stack in listed
    # rerun: nothing changes, Version and UpdatedAt stay
    again = run(swarm, args, diff=True)
    assert not again.changed and not again.failed, again
    assert dict((n, v[:2]) for n, v in services(swarm, stack).items()) == dict((n, v[:2]) for n, v in made.items())
    # check mode with a change: reported, not made
    path.write_text(path.read_text().replace('replicas: 2', 'replicas: 3'))
    check = run(swarm, args, check=True, diff=True)
    assert check.changed and not check.failed, check
    changed = dict((s['service'], s['changes']) for s in check['services'] if s['changed'])
    assert changed == {'web': ['mode']}, check['services']
    assert check['diff']['before']['services'][stack + '_web']['mode']['replicas'] == 2
    assert check['diff']['after']['services'][stack + '_web']['mode']['replicas'] == 3
    assert services(swarm, stack)[stack + '_web'][:2] == made[stack + '_web'][:2]
    real = run(swarm, args)
    assert real.changed and services(swarm, stack)[stack + '_web'][2]['Mode'] == {'Replicated': {'Replicas': 3}}
    # prune: worker leaves the file
    data = yaml.safe_load(path.read_text())
    del data['services']['worker']
    path.write_text(yaml.safe_dump(data))
    kept = run(swarm, args)
    assert not kept.changed and stack + '_worker' in services(swarm, stack), kept
    pruned = run(swarm, dict(args, prune=True))
    assert pruned.changed and pruned['pruned'] == [stack + '_worker'] and sorted(services(swarm, stack)) == [stack + '_web']
    # absent
    check_gone = run(swarm, dict(name=stack, state='absent'), check=True)
    assert check_gone.changed and services(swarm, stack)
    gone = run(swarm, dict(name=stack, state='absent'))
    assert gone.changed and gone['removed']['services'] == [stack + '_web'], gone
    assert services(swarm, stack) == {} and objects(swarm, stack) == dict(networks=[], secrets=[], configs=[])
    assert not run(swarm, dict(name=stack, state='absent')).changed


@pytest.mark.parametrize('cli', ['engine', 'sid'])
def test_stack_deployed_by_the_cli_is_adopted_unchanged(swarm_engine, stack, tmp_path, cli):
    swarm = swarm_engine
    if cli == 'sid' and not os.path.exists(SID_CLI):
        pytest.skip('no sid docker CLI')
    path = project(tmp_path, free_port())
    command = [SID_CLI, '-H', swarm.docker_host] if cli == 'sid' else None
    if command:
        proc = subprocess.run(command + ['stack', 'deploy', '-c', str(path), stack], capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
    else:
        swarm.docker('stack', 'deploy', '-c', str(path), stack)
    before = settled(swarm, stack)
    assert len(before) == 2
    result = run(swarm, dict(name=stack, files=[str(path)]), diff=True)
    assert not result.failed and not result.changed, (result.get('diff'), result.get('services'))
    assert dict((n, v[:2]) for n, v in services(swarm, stack).items()) == dict((n, v[:2]) for n, v in before.items())


def test_ignored_keys_warn_like_the_cli(swarm_engine, stack, tmp_path):
    definition = {'services': {'web': {'image': WEB + ':1.0', 'build': '.', 'container_name': 'x', 'restart': 'always',
                                       'depends_on': ['db'], 'command': HTTPD},
                               'db': {'image': WEB + ':1.0', 'command': HTTPD}}}
    result = run(swarm_engine, dict(name=stack, definition=definition), check=True)
    assert result.changed and not result.failed, result
    warnings = [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings') or []]
    assert 'Ignoring unsupported options: build, restart' in warnings, warnings
    assert 'Ignoring deprecated options:\n\ncontainer_name: Setting the container name is not supported.' in warnings
    assert any('depends_on' in w for w in warnings), warnings
    # check mode on a new stack: networks and services reported, nothing made
    assert [s['changes'] for s in result['services']] == [['created'], ['created']]
    assert result['networks']['created'] == [stack + '_default']
    assert services(swarm_engine, stack) == {} and objects(swarm_engine, stack) == dict(networks=[], secrets=[], configs=[])


def _bad(swarm, stack, definition, expect):
    result = run(swarm, dict(name=stack, definition=definition))
    assert result.failed and expect in result['msg'], result
    assert services(swarm, stack) == {} and objects(swarm, stack) == dict(networks=[], secrets=[], configs=[])
    return result


def test_bad_input_fails_with_nothing_changed(swarm_engine, stack, tmp_path):
    ok = {'image': WEB + ':1.0', 'command': HTTPD, 'stop_grace_period': QUICK_STOP}

    def two(svc):   # service a is fine: nothing of it may be made when b is bad
        return {'services': {'a': ok, 'b': svc}}
    _bad(swarm_engine, stack, two(dict(ok, deploy={'replica': 2})), 'deploy.replica')
    _bad(swarm_engine, stack, two(dict(ok, deploy={'mode': 'global', 'replicas': 2})), 'replicas')
    _bad(swarm_engine, stack, two(dict(ok, deploy={'placement': {'constraints': ['node.role = manager']}})),
         'Invalid placement constraint')
    missing = dict(two(dict(ok, secrets=['pw'])), secrets={'pw': {'file': str(tmp_path / 'nope.txt')}})
    _bad(swarm_engine, stack, missing, 'nope.txt')
    port = free_port()
    other = unique('fleetstackport')
    swarm_engine.docker('service', 'create', '-q', '-d', '--name', other, '-p', '%d:80' % port, WEB + ':1.0')
    try:
        _bad(swarm_engine, stack, two(dict(ok, ports=['%d:80' % port])), 'already used by service %s' % other)
    finally:
        swarm_engine.docker('service', 'rm', other, check=False)


def test_a_new_secret_file_reaches_its_services_and_never_shows(swarm_engine, stack, tmp_path):
    """`docker stack deploy` fails on a new secret file (the engine changes no secret in use); the module moves
    the services through a copy, makes the secret again under its name and moves them back. The content is in
    no result, diff or -vvv output (a file: Ansible cannot mask it for us)."""
    import base64
    from fleet_swarmlib import file_in_service_task
    first, second = 'S3cr3t-' + unique('a'), 'S3cr3t-' + unique('b')
    secret = tmp_path / 'pw.txt'
    secret.write_text(first)
    definition = {'services': {'web': {'image': WEB + ':1.0', 'command': HTTPD, 'stop_grace_period': QUICK_STOP,
                                       'secrets': ['pw'], 'deploy': {'update_config': {'monitor': '1s'}}}},
                  'secrets': {'pw': {'file': str(secret)}}}
    path = tmp_path / 'docker-stack.yml'
    path.write_text(yaml.safe_dump(definition))
    assert run(swarm_engine, dict(name=stack, files=[str(path)])).changed
    assert file_in_service_task(swarm_engine.client, stack + '_web', '/run/secrets/pw', first) == first
    secret.write_text(second)
    playbook = tmp_path / 'stack.yml'
    playbook.write_text(textwrap.dedent('''\
        - hosts: localhost
          gather_facts: false
          vars:
            ansible_python_interpreter: %s
          tasks:
            - fleet.docker.stack: {name: %s, files: ["%s"], docker_host: "%s"}
              register: made
            - ansible.builtin.debug: {var: made}
        ''' % (PYTHON, stack, path, swarm_engine.docker_host)))
    for extra in (['--check', '--diff', '-vvv'], ['--diff', '-vvv']):
        proc = run_playbook(str(playbook), extra_args=extra)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-3000:]
        assert 'changed=1' in output and stack + '_pw' in output and '"content": "new"' in output, output[-3000:]
        for value in (first, second):
            assert value not in output and base64.b64encode(value.encode()).decode() not in output
        if '--check' in extra:
            assert file_in_service_task(swarm_engine.client, stack + '_web', '/run/secrets/pw', first) == first
    assert file_in_service_task(swarm_engine.client, stack + '_web', '/run/secrets/pw', second) == second
    assert objects(swarm_engine, stack)['secrets'] == [stack + '_pw']
    assert not run(swarm_engine, dict(name=stack, files=[str(path)])).changed


def test_stack_info_lists_stacks_services_and_tasks(swarm_engine, stack, tmp_path):
    definition = {'services': {'web': {'image': WEB + ':1.0', 'command': HTTPD, 'deploy': {'replicas': 1},
                                       'stop_grace_period': QUICK_STOP}}}
    assert run(swarm_engine, dict(name=stack, definition=definition)).changed
    every = run_module('stack_info', dict(docker_host=swarm_engine.docker_host), env=swarm_engine.env)
    mine = [s for s in every['stacks'] if s['name'] == stack]
    assert mine == [dict(name=stack, services=1, orchestrator='Swarm')], every['stacks']
    for _attempt in range(20):   # the module waited for the task to run; a loaded machine may restart it once
        one = run_module('stack_info', dict(name=stack, docker_host=swarm_engine.docker_host), env=swarm_engine.env)
        if one['services'][0]['replicas']['running'] == 1:
            break
        time.sleep(0.5)
    assert [s['name'] for s in one['services']] == [stack + '_web']
    assert one['services'][0]['replicas'] == dict(running=1, desired=1), (one['services'], one['tasks'])
    assert [t['name'] for t in one['tasks'] if t['desired_state'] == 'running'] == [stack + '_web.1']
    ps = swarm_engine.docker('stack', 'ps', '--format', '{{json .}}', stack).strip().splitlines()
    assert sorted(json.loads(line)['ID'] for line in ps) == sorted(t['id'][:12] for t in one['tasks'])
