"""fleet.docker.service and service_info on a one-node swarm of a private dockerd (swarm_engine).

No ip_vs here: the routing mesh and VIPs do not answer, so ingress and VIP are checked in the
engine's stored spec, and HTTP answers go through dnsrr services published in host mode.
"""

import time

import pytest

from fleet_testlib import WEB, free_port, http_get, run_module, unique

HTTPD = ['httpd', '-f', '-p', '80', '-h', '/usr/share/nginx/html']


@pytest.fixture
def swarm(swarm_engine):
    """The swarm, plus a list of service names removed after the test."""
    swarm_engine.cleanup_services = []
    yield swarm_engine
    for name in swarm_engine.cleanup_services:
        swarm_engine.docker('service', 'rm', name, check=False)


def run(swarm, args, **kw):
    if args.get('name') and args['name'] not in swarm.cleanup_services:
        swarm.cleanup_services.append(args['name'])
    return run_module('service', args, env=swarm.env, **kw)


def stored(swarm, name):
    return swarm.client.inspect_service(name)


@pytest.fixture(scope='module')
def overlay(swarm_engine):
    name = unique('fleetsvcnet')
    swarm_engine.docker('network', 'create', '-d', 'overlay', '--attachable', name)
    yield name
    swarm_engine.docker('network', 'rm', name, check=False)


def test_full_spec_rerun_is_no_update_check_and_diff(swarm, overlay):
    name, port = unique('fleetsvc'), free_port()
    args = dict(name=name, image=WEB + ':1.0', replicas=1, endpoint_mode='dnsrr', args=HTTPD,
                networks=[dict(name=overlay, aliases=['www'])],
                publish=[dict(target=80, published=port, mode='host')],
                env=dict(A=1, B='x'), labels=dict(tier='web'), container_labels=dict(c='2'),
                mounts=[dict(type='tmpfs', target='/t', tmpfs_size='16m'),
                        dict(type='volume', source=name + '-data', target='/data')],
                limits=dict(cpus=0.5, memory='64m'), reservations=dict(memory='16m'),
                placement=dict(constraints=['node.role == manager'], max_replicas=1,
                               preferences=[dict(spread='node.labels.zone')]),
                healthcheck=dict(test='true', interval='5s'), restart_config=dict(condition='on-failure', delay='1s'),
                update_config=dict(parallelism=1, delay='1s', failure_action='rollback', monitor='2s'),
                rollback_config=dict(monitor='1s'), user='0', working_dir='/tmp', hostname='{{.Task.Name}}',
                dns=['10.0.0.2'], dns_search=['example.com'], dns_options=['ndots:2'], stop_signal='term',
                stop_grace_period='3s', init=True, cap_add=['net_admin'], cap_drop=['MKNOD'],
                sysctls={'net.ipv4.ip_forward': 1}, ulimits=['nofile:1024:2048'],
                logging=dict(driver='json-file', options={'max-file': 2}), hosts={'db.local': '10.0.0.5'}, tty=True)
    first = run(swarm, args)
    assert first.changed and not first.failed, first
    spec = stored(swarm, name)
    # Digest pinning, as docker service create does.
    image = spec['Spec']['TaskTemplate']['ContainerSpec']['Image']
    assert image.startswith(WEB + ':1.0@sha256:'), image
    assert image.split('@')[1] == swarm.client.inspect_distribution(WEB + ':1.0')['Descriptor']['digest']
    status, body = http_get('http://127.0.0.1:%d/' % port)
    assert status == 200 and 'demo/web' in body

    # The rerun, the network by ID and an unpinned image change nothing: Version and UpdatedAt stay.
    net_id = swarm.client.inspect_network(overlay)['Id']
    for variant in (args, dict(args, networks=[dict(name=net_id, aliases=['www'])]),
                    dict(args, resolve_image=False, cap_add=['CAP_NET_ADMIN'], stop_signal='SIGTERM')):
        again = run(swarm, variant)
        assert not again.failed and again.changed is False, again
    after = stored(swarm, name)
    assert (after['Version'], after['UpdatedAt']) == (spec['Version'], spec['UpdatedAt'])

    # Check mode with diff: reported, nothing changed.
    checked = run(swarm, dict(args, env=dict(A=2, B='x'), replicas=1, labels=dict(tier='api')), check=True, diff=True)
    assert checked.changed and sorted(checked['changes']) == ['env', 'labels'], checked
    assert checked['diff']['before']['env'] == dict(A='1', B='x') and checked['diff']['after']['env'] == dict(A='2', B='x')
    assert checked['diff']['after']['update_config']['monitor'] == '2s'
    assert stored(swarm, name)['Version'] == spec['Version']

    new = run(swarm, dict(args, name=name + '-new'), check=True, diff=True)
    assert new.changed and new['changes'] == ['created'] and new['diff']['before'] == {}, new
    assert not swarm.client.services(filters=dict(name=name + '-new'))

    info = run_module('service_info', dict(name=name), env=swarm.env)
    assert info['exists'] and info['service']['ID'] == spec['ID'] and info['service']['RunningTasks'] == 1, info


