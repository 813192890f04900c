"""Faults of a lab swarm formed by the role (long: make test-lab): a manager's dockerd killed out of three (the
cluster keeps serving, a rerun converges), a drained node (its tasks move), a worker that was down (it rejoins on
a rerun, also after the cluster removed it while it was down).
"""

import docker
import pytest

from fleet_swarmlab import (HOSTS, HTTPD, WEB, changed, client, ip, kill_dockerd, leave_all, local, node_ids, nodes,
                            repair_lab, run_role, running_tasks, wait_for)
from fleet_testlib import http_get, lab_up, unique

pytestmark = [pytest.mark.lab, pytest.mark.serial, pytest.mark.lab_long]


@pytest.fixture
def fresh_lab():
    lab_up()
    leave_all()
    yield
    repair_lab()
    leave_all()


def _service(manager, name, replicas=None, port=None, constraints=None):
    spec = docker.types.ContainerSpec(WEB, command=HTTPD)
    template = docker.types.TaskTemplate(spec, placement=docker.types.Placement(constraints=constraints or []),
                                         restart_policy=docker.types.RestartPolicy(condition='any', delay=1000000000))
    mode = docker.types.ServiceMode('replicated', replicas) if replicas else docker.types.ServiceMode('global')
    ports = {port: (80, 'tcp', 'host')} if port else None
    return client(manager).create_service(template, name=name, mode=mode,
                                          endpoint_spec=docker.types.EndpointSpec(mode='dnsrr', ports=ports))


def _states(manager, name):
    return sorted(s for _n, s in running_tasks(manager, name))


def test_one_of_three_managers_killed_cluster_serves_and_rerun_converges(fresh_lab, tmp_path):
    proc, _recaps = run_role(tmp_path, list(HOSTS), [])
    assert proc.returncode == 0, proc.stdout[-6000:]
    ids = node_ids()
    name, port = unique('ha'), 8093
    _service('lab1', name, port=port)
    wait_for(lambda: _states('lab1', name) == ['running'] * 3, 120, what='3 global tasks')

    # The first manager (the one the role initialised from) loses its engine.
    kill_dockerd('lab1')
    wait_for(lambda: nodes('lab2')[ids['lab1']]['Status']['State'] == 'down', 90, what='lab1 down')
    for host in ('lab2', 'lab3'):
        assert http_get('http://%s:%d/' % (ip(host), port), timeout=3, attempts=20)[0] == 200, host
    # Two of three managers keep the quorum: the cluster still takes changes.
    more = unique('ha2')
    _service('lab2', more, replicas=2)
    wait_for(lambda: _states('lab2', more) == ['running'] * 2, 120, what='a new service placed without lab1')

    # A rerun while lab1 is down: lab1 fails (its engine does not answer), the others converge from lab2.
    down, down_recaps = run_role(tmp_path, list(HOSTS), [])
    assert down.returncode != 0
    assert int(down_recaps['lab1']['failed']) == 1
    assert changed(down_recaps)['lab2'] == 0 and changed(down_recaps)['lab3'] == 0, down.stdout[-6000:]
    # lab2, the next manager of the group, now reads the cluster (the task runs on that one host only).
    block = down.stdout.split('Read the join tokens and the nodes on the first manager')[1].split('TASK [')[0]
    assert 'ok: [lab2]' in block and 'lab3]' not in block.replace('skipping: [lab3]', ''), block

    # lab1's engine back (the lab restarts it): it rejoins from its own state; a rerun converges, unchanged.
    repair_lab()
    wait_for(lambda: nodes('lab2')[ids['lab1']]['Status']['State'] == 'ready', 120, what='lab1 ready again')
    wait_for(lambda: all((n.get('ManagerStatus') or {}).get('Reachability') == 'reachable' for n in nodes('lab2').values()),
             120, what='3 reachable managers')
    again, again_recaps = run_role(tmp_path, list(HOSTS), [])
    assert again.returncode == 0, again.stdout[-6000:]
    assert set(changed(again_recaps).values()) == {0}, again_recaps
    assert node_ids() == ids
    wait_for(lambda: _states('lab1', name) == ['running'] * 3, 120, what='lab1 runs its global task again')
    assert http_get('http://%s:%d/' % (ip('lab1'), port), timeout=3, attempts=40)[0] == 200


def test_a_drained_node_moves_its_tasks(fresh_lab, tmp_path):
    proc, _recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert proc.returncode == 0, proc.stdout[-6000:]
    ids = node_ids()
    name = unique('dr')
    _service('lab1', name, replicas=4)
    wait_for(lambda: _states('lab1', name) == ['running'] * 4, 120, what='4 running')
    wait_for(lambda: ids['lab2'] in [n for n, _s in running_tasks('lab1', name)], 30, what='a task on lab2')

    drained, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'], hostvars=dict(lab2=dict(swarm_node_availability='drain')))
    assert drained.returncode == 0 and changed(recaps)['lab2'] == 1, drained.stdout[-6000:]
    wait_for(lambda: _states('lab1', name) == ['running'] * 4
             and ids['lab2'] not in [n for n, s in running_tasks('lab1', name)], 120, what='tasks moved off lab2')
    assert nodes('lab1')[ids['lab2']]['Spec']['Availability'] == 'drain'

    back, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert back.returncode == 0 and changed(recaps)['lab2'] == 1, back.stdout[-6000:]
    assert nodes('lab1')[ids['lab2']]['Spec']['Availability'] == 'active'


def test_a_worker_that_was_down_rejoins_on_rerun(fresh_lab, tmp_path):
    proc, _recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert proc.returncode == 0, proc.stdout[-6000:]
    ids = node_ids()

    # Down, and back: it comes back with its own state; the rerun finds nothing to do.
    kill_dockerd('lab3')
    wait_for(lambda: nodes('lab1')[ids['lab3']]['Status']['State'] == 'down', 90, what='lab3 down')
    repair_lab()
    wait_for(lambda: nodes('lab1')[ids['lab3']]['Status']['State'] == 'ready', 120, what='lab3 ready')
    rerun, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert rerun.returncode == 0 and set(changed(recaps).values()) == {0}, rerun.stdout[-6000:]

    # Down, and removed from the cluster meanwhile (as a rerun without it in the groups does): back up, the
    # engine is no member any more; the rerun joins it again as a new node and removes nothing else.
    kill_dockerd('lab3')
    wait_for(lambda: nodes('lab1')[ids['lab3']]['Status']['State'] == 'down', 90, what='lab3 down')
    client('lab1').remove_node(ids['lab3'], force=True)
    repair_lab()
    stuck = wait_for(lambda: local('lab3').get('LocalNodeState') not in (None, 'active') and local('lab3'), 60,
                     what='lab3 out of the cluster')
    print('lab3 after its node was removed while it was down:', stuck.get('LocalNodeState'), stuck.get('Error'))
    rejoin, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert rejoin.returncode == 0, rejoin.stdout[-6000:]
    assert changed(recaps)['lab3'] >= 1
    new_id = local('lab3')['NodeID']
    assert new_id != ids['lab3']
    seen = nodes('lab1')
    assert sorted(seen) == sorted([ids['lab1'], ids['lab2'], new_id])
    wait_for(lambda: nodes('lab1')[new_id]['Status']['State'] == 'ready', 60, what='new lab3 node ready')
    final, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert final.returncode == 0 and set(changed(recaps).values()) == {0}, final.stdout[-6000:]
