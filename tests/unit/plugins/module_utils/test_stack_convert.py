"""swarm/stack_convert: a loaded compose project -> the service module's params and the stack's objects,
named and labelled as ``docker stack deploy`` (cli/compose/convert) does. Pure."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.compose.project import load
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_spec import (
    ServiceSpecError, canonical_params, write_spec)
from ansible_collections.fleet.docker.plugins.module_utils.swarm.stack_convert import (
    IMAGE_LABEL, NAMESPACE_LABEL, check_stack_name, convert, key_warnings)

NS = NAMESPACE_LABEL


def stack(definition, tmp_path=None, name='shop'):
    project = load(dict(definition=definition, project_name=name, project_src=str(tmp_path) if tmp_path else '/tmp'))
    return convert(project, name)


def test_names_labels_and_the_default_network(tmp_path):
    (tmp_path / 'pw.txt').write_text('x')
    wants = stack({
        'services': {
            'web': {'image': 'registry.example.com/web:1.0', 'labels': {'tier': 'web'},
                    'networks': {'front': {'aliases': ['www']}, 'outside': None},
                    'secrets': ['pw', {'source': 'pw', 'target': 'other', 'mode': 0o400, 'uid': '10'}],
                    'configs': ['site'], 'volumes': ['data:/data', 'ext:/ext:ro'],
                    'deploy': {'labels': ['team=a']}},
            'db': {'image': 'registry.example.com/db:16'},
        },
        'networks': {'front': {'attachable': True, 'labels': {'x': '1'}}, 'outside': {'external': True, 'name': 'proxy'}},
        'volumes': {'data': {'driver': 'local', 'labels': {'keep': 'yes'}}, 'ext': {'external': True}},
        'secrets': {'pw': {'file': str(tmp_path / 'pw.txt')}},
        'configs': {'site': {'content': 'hello', 'name': 'site-v1'}},
    }, tmp_path)
    web, db = wants['services']['web'], wants['services']['db']
    assert web['name'] == 'shop_web' and db['name'] == 'shop_db'
    assert web['labels'] == {NS: 'shop', IMAGE_LABEL: 'registry.example.com/web:1.0', 'team': 'a'}
    assert web['container_labels'] == {NS: 'shop', 'tier': 'web'}
    # the short name is an alias on user-defined networks; external networks keep their own name
    assert web['networks'] == [dict(name='proxy', aliases=['web'], options={}),   # by engine name, as the CLI
                               dict(name='shop_front', aliases=['www', 'web'], options={})]
    assert db['networks'] == [dict(name='shop_default', aliases=['db'], options={})]
    assert wants['networks']['shop_default']['driver'] == 'overlay'
    assert wants['networks']['shop_front']['labels'] == {NS: 'shop', 'x': '1'} and wants['networks']['shop_front']['attachable']
    assert wants['networks']['proxy'] is None
    assert web['secrets'] == [dict(secret_name='shop_pw', filename='pw', uid='0', gid='0'),
                              dict(secret_name='shop_pw', filename='other', uid='10', gid='0', mode=0o400)]
    assert web['configs'] == [dict(config_name='site-v1', filename='site', uid='0', gid='0')]
    assert web['mounts'] == [dict(type='volume', target='/data', read_only=False, source='shop_data',
                                  labels={NS: 'shop', 'keep': 'yes'}, driver_config=dict(name='local', options={})),
                             dict(type='volume', target='/ext', read_only=True, source='ext')]
    assert wants['secrets']['shop_pw'] == dict(key='pw', external=False, labels={NS: 'shop'}, data=b'x')
    assert wants['configs']['site-v1']['data'] == b'hello'


def test_deploy_keys_become_the_service_options():
    wants = stack({'services': {'web': {
        'image': 'web:1', 'entrypoint': ['/init'], 'command': 'run --fast', 'environment': {'A': 1, 'UNSET': None},
        'ports': ['8080:80', {'target': 53, 'published': 5353, 'protocol': 'udp', 'mode': 'host'}],
        'extra_hosts': ['db:10.0.0.5'], 'healthcheck': {'test': 'true', 'interval': '5s'}, 'stop_grace_period': '3s',
        'group_add': ['audio'], 'dns_opt': ['ndots:2'],
        'deploy': {'mode': 'replicated', 'replicas': 3, 'endpoint_mode': 'VIP',
                   'placement': {'constraints': ['node.role == manager'], 'preferences': [{'spread': 'node.labels.z'}],
                                 'max_replicas_per_node': 2},
                   'resources': {'limits': {'cpus': '0.5', 'memory': '64M', 'pids': 100},
                                 'reservations': {'memory': '16M'}},
                   'restart_policy': {'condition': 'on-failure', 'max_attempts': 3},
                   'update_config': {'parallelism': 2, 'delay': '10s', 'failure_action': 'rollback'},
                   'rollback_config': {'order': 'start-first'}}}}})
    params = wants['services']['web']
    canon = canonical_params(params)
    assert canon['command'] == ['/init'] and canon['args'] == ['run', '--fast']
    assert canon['env'] == {'A': '1'}
    assert canon['mode'] == dict(mode='replicated', replicas=3, max_concurrent=None)
    assert canon['placement'] == dict(constraints=['node.role == manager'], preferences=[dict(spread='node.labels.z')],
                                      max_replicas=2)
    assert canon['limits'] == dict(cpus=500000000, memory=64 << 20, pids=100)
    assert canon['restart_config']['condition'] == 'on-failure' and canon['restart_config']['max_attempts'] == 3
    assert canon['update_config']['parallelism'] == 2 and canon['update_config']['failure_action'] == 'rollback'
    assert canon['rollback_config']['order'] == 'start-first' and canon['endpoint_mode'] == 'vip'
    assert [(p['target'], p['published'], p['protocol'], p['mode']) for p in canon['publish']] == [
        (53, 5353, 'udp', 'host'), (80, 8080, 'tcp', 'ingress')]
    assert canon['hosts'] == ['10.0.0.5 db'] and canon['groups'] == ['audio'] and canon['dns_options'] == ['ndots:2']
    body = write_spec(None, params['name'], dict(canon, networks=[]), keep_unset=False)   # IDs: the engine's
    assert body['TaskTemplate']['Resources']['Limits'] == dict(NanoCPUs=500000000, MemoryBytes=64 << 20, Pids=100)
    assert body['TaskTemplate']['ContainerSpec']['Healthcheck'] == dict(Test=['CMD-SHELL', 'true'], Interval=5 * 10 ** 9)


def test_replicas_default_and_the_legacy_restart_key():
    wants = stack({'services': {'a': {'image': 'x:1', 'restart': 'on-failure:4'},
                                'b': {'image': 'x:1', 'restart': 'unless-stopped', 'deploy': {'mode': 'global'}},
                                'c': {'image': 'x:1', 'deploy': {'mode': 'replicated-job', 'replicas': 5}},
                                'd': {'image': 'x:1', 'restart': 'no'}}})
    svc = wants['services']
    assert svc['a']['replicas'] == 1 and svc['a']['restart_config'] == dict(condition='on-failure', max_attempts=4)
    assert svc['b']['replicas'] is None and svc['b']['restart_config'] == dict(condition='any')
    assert canonical_params(svc['c'])['mode'] == dict(mode='replicated-job', replicas=5, max_concurrent=5)
    assert svc['d']['restart_config'] is None


def test_warnings_are_the_clis_and_forbidden_keys_fail():
    project = load(dict(definition={'services': {'web': {
        'image': 'x:1', 'build': '.', 'restart': 'always', 'container_name': 'w', 'expose': [80], 'links': ['db'],
        'depends_on': ['db']}, 'db': {'image': 'x:1'}}}, project_name='s', project_src='/tmp'))
    warnings = key_warnings(project)
    assert warnings[0] == 'Ignoring unsupported options: build, links, restart'
    assert warnings[1] == ('Ignoring deprecated options:\n\ncontainer_name: Setting the container name is not '
                           'supported.\n\nexpose: Exposing ports is unnecessary - services on the same network can '
                           'access each other\'s containers on any port.')
    assert 'depends_on' in warnings[2]
    with pytest.raises(SwarmError, match='compose file contains unsupported options:\n\nmem_limit: Set resource limits '
                                         'using deploy.resources'):
        stack({'services': {'web': {'image': 'x:1', 'mem_limit': '1g'}}})


@pytest.mark.parametrize('service, expect', [
    ({'deploy': {'mode': 'global', 'replicas': 2}}, 'replicas applies to mode replicated'),
    ({'deploy': {'placement': {'constraints': ['node.role = manager']}}}, 'Invalid placement constraint'),
    ({'deploy': {'placement': {'constraint': ['node.role==manager']}}}, 'deploy.placement.constraint'),
    ({'deploy': {'update_config': {'paralelism': 2}}}, 'deploy.update_config.paralelism'),
    ({'deploy': {'mode': 'daemon'}}, 'Invalid mode'),
])
def test_bad_deploy_values_fail_before_the_engine(service, expect):
    with pytest.raises((SwarmError, ServiceSpecError), match=expect):
        wants = stack({'services': {'web': dict(service, image='x:1')}})
        canonical_params(wants['services']['web'])


def test_unknown_deploy_key_and_missing_secret_file_fail(tmp_path):
    from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
    with pytest.raises(FleetDockerError, match='deploy.replica'):
        stack({'services': {'web': {'image': 'x:1', 'deploy': {'replica': 2}}}})
    with pytest.raises(SwarmError, match='cannot read the secret file .*nope.txt'):
        stack({'services': {'web': {'image': 'x:1', 'secrets': ['pw']}},
               'secrets': {'pw': {'file': str(tmp_path / 'nope.txt')}}}, tmp_path)


def test_stack_names():
    assert check_stack_name('shop-1') == 'shop-1'
    for bad in ('', '-x', 'a b', 'x' * 51, None):
        with pytest.raises(SwarmError):
            check_stack_name(bad)


def test_an_ingress_port_published_twice_in_the_stack_fails():
    with pytest.raises(SwarmError, match='published port 8080/tcp is also published by service a'):
        stack({'services': {'a': {'image': 'x:1', 'ports': ['8080:80']}, 'b': {'image': 'x:1', 'ports': ['8080:81']}}})
    # host mode: one per node, the scheduler's business
    stack({'services': {'a': {'image': 'x:1', 'ports': [{'target': 80, 'published': 8080, 'mode': 'host'}]},
                        'b': {'image': 'x:1', 'ports': [{'target': 80, 'published': 8080, 'mode': 'host'}]}}})


def test_the_spec_is_written_as_the_cli_writes_it_and_its_stored_spec_is_no_difference():
    """What `docker stack deploy` stores (file order and spelling, only the keys the file sets) is the same service,
    and our body is that spec."""
    from ansible_collections.fleet.docker.plugins.module_utils.swarm.service_spec import canonical_spec, differences
    params = stack({'services': {'web': {
        'image': 'web:1', 'volumes': ['/var/lib/docker/:/var/lib/docker:ro', '/a:/a'],
        'logging': {'options': {'max-size': '1m'}},
        'deploy': {'placement': {'constraints': ['node.role == manager', 'node.labels.a == b']},
                   'restart_policy': {'condition': 'on-failure'},
                   'update_config': {'parallelism': 2, 'delay': '10s'}}}}})['services']['web']
    desired = dict(canonical_params(params), networks=[dict(id='n1', aliases=['web'], options={})])
    body = write_spec(None, 'shop_web', desired, keep_unset=False)
    task = body['TaskTemplate']
    assert task['Placement']['Constraints'] == ['node.role == manager', 'node.labels.a == b']
    assert [m['Source'] for m in task['ContainerSpec']['Mounts']] == ['/var/lib/docker/', '/a']
    assert task['RestartPolicy'] == dict(Condition='on-failure')
    assert body['UpdateConfig'] == dict(Parallelism=2, Delay=10 * 10 ** 9)
    assert task['LogDriver'] == {'Options': {'max-size': '1m'}} and 'DNSConfig' not in task['ContainerSpec']
    # the engine fills defaults in; another spelling and order of the same is no difference either
    stored = write_spec(None, 'shop_web', desired, keep_unset=False)
    stored['TaskTemplate']['Placement']['Constraints'] = ['node.labels.a==b', 'node.role==manager']
    stored['TaskTemplate']['ContainerSpec']['Mounts'].reverse()
    stored['TaskTemplate']['ContainerSpec']['Mounts'][1]['Source'] = '/var/lib/docker'
    stored['TaskTemplate']['RestartPolicy'].update(Delay=5 * 10 ** 9, MaxAttempts=0)
    stored['UpdateConfig'].update(FailureAction='pause', Order='stop-first', Monitor=5 * 10 ** 9)
    assert differences(desired, canonical_spec(stored), keep_unset=False) == []
    stored['TaskTemplate']['RestartPolicy']['Condition'] = 'any'
    assert differences(desired, canonical_spec(stored), keep_unset=False) == ['restart_config']