def test_host_network_and_cli_defaults_are_no_difference(swarm):
    name, port = unique('fleetsvchost'), free_port()
    args = dict(name=name, image=WEB + ':1.0', networks=['host'],
                args=['httpd', '-f', '-p', str(port), '-h', '/usr/share/nginx/html'])
    run(swarm, args)
    version = stored(swarm, name)['Version']
    again = run(swarm, args)
    assert again.changed is False, again          # community.docker updates this service on every run
    assert stored(swarm, name)['Version'] == version
    assert http_get('http://127.0.0.1:%d/' % port)[0] == 200

    # A service the docker CLI created, with every default the CLI spells out, is adopted as it is.
    cli = unique('fleetsvccli')
    swarm.cleanup_services.append(cli)
    swarm.docker('service', 'create', '-q', '--name', cli, '--replicas', '1', WEB + ':1.0')
    version = stored(swarm, cli)['Version']
    adopted = run(swarm, dict(name=cli, image=WEB + ':1.0', replicas=1, mode='replicated', endpoint_mode='vip',
                              update_config=dict(parallelism=1, failure_action='pause'),
                              restart_config=dict(condition='any')))
    assert adopted.changed is False, adopted
    assert stored(swarm, cli)['Version'] == version


def test_ingress_publish_stored_spec_and_a_port_taken(swarm):
    name, other, port = unique('fleetsvcing'), unique('fleetsvcing'), free_port()
    args = dict(name=name, image=WEB + ':1.0', publish=[dict(target=80, published=port)], wait=False)
    run(swarm, args)
    ports = stored(swarm, name)['Spec']['EndpointSpec']['Ports']
    assert ports == [dict(Protocol='tcp', TargetPort=80, PublishedPort=port, PublishMode='ingress')]
    assert run(swarm, args).changed is False
    taken = run(swarm, dict(args, name=other))
    assert taken.failed and taken['msg'] == 'Published port %d/tcp is already used by service %s.' % (port, name)
    assert swarm.client.services(filters=dict(name=other)) == []


@pytest.mark.parametrize('bad, words', [
    (dict(mode='global', replicas=2), 'replicas applies to mode replicated or replicated-job, not global'),
    (dict(placement=dict(constraints=['node.role = manager'])), "Invalid placement constraint 'node.role = manager'"),
    (dict(placement=dict(constraints=['node.colour==red'])), "'node.colour' is not a key the engine knows"),
    (dict(networks=['fleet-no-such-net']), 'Network fleet-no-such-net does not exist'),
    (dict(endpoint_mode='dnsrr', publish=[dict(target=80, published=1)]), 'endpoint_mode dnsrr cannot publish'),
    (dict(stop_grace_period='soon'), "Invalid stop_grace_period 'soon'"),
])
def test_bad_input_is_one_message_and_nothing_created(swarm, bad, words):
    name = unique('fleetsvcbad')
    result = run(swarm, dict(dict(name=name, image=WEB + ':1.0'), **bad))
    assert result.failed and words in result['msg'], result
    assert swarm.client.services(filters=dict(name=name)) == []


def test_an_update_the_engine_rolls_back_fails_and_the_old_spec_runs(swarm):
    name = unique('fleetsvcrb')
    args = dict(name=name, image=WEB + ':1.0', args=HTTPD, restart_config=dict(condition='on-failure', delay='1s'),
                update_config=dict(failure_action='rollback', monitor='2s'), rollback_config=dict(monitor='1s'))
    run(swarm, args)
    forced = run(swarm, dict(args, force_update=True))
    assert forced.changed and forced['changes'] == ['force_update'], forced
    assert stored(swarm, name)['Spec']['TaskTemplate']['ForceUpdate'] == 1
    # The container of the new spec exits at once.
    failed = run(swarm, dict(args, args=['sh', '-c', 'exit 3']), timeout=120)
    assert failed.failed and failed.changed, failed
    assert 'the engine rolled it back' in failed['msg'] and 'non-zero exit (3)' in failed['msg'], failed['msg']
    spec = stored(swarm, name)
    assert spec['Spec']['TaskTemplate']['ContainerSpec']['Args'] == HTTPD
    running = [t for t in swarm.client.tasks(filters=dict(service=name, **{'desired-state': 'running'}))
               if t['Status']['State'] == 'running']
    assert [t['Spec']['ContainerSpec']['Args'] for t in running] == [HTTPD]


