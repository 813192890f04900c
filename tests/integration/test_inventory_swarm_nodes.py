"""The fleet.docker.swarm_nodes inventory plugin on a one-node swarm of a private dockerd.

The swarm is the session's ``swarm_engine`` (tests/conftest.py, tests/lib/fleet_swarmlib.py): the
host's dockerd binary on its own socket, data root and bridge, without iptables, so nothing of the
engines the other tests use changes.
"""

import json
import os
import subprocess

import pytest

from fleet_testlib import ROOT

INVENTORY = os.path.join(ROOT, '.venv', 'bin', 'ansible-inventory')


@pytest.fixture
def swarm(swarm_engine):
    node = swarm_engine.node_id
    spec = swarm_engine.client.inspect_node(node)
    labels = dict(spec['Spec'].get('Labels') or {})
    swarm_engine.docker('node', 'update', '--label-add', 'zone=eu-1', '--label-add', 'ssd',
                        '--label-add', "evil={{ lookup('pipe', 'id') }}", node)
    yield dict(sock=swarm_engine.sock, node=node, address=swarm_engine.address)
    # Put the session's node back as it was for the next test.
    spec = swarm_engine.client.inspect_node(node)
    body = dict(spec['Spec'], Labels=labels)
    swarm_engine.client.update_node(node, spec['Version']['Index'], body)


def inventory(path, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_INVENTORY_UNPARSED_FAILED='true',
               ANSIBLE_INVENTORY_ENABLED='fleet.docker.swarm_nodes')
    proc = subprocess.run([INVENTORY, '-i', str(path)] + list(args), capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert 'Traceback' not in proc.stdout + proc.stderr, proc.stderr
    return proc


def test_nodes_grouped_by_role_availability_leader_and_labels(swarm, tmp_path):
    path = tmp_path / 'test.swarm_nodes.yml'
    path.write_text('plugin: fleet.docker.swarm_nodes\ndocker_host: "unix://%s"\n' % swarm['sock'])
    proc = inventory(path, '--list')
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (host,) = data['_meta']['hostvars']
    for group in ('swarm_manager', 'swarm_leader', 'swarm_availability_active', 'swarm_state_ready',
                  'swarm_label_zone_eu_1', 'swarm_label_ssd'):
        assert data[group]['hosts'] == [host], group
    hv = data['_meta']['hostvars'][host]
    # The advertised address, for SSH; every engine value marked unsafe.
    assert hv['ansible_host'] == {'__ansible_unsafe': swarm['address']}
    assert hv['swarm_node_id'] == {'__ansible_unsafe': swarm['node']}
    assert hv['swarm_labels']['evil'] == {'__ansible_unsafe': "{{ lookup('pipe', 'id') }}"}


def test_an_engine_that_is_no_manager_fails_clearly(tmp_path):
    path = tmp_path / 'test.swarm_nodes.yml'
    path.write_text('plugin: fleet.docker.swarm_nodes\ndocker_host: [unix:///var/run/docker.sock, "tcp://127.0.0.1:1"]\n'
                    'timeout: 5\n')
    proc = inventory(path, '--list')
    assert proc.returncode != 0
    assert 'no manager answered' in proc.stderr and 'not a manager of a swarm' in proc.stderr, proc.stderr
    assert 'Cannot connect to the Docker daemon at tcp://127.0.0.1:1' in proc.stderr, proc.stderr
