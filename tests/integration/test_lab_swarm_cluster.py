"""The swarm role across the lab's hosts (long: make test-lab, not make test): 1 manager + 2 workers grown to
3 managers and back, a host taken out of the groups (drained, its tasks moved, then removed) and added back,
an overlay network spanning hosts (a dnsrr service answering HTTP by name from a container on another host),
a global service published in host mode answering on every node, and what the lab cannot do (VIPs and the
routing mesh: no ip_vs), shown with the engine's own message.
"""

import docker
import pytest

from fleet_swarmlab import (HOSTS, HTTPD, WEB, changed, client, dockerd_log, ip, leave_all, node_ids, nodes,
                            run_role, running_tasks, wait_for)
from fleet_testlib import http_get, lab_up, unique

pytestmark = [pytest.mark.lab, pytest.mark.serial, pytest.mark.lab_long]


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """lab1 manager, lab2 and lab3 workers, formed by the role; left at the end."""
    lab_up()
    leave_all()
    proc, recaps = run_role(tmp_path_factory.mktemp('cluster'), ['lab1'], ['lab2', 'lab3'])
    assert proc.returncode == 0, proc.stdout[-6000:]
    yield node_ids()
    leave_all()


def _service(name, mode=None, ports=None, constraints=None, networks=None, endpoint_mode='dnsrr'):
    spec = docker.types.ContainerSpec(WEB, command=HTTPD)
    template = docker.types.TaskTemplate(spec, placement=docker.types.Placement(constraints=constraints or []),
                                         restart_policy=docker.types.RestartPolicy(condition='any', delay=1000000000))
    return client('lab1').create_service(template, name=name, mode=mode or docker.types.ServiceMode('replicated', 1),
                                         networks=networks or [],
                                         endpoint_spec=docker.types.EndpointSpec(mode=endpoint_mode, ports=ports))


def _run_on(host, network, script):
    """(exit code, output) of a container on ``host`` attached to ``network``."""
    cli = client(host, timeout=120)
    cli.pull(WEB)
    box = cli.create_container(WEB, command=['sh', '-c', script], host_config=cli.create_host_config(network_mode=network))
    try:
        cli.start(box)
        code = cli.wait(box, timeout=90)['StatusCode']
        return code, cli.logs(box).decode('utf-8', 'replace')
    finally:
        cli.remove_container(box, force=True)


def test_overlay_spans_hosts_dnsrr_answers_by_name_from_another_host(cluster):
    net = unique('ov')
    client('lab1').create_network(net, driver='overlay', attachable=True)
    name = unique('dns')
    _service(name, constraints=['node.id==%s' % cluster['lab1']], networks=[net])
    try:
        wait_for(lambda: running_tasks('lab1', name) == [(cluster['lab1'], 'running')], 120, what='task on lab1')
        code, out = _run_on('lab3', net, 'for i in $(seq 30); do wget -qO- http://%s/ && exit 0; sleep 1; done; exit 1' % name)
        assert code == 0, out
        assert '<' in out, out
    finally:
        client('lab1').remove_service(name)
        wait_for(lambda: _network_gone(net), 60, what='network removable')


def _network_gone(net):
    try:
        client('lab1').remove_network(net)
        return True
    except docker.errors.APIError:
        return False


def test_global_service_host_mode_answers_on_every_node(cluster):
    name, port = unique('glob'), 8091
    _service(name, mode=docker.types.ServiceMode('global'), ports={port: (80, 'tcp', 'host')})
    try:
        wait_for(lambda: len([s for _n, s in running_tasks('lab1', name) if s == 'running']) == 3, 120, what='3 tasks')
        for host in HOSTS:
            status, body = http_get('http://%s:%d/' % (ip(host), port), timeout=3, attempts=60)
            assert status == 200, (host, body)
    finally:
        client('lab1').remove_service(name)


def test_vip_and_routing_mesh_do_not_answer_here_and_the_engine_says_why(cluster):
    """The lab's kernel has no ip_vs (and modules cannot be loaded): a VIP service with an ingress port runs, its
    spec is stored as asked, and nothing answers on the published port; the engine logs why."""
    name, port = unique('vip'), 8092
    _service(name, ports={port: 80}, endpoint_mode='vip')
    try:
        wait_for(lambda: [s for _n, s in running_tasks('lab1', name)] == ['running'], 120, what='vip task running')
        stored = client('lab1').inspect_service(name)
        assert stored['Endpoint']['Spec']['Mode'] == 'vip'
        assert stored['Endpoint']['Ports'][0]['PublishMode'] == 'ingress'
        assert stored['Endpoint'].get('VirtualIPs'), stored['Endpoint']
        answers = [http_get('http://%s:%d/' % (ip(h), port), timeout=2, attempts=4)[0] for h in HOSTS]
        assert answers == [None, None, None], answers
        # Logged once per engine process, when it first sets up a load balancer (this one or an earlier one):
        # the engines' logs (lab-lifetime files; the lab's dockerd logs warnings and errors only).
        said = ''.join(dockerd_log(h) for h in HOSTS)
        # "Could not get ipvs family information from the kernel. It is possible that ipvs is not enabled in your
        # kernel. Native loadbalancing will not work until this is fixed." (after "Running modprobe ip_vs failed")
        assert 'Could not get ipvs family information from the kernel' in said, said[-3000:]
    finally:
        client('lab1').remove_service(name)


