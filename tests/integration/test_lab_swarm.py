"""The swarm role (fleet.docker.swarm) on the lab fleet: the quick case that make test runs (serial pass).

One manager (lab1, Docker 20.10) and two workers (lab2 26.1, lab3 28.5): the cluster forms, node labels and
availability come from host variables, each host's node is its own engine's node id, a rerun and a check-mode
rerun change nothing, and the join tokens appear nowhere in the -vvv --diff output. About 40 s.
The long multi-node cases (3 managers, overlays, host-mode publishing, faults) are in test_lab_swarm_cluster.py
and test_lab_swarm_faults.py, marked lab_long: `make test-lab` (docs/swarm.md).
"""

import pytest

from fleet_swarmlab import HOSTS, changed, client, leave_all, node_ids, nodes, run_role
from fleet_testlib import lab_up

pytestmark = [pytest.mark.lab, pytest.mark.serial]


@pytest.fixture
def lab_swarm():
    lab_up()
    leave_all()
    yield
    leave_all()


def test_role_forms_a_cluster_rerun_unchanged_tokens_never_shown(lab_swarm, tmp_path):
    hostvars = dict(lab2=dict(swarm_node_labels=dict(zone='b', disk='ssd')), lab3=dict(swarm_node_availability='pause'))
    proc, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'], '-vvv', '--diff', hostvars=hostvars)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    # lab2: joined, then labelled (a join takes no labels); lab3 joins paused (availability at join).
    assert changed(recaps) == dict(lab1=1, lab2=2, lab3=1), recaps

    ids = node_ids()
    assert len(set(ids.values())) == 3 and all(ids.values()), ids
    seen = nodes('lab1')
    assert sorted(seen) == sorted(ids.values())
    by_host = dict((h, seen[ids[h]]) for h in HOSTS)
    assert [by_host[h]['Spec']['Role'] for h in HOSTS] == ['manager', 'worker', 'worker']
    assert by_host['lab2']['Spec'].get('Labels') == dict(zone='b', disk='ssd')
    assert [by_host[h]['Spec']['Availability'] for h in HOSTS] == ['active', 'active', 'pause']
    # Mixed engines in one cluster; each node reports its host's own name (the lab's UTS namespaces).
    assert [by_host[h]['Description']['Engine']['EngineVersion'][:4] for h in HOSTS] == ['20.1', '26.1', '28.5']
    assert [by_host[h]['Description']['Hostname'] for h in HOSTS] == list(HOSTS)
    for host in HOSTS:
        assert client('lab1').inspect_node(ids[host])['Status']['State'] == 'ready'

    swarm = client('lab1').inspect_swarm()
    tokens = [swarm['JoinTokens']['Worker'], swarm['JoinTokens']['Manager']]
    node_versions = dict((i, n['Version']['Index']) for i, n in seen.items())

    rerun, rerun_recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'], '-vvv', '--diff', hostvars=hostvars)
    assert rerun.returncode == 0, rerun.stdout[-6000:]
    assert changed(rerun_recaps) == dict(lab1=0, lab2=0, lab3=0), rerun.stdout[-6000:]
    check, check_recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'], '--check', '--diff', hostvars=hostvars)
    assert check.returncode == 0 and changed(check_recaps) == dict(lab1=0, lab2=0, lab3=0), check.stdout[-6000:]
    assert client('lab1').inspect_swarm()['Version'] == swarm['Version']
    assert dict((i, n['Version']['Index']) for i, n in nodes('lab1').items()) == node_versions

    # The tokens: not in the output of the first run (which passed them), nor of the reruns, nor any token at all.
    for out in (proc.stdout + proc.stderr, rerun.stdout + rerun.stderr, check.stdout + check.stderr):
        for token in tokens:
            assert token not in out
            assert token.split('-')[-1] not in out    # not even the secret half
        assert 'SWMTKN-1-' not in out
    assert 'censored' in proc.stdout    # the tasks that carry them ran under no_log


def test_check_mode_on_hosts_in_no_swarm_reports_and_changes_nothing(lab_swarm, tmp_path):
    proc, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'], '--check', '--diff')
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert changed(recaps) == dict(lab1=1, lab2=1, lab3=1), recaps     # would initialise / join
    assert [client(h).info()['Swarm']['LocalNodeState'] for h in HOSTS] == ['inactive'] * 3


@pytest.mark.parametrize('managers, workers, role_vars, words', [
    (['lab1', 'lab2'], ['lab2', 'lab3'], None, 'no host in both'),
    ([], ['lab2', 'lab3'], None, 'at least one host in group swarm_managers'),
    (['lab1'], ['lab2'], dict(swarm_node_availability='sleepy'), 'swarm_node_availability'),
])
def test_bad_groups_or_variables_fail_before_any_change(lab_swarm, tmp_path, managers, workers, role_vars, words):
    proc, _recaps = run_role(tmp_path, managers, workers, role_vars=role_vars)
    assert proc.returncode != 0
    assert words in proc.stdout + proc.stderr, proc.stdout[-3000:]
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert [client(h).info()['Swarm']['LocalNodeState'] for h in HOSTS] == ['inactive'] * 3


def test_a_host_in_another_swarm_fails_and_stays_there(lab_swarm, tmp_path):
    other = client('lab3')
    other.init_swarm(advertise_addr='10.213.0.13', listen_addr='0.0.0.0:2377')
    theirs = other.info()['Swarm']['NodeID']
    proc, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert proc.returncode != 0
    assert 'lab3 is in another swarm' in proc.stdout, proc.stdout[-4000:]
    assert int(recaps['lab3']['failed']) == 1 and int(recaps['lab2']['failed']) == 0
    assert other.info()['Swarm']['NodeID'] == theirs and other.info()['Swarm']['ControlAvailable']
    assert theirs not in nodes('lab1')
