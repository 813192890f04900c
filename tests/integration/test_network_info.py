"""fleet.docker.network_info on the real engine: settings, attached containers with addresses, missing names."""

from fleet_netlib import WORKER, free_octet, run_on
from fleet_netlib import nets  # noqa: F401  # pylint: disable=unused-import
from fleet_testlib import TEST_LABEL, run_module, unique


def test_one_network_with_containers_and_addresses(engine, janitor, nets):
    name, x = nets(), free_octet(engine)
    created = run_module('network', dict(name=name, enable_ipv6=True, labels={TEST_LABEL: name}, internal=True,
                                         ipam_config=[dict(subnet='10.231.%d.0/24' % x, gateway='10.231.%d.1' % x),
                                                      dict(subnet='fd00:231:%x::/64' % x)]))
    assert not created.failed, created
    web = run_on(engine, janitor, name, aliases=['shop', 'store'], ipv4='10.231.%d.10' % x,
                 ipv6='fd00:231:%x::10' % x)
    worker = run_on(engine, janitor, name, image=WORKER)
    before = engine.inspect_network(created['network']['id'])
    info = run_module('network_info', dict(name=name), check=True)
    assert not info.failed and info.changed is False and info['exists'] is True
    net = info['network']
    assert info['networks'] == [net] and net['exists'] is True
    assert net['id'] == before['Id'] and net['driver'] == 'bridge' and net['internal'] is True
    assert net['enable_ipv6'] is True and net['labels'] == {TEST_LABEL: name}
    assert net['ipam_config'][0] == dict(subnet='10.231.%d.0/24' % x, gateway='10.231.%d.1' % x, ip_range=None,
                                         aux_addresses=None)
    by_id = dict((c['id'], c) for c in net['containers'])
    assert sorted(by_id) == sorted([web, worker])
    shop = by_id[web]
    settings = engine.inspect_container(web)['NetworkSettings']['Networks'][name]
    assert shop['name'] == engine.inspect_container(web)['Name'].lstrip('/')
    assert shop['ipv4'] == '10.231.%d.10' % x and shop['ipv6'] == 'fd00:231:%x::10' % x
    assert shop['ipv4_address'] == '10.231.%d.10' % x and shop['ipv6_address'] == 'fd00:231:%x::10' % x
    assert shop['mac'] == settings['MacAddress'] and shop['mac']
    assert sorted(shop['aliases']) == ['shop', 'store']
    other = by_id[worker]
    assert other['ipv4'].startswith('10.231.%d.' % x) and other['ipv4'] != shop['ipv4']
    assert other['ipv4_address'] is None and other['aliases'] == [] and other['status'] == 'running'
    assert engine.inspect_network(before['Id']) == before  # read-only, also in check mode
    engine.kill(worker)
    stopped = dict((c['id'], c) for c in run_module('network_info', dict(name=name))['network']['containers'])
    assert sorted(stopped) == sorted([web, worker]) and stopped[worker]['status'] == 'exited'
    assert stopped[worker]['ipv4'] is None and stopped[web]['ipv4'] == '10.231.%d.10' % x


def test_list_with_missing_names_and_all(engine, nets):
    present, missing = nets(), unique('fleetnet-missing')
    assert run_module('network', dict(name=present)).changed
    info = run_module('network_info', dict(name=[missing, present]))
    assert not info.failed and info['exists'] is False
    assert [(n['name'], n['exists']) for n in info['networks']] == [(missing, False), (present, True)]
    assert 'network' not in info
    alone = run_module('network_info', dict(name=[missing]))
    assert not alone.failed and alone['exists'] is False and alone['network'] is None
    everything = run_module('network_info', {})
    names = [n['name'] for n in everything['networks']]
    assert present in names and 'bridge' in names and missing not in names
    assert names == sorted(names)
    # A name that matches only part of another network's name is not that network.
    part = run_module('network_info', dict(name=[present[:-2]]))
    assert part['exists'] is False


def test_bad_option_fails_clearly(engine):
    bad = run_module('network_info', dict(name='x', timeout='soon'))
    assert bad.failed and 'timeout' in bad['msg']
