"""Pure network logic: parsing by the engine's rules, comparison against the normalised form, the plan."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import InvalidNameError, check_network_name
from ansible_collections.fleet.docker.plugins.module_utils.networks.apply import _links
from ansible_collections.fleet.docker.plugins.module_utils.networks.ops import ipam_body
from ansible_collections.fleet.docker.plugins.module_utils.networks.plan import plan_network
from ansible_collections.fleet.docker.plugins.module_utils.networks.info import normalise_network
from ansible_collections.fleet.docker.plugins.module_utils.networks.plan import compare_network
from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import NetworkSpecError, parse_network, target_settings


def params(**kw):
    base = dict(name='app', state='present', driver='bridge', driver_options=None, ipam_driver=None,
                ipam_driver_options=None, ipam_config=None, enable_ipv6=None, internal=None, attachable=None,
                labels=None, force=False)
    base.update(kw)
    return base


def engine_net(config=None, **kw):
    """A network as dockerd 20.10 shows it."""
    net = dict(Name='app', Id='n' * 64, Driver='bridge', Scope='local', EnableIPv6=False, Internal=False,
               Attachable=False, Options={}, Labels={},
               IPAM=dict(Driver='default', Options=None, Config=config if config is not None else
                         [dict(Subnet='172.18.0.0/16', Gateway='172.18.0.1')]))
    net.update(kw)
    return net


def diffs(task, net):
    return [d['option'] for d in compare_network(parse_network(params(**task)), normalise_network(net))]


# ---- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['', '   ', 'bridge', 'host', 'none', 'default', 'ingress', 'docker_gwbridge',
                                  'x' * 256, 'a\x00b', 'tab\tname'])
def test_names_the_module_refuses(name):
    with pytest.raises(InvalidNameError):
        check_network_name(name)


@pytest.mark.parametrize('name', ['a', 'my net', 'a:b', 'Ab_c.d-e', 'x' * 255, 'bridge2', 'mybridge'])
def test_names_the_engine_accepts(name):
    assert check_network_name(name) == name


# ---- CIDRs and addresses ---------------------------------------------------------------------

@pytest.mark.parametrize('entry, text', [
    (dict(subnet='10.231.1.0/33'), 'not a valid CIDR'),
    (dict(subnet='10.231.1.0'), 'not a valid CIDR'),
    (dict(subnet='fdd1:ac8c:0557:7ce1::'), 'not a valid CIDR'),
    (dict(subnet='300.1.1.0/24'), 'not a valid CIDR'),
    (dict(subnet=''), 'not a valid CIDR'),
    (dict(subnet='10.231.1.0/24', gateway='10.231.2.1'), 'outside subnet'),
    (dict(subnet='10.231.1.0/24', gateway='fd00::1'), 'is IPv6 but subnet'),
    (dict(subnet='10.231.1.0/24', gateway='10.231.1.0'), 'network or broadcast'),
    (dict(subnet='10.231.1.0/24', gateway='10.231.1.255'), 'network or broadcast'),
    (dict(subnet='10.231.1.0/24', gateway='gw'), 'not a valid IP address'),
    (dict(subnet='10.231.1.0/24', ip_range='10.231.2.0/25'), 'not inside subnet'),
    (dict(subnet='10.231.1.0/24', ip_range='10.231.0.0/23'), 'not inside subnet'),
    (dict(subnet='10.231.1.0/24', aux_addresses=dict(a='10.231.2.3')), 'outside subnet'),
    (dict(subnet='fd00:1::/64', aux_addresses=dict(a='fd00:2::3')), 'outside subnet'),
])
def test_bad_ipam_entries(entry, text):
    with pytest.raises(NetworkSpecError) as exc:
        parse_network(params(ipam_config=[entry]))
    assert text in exc.value.msg and 'ipam_config[0]' in exc.value.msg


@pytest.mark.parametrize('pools', [
    ['10.231.1.0/24', '10.231.1.128/25'],
    ['10.231.0.0/16', '10.231.200.0/24'],
    ['fd00:1::/64', 'fd00:1::/48'],
    ['10.231.1.0/24', '10.231.1.5/24'],
])
def test_overlapping_entries(pools):
    with pytest.raises(NetworkSpecError) as exc:
        parse_network(params(ipam_config=[dict(subnet=p) for p in pools]))
    assert 'overlaps' in exc.value.msg


def test_entries_are_canonical_and_ordered():
    spec = parse_network(params(ipam_config=[dict(subnet='fd00:0231:0001:0000::/64', gateway='fd00:231:1:0::1'),
                                             dict(subnet='10.231.1.7/24', ip_range='10.231.1.130/25',
                                                  aux_addresses=dict(r='10.231.1.2'))]))
    assert spec['ipam_config'] == [
        dict(subnet='10.231.1.0/24', gateway=None, ip_range='10.231.1.128/25', aux_addresses=dict(r='10.231.1.2')),
        dict(subnet='fd00:231:1::/64', gateway='fd00:231:1::1', ip_range=None, aux_addresses=None)]


def test_values_become_engine_strings():
    spec = parse_network(params(driver_options={'com.docker.network.bridge.enable_icc': False,
                                                'com.docker.network.driver.mtu': 1400}, labels={'n': 1}))
    assert spec['driver_options'] == {'com.docker.network.bridge.enable_icc': 'false',
                                      'com.docker.network.driver.mtu': '1400'}
    assert spec['labels'] == {'n': '1'}
    with pytest.raises(NetworkSpecError):
        parse_network(params(labels={'a': {'nested': 1}}))


# ---- comparison against the engine's normalised form ------------------------------------------

def test_engine_filled_pool_is_no_drift():
    assert diffs({}, engine_net()) == []


def test_unset_fields_and_host_bits_are_no_drift():
    net = engine_net([dict(Subnet='10.231.1.0/24', Gateway='10.231.1.1', IPRange='10.231.1.0/26',
                           AuxiliaryAddresses=dict(a='10.231.1.3'))])
    assert diffs(dict(ipam_config=[dict(subnet='10.231.1.9/24')]), net) == []
    assert diffs(dict(ipam_config=[dict(subnet='10.231.1.0/24', gateway='10.231.1.1')]), net) == []
    assert diffs(dict(ipam_config=[dict(subnet='10.231.1.0/24', gateway='10.231.1.2')]), net) == ['ipam_config']
    assert diffs(dict(ipam_config=[dict(subnet='10.231.1.0/24', aux_addresses={})]), net) == ['ipam_config']
    assert diffs(dict(ipam_config=[dict(subnet='10.231.2.0/24')]), net) == ['ipam_config']


def test_engine_as_typed_subnets_are_normalised():
    """dockerd 20.10 stores CIDRs as the user typed them."""
    net = engine_net([dict(Subnet='10.231.1.5/24'), dict(Subnet='fd00:0231:0001:0000::/64')], EnableIPv6=True)
    assert diffs(dict(enable_ipv6=True, ipam_config=[dict(subnet='fd00:231:1::/64'),
                                                     dict(subnet='10.231.1.0/24')]), net) == []


def test_pools_of_a_family_the_task_does_not_name_are_the_engines():
    net = engine_net([dict(Subnet='172.29.0.0/16', Gateway='172.29.0.1'), dict(Subnet='fd00:1::/64')],
                     EnableIPv6=True)
    assert diffs(dict(enable_ipv6=True, ipam_config=[dict(subnet='fd00:1::/64')]), net) == []
    # Naming the family means the task's pools are the whole set for it.
    assert diffs(dict(ipam_config=[dict(subnet='172.29.0.0/16'), dict(subnet='10.231.1.0/24')]), net) == [
        'ipam_config']
    assert diffs(dict(enable_ipv6=False), net) == ['enable_ipv6']


def test_options_and_labels_compare_the_keys_the_task_names():
    net = engine_net(Options={'com.docker.network.bridge.name': 'br-x', 'added.by.engine': '1'},
                     Labels={'a': '1', 'b': '2'})
    assert diffs(dict(driver_options={'com.docker.network.bridge.name': 'br-x'}), net) == []
    assert diffs(dict(driver_options={'com.docker.network.bridge.name': 'br-y'}), net) == ['driver_options']
    assert diffs(dict(labels={'b': 2, 'a': '1'}), net) == []
    # As community.docker.docker_network: a label the task does not name (another tool's) is no difference.
    assert diffs(dict(labels={'a': '1'}), net) == []
    assert diffs(dict(labels={'a': '2'}), net) == ['labels']
    assert diffs(dict(labels={'c': '3'}), net) == ['labels']
    assert diffs(dict(internal=True, attachable=False), net) == ['internal']
    assert diffs(dict(driver='macvlan'), net) == ['driver']
    assert diffs(dict(ipam_driver='default'), net) == []


def test_recreate_keeps_what_the_task_leaves_unset():
    net = normalise_network(engine_net([dict(Subnet='10.231.1.0/24')], Internal=True, Labels={'a': '1'},
                                       Options={'com.docker.network.bridge.name': 'br-x'}))
    target = target_settings(parse_network(params(attachable=True, driver_options={'x': 'y'})), net)
    assert target['internal'] is True and target['labels'] == {'a': '1'} and target['attachable'] is True
    assert target['driver_options'] == {'com.docker.network.bridge.name': 'br-x', 'x': 'y'}
    assert target['ipam_config'][0]['subnet'] == '10.231.1.0/24'


# ---- the plan ---------------------------------------------------------------------------------

WEB = dict(name='web', id='w' * 64, aliases=['shop'], links=[], ipv4_address='10.231.1.10', ipv6_address=None)
WORKER = dict(name='worker', id='k' * 64, aliases=[], links=['web:legacy'], ipv4_address=None, ipv6_address=None)


def plan(task, net=None, attached=(), others=()):
    current = normalise_network(net) if net else None
    return plan_network(parse_network(params(**task)), current, list(attached),
                        [normalise_network(o) for o in others])


def test_plan_create_nothing_and_remove():
    assert plan({})['actions'] == ['created']
    assert plan({}, engine_net())['steps'] == []
    assert plan(dict(state='absent'))['steps'] == []
    assert [s for s, _a in plan(dict(state='absent'), engine_net())['steps']] == ['remove']


def test_plan_refuses_with_containers_unless_forced():
    net = engine_net([dict(Subnet='10.231.1.0/25')])
    with pytest.raises(NetworkSpecError) as exc:
        plan(dict(ipam_config=[dict(subnet='10.231.1.0/24')]), net, [WEB, WORKER])
    assert 'web, worker' in exc.value.msg and 'force: true' in exc.value.msg and 'ipam_config' in exc.value.msg
    with pytest.raises(NetworkSpecError) as exc:
        plan(dict(state='absent'), net, [WORKER])
    assert 'worker' in exc.value.msg
    forced = plan(dict(force=True, ipam_config=[dict(subnet='10.231.1.0/24')]), net, [WEB, WORKER])
    assert [s for s, _a in forced['steps']] == ['disconnect', 'disconnect', 'remove', 'create', 'connect', 'connect']
    assert forced['actions'] == ['disconnected web', 'disconnected worker', 'recreated', 'reconnected web',
                                 'reconnected worker']
    # Settings that already match: containers are left alone even with force.
    assert plan(dict(force=True, ipam_config=[dict(subnet='10.231.1.0/25')]), net, [WEB])['steps'] == []


@pytest.mark.parametrize('pools, text', [
    ([dict(subnet='10.231.2.0/24')], 'outside the new network (10.231.2.0/24)'),
    ([dict(subnet='fd00:1::/64')], 'no configured IPv4 subnet'),
    ([dict(subnet='10.231.1.0/24', gateway='10.231.1.10')], 'the new gateway'),
])
def test_plan_refuses_static_addresses_that_would_not_fit(pools, text):
    net = engine_net([dict(Subnet='10.231.1.0/24')])
    with pytest.raises(NetworkSpecError) as exc:
        plan(dict(force=True, enable_ipv6=True, ipam_config=pools), net, [WEB])
    assert text in exc.value.msg and 'web' in exc.value.msg and 'Nothing was changed' in exc.value.msg


def test_plan_refuses_a_pool_another_network_holds_but_not_its_own():
    other = engine_net([dict(Subnet='10.231.0.0/16')], Name='other', Id='o' * 64)
    with pytest.raises(NetworkSpecError) as exc:
        plan(dict(ipam_config=[dict(subnet='10.231.1.0/24')]), None, [], [other])
    assert 'overlaps subnet 10.231.0.0/16 of network other' in exc.value.msg
    mine = engine_net([dict(Subnet='10.231.1.0/24')])
    assert plan(dict(ipam_config=[dict(subnet='10.231.1.0/24', gateway='10.231.1.254')]), mine, [], [])['steps']
    # Another IPAM driver has its own address space.
    assert plan(dict(ipam_driver='other', ipam_config=[dict(subnet='10.231.1.0/24')]), None, [], [other])['steps']


def test_engine_bodies():
    settings = target_settings(parse_network(params(ipam_config=[dict(subnet='10.231.1.0/24', gateway='10.231.1.1',
                                                                      aux_addresses=dict(a='10.231.1.3'))])), None)
    assert ipam_body(settings) == dict(Driver='default', Options={}, Config=[
        dict(Subnet='10.231.1.0/24', Gateway='10.231.1.1', AuxiliaryAddresses=dict(a='10.231.1.3'))])
    assert ipam_body(target_settings(parse_network(params()), None)) is None
    assert _links(WORKER) == ['web:legacy']
    assert _links(dict(links=['/web:/worker/legacy', 'db'])) == ['web:legacy', 'db']