def test_three_managers_then_back_a_host_out_drained_then_removed_and_added_back(cluster, tmp_path):
    # All three managers: lab2 and lab3 promoted in place (same node ids), a rerun changes nothing.
    proc, recaps = run_role(tmp_path, list(HOSTS), [])
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert changed(recaps) == dict(lab1=0, lab2=1, lab3=1), recaps
    seen = nodes('lab1')
    assert sorted(seen) == sorted(cluster.values())
    wait_for(lambda: all((n.get('ManagerStatus') or {}).get('Reachability') == 'reachable' for n in nodes('lab1').values()),
             60, what='3 reachable managers')
    rerun, rerun_recaps = run_role(tmp_path, list(HOSTS), [])
    assert rerun.returncode == 0 and set(changed(rerun_recaps).values()) == {0}, rerun.stdout[-6000:]

    # Back to one manager: demoted one at a time.
    proc, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert dict((i, n['Spec']['Role']) for i, n in nodes('lab1').items()) == {
        cluster['lab1']: 'manager', cluster['lab2']: 'worker', cluster['lab3']: 'worker'}

    # lab3 out of the groups (still in the play): its task moves before it leaves and is removed. The demoted
    # nodes first settle as workers (until then the scheduler may place nothing on them).
    wait_for(lambda: all(nodes('lab1')[cluster[h]]['Status']['State'] == 'ready' and not nodes('lab1')[cluster[h]].get('ManagerStatus')
                         for h in ('lab2', 'lab3')), 60, what='lab2 and lab3 ready workers')
    name = unique('mv')
    _service(name, mode=docker.types.ServiceMode('replicated', 3), constraints=['node.role==worker'])
    try:
        wait_for(lambda: sorted(s for _n, s in running_tasks('lab1', name)) == ['running'] * 3, 120, what='3 running')
        # Right after a demotion the scheduler may still place every task on lab2: rebalance (force update) until
        # lab3 runs one, as `docker service update --force` would.
        for _attempt in range(4):
            try:
                wait_for(lambda: cluster['lab3'] in [n for n, _s in running_tasks('lab1', name)], 15, what='a task on lab3')
                break
            except AssertionError:
                current = client('lab1').inspect_service(name)
                client('lab1').update_service(current['ID'], current['Version']['Index'], force_update=True,
                                              fetch_current_spec=True)
        assert cluster['lab3'] in [n for n, _s in running_tasks('lab1', name)]
        wait_for(lambda: sorted(s for _n, s in running_tasks('lab1', name)) == ['running'] * 3, 120, what='3 running')
        proc, recaps = run_role(tmp_path, ['lab1'], ['lab2'])
        assert proc.returncode == 0, proc.stdout[-6000:]
        out = proc.stdout
        order = [out.index(step) for step in ('Drain lab3', 'Wait until the tasks have moved off lab3',
                                              'Leave the swarm on lab3', 'Remove from the swarm the node lab3')]
        assert order == sorted(order), out[-4000:]
        assert cluster['lab3'] not in nodes('lab1')
        assert client('lab3').info()['Swarm']['LocalNodeState'] == 'inactive'
        tasks = running_tasks('lab1', name)
        assert sorted(s for _n, s in tasks) == ['running'] * 3 and {n for n, _s in tasks} == {cluster['lab2']}, tasks
        rerun, rerun_recaps = run_role(tmp_path, ['lab1'], ['lab2'])
        assert rerun.returncode == 0 and set(changed(rerun_recaps).values()) == {0}, rerun.stdout[-6000:]

        # Added back as a worker: it joins (a new node id: a node that left is a new node).
        proc, recaps = run_role(tmp_path, ['lab1'], ['lab2', 'lab3'])
        assert proc.returncode == 0, proc.stdout[-6000:]
        new_id = client('lab3').info()['Swarm']['NodeID']
        assert new_id != cluster['lab3'] and nodes('lab1')[new_id]['Spec']['Role'] == 'worker'
        cluster['lab3'] = new_id
    finally:
        client('lab1').remove_service(name)
