"""swarm/service_spec.py: params -> canonical -> ServiceSpec body -> canonical again, engine defaults,
bad input; and swarm/services.py as the one place that calls the engine for services and tasks."""

import os
import re

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.values import ValueSpecError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_spec import (
    DEFAULTS, canonical_params, canonical_spec, differences, parse_constraint, same_image, write_spec)

FULL = dict(
    image='127.0.0.1:5000/demo/web:1.0', mode='replicated', replicas=3, command='/bin/sh -c "echo hi"', args=['a', 1],
    env=dict(A=1, B=True), labels=dict(x='1'), container_labels=dict(y=2), hostname='{{.Node.Hostname}}',
    user='1000:1000', working_dir='/srv', stop_signal='term', stop_grace_period='1m30s', read_only=True, init=False,
    cap_add=['net_admin'], cap_drop=['CAP_MKNOD'], sysctls={'net.core.somaxconn': 1024}, ulimits=['nofile:1024:2048'],
    healthcheck=dict(test=['curl', '-f', 'http://localhost'], interval='10s', retries=3),
    mounts=[dict(type='bind', source='/srv/data/', target='/data', readonly=True, propagation='rslave'),
            dict(type='volume', source='cache', target='/cache', no_copy=True, labels=dict(k='v'),
                 driver_config=dict(name='local', options=dict(o='bind'))),
            dict(type='tmpfs', target='/run', tmpfs_size='64m', tmpfs_mode=1023)],
    dns=['10.0.0.2'], dns_search=['example.com'], dns_options=['ndots:2'],
    limits=dict(cpus=1.5, memory='512m'), reservations=dict(cpus=0.25, memory='1g'),
    placement=dict(constraints=['node.labels.zone != eu-2', 'node.role==worker'],
                   preferences=[dict(spread='node.labels.zone')], max_replicas=2),
    restart_config=dict(condition='on-failure', delay='2s', max_attempts=4, window='30s'),
    update_config=dict(parallelism=2, delay='5s', failure_action='rollback', monitor='10s', max_failure_ratio=0.25,
                       order='start-first'),
    rollback_config=dict(parallelism=0, failure_action='continue'),
    logging=dict(driver='local', options={'max-size': '10m', 'max-file': 3}),
    networks=[dict(name='backend', aliases=['api', 'api'])],
    publish=[dict(target=80, published=8080), dict(target=53, published=53, protocol='udp', mode='host')],
    endpoint_mode='vip', hosts={'db.local': '10.0.0.5'}, groups=['audio', 'video'], tty=True,
)


def _resolved(canon):
    for net in canon['networks'] or []:
        net['id'] = 'id-' + net['name']
    return canon


def test_params_to_body_and_back_is_the_same_service():
    desired = _resolved(canonical_params(FULL))
    body = write_spec(None, 'web', desired)
    assert differences(desired, canonical_spec(body)) == []
    task = body['TaskTemplate']
    assert task['ContainerSpec']['Env'] == ['A=1', 'B=true']
    assert task['ContainerSpec']['StopGracePeriod'] == 90 * 10 ** 9
    assert task['ContainerSpec']['CapabilityAdd'] == ['CAP_NET_ADMIN']
    assert task['ContainerSpec']['Hosts'] == ['10.0.0.5 db.local'] and task['ContainerSpec']['TTY'] is True
    assert task['Resources'] == dict(Limits=dict(NanoCPUs=1500000000, MemoryBytes=512 * 2 ** 20),
                                     Reservations=dict(NanoCPUs=250000000, MemoryBytes=2 ** 30))
    # as written, in order (the docker CLI sends them so); compared by the engine's reading
    assert task['Placement']['Constraints'] == ['node.labels.zone != eu-2', 'node.role==worker']
    assert task['Networks'] == [dict(Target='id-backend', Aliases=['api'])]
    assert body['EndpointSpec']['Ports'][0] == dict(Protocol='udp', TargetPort=53, PublishedPort=53, PublishMode='host')
    assert body['Mode'] == dict(Replicated=dict(Replicas=3))
    # only what the task sets (and Parallelism): the engine fills the rest, as for the docker CLI's specs
    assert body['RollbackConfig'] == dict(Parallelism=0, FailureAction='continue')


