"""Container options of issue #14 that need more than one value: networks entries (aliases reached
by name, static addresses, reconnect in place), comparisons, wait_healthy, check and diff mode on
an update in place and a reconnect, pid/ipc/volumes_from from another container, min API."""

from __future__ import annotations

import random
import time

import pytest

from fleet_testlib import (TEST_LABEL, WEB, WORKER, container_exists, container_state, converge_twice, exec_sh, run_module,
                           unique)

IMAGE = WEB + ':1.0'
WORKER_IMAGE = WORKER + ':1.0'


def _args(janitor, name, **kw):
    return janitor.container_args(name, **dict(dict(stop_timeout=1), **kw))    # quick stops: options recreate often


@pytest.fixture
def network(engine, janitor):
    """A user network with a subnet of its own, removed after the test (its containers first)."""
    created = []

    def make(subnet=False):
        name = unique('net')
        ipam = None
        for _attempt in range(20):
            net = '10.%d.%d.0/24' % (random.randint(160, 199), random.randint(0, 255)) if subnet else None
            if net:
                import docker
                ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=net)])
            try:
                engine.create_network(name, labels={TEST_LABEL: janitor.tag}, ipam=ipam)
                created.append(name)
                return name, net
            except Exception as exc:  # pylint: disable=broad-except
                if 'overlap' not in str(exc).lower():
                    raise
        raise AssertionError('no free subnet for the test network')
    yield make
    janitor.cleanup()
    for name in created:
        try:
            engine.remove_network(name)
        except Exception:  # pylint: disable=broad-except
            pass


def _aliases(engine, name, net):
    return set(engine.inspect_container(name)['NetworkSettings']['Networks'][net].get('Aliases') or [])


# ------------------------------------------------------------------------------- networks