def test_mode_change_rebuilds_and_a_replicated_job_runs_to_completion(swarm):
    name = unique('fleetsvcmode')
    run(swarm, dict(name=name, image=WEB + ':1.0', args=HTTPD, replicas=1))
    old_id = stored(swarm, name)['ID']
    rebuilt = run(swarm, dict(name=name, image=WEB + ':1.0', args=HTTPD, mode='global'))
    assert rebuilt.changed and rebuilt['rebuilt'] and 'mode' in rebuilt['changes'], rebuilt
    assert stored(swarm, name)['ID'] != old_id and 'Global' in stored(swarm, name)['Spec']['Mode']
    assert run(swarm, dict(name=name, image=WEB + ':1.0', args=HTTPD, mode='global')).changed is False

    job = unique('fleetsvcjob')
    args = dict(name=job, image=WEB + ':1.0', args=['true'], mode='replicated-job', replicas=2, max_concurrent=1,
                restart_config=dict(condition='on-failure'))
    first = run(swarm, args)
    assert first.changed and not first.failed, first
    assert stored(swarm, job)['Spec']['Mode'] == dict(ReplicatedJob=dict(MaxConcurrent=1, TotalCompletions=2))
    assert run(swarm, args).changed is False

    # Removal: check mode changes nothing, then removed, then a rerun is no change.
    assert run(swarm, dict(name=job, state='absent'), check=True, diff=True)['diff']['after']['state'] == 'absent'
    assert swarm.client.services(filters=dict(name=job))
    assert run(swarm, dict(name=job, state='absent')).changed
    assert run(swarm, dict(name=job, state='absent')).changed is False
    assert not [s for s in swarm.client.services(filters=dict(name=job)) if s['Spec']['Name'] == job]


def test_secrets_and_configs_by_name_and_a_rolling_version_is_no_difference(swarm):
    name, secret, config = unique('fleetsvcsec'), unique('fleetsec'), unique('fleetcfg')
    for kind, obj, data in (('secret', secret, 'pw-1'), ('config', config, 'cfg-1'), ('secret', secret + '_v2', 'pw-2')):
        proc = __import__('subprocess').run(['/usr/bin/docker', '-H', swarm.docker_host, kind, 'create', obj, '-'],
                                            input=data, text=True, capture_output=True, check=True)
        assert proc.returncode == 0
    args = dict(name=name, image=WEB + ':1.0', args=HTTPD, secrets=[dict(secret_name=secret, filename='db')],
                configs=[dict(config_name=config, filename='/etc/app.conf', mode=0o440)])
    try:
        run(swarm, args)
        cont = stored(swarm, name)['Spec']['TaskTemplate']['ContainerSpec']
        assert [(r['SecretName'], r['File']['Name'], r['File']['Mode']) for r in cont['Secrets']] == [(secret, 'db', 0o444)]
        assert [(r['ConfigName'], r['File']['Name'], r['File']['Mode']) for r in cont['Configs']] == \
            [(config, '/etc/app.conf', 0o440)]
        assert run(swarm, args).changed is False
        # What fleet.docker.secret's rotation does: the service moves onto NAME_v2 with the same file.
        swarm.docker('service', 'update', '-d', '-q', '--secret-rm', secret, '--secret-add',
                     'source=%s_v2,target=db' % secret, name)
        for _attempt in range(120):   # the engine bumps Version again when its rolling update completes
            if (stored(swarm, name).get('UpdateStatus') or {}).get('State') == 'completed':
                break
            time.sleep(0.5)
        version = stored(swarm, name)['Version']
        assert run(swarm, args).changed is False
        assert stored(swarm, name)['Version'] == version
        missing = run(swarm, dict(args, secrets=[dict(secret_name='fleet-no-such-secret')]))
        assert missing.failed and 'Secret fleet-no-such-secret does not exist' in missing['msg']
    finally:
        swarm.docker('service', 'rm', name, check=False)
        swarm.docker('secret', 'rm', secret, secret + '_v2', check=False)
        swarm.docker('config', 'rm', config, check=False)
