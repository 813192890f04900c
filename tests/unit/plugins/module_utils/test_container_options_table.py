"""Every row of the container option table, without an engine (issue #14).

For each row in OPTIONS: sample A parses, create_config writes it, an inspect built from that
create body reads back equal (no drift), and sample B drifts with the row's ``how``. A row
without a sample pair fails the test, so a new option cannot skip this. Further tests feed the
reads the forms the engines really report (20.10, 26.1, 28.5 differ) and the equivalent spellings.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.containers.options import (
    BY_NAME, CONTAINER_OPTIONS, OPTIONS, RECONNECT, RECREATE, UPDATE, build_spec, check_api, compare)
from ansible_collections.fleet.docker.plugins.module_utils.containers.body import create_config, endpoint_config, update_body
from ansible_collections.fleet.docker.plugins.module_utils.containers.values import ContainerSpecError

IMAGE_ID = 'sha256:' + 'a' * 64
IMAGE = {'Id': IMAGE_ID, 'Config': {
    'Env': ['PATH=/usr/bin:/bin'], 'Labels': {'org.fleet.demo': 'web'}, 'Cmd': ['/bin/httpd', '-f'],
    'ExposedPorts': {'80/tcp': {}}, 'Volumes': None}}

# option -> (task params A, task params B). B must drift from A.
SAMPLES = {
    'command': (dict(command='sleep 1'), dict(command=['sleep', '2'])),
    'entrypoint': (dict(entrypoint=['/bin/sh', '-c']), dict(entrypoint='/bin/ash -c')),
    'ports': (dict(ports=['127.0.0.1:8080:80']), dict(ports=['8081:80/udp'])),
    'publish_all': (dict(publish_all=True), dict(publish_all=False)),
    'exposed_ports': (dict(exposed_ports=['8080', '53/udp']), dict(exposed_ports=['8081'])),
    'volumes': (dict(volumes=['/srv/a:/data:ro', '/cache']), dict(volumes=['/srv/a:/data'])),
    'mounts': (dict(mounts=[dict(type='volume', source='vol1', target='/data', read_only=False)]),
               dict(mounts=[dict(type='tmpfs', source=None, target='/data', read_only=False)])),
    'tmpfs': (dict(tmpfs=['/scratch:size=64m,mode=1777']), dict(tmpfs=['/scratch:size=32m'])),
    'volumes_from': (dict(volumes_from=['other']), dict(volumes_from=['other:ro'])),
    'env': (dict(env={'A': 1}), dict(env={'A': 2})),
    'labels': (dict(labels={'x': 'y'}), dict(labels={'x': 'z'})),
    'restart_policy': (dict(restart_policy='on-failure', restart_retries=3), dict(restart_policy='always')),
    'hostname': (dict(hostname='web1'), dict(hostname='web2')),
    'domainname': (dict(domainname='example.test'), dict(domainname='other.test')),
    'user': (dict(user='1000:1000'), dict(user='nobody')),
    'working_dir': (dict(working_dir='/srv/'), dict(working_dir='/')),
    'tty': (dict(tty=True), dict(tty=False)),
    'interactive': (dict(interactive=True), dict(interactive=False)),
    'auto_remove': (dict(auto_remove=True), dict(auto_remove=False)),
    'network_mode': (dict(network_mode='host'), dict(network_mode='none')),
    'networks': (dict(networks=[dict(name='front', aliases=['web'], ipv4_address='10.9.0.5'), 'back']),
                 dict(networks=[dict(name='front', aliases=['www'], ipv4_address='10.9.0.5'), 'back'])),
    'healthcheck': (dict(healthcheck=dict(test='true', interval='1m30s', retries=0)),
                    dict(healthcheck=dict(test=['true'], interval=90))),
    'memory': (dict(memory='512m'), dict(memory='1g')),
    'memory_reservation': (dict(memory_reservation='256m'), dict(memory_reservation=2 ** 27)),
    'memory_swap': (dict(memory_swap='1g'), dict(memory_swap=-1)),
    'cpus': (dict(cpus=1.5), dict(cpus='0.5')),
    'cpu_shares': (dict(cpu_shares=512), dict(cpu_shares=1024)),
    'cpuset_cpus': (dict(cpuset_cpus='0,1'), dict(cpuset_cpus='0')),
    'pids_limit': (dict(pids_limit=100), dict(pids_limit=0)),
    'log_driver': (dict(log_driver='json-file'), dict(log_driver='local')),
    'log_options': (dict(log_options={'max-size': '10m', 'max-file': 3}), dict(log_options={'max-size': '10m'})),
    'etc_hosts': (dict(etc_hosts={'db': '10.1.2.3', 'v6': 'fd00::1'}), dict(etc_hosts={'db': '10.1.2.4'})),
    'dns_servers': (dict(dns_servers=['10.0.0.2', '10.0.0.3']), dict(dns_servers=['10.0.0.3', '10.0.0.2'])),
    'dns_search_domains': (dict(dns_search_domains=['a.test']), dict(dns_search_domains=['b.test'])),
    'dns_opts': (dict(dns_opts=['ndots:2']), dict(dns_opts=['ndots:3'])),
    'cap_add': (dict(cap_add=['net_admin']), dict(cap_add=['NET_ADMIN', 'SYS_TIME'])),
    'cap_drop': (dict(cap_drop=['NET_RAW']), dict(cap_drop=['ALL'])),
    'privileged': (dict(privileged=True), dict(privileged=False)),
    'devices': (dict(devices=['/dev/null:/dev/xdev']), dict(devices=['/dev/null:/dev/xdev:r'])),
    'device_requests': (dict(device_requests=[dict(driver='nvidia', count=-1, capabilities=[['gpu']])]),
                        dict(device_requests=[dict(driver='nvidia', device_ids=['0'], capabilities=[['gpu']])])),
    'security_opts': (dict(security_opts=['no-new-privileges']), dict(security_opts=['seccomp=unconfined'])),
    'group_add': (dict(group_add=['audio', 1234]), dict(group_add=['audio'])),
    'read_only': (dict(read_only=True), dict(read_only=False)),
    'init': (dict(init=True), dict(init=False)),
    'ulimits': (dict(ulimits=['nofile:1024:2048']), dict(ulimits=[dict(name='nofile', soft=512, hard=1024)])),
    'sysctls': (dict(sysctls={'net.core.somaxconn': 1024}), dict(sysctls={'net.core.somaxconn': 2048})),
    'shm_size': (dict(shm_size='128m'), dict(shm_size='1g')),
    'stop_signal': (dict(stop_signal='quit'), dict(stop_signal='SIGINT')),
    'pid_mode': (dict(pid_mode='host'), dict(pid_mode='container:other')),
    'ipc_mode': (dict(ipc_mode='private'), dict(ipc_mode='shareable')),
}


def _params(**kw):
    params = dict((k, v.get('default')) for k, v in CONTAINER_OPTIONS.items())
    params.update(name='web', image='demo/web:1.0')
    params.update(kw)
    return params


def inspect_from_body(config: dict, spec: dict) -> dict:
    """What the engine's inspect holds after a create (and connects) from this body, before any
    engine normalisation: Config, HostConfig and the network endpoints as sent."""
    config = copy.deepcopy(config)
    host = config.pop('HostConfig')
    endpoints = (config.pop('NetworkingConfig', None) or {}).get('EndpointsConfig') or {}
    mode = host.get('NetworkMode') or 'default'
    networks = {}
    if mode not in ('host', 'none') and not mode.startswith('container:'):
        networks['bridge' if mode == 'default' else mode] = {}
    networks.update(endpoints)
    for entry in spec.get('networks') or []:
        if entry['name'] not in endpoints:
            networks[entry['name']] = endpoint_config(entry)
    merged = dict(IMAGE['Config'])
    merged.update(config)
    return dict(Id='c' * 64, Name='/web', Image=IMAGE_ID, Config=merged, HostConfig=host,
                NetworkSettings=dict(Networks=networks))


def test_every_row_has_a_sample_pair():
    missing = [option.name for option in OPTIONS if option.name not in SAMPLES]
    assert not missing, 'option rows without a sample pair in SAMPLES: %s' % missing
    assert not set(SAMPLES) - set(BY_NAME), 'samples for options that are not rows: %s' % (set(SAMPLES) - set(BY_NAME))


@pytest.mark.parametrize('option', [o.name for o in OPTIONS])
def test_row_parse_write_read_back_and_drift(option):
    row = BY_NAME[option]
    a_params, b_params = SAMPLES[option]
    spec_a = build_spec(_params(**a_params))
    assert spec_a.get(option) is not None, 'sample A does not set %s' % option
    # create_config writes it: the body differs from one without the option.
    body_a = create_config(spec_a, _params(**a_params))
    assert body_a != create_config(build_spec(_params()), _params()), option
    # An inspect built from that body reads back equal: no drift on any option.
    container = inspect_from_body(body_a, spec_a)
    assert compare(spec_a, container, IMAGE, IMAGE_ID) == []
    # Sample B drifts, applied as the row says.
    diffs = compare(build_spec(_params(**b_params)), container, IMAGE, IMAGE_ID)
    assert [d['option'] for d in diffs] == [option], diffs
    assert diffs[0]['how'] == row.how
    if row.how == UPDATE:
        assert update_body(diffs), 'an update row writes nothing into docker update: %s' % option


def test_rows_applied_in_place_are_exactly_the_resources_restart_policy_and_networks():
    in_place = sorted(o.name for o in OPTIONS if o.how != RECREATE)
    assert in_place == sorted(['memory', 'memory_reservation', 'memory_swap', 'cpus', 'cpu_shares', 'cpuset_cpus',
                               'pids_limit', 'restart_policy', 'networks'])
    assert BY_NAME['networks'].how == RECONNECT
    assert all(o.update for o in OPTIONS if o.how == UPDATE)


# --------------------------------------------------------------- engine forms and spellings

def _created(**kw):
    spec = build_spec(_params(**kw))
    return spec, inspect_from_body(create_config(spec, _params(**kw)), spec)


@pytest.mark.parametrize('option, first, others', [
    ('memory', 536870912, ['512m', '512M', '0.5g', '524288k', '512mb']),
    ('shm_size', '64m', [67108864, '65536k']),
    ('memory_swap', -1, ['-1']),
    ('cpus', 1.5, ['1.5', '1.50']),
    ('cpuset_cpus', '0-2', ['0,1,2', '0-1,2', '2,0-1']),
    ('pids_limit', 0, [-1]),
    ('healthcheck', dict(test='true', interval=90, timeout=5), [dict(test='true', interval='1m30s', timeout='5s')]),
    ('healthcheck', dict(test='true', start_period=0.5), [dict(test='true', start_period='500ms')]),
    ('ulimits', ['nofile:1024:2048'], [[dict(name='nofile', soft=1024, hard=2048)], ['nofile=1024:2048']]),
    ('cap_add', ['NET_ADMIN'], [['CAP_NET_ADMIN'], ['net_admin']]),
    ('etc_hosts', {'v6': 'fd00::1'}, [{'v6': 'fd00:0::0001'}]),
    ('tmpfs', ['/t:size=64m,mode=1777'], [['/t/:mode=1777,size=64m']]),
    ('stop_signal', 'SIGQUIT', ['quit', 'QUIT']),
    ('working_dir', '/srv', ['/srv/']),
    ('exposed_ports', ['53/udp', '8080'], [['8080/tcp', '53/UDP']]),
    ('volumes_from', ['other'], [['other:rw']]),
    ('security_opts', ['no-new-privileges', 'label=disable'],
     [['no-new-privileges:true', 'label:disable'], ['no-new-privileges=true', 'label=disable']]),
    ('networks', [dict(name='front', aliases=['web', 'www'])], [[dict(name='front', aliases=['www'])]]),
])
def test_equivalent_spellings_are_no_drift(option, first, others):
    _spec, container = _created(**{option: first})
    for other in others:
        assert compare(build_spec(_params(**{option: other})), container, IMAGE, IMAGE_ID) == [], other


@pytest.mark.parametrize('option, params, host, config', [
    # 26.1 and 28.5 store capabilities as CAP_X; 20.10 as given.
    ('cap_add', dict(cap_add=['CAP_NET_ADMIN']), dict(CapAdd=['NET_ADMIN']), {}),
    ('cap_drop', dict(cap_drop=['net_raw']), dict(CapDrop=['CAP_NET_RAW']), {}),
    # Unlimited pids: 20.10 reports 0 or null, 26.1+ null or -1.
    ('pids_limit', dict(pids_limit=0), dict(PidsLimit=None), {}),
    ('pids_limit', dict(pids_limit=-1), dict(PidsLimit=-1), {}),
    ('pids_limit', dict(pids_limit=0), dict(PidsLimit=0), {}),
    # ExtraHosts written host:ip by us, host=ip by newer CLIs.
    ('etc_hosts', dict(etc_hosts={'db': '10.1.2.3'}), dict(ExtraHosts=['db=10.1.2.3']), {}),
    ('etc_hosts', dict(etc_hosts={'v6': 'fd00::1'}), dict(ExtraHosts=['v6:[fd00::1]']), {}),
    # The engine leaves healthcheck zeros out.
    ('healthcheck', dict(healthcheck=dict(test='true', retries=0)), {},
     dict(Healthcheck=dict(Test=['CMD-SHELL', 'true']))),
    # The tmpfs options in another order.
    ('tmpfs', dict(tmpfs=['/t:size=64m,mode=1777']), dict(Tmpfs={'/t': 'mode=1777,size=64m'}), {}),
    # No log options: {} on one engine, null on another.
    ('log_driver', dict(log_driver='json-file'), dict(LogConfig=dict(Type='json-file', Config=None)), {}),
    # Numbers of memory given in bytes read back the same.
    ('memory_swap', dict(memory_swap=-1), dict(MemorySwap=-1), {}),
])
def test_engine_forms_read_back_equal(option, params, host, config):
    spec, container = _created(**params)
    container['HostConfig'].update(host)
    container['Config'].update(config)
    assert compare(spec, container, IMAGE, IMAGE_ID) == []


def test_healthcheck_start_interval_needs_api_1_44():
    spec = build_spec(_params(healthcheck=dict(test='true', start_interval='2s')))
    check_api(spec, (1, 44))
    with pytest.raises(ContainerSpecError) as err:
        check_api(spec, (1, 41))
    assert str(err.value) == 'healthcheck needs Docker API 1.44 or newer; this engine speaks 1.41.'
    check_api(build_spec(_params(healthcheck=dict(test='true', interval='2s'))), (1, 41))


@pytest.mark.parametrize('params, fragment', [
    (dict(memory='12zb'), 'Invalid memory'),
    (dict(memory_swap='-2'), 'Invalid memory_swap'),
    (dict(cpus=0), 'Invalid cpus'),
    (dict(cpus=float('nan')), 'Invalid cpus'),
    (dict(cpu_shares=1), 'Invalid cpu_shares'),
    (dict(cpuset_cpus='0-1;rm'), 'Invalid cpuset_cpus'),
    (dict(cpuset_cpus='3-1'), 'Invalid cpuset_cpus'),
    (dict(pids_limit=-7), 'Invalid pids_limit'),
    (dict(healthcheck=dict(test='true', interval='10 parsecs')), 'Invalid healthcheck interval'),
    (dict(healthcheck=dict(test='true', interval='500us')), 'at least 1ms'),
    (dict(healthcheck=dict(retries=-1, test='true')), 'Invalid healthcheck retries'),
    (dict(log_options={'max-size': ['10m']}), 'Invalid log_options value for max-size'),
    (dict(etc_hosts={'db': '10.1.2'}), 'Invalid etc_hosts address'),
    (dict(etc_hosts={'a b': '10.1.2.3'}), 'Invalid etc_hosts name'),
    (dict(hostname='bad host!'), 'Invalid hostname'),
    (dict(hostname='a' * 65), 'Invalid hostname'),
    (dict(domainname='-bad.test'), 'Invalid domainname'),
    (dict(user='root\nx'), 'Invalid user'),
    (dict(user='a:b:c'), 'Invalid user'),
    (dict(cap_add=['NET ADMIN']), 'Invalid cap_add entry'),
    (dict(devices=['null:/dev/x']), 'Invalid devices entry'),
    (dict(device_requests=[dict(count='all')]), 'Invalid device_requests count'),
    (dict(ulimits=['nofile:2048:1024']), 'Invalid ulimits entry'),
    (dict(ulimits=['nofile']), 'Invalid ulimits entry'),
    (dict(sysctls={'x; rm': 1}), 'Invalid sysctls name'),
    (dict(tmpfs=['/t:size=lots']), 'Invalid tmpfs option'),
    (dict(tmpfs=['relative']), 'must be absolute'),
    (dict(stop_signal='SIG KILL'), 'Invalid stop_signal'),
    (dict(pid_mode='bogus'), 'Invalid pid_mode'),
    (dict(ipc_mode='container:'), 'Invalid ipc_mode'),
    (dict(volumes_from=['x:rx']), 'Invalid volumes_from entry'),
    (dict(networks=[dict(name='n', ipv4_address='10.0.0.300')]), 'is not an address'),
    (dict(comparisons={'memory': 'loose'}), 'Invalid comparisons mode'),
    (dict(comparisons={'no_such_option': 'ignore'}), 'Invalid comparisons key'),
])
def test_hostile_values_raise_one_clear_error(params, fragment):
    with pytest.raises(ContainerSpecError) as err:
        build_spec(_params(**params))
    assert fragment in str(err.value)
    assert '\n' not in str(err.value)


def test_networks_allow_more_present_keeps_networks_another_tool_connected():
    _spec, container = _created(networks=[dict(name='front', aliases=['a'])])
    container['NetworkSettings']['Networks']['monitoring'] = {}
    strict = compare(build_spec(_params(networks=['front'])), container, IMAGE, IMAGE_ID)
    assert [d['option'] for d in strict] == ['networks']
    assert [e['name'] for e in strict[0]['engine']] == ['front']   # reconnect would drop monitoring
    loose = dict(networks=['front'], comparisons=dict(networks='allow_more_present'))
    assert compare(build_spec(_params(**loose)), container, IMAGE, IMAGE_ID) == []
    # Other drift on the same row keeps the extra network in what reconnect is given.
    loose['networks'] = [dict(name='front', aliases=['b'])]
    diffs = compare(build_spec(_params(**loose)), container, IMAGE, IMAGE_ID)
    assert [e['name'] for e in diffs[0]['engine']] == ['front', 'monitoring']
    assert diffs[0]['engine'][0]['aliases'] == ['b']
