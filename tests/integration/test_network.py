"""fleet.docker.network on the real engine: create, idempotence, recreate with containers, refusals."""

import pytest

from fleet_netlib import WORKER, free_octet, pings, reaches, run_on
from fleet_netlib import nets  # noqa: F401  # pylint: disable=unused-import
from fleet_testlib import TEST_LABEL, converge_twice, run_module, unique


def _net(engine, name):
    found = [n for n in engine.networks(names=[name]) if n['Name'] == name]
    return engine.inspect_network(found[0]['Id']) if found else None


def _touched(engine, name, x):
    """What a refused task could have changed: networks of that name, the built-ins, and holders of the test's
    pools (other tests add and remove their own networks meanwhile, so not the whole list)."""
    ours = ('10.231.%d.' % x, '10.231.%d.' % (x + 1))
    return sorted((n['Name'], n['Id']) for n in engine.networks()
                  if n['Name'] in (name, 'bridge', 'host', 'none', 'default')
                  or any((c.get('Subnet') or '').startswith(ours) for c in (n.get('IPAM') or {}).get('Config') or []))


def _pools(net):
    return sorted((c.get('Subnet'), c.get('Gateway'), c.get('IPRange'), tuple(sorted((c.get('AuxiliaryAddresses') or
                                                                                      {}).items())))
                  for c in net['IPAM']['Config'] or [])


def test_plain_bridge_check_create_rerun_remove(engine, nets):
    name = nets()
    args = dict(name=name, labels={TEST_LABEL: name})
    checked = run_module('network', args, check=True, diff=True)
    assert checked.changed and checked['actions'] == ['created'] and not checked.failed
    assert _net(engine, name) is None, 'check mode created the network'
    first, _second = converge_twice('network', args, diff=True)
    assert first['diff']['before'] == {'state': 'absent'} and first['diff']['after']['state'] == 'present'
    net = _net(engine, name)
    assert net['Driver'] == 'bridge' and first['network']['id'] == net['Id']
    # The engine chose a pool and a gateway: the result shows them, and they are no drift.
    assert first['network']['ipam_config'] and first['network']['ipam_config'][0]['subnet']
    assert run_module('network', dict(name=name)).changed is False
    before = engine.inspect_network(net['Id'])
    assert run_module('network', dict(args, state='absent'), check=True).changed
    assert engine.inspect_network(net['Id']) == before
    gone = run_module('network', dict(args, state='absent'), diff=True)
    assert gone.changed and gone['actions'] == ['removed'] and gone['network'] is None
    assert gone['diff'] == {'before': {'state': 'present'}, 'after': {'state': 'absent'}}
    assert _net(engine, name) is None
    assert run_module('network', dict(args, state='absent')).changed is False


def test_custom_ipam_is_idempotent_against_the_normalised_form(engine, nets):
    name, x = nets(), free_octet(engine)
    pool = dict(subnet='10.231.%d.0/24' % x, gateway='10.231.%d.1' % x, ip_range='10.231.%d.128/25' % x,
                aux_addresses={'router': '10.231.%d.2' % x, 'printer': '10.231.%d.3' % x})
    args = dict(name=name, ipam_config=[pool])
    converge_twice('network', args)
    assert _pools(_net(engine, name)) == [('10.231.%d.0/24' % x, '10.231.%d.1' % x, '10.231.%d.128/25' % x,
                                           (('printer', '10.231.%d.3' % x), ('router', '10.231.%d.2' % x)))]
    # Same pool written otherwise (host bits, leading zeros in nothing else), or with fields unset: no change.
    for same in (dict(pool, subnet='10.231.%d.77/24' % x), dict(subnet='10.231.%d.0/24' % x),
                 dict(pool, iprange=pool['ip_range'], ip_range=None)):
        again = run_module('network', dict(name=name, ipam_config=[same]))
        assert not again.failed and again.changed is False, (same, again)
    moved = run_module('network', dict(name=name, ipam_config=[dict(pool, gateway='10.231.%d.254' % x)]), diff=True)
    assert moved.changed and moved['actions'] == ['recreated'], moved
    assert [c['option'] for c in moved['changes']] == ['ipam_config']
    assert moved['diff']['before']['ipam_config'][0]['gateway'] == '10.231.%d.1' % x
    assert moved['diff']['after']['ipam_config'][0]['gateway'] == '10.231.%d.254' % x
    assert _net(engine, name)['IPAM']['Config'][0]['Gateway'] == '10.231.%d.254' % x


