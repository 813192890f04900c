"""Swarm nodes as inventory hosts: variables and groups from the engine's node list (no engine)."""

from ansible_collections.fleet.docker.plugins.module_utils.hosts.swarm import node_groups, node_vars

NODE = {
    'ID': 'n1', 'Spec': {'Role': 'manager', 'Availability': 'drain', 'Labels': {'zone': 'eu-1', 'ssd': ''}},
    'Description': {'Hostname': 'mgr1', 'Platform': {'OS': 'linux', 'Architecture': 'x86_64'},
                    'Engine': {'EngineVersion': '28.5.2', 'Labels': {'rack': 'r1'}}},
    'Status': {'State': 'ready', 'Addr': '10.0.0.5'},
    'ManagerStatus': {'Leader': True, 'Reachability': 'reachable', 'Addr': '10.0.0.5:2377'},
}


def test_node_vars():
    facts = node_vars(NODE)
    assert facts['swarm_hostname'] == 'mgr1' and facts['swarm_addr'] == '10.0.0.5' and facts['swarm_leader'] is True
    assert facts['swarm_platform'] == 'linux/x86_64' and facts['swarm_engine_labels'] == {'rack': 'r1'}


def test_node_groups():
    assert node_groups(node_vars(NODE)) == ['swarm_manager', 'swarm_availability_drain', 'swarm_state_ready',
                                            'swarm_leader', 'swarm_label_ssd', 'swarm_label_zone_eu_1']


def test_address_falls_back_to_the_manager_address():
    node = dict(NODE, Status={'State': 'down', 'Addr': '0.0.0.0'}, ManagerStatus={'Addr': '[fd00::5]:2377'})
    assert node_vars(node)['swarm_addr'] == 'fd00::5'


def test_worker_without_manager_status():
    node = {'ID': 'w1', 'Spec': {'Role': 'worker', 'Availability': 'active'}, 'Description': {'Hostname': 'w1'},
            'Status': {'State': 'ready', 'Addr': '10.0.0.9'}}
    facts = node_vars(node)
    assert facts['swarm_leader'] is False
    assert node_groups(facts) == ['swarm_worker', 'swarm_availability_active', 'swarm_state_ready']
