"""node: a demotion waits until the manager has joined the raft group (the engine refuses it with an rpc
NotFound until then, so promote-then-demote in two tasks failed depending on timing); a manager that is down
is not waited for."""

from ansible_collections.fleet.docker.plugins.module_utils.swarm import cluster, nodes


def _node(reachability, role='manager'):
    status = {'Reachability': reachability} if reachability else None
    return {'ID': 'n1', 'Version': {'Index': 7}, 'Spec': {'Role': role, 'Availability': 'active', 'Labels': {}},
            'ManagerStatus': status, 'Description': {'Hostname': 'h'}}


def _engine(monkeypatch, answers):
    calls = dict(inspect=0, update=[])

    def inspect(client, node_id):
        calls['inspect'] += 1
        return answers[min(calls['inspect'] - 1, len(answers) - 1)]
    monkeypatch.setattr(cluster, 'local_state', lambda client: {'ControlAvailable': True})
    monkeypatch.setattr(cluster, 'inspect_node', inspect)
    monkeypatch.setattr(cluster, 'update_node', lambda client, node_id, version, spec: calls['update'].append(
        (version, spec['Role'])))
    monkeypatch.setattr(nodes.time, 'sleep', lambda seconds: None)
    return calls


def test_demote_waits_for_a_joining_manager(monkeypatch):
    joining, joined = dict(_node(None), Version={'Index': 7}), dict(_node('reachable'), Version={'Index': 8})
    calls = _engine(monkeypatch, [joining, joining, joining, joined, _node('reachable', role='worker')])
    result = nodes.converge_node(None, dict(hostname='n1', role='worker', availability=None, labels=None,
                                            labels_state='merge', labels_to_remove=None))
    assert result['changed'] and calls['update'] == [(8, 'worker')]


def test_demote_of_a_manager_that_is_down_is_not_delayed(monkeypatch):
    calls = _engine(monkeypatch, [_node('unreachable'), _node('unreachable', role='worker')])
    nodes.converge_node(None, dict(hostname='n1', role='worker', availability=None, labels=None,
                                   labels_state='merge', labels_to_remove=None))
    assert calls['update'] == [(7, 'worker')] and calls['inspect'] == 2