def test_dual_stack_ipv6(engine, janitor, nets):
    """Docker 20.10 takes enable_ipv6 with an explicit IPv6 subnet on a user network (it has no IPv6 default pool)."""
    name, x = nets(), free_octet(engine)
    v4, v6 = '10.231.%d.0/24' % x, 'fd00:231:%x::/64' % x
    args = dict(name=name, enable_ipv6=True, ipam_config=[dict(subnet=v6), dict(subnet=v4)])
    converge_twice('network', args)
    net = _net(engine, name)
    assert net['EnableIPv6'] is True and sorted(c['Subnet'] for c in net['IPAM']['Config']) == sorted([v4, v6])
    assert run_module('network', dict(args, ipam_config=[dict(subnet=v4), dict(subnet=v6)])).changed is False
    # Written with leading zeros, the same IPv6 pool is no drift.
    long_v6 = 'fd00:0231:%04x:0000::/64' % x
    assert run_module('network', dict(args, ipam_config=[dict(subnet=long_v6), dict(subnet=v4)])).changed is False
    cid = run_on(engine, janitor, name)
    info = run_module('network_info', dict(name=[name]))
    entry = info['network']['containers'][0]
    assert entry['id'] == cid and entry['ipv4'].startswith('10.231.%d.' % x) and entry['ipv6'].startswith('fd00:231:')
    ipv6_off = run_module('network', dict(args, enable_ipv6=False, ipam_config=[dict(subnet=v4)]), diff=True)
    assert ipv6_off.failed and 'force: true' in ipv6_off['msg'] and entry['name'] in ipv6_off['msg']
    assert _net(engine, name)['Id'] == net['Id']


def test_ipv6_subnet_only_lets_the_engine_pick_ipv4(engine, nets):
    name, x = nets(), free_octet(engine)
    args = dict(name=name, enable_ipv6=True, ipam_config=[dict(subnet='fd00:231:%x::/64' % x)])
    first, _second = converge_twice('network', args)
    assert {c['subnet'].count(':') > 0 for c in first['network']['ipam_config']} == {True, False}


@pytest.mark.parametrize('option, value, other, check', [
    ('internal', True, False, lambda n: n['Internal'] is True),
    ('attachable', True, False, lambda n: n['Attachable'] is True),
    # Labels compare the keys the task names (community.docker's rule): a changed value recreates.
    ('labels', {'tier': 'db', 'n': 1}, {'tier': 'web'}, lambda n: n['Labels'].get('tier') == 'db' and
     n['Labels'].get('n') == '1'),
    ('driver_options', {'com.docker.network.bridge.enable_icc': False, 'com.docker.network.driver.mtu': 1400},
     {'com.docker.network.bridge.enable_icc': 'true'},
     lambda n: n['Options']['com.docker.network.bridge.enable_icc'] == 'false' and
     n['Options']['com.docker.network.driver.mtu'] == '1400'),
])
def test_settings_create_rerun_and_change(engine, nets, option, value, other, check):
    name = nets()
    args = {'name': name, option: value}
    converge_twice('network', args)
    net = _net(engine, name)
    assert check(net), net
    if option == 'driver_options':  # strings the way the engine stores them are the same options
        same = dict((k, str(v).lower()) for k, v in value.items())
        assert run_module('network', dict(args, driver_options=same)).changed is False
    changed = run_module('network', {'name': name, option: other}, diff=True)
    assert changed.changed and changed['actions'] == ['recreated'] and changed['changes'][0]['option'] == option
    assert _net(engine, name)['Id'] != net['Id']
    assert run_module('network', {'name': name, option: other}).changed is False
    # Not set in the task: kept as it is, and kept over a recreate for another setting.
    assert run_module('network', {'name': name}).changed is False


def test_bridge_name_driver_option_and_carry_over(engine, nets):
    name, bridge = nets(), 'br-%s' % unique('')[-8:]
    args = dict(name=name, driver_options={'com.docker.network.bridge.name': bridge}, internal=True,
                labels={TEST_LABEL: name})
    converge_twice('network', args)
    assert _net(engine, name)['Options']['com.docker.network.bridge.name'] == bridge
    relabelled = run_module('network', dict(name=name, labels={TEST_LABEL: name, 'more': 'yes'}))
    assert relabelled.changed
    net = _net(engine, name)
    # internal and the bridge name, not in the task, survive the recreate.
    assert net['Internal'] is True and net['Options']['com.docker.network.bridge.name'] == bridge
    assert net['Labels'] == {TEST_LABEL: name, 'more': 'yes'}


def _pair(engine, janitor, name, x, web_ip=None, web_ip6=None):
    web = run_on(engine, janitor, name, aliases=['shop'], ipv4=web_ip, ipv6=web_ip6)
    worker = run_on(engine, janitor, name, image=WORKER, aliases=['jobs'],
                    links=[(engine.inspect_container(web)['Name'].lstrip('/'), 'legacy')])
    return web, worker