def test_containers_reach_each_other_by_alias_and_an_alias_change_is_applied_in_place(engine, janitor, network):
    net, _subnet = network()
    web, client = unique('web'), unique('cli')
    first, _second = converge_twice('container', _args(janitor, web, networks=[dict(name=net, aliases=['alpha'])]))
    converge_twice('container', _args(janitor, client, image=WORKER_IMAGE, networks=[dict(name=net, aliases=['beta'])]))
    assert 'alpha' in _aliases(engine, web, net)
    assert exec_sh(engine, client, 'ping -c1 -W2 alpha')[0] == 0
    assert exec_sh(engine, web, 'ping -c1 -W2 beta')[0] == 0
    code, out = exec_sh(engine, client, 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w2 alpha 80')
    assert code == 0 and out.startswith('HTTP/1.'), out   # the web container answers on its alias
    started = engine.inspect_container(web)['State']['StartedAt']

    changed = run_module('container', _args(janitor, web, networks=[dict(name=net, aliases=['gamma'])]))
    assert not changed.failed and changed.changed and changed['actions'] == ['reconnected'], changed
    ins = engine.inspect_container(web)
    assert ins['Id'] == first['container']['id'] and ins['State']['Running'] and ins['State']['StartedAt'] == started
    assert 'gamma' in _aliases(engine, web, net) and 'alpha' not in _aliases(engine, web, net)
    assert exec_sh(engine, client, 'ping -c1 -W2 gamma')[0] == 0
    assert exec_sh(engine, client, 'ping -c1 -W2 alpha')[0] != 0
    again = run_module('container', _args(janitor, web, networks=[dict(name=net, aliases=['gamma'])]))
    assert not again.failed and again.changed is False, again
    # An entry without aliases keeps the ones the container has; a plain name string is the same entry.
    again = run_module('container', _args(janitor, web, networks=[net]))
    assert not again.failed and again.changed is False, again


def test_static_ipv4_address_on_a_subnet_and_its_change_in_place(engine, janitor, network):
    net, subnet = network(subnet=True)
    prefix = subnet.rsplit('.', 1)[0]
    name = unique()
    first, _second = converge_twice('container', _args(janitor, name, networks=[dict(name=net, ipv4_address=prefix + '.10')]))
    endpoint = engine.inspect_container(name)['NetworkSettings']['Networks'][net]
    assert endpoint['IPAddress'] == prefix + '.10' and endpoint['IPAMConfig']['IPv4Address'] == prefix + '.10'
    assert prefix + '.10/24' in exec_sh(engine, name, 'ip -4 addr')[1]

    bad = run_module('container', _args(janitor, name, networks=[dict(name=net, ipv4_address=prefix + '.300')]))
    assert bad.failed and 'is not an address' in bad['msg'], bad
    assert engine.inspect_container(name)['NetworkSettings']['Networks'][net]['IPAddress'] == prefix + '.10'

    changed = run_module('container', _args(janitor, name, networks=[dict(name=net, ipv4_address=prefix + '.11')]))
    assert not changed.failed and changed['actions'] == ['reconnected'], changed
    ins = engine.inspect_container(name)
    assert ins['Id'] == first['container']['id'] and ins['State']['Running']
    assert ins['NetworkSettings']['Networks'][net]['IPAddress'] == prefix + '.11'
    assert prefix + '.11/24' in exec_sh(engine, name, 'ip -4 addr')[1]
    again = run_module('container', _args(janitor, name, networks=[dict(name=net, ipv4_address=prefix + '.11')]))
    assert not again.failed and again.changed is False, again


def test_check_mode_and_diff_for_an_update_in_place_and_a_reconnect(engine, janitor, network):
    net, _subnet = network()
    name = unique()
    converge_twice('container', _args(janitor, name, memory='512m', cpus=1,
                                      networks=[dict(name=net, aliases=['one'])]))
    before = container_state(engine, name)

    planned = run_module('container', _args(janitor, name, memory='1g', cpus=0.5,
                                            networks=[dict(name=net, aliases=['two'])]), check=True, diff=True)
    assert not planned.failed and planned.changed and planned['actions'] == ['updated', 'reconnected'], planned
    assert container_state(engine, name) == before
    diff = planned['diff']
    assert diff['before']['memory'] == 512 * 2 ** 20 and diff['after']['memory'] == 2 ** 30, diff
    assert diff['before']['cpus'] == 1 and diff['after']['cpus'] == 0.5, diff
    assert diff['before']['networks'] == [dict(name=net, aliases=['one'])], diff
    assert diff['after']['networks'] == [dict(name=net, aliases=['two'])], diff
    assert diff['before']['state'] == diff['after']['state'] == 'started'

    done = run_module('container', _args(janitor, name, memory='1g', cpus=0.5,
                                         networks=[dict(name=net, aliases=['two'])]), diff=True)
    assert not done.failed and done['actions'] == ['updated', 'reconnected'], done
    assert done['diff'] == diff
    ins = engine.inspect_container(name)
    assert (ins['Id'], ins['State']['StartedAt']) == (before['id'], before['started']) and ins['State']['Running']
    assert ins['HostConfig']['Memory'] == 2 ** 30 and ins['HostConfig']['NanoCpus'] == 5 * 10 ** 8
    assert 'two' in _aliases(engine, name, net)


def test_pids_limit_unlimited_spellings_and_update_back_to_unlimited(engine, janitor):
    name = unique()
    first, _second = converge_twice('container', _args(janitor, name, pids_limit=0))
    assert engine.inspect_container(name)['HostConfig']['PidsLimit'] in (None, 0, -1)
    assert run_module('container', _args(janitor, name, pids_limit=-1)).changed is False
    limited = run_module('container', _args(janitor, name, pids_limit=50))
    assert limited['actions'] == ['updated'] and engine.inspect_container(name)['HostConfig']['PidsLimit'] == 50
    back = run_module('container', _args(janitor, name, pids_limit=0))
    assert back['actions'] == ['updated'] and back['container']['id'] == first['container']['id'], back
    assert exec_sh(engine, name, 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')[1].strip() \
        == 'max'
    for spelling in (0, -1):
        assert run_module('container', _args(janitor, name, pids_limit=spelling)).changed is False


def test_memory_update_without_swap_keeps_the_container(engine, janitor):
    """Memory alone set at create makes the engine set swap to twice memory; raising memory above
    that old swap must still update in place (docker update refuses memory above memoryswap)."""
    name = unique()
    first, _second = converge_twice('container', _args(janitor, name, memory='64m'))
    changed = run_module('container', _args(janitor, name, memory='1g'))
    assert not changed.failed and changed['actions'] == ['updated'], changed
    host = engine.inspect_container(name)['HostConfig']
    assert host['Memory'] == 2 ** 30 and host['MemorySwap'] in (2 ** 31, -1, 0), host
    assert changed['container']['id'] == first['container']['id']
    assert run_module('container', _args(janitor, name, memory=2 ** 30)).changed is False


# ------------------------------------------------------------------------------ comparisons

def test_comparisons_allow_more_present_and_ignore(engine, janitor):
    name = janitor.container(unique())
    # Another tool made the container, with a label of its own.
    engine.create_container(IMAGE, name=name, labels={TEST_LABEL: janitor.tag, 'app': 'web', 'added.by': 'tool'},
                            environment=['MODE=a'], host_config=engine.create_host_config(mem_limit=64 * 2 ** 20))
    engine.start(name)
    own_id = engine.inspect_container(name)['Id']
    labels = {TEST_LABEL: janitor.tag, 'app': 'web'}
    loose = run_module('container', _args(janitor, name, labels=labels, comparisons=dict(labels='allow_more_present')))
    assert not loose.failed and loose.changed is False, loose
    # An ignored option never recreates or updates, also under '*'.
    ignored = run_module('container', _args(janitor, name, labels=labels, env=dict(MODE='b'), memory='128m',
                                            comparisons=dict(labels='allow_more_present', env='ignore',
                                                             memory='ignore')))
    assert not ignored.failed and ignored.changed is False, ignored
    star = run_module('container', _args(janitor, name, labels={'x': 'y'}, env=dict(MODE='b'),
                                         comparisons={'*': 'ignore'}))
    assert not star.failed and star.changed is False, star
    host = engine.inspect_container(name)
    assert host['Id'] == own_id and host['HostConfig']['Memory'] == 64 * 2 ** 20
    # Strict (the default) sees the foreign label as drift and recreates.
    strict = run_module('container', _args(janitor, name, labels=labels))
    assert not strict.failed and 'recreated' in strict['actions'], strict
    assert [c['option'] for c in strict['changes']] == ['labels'], strict['changes']
    assert 'added.by' not in engine.inspect_container(name)['Config']['Labels']
    bad = run_module('container', _args(janitor, name, labels=labels, comparisons=dict(labels='loose')))
    assert bad.failed and 'Invalid comparisons mode' in bad['msg'], bad


# ------------------------------------------------------------------------------ healthcheck

def test_wait_healthy_waits_and_a_failing_check_fails_after_the_timeout_naming_the_container(engine, janitor):
    name = unique()
    hc = dict(test='test -f /usr/share/nginx/html/index.html', interval='1s', timeout=2, retries=2)
    result = run_module('container', _args(janitor, name, healthcheck=hc, wait_healthy=True, wait_timeout=60))
    assert not result.failed, result
    assert engine.inspect_container(name)['State']['Health']['Status'] == 'healthy'
    assert run_module('container', _args(janitor, name, healthcheck=dict(hc, interval=1),
                                         wait_healthy=True)).changed is False

    sick = unique()
    start = time.monotonic()
    failed = run_module('container', _args(janitor, sick, healthcheck=dict(test=['false'], interval='1s'),
                                           wait_healthy=True, wait_timeout=3))
    took = time.monotonic() - start
    assert failed.failed and failed.changed, failed
    assert failed['msg'].startswith('Container %s did not turn healthy within 3 s' % sick), failed['msg']
    assert 3 <= took < 30, took
    assert engine.inspect_container(sick)['State']['Health']['Status'] in ('starting', 'unhealthy')


def test_healthcheck_disable_and_wait_without_a_check(engine, janitor):
    name = unique()
    converge_twice('container', _args(janitor, name, healthcheck=dict(disable=True)))
    assert engine.inspect_container(name)['Config']['Healthcheck']['Test'] == ['NONE']
    assert run_module('container', _args(janitor, name, healthcheck=dict(test=['NONE']))).changed is False
    other = unique()
    result = run_module('container', _args(janitor, other, wait_healthy=True))
    assert result.failed and 'has no healthcheck to wait for' in result['msg'] and other in result['msg'], result


def test_healthcheck_start_interval_needs_api_1_44(engine, janitor):
    name = unique()
    args = _args(janitor, name, healthcheck=dict(test='true', interval='30s', start_period='10s',
                                                 start_interval='2s'))
    api = tuple(int(p) for p in engine.version()['ApiVersion'].split('.'))
    if api < (1, 44):
        result = run_module('container', args)
        assert result.failed and result['msg'] == ('healthcheck needs Docker API 1.44 or newer; this engine speaks '
                                                   '%d.%d.' % api), result
        assert not container_exists(engine, name)
    else:
        converge_twice('container', args)
        hc = engine.inspect_container(name)['Config']['Healthcheck']
        assert hc['StartInterval'] == 2 * 10 ** 9 and hc['StartPeriod'] == 10 * 10 ** 9, hc


# --------------------------------------------------------- pid, ipc and volumes from another container

def test_pid_ipc_and_volumes_from_another_container(engine, janitor):
    helper = unique('helper')
    converge_twice('container', _args(janitor, helper, image=WORKER_IMAGE, volumes=['/shared'], ipc_mode='shareable'))
    exec_sh(engine, helper, 'echo from-helper > /shared/mark')
    name = unique()
    missing = run_module('container', _args(janitor, name, pid_mode='container:no-such-helper-x1'))
    assert missing.failed and missing['msg'] == ('pid_mode container:no-such-helper-x1: there is no container '
                                                 'no-such-helper-x1.'), missing
    assert not container_exists(engine, name)
    first, _second = converge_twice('container', _args(janitor, name, pid_mode='container:' + helper,
                                                       ipc_mode='container:' + helper, volumes_from=[helper]))
    host = engine.inspect_container(name)['HostConfig']
    assert host['PidMode'] == 'container:' + helper or host['PidMode'].startswith('container:'), host['PidMode']
    assert host['VolumesFrom'] == [helper]
    assert exec_sh(engine, name, 'cat /shared/mark')[1].strip() == 'from-helper'
    assert 'sleep' in exec_sh(engine, name, 'ps')[1]   # the helper's loop is in this PID namespace
    again = run_module('container', _args(janitor, name, pid_mode='container:' + helper, ipc_mode='container:' + helper,
                                          volumes_from=[helper + ':rw']))
    assert not again.failed and again.changed is False, again
    changed = run_module('container', _args(janitor, name, pid_mode='host', ipc_mode='container:' + helper,
                                            volumes_from=[helper + ':ro']))
    assert not changed.failed and 'recreated' in changed['actions'], changed
    assert changed['container']['id'] != first['container']['id']
    assert sorted(c['option'] for c in changed['changes']) == ['pid_mode', 'volumes_from']
    assert exec_sh(engine, name, 'touch /shared/x')[0] != 0   # read-only now


def test_networks_allow_more_present_keeps_a_network_another_tool_connected(engine, janitor, network):
    net, _subnet = network()
    extra, _subnet = network()
    name = unique()
    first, _second = converge_twice('container', _args(janitor, name, networks=[dict(name=net, aliases=['one'])]))
    engine.connect_container_to_network(name, extra)
    loose = dict(networks=[dict(name=net, aliases=['one'])], comparisons=dict(networks='allow_more_present'))
    assert run_module('container', _args(janitor, name, **loose)).changed is False
    loose['networks'] = [dict(name=net, aliases=['two'])]
    changed = run_module('container', _args(janitor, name, **loose))
    assert not changed.failed and changed['actions'] == ['reconnected'], changed
    networks = engine.inspect_container(name)['NetworkSettings']['Networks']
    assert extra in networks and 'two' in (networks[net].get('Aliases') or [])
    assert changed['container']['id'] == first['container']['id']
    # Strict (the default) disconnects it, still in place.
    strict = run_module('container', _args(janitor, name, networks=[dict(name=net, aliases=['two'])]))
    assert strict['actions'] == ['reconnected'] and extra not in engine.inspect_container(name)['NetworkSettings'][
        'Networks'], strict
