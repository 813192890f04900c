"""The fleet.docker.swarm_nodes inventory plugin on a one-node swarm of a private dockerd.

The daemon is the host's dockerd binary on its own socket, data root and bridge, without iptables;
its docker_gwbridge is made beforehand on a subnet and bridge device of its own, so nothing of
the engines the other tests use changes.
"""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from fleet_testlib import ROOT

INVENTORY = os.path.join(ROOT, '.venv', 'bin', 'ansible-inventory')
BRIDGE, GW_BRIDGE = 'fleetswarm0', 'fleetswarmgw0'
ADDRESS = '10.233.0.1'


def docker(sock, *args):
    return subprocess.run(['/usr/bin/docker', '-H', 'unix://' + sock] + list(args), capture_output=True, text=True,
                          timeout=120, check=True).stdout


@pytest.fixture(scope='module')
def swarm(tmp_path_factory):
    if not shutil.which('dockerd'):
        pytest.fail('dockerd is not installed (scripts/engine-up.sh installs it)')
    base = tmp_path_factory.mktemp('swarm')
    sock = str(base / 'docker.sock')
    for link in (BRIDGE, GW_BRIDGE):
        subprocess.run(['ip', 'link', 'del', link], capture_output=True, check=False)
    subprocess.run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'], check=True)
    subprocess.run(['ip', 'addr', 'add', ADDRESS + '/24', 'dev', BRIDGE], check=True)
    subprocess.run(['ip', 'link', 'set', BRIDGE, 'up'], check=True)
    log = open(base / 'dockerd.log', 'w')
    proc = subprocess.Popen(['dockerd', '--data-root', str(base / 'data'), '--exec-root', str(base / 'exec'),
                             '--pidfile', str(base / 'dockerd.pid'), '-H', 'unix://' + sock, '--iptables=false',
                             '--ip-masq=false', '--bridge', BRIDGE], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _attempt in range(120):
            if subprocess.run(['/usr/bin/docker', '-H', 'unix://' + sock, 'version'], capture_output=True,
                              check=False).returncode == 0:
                break
            time.sleep(0.5)
        docker(sock, 'network', 'create', '--subnet', '10.234.0.0/24', '-o', 'com.docker.network.bridge.name=' + GW_BRIDGE,
               '-o', 'com.docker.network.bridge.enable_icc=false', 'docker_gwbridge')
        docker(sock, 'swarm', 'init', '--advertise-addr', ADDRESS)
        node = docker(sock, 'node', 'ls', '-q').split()[0]
        docker(sock, 'node', 'update', '--label-add', 'zone=eu-1', '--label-add', 'ssd',
               '--label-add', "evil={{ lookup('pipe', 'id') }}", node)
        yield dict(sock=sock, node=node)
    finally:
        subprocess.run(['/usr/bin/docker', '-H', 'unix://' + sock, 'swarm', 'leave', '--force'], capture_output=True,
                       check=False)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        subprocess.run(['umount', '-R', str(base / 'data')], capture_output=True, check=False)
        for link in (BRIDGE, GW_BRIDGE):
            subprocess.run(['ip', 'link', 'del', link], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


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
    assert hv['ansible_host'] == {'__ansible_unsafe': ADDRESS}
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