def test_two_containers_reach_each_other_by_alias(engine, janitor, nets):
    name, x = nets(), free_octet(engine)
    run_module('network', dict(name=name, ipam_config=[dict(subnet='10.231.%d.0/24' % x)]))
    web, worker = _pair(engine, janitor, name, x)
    assert reaches(engine, worker, 'shop') is True
    assert reaches(engine, worker, 'legacy') is True
    assert pings(engine, web, 'jobs') is True


def test_subnet_change_with_containers_refused_then_forced(engine, janitor, nets):
    name, x = nets(), free_octet(engine)
    v6 = 'fd00:231:%x::/64' % x
    small = dict(name=name, enable_ipv6=True,
                 ipam_config=[dict(subnet='10.231.%d.0/25' % x), dict(subnet=v6)])
    run_module('network', small)
    web, worker = _pair(engine, janitor, name, x, web_ip='10.231.%d.10' % x, web_ip6='fd00:231:%x::10' % x)
    assert reaches(engine, worker, 'shop') is True
    # A stopped container with a static address is attached too, and keeps its place.
    idle = run_on(engine, janitor, name, image=WORKER, aliases=['idle'], ipv4='10.231.%d.20' % x)
    engine.kill(idle)
    net = _net(engine, name)
    wide = dict(small, ipam_config=[dict(subnet='10.231.%d.0/24' % x), dict(subnet=v6)])
    refused = run_module('network', wide)
    names = sorted(engine.inspect_container(c)['Name'].lstrip('/') for c in (web, worker, idle))
    assert refused.failed and refused.changed is False
    assert all(n in refused['msg'] for n in names) and 'force: true' in refused['msg'], refused['msg']
    assert 'Nothing was changed' in refused['msg']
    assert engine.inspect_network(net['Id']) == net
    checked = run_module('network', dict(wide, force=True), check=True, diff=True)
    assert checked.changed and 'recreated' in checked['actions']
    assert checked['diff']['before']['containers'] == names
    assert engine.inspect_network(net['Id']) == net
    forced = run_module('network', dict(wide, force=True), diff=True)
    assert not forced.failed and forced.changed, forced
    assert 'recreated' in forced['actions'] and sorted(forced['actions'][-3:]) == ['reconnected %s' % n for n in names]
    assert sorted(forced['diff']['after']['containers']) == names
    after = _net(engine, name)
    assert after['Id'] != net['Id'] and '10.231.%d.0/24' % x in [c['Subnet'] for c in after['IPAM']['Config']]
    assert sorted(after['Containers']) == sorted([web, worker])  # the same containers, same IDs
    web_net = engine.inspect_container(web)['NetworkSettings']['Networks'][name]
    assert web_net['IPAddress'] == '10.231.%d.10' % x and web_net['GlobalIPv6Address'] == 'fd00:231:%x::10' % x
    assert web_net['IPAMConfig']['IPv4Address'] == '10.231.%d.10' % x
    assert 'shop' in web_net['Aliases']
    worker_net = engine.inspect_container(worker)['NetworkSettings']['Networks'][name]
    assert 'jobs' in worker_net['Aliases'] and worker_net['Links']
    assert reaches(engine, worker, 'shop') is True and reaches(engine, worker, 'legacy') is True
    assert pings(engine, web, 'jobs') is True
    engine.start(idle)
    idle_net = engine.inspect_container(idle)['NetworkSettings']['Networks'][name]
    assert idle_net['IPAddress'] == '10.231.%d.20' % x and 'idle' in idle_net['Aliases']
    assert pings(engine, web, 'idle') is True
    assert run_module('network', dict(wide, force=True)).changed is False


def test_static_address_outside_the_new_subnet_refused_even_with_force(engine, janitor, nets):
    name, x = nets(), free_octet(engine)
    run_module('network', dict(name=name, ipam_config=[dict(subnet='10.231.%d.0/24' % x)]))
    web = run_on(engine, janitor, name, aliases=['shop'], ipv4='10.231.%d.10' % x)
    net = _net(engine, name)
    result = run_module('network', dict(name=name, force=True, ipam_config=[dict(subnet='10.231.%d.0/24' % (x + 1))]))
    web_name = engine.inspect_container(web)['Name'].lstrip('/')
    assert result.failed and result.changed is False and web_name in result['msg']
    assert '10.231.%d.10' % x in result['msg'] and 'Nothing was changed' in result['msg']
    assert engine.inspect_network(net['Id']) == net