def test_what_the_engine_and_the_cli_fill_in_is_no_difference():
    # A spec as `docker service create IMAGE` stores it: every default spelled out.
    cli = dict(Name='web', Labels={}, Mode=dict(Replicated=dict(Replicas=1)),
               TaskTemplate=dict(ContainerSpec=dict(Image='demo/web:1.0@sha256:' + 'a' * 64, Isolation='default',
                                                    StopGracePeriod=10 * 10 ** 9, DNSConfig={}, Init=None),
                                 Resources=dict(Limits={}, Reservations={}), Placement={}, ForceUpdate=0,
                                 Runtime='container',
                                 RestartPolicy=dict(Condition='any', Delay=5 * 10 ** 9, MaxAttempts=0)),
               UpdateConfig=dict(Parallelism=1, FailureAction='pause', Monitor=5 * 10 ** 9, MaxFailureRatio=0,
                                 Order='stop-first'),
               RollbackConfig=dict(Parallelism=1, FailureAction='pause', Monitor=5 * 10 ** 9, MaxFailureRatio=0,
                                   Order='stop-first'),
               EndpointSpec=dict(Mode='vip'))
    declared = canonical_params(dict(image='demo/web:1.0', mode='replicated'))
    assert differences(declared, canonical_spec(cli), keep_unset=False) == []
    assert differences(declared, canonical_spec(dict(Name='web', TaskTemplate={})), keep_unset=False) == []
    explicit = canonical_params(dict(image='demo/web:1.0', update_config=dict(order='stop-first'),
                                     restart_config=dict(condition='any'), endpoint_mode='vip', stop_grace_period='10s'))
    assert differences(explicit, canonical_spec(dict(Name='web', TaskTemplate={}))) == []


def test_unset_options_keep_what_the_service_has_and_replicas_stay():
    current = canonical_spec(write_spec(None, 'web', _resolved(canonical_params(FULL))))
    assert differences(canonical_params(dict(image='x')), current) == []
    assert differences(canonical_params(dict(image='x', replicas=4)), current) == ['mode']
    assert 'labels' in differences(canonical_params(dict(image='x')), current, keep_unset=False)


def test_images_pinned_and_unpinned():
    pinned = 'demo/web:1.0@sha256:' + 'a' * 64
    assert same_image(pinned, pinned, True)
    assert not same_image('demo/web:1.0@sha256:' + 'b' * 64, pinned, True)
    assert same_image('demo/web:1.0', pinned, False)        # resolve_image off: the held digest stays
    assert not same_image('demo/web:1.1', pinned, False)
    assert canonical_params(dict(image='busybox'))['image'] == 'busybox:latest'


def test_keep_unset_write_keeps_what_the_options_do_not_cover():
    base = dict(Name='web', TaskTemplate=dict(ContainerSpec=dict(Image='a:1', Secrets=[dict(SecretName='s')],
                                                                 Labels=dict(k='v'))))
    body = write_spec(base, 'web', dict(canonical_params(dict(image='a:1', env=dict(X=1))), image='a:1'))
    assert body['TaskTemplate']['ContainerSpec']['Secrets'] == [dict(SecretName='s')]
    assert body['TaskTemplate']['ContainerSpec']['Labels'] == dict(k='v')
    assert body['TaskTemplate']['ContainerSpec']['Env'] == ['X=1']


@pytest.mark.parametrize('params, words', [
    (dict(mode='global', replicas=2), 'replicas applies to mode replicated or replicated-job, not global'),
    (dict(mode='global-job', replicas=1), 'not global-job'),
    (dict(mode='replicated', max_concurrent=2), 'max_concurrent applies to mode replicated-job only'),
    (dict(mode='replicated-job', update_config=dict(parallelism=1)), 'update_config does not apply to jobs'),
    (dict(placement=dict(constraints=['node.role=manager'])), 'expected KEY==VALUE or KEY!=VALUE'),
    (dict(placement=dict(constraints=['node.role==a==b'])), 'one operator per constraint'),
    (dict(placement=dict(constraints=['zone==eu'])), "'zone' is not a key the engine knows"),
    (dict(placement=dict(preferences=[dict(pack='x')])), 'Invalid placement preference'),
    (dict(publish=[dict(target=80, published='8000-8010')]), 'one port, not a range'),
    (dict(publish=[dict(target=80, published=70000)]), 'out of range'),
    (dict(publish=[dict(target=80, published=80), dict(target=81, published=80)]), 'listed twice'),
    (dict(endpoint_mode='dnsrr', publish=[dict(target=80, published=80)]), 'endpoint_mode dnsrr cannot publish'),
    (dict(update_config=dict(max_failure_ratio=2)), 'a fraction from 0 to 1'),
    (dict(rollback_config=dict(failure_action='rollback')), 'Invalid rollback_config failure_action'),
    (dict(limits=dict(memory='lots')), 'Invalid limits memory'),
    (dict(limits=dict(cpus=-1)), 'Invalid cpus'),
    (dict(stop_grace_period='-1s'), 'cannot be negative'),
    (dict(mounts=[dict(type='tmpfs', target='/t', propagation='shared')]), 'propagation applies to bind mounts'),
    (dict(mounts=[dict(type='bind', source='rel', target='/t')]), 'absolute source path'),
    (dict(networks=[dict(name='n', ipv4_address='10.0.0.2')]), 'unsupported key(s) ipv4_address'),
    (dict(env_files=['/nonexistent/fleet.env']), 'does not exist'),
    (dict(hostname='a b'), 'Invalid hostname'),
    (dict(secrets=[dict(filename='x')]), 'a dict with secret_name'),
    (dict(configs=[dict(config_name='a', filename='f'), dict(config_name='b', filename='f')]), 'same filename'),
])
def test_bad_input_is_one_sentence(params, words):
    with pytest.raises(ValueSpecError) as err:
        canonical_params(dict(dict(image='demo/web:1.0'), **params))
    assert words in err.value.msg