def test_failed_create_during_recreate_puts_the_old_network_back(engine, janitor, nets):
    name, x = nets(), free_octet(engine)
    run_module('network', dict(name=name, ipam_config=[dict(subnet='10.231.%d.0/24' % x)]))
    web = run_on(engine, janitor, name, aliases=['shop'], ipv4='10.231.%d.10' % x)
    # An option value only the engine can judge: found when the new network is created.
    result = run_module('network', dict(name=name, force=True, driver_options={'com.docker.network.driver.mtu': 'abc'}))
    assert result.failed and result.changed is True, result
    assert 'created again with its previous settings' in result['msg'] and 'mtu' in result['msg'], result['msg']
    back = _net(engine, name)
    assert [c['Subnet'] for c in back['IPAM']['Config']] == ['10.231.%d.0/24' % x]
    web_net = engine.inspect_container(web)['NetworkSettings']['Networks'][name]
    assert web_net['IPAddress'] == '10.231.%d.10' % x and 'shop' in web_net['Aliases']


def test_absent_with_containers_refused_then_forced(engine, janitor, nets):
    name = nets()
    run_module('network', dict(name=name))
    web = run_on(engine, janitor, name)
    # A stopped container has no endpoint, but would not start again without its network: attached too.
    stopped = run_on(engine, janitor, name, image=WORKER)
    engine.kill(stopped)
    names = sorted(engine.inspect_container(c)['Name'].lstrip('/') for c in (web, stopped))
    refused = run_module('network', dict(name=name, state='absent'))
    assert refused.failed and refused.changed is False and 'force' in refused['msg']
    assert all(n in refused['msg'] for n in names), refused['msg']
    assert _net(engine, name) is not None
    gone = run_module('network', dict(name=name, state='absent', force=True))
    assert gone.changed and sorted(gone['actions'][:2]) == ['disconnected %s' % n for n in names]
    assert gone['actions'][2:] == ['removed']
    assert _net(engine, name) is None
    for cid in (web, stopped):  # the containers are kept, off the network
        assert engine.inspect_container(cid)['Id'] == cid
        assert name not in engine.inspect_container(cid)['NetworkSettings']['Networks']


BAD = [
    (dict(name=''), 'must not be empty'),
    (dict(name='bridge'), 'built in or reserved'),
    (dict(name='host'), 'built in or reserved'),
    (dict(name='none'), 'built in or reserved'),
    (dict(name='default'), 'built in or reserved'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/33')]), 'not a valid CIDR'),
    (dict(ipam_config=[dict(subnet='10.231.X.0')]), 'not a valid CIDR'),
    (dict(ipam_config=[dict(subnet='fd00:231::')]), 'not a valid CIDR'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24', gateway='10.231.Y.1')]), 'outside subnet'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24', gateway='fd00::1')]), 'is IPv6 but subnet'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24', gateway='10.231.X.0')]), 'network or broadcast'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24', gateway='10.231.X.300')]), 'not a valid IP address'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24', ip_range='10.231.Y.0/26')]), 'not inside subnet'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24', aux_addresses={'a': '10.231.Y.3'})]), 'outside subnet'),
    (dict(ipam_config=[dict(subnet='10.231.X.0/24'), dict(subnet='10.231.X.128/25')]), 'overlaps ipam_config[1]'),
    (dict(driver_options={'a': ['list']}), 'expected a string'),
]


@pytest.mark.parametrize('args, text', BAD)
def test_bad_input_refused_and_nothing_changes(engine, nets, args, text):
    x = free_octet(engine)
    args = dict(args)
    args.setdefault('name', nets())
    for entry in args.get('ipam_config') or []:
        for key, value in list(entry.items()):
            if isinstance(value, str):
                entry[key] = value.replace('X', str(x)).replace('Y', str(x + 1))
            elif isinstance(value, dict):
                entry[key] = dict((k, v.replace('X', str(x)).replace('Y', str(x + 1))) for k, v in value.items())
    before = _touched(engine, args['name'], x)
    result = run_module('network', args)
    assert result.failed and result.changed is False and text in result['msg'], result
    assert len(result['msg']) < 400 and '\n' not in result['msg']
    assert _touched(engine, args['name'], x) == before


def test_subnet_overlapping_another_network_refused(engine, nets):
    first, second, x = nets(), nets(), free_octet(engine)
    run_module('network', dict(name=first, ipam_config=[dict(subnet='10.231.%d.0/24' % x)]))
    before = _touched(engine, second, x)
    result = run_module('network', dict(name=second, ipam_config=[dict(subnet='10.231.%d.128/25' % x)]))
    assert result.failed and 'overlaps subnet 10.231.%d.0/24 of network %s' % (x, first) in result['msg'], result
    assert _touched(engine, second, x) == before and second not in [n for n, _id in before]
    # Its own pool is no overlap when the network is recreated.
    moved = run_module('network', dict(name=first, ipam_config=[dict(subnet='10.231.%d.0/24' % x,
                                                                     ip_range='10.231.%d.0/25' % x)]))
    assert not moved.failed and moved.changed, moved