def test_a_rolling_version_of_a_secret_is_the_same_reference():
    desired = canonical_params(dict(image='x', secrets=[dict(secret_name='db', filename='pw')]))
    for held, same in (('db', True), ('db_v7', True), ('db_v', False), ('dbx_v1', False), ('other', False)):
        spec = dict(TaskTemplate=dict(ContainerSpec=dict(Secrets=[dict(
            SecretName=held, SecretID='i', File=dict(Name='pw', UID='0', GID='0', Mode=0o444))])))
        assert (differences(desired, canonical_spec(spec)) == []) is same, held
    moved = dict(TaskTemplate=dict(ContainerSpec=dict(Secrets=[dict(
        SecretName='db_v2', SecretID='i', File=dict(Name='other', UID='0', GID='0', Mode=0o444))])))
    assert differences(desired, canonical_spec(moved)) == ['secrets']


def test_constraints_are_written_as_the_engine_stores_them():
    assert parse_constraint(' node.labels.zone  ==  eu-1 ') == 'node.labels.zone==eu-1'
    assert parse_constraint('engine.labels.os!=windows') == 'engine.labels.os!=windows'


def test_every_option_has_a_default_and_a_writer():
    desired = _resolved(canonical_params(FULL))
    assert set(desired) - set(DEFAULTS) == {'image'}
    write_spec(None, 'web', dict((key, None) for key in desired if key != 'mode'), keep_unset=False)


# ----------------------------------------------------------------- one engine seam for services

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# Calls on a docker client (any of the names the code gives one), or an API path of their own.
SERVICE_CALLS = re.compile(r'(?:\bclient|\bapi|\bcli|\bdocker_client|self\.client|module\.client)(?:\.api)?\.'
                           r'(?:create_service|update_service|remove_service|inspect_service|services|tasks)\('
                           r'|[\'"]/(?:services|tasks)\b')


def test_the_service_call_pattern():
    assert SERVICE_CALLS.search('client.services(filters=f)') and SERVICE_CALLS.search("client.tasks(filters=x)")
    assert not SERVICE_CALLS.search('service_ops.inspect_service(client, sid)')
    assert not SERVICE_CALLS.search('ops.service_tasks(client, sid)')


def test_only_swarm_services_calls_the_engine_for_services_and_tasks():
    found = []
    base = os.path.join(ROOT, 'plugins', 'module_utils')
    for dirpath, _dirs, files in os.walk(base):
        for fname in files:
            path = os.path.join(dirpath, fname)
            if not fname.endswith('.py') or path.endswith(os.path.join('swarm', 'services.py')):
                continue
            with open(path) as handle:
                for num, line in enumerate(handle, 1):
                    code = line.split('#', 1)[0]
                    if SERVICE_CALLS.search(code):
                        found.append('%s:%d: %s' % (os.path.relpath(path, ROOT), num, line.strip()))
    assert found == []


def test_env_files_in_order_then_env_wins(tmp_path):
    first, second = tmp_path / 'a.env', tmp_path / 'b.env'
    first.write_text('A=1\nB=from-a\n# comment\n')
    second.write_text('B=from-b\nC=3\n')
    canon = canonical_params(dict(image='x', env_files=[str(first), str(second)], env=dict(C=30)))
    assert canon['env'] == dict(A='1', B='from-b', C='30')
    assert canonical_params(dict(image='x', env=['K=v', 'E=']))['env'] == dict(K='v', E='')
