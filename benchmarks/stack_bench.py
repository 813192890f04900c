"""Stack benchmark (issue #26): fleet.docker.stack against `docker stack deploy` on a 3-node lab swarm.

A stack of 10 services (dnsrr endpoints and host-mode ports: the lab has no ip_vs) deployed from nothing
(first) and deployed again unchanged (rerun), by both tools in the same run, interleaved (the order
alternates per repetition), medians of BENCH_REPS (default 3).

- The cluster: lab3 (28.5) initialises, lab1 (20.10) and lab2 (26.1) join as workers, with the
  fleet.docker.swarm module (timed once, for information). Every node pulls the image first, so
  neither tool's first deploy pays for a pull.
- `docker stack deploy` is the sid CLI 28.5 on the controller, talking to the manager's engine socket
  directly (through its init's root: no SSH, the CLI's best case); detached (its default) and, as the
  figure to compare with a task that waits, `--detach=false` (it returns once the services converged).
- fleet.docker.stack runs as a one-task ``ansible-playbook`` on the manager over SSH (the lab
  inventory, pipelining), with the project as ``definition``. The floor is a one-task playbook
  (``ansible.builtin.ping``) on the same host, run right after each rerun, so the module's own share of
  the rerun is the median of the paired differences.
- For each first deploy: the tool's wall time, and the time until every service runs its tasks
  (polled on the manager every 0.2 s). The module deploys twice per repetition: with ``wait``
  (its default: it returns once the tasks run) and with ``wait: false`` (detached, as the CLI's default). For each rerun: whether each service's Version moved
  (the CLI updates every service; we should change nothing) and whether any task was replaced.
- The first deployment of each tool is also compared field by field, as the conformance test does
  (tests/lib/fleet_stacklib.py; the two stack names replaced by NS): ``spec_differences``.

Run it on the lab, holding the lab lock (about 5 minutes with 3 repetitions):

    flock -o /work/coord/lab.lock bash -c 'make lab HOSTS=3 && .venv/bin/python benchmarks/stack_bench.py'

It needs every lab host out of any swarm, and leaves them out of it (and the lab up) at the end.
Writes results/stack.json; results/stack.md is written from it by hand (figures, ratios, load).
"""

import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import docker
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tests', 'lib'))
import fleet_stacklib  # noqa: E402  (the conformance test's view of a stack: the same comparison on the lab)
import fleet_swarmlab  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, 'results')
PLAYBOOK_BIN = os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook')
CLI = os.path.join(ROOT, '.state', 'engines', '28.5', 'root', 'usr', 'bin', 'docker')
INVENTORY = os.path.join(ROOT, '.lab', 'inventory.yml')
REPS = int(os.environ.get('BENCH_REPS', '3'))
IMAGE = '10.213.0.1:5000/demo/web:1.0'
LABEL_NS = 'com.docker.stack.namespace'
PORT_BASE = 28300


def bench_stack():
    """10 services: replicated and global, one overlay, dnsrr, host-mode ports, the usual deploy keys."""
    def svc(index, **deploy):
        base = dict(image=IMAGE, stop_grace_period='1s', networks=['back'],
                    environment={'SERVICE': 'svc%d' % index}, labels={'bench.role': 'svc%d' % index})
        base['deploy'] = dict(dict(endpoint_mode='dnsrr', restart_policy=dict(condition='any', delay='1s'),
                                   update_config=dict(parallelism=1, delay='1s', order='stop-first')), **deploy)
        return base
    services = {}
    for index in range(1, 11):
        if index <= 2:       # one task per node, answering on the node's own port
            service = svc(index, mode='global', resources=dict(limits=dict(memory='64M')))
            service['ports'] = [dict(target=80, published=PORT_BASE + index, protocol='tcp', mode='host')]
        elif index <= 4:     # spread, at most one per node, host-mode port
            service = svc(index, replicas=2, placement=dict(max_replicas_per_node=1))
            service['ports'] = [dict(target=80, published=PORT_BASE + index, protocol='tcp', mode='host')]
        elif index <= 7:
            service = svc(index, replicas=1, placement=dict(constraints=['node.role == worker']),
                          resources=dict(limits=dict(cpus='0.25', memory='64M'), reservations=dict(memory='16M')))
        else:
            service = svc(index, replicas=2, labels={'tier': 'back'})
            service['networks'] = ['back', 'front']
        services['svc%d' % index] = service
    return {'version': '3.8', 'services': services,
            'networks': {'back': {'driver': 'overlay'}, 'front': {'driver': 'overlay', 'attachable': True}}}


CLUSTER_PLAY = """- hosts: {manager}
  gather_facts: false
  tasks:
    - name: Initialise the swarm
      fleet.docker.swarm:
        advertise_addr: "{{{{ ansible_host }}}}"
        listen_addr: "{{{{ ansible_host }}}}:2377"
      register: swarm_init
      no_log: true
- hosts: {workers}
  gather_facts: false
  tasks:
    - name: Join as workers
      fleet.docker.swarm:
        state: join
        advertise_addr: "{{{{ ansible_host }}}}"
        listen_addr: "{{{{ ansible_host }}}}:2377"
        join_token: "{{{{ hostvars['{manager}'].swarm_init.swarm.join_tokens.worker }}}}"
        remote_addrs: ["{{{{ hostvars['{manager}'].ansible_host }}}}:2377"]
"""
LEAVE_PLAY = """- hosts: lab
  gather_facts: false
  tasks:
    - name: Leave the swarm
      fleet.docker.swarm:
        state: absent
        force: true
"""
MODULE_PLAY = """- hosts: {manager}
  gather_facts: false
  tasks:
    - name: Deploy the stack
      fleet.docker.stack:
        name: "{{{{ stack }}}}"
        state: "{{{{ stack_state | default('present') }}}}"
        definition: "{{{{ definition }}}}"
        wait: "{{{{ stack_wait | default(true) }}}}"
"""
FLOOR_PLAY = """- hosts: {manager}
  gather_facts: false
  tasks:
    - name: One task
      ansible.builtin.ping:
"""


def log(msg):
    print('[stack-bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


def node_client(host):
    with open(os.path.join(ROOT, '.lab', 'nodes', host.replace('lab', ''), 'holder.pid')) as handle:
        pid = handle.read().strip()
    return 'unix:///proc/%s/root/run/docker.sock' % pid


class Runner:
    def __init__(self, work, manager_host):
        self.work = work
        self.env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), NO_COLOR='1',
                        ANSIBLE_FORCE_COLOR='0')
        self.env.pop('ANSIBLE_STDOUT_CALLBACK', None)
        self.cli_env = dict(os.environ, DOCKER_HOST=manager_host, DOCKER_CONFIG=os.path.join(work, 'docker-config'))
        self.cli_env.pop('DOCKER_CONTEXT', None)

    def run(self, cmd, env, expect_changed=None, check=True):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=self.work, env=env, capture_output=True, text=True, check=False, timeout=900)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 and check:
            raise RuntimeError('%s failed (rc %s):\n%s\n%s' % (cmd, proc.returncode, proc.stdout[-4000:],
                                                               proc.stderr[-2000:]))
        if expect_changed is not None:
            changed = sum(int(line.split('changed=')[1].split()[0]) for line in proc.stdout.splitlines()
                          if 'changed=' in line and ' : ok=' in line)
            if bool(changed) != expect_changed:
                raise RuntimeError('%s: changed=%s, expected %s\n%s' % (cmd, changed, expect_changed, proc.stdout[-3000:]))
        return elapsed, proc

    def play(self, name, extra=None, expect_changed=None):
        cmd = [PLAYBOOK_BIN, '-i', INVENTORY, name]
        if extra:
            path = os.path.join(self.work, 'extra.json')
            with open(path, 'w') as handle:
                json.dump(extra, handle)
            cmd += ['-e', '@' + path]
        return self.run(cmd, self.env, expect_changed)[0]

    def cli(self, *args):
        return self.run([CLI] + list(args), self.cli_env)[0]

    def cli_rm(self, stack):
        """`docker stack rm`: it removes the services, then at once the networks, which fails while a task still
        holds one ("is in use by task"); the stack is then gone only after a second rm (wait_gone runs it)."""
        return self.run([CLI, 'stack', 'rm', stack], self.cli_env, check=False)[0]


def service_state(client, stack):
    """{service name: (Version index, sorted running task IDs)} of the stack."""
    out = {}
    for service in client.services(filters={'label': '%s=%s' % (LABEL_NS, stack)}):
        tasks = client.tasks(filters={'service': service['ID'], 'desired-state': 'running'})
        out[service['Spec']['Name']] = (service['Version']['Index'],
                                        sorted(t['ID'] for t in tasks if t['Status']['State'] == 'running'))
    return out


def pinned(client, stack):
    """How many of the stack's services run an image pinned to a digest (REF@sha256:...)."""
    return sum(1 for s in client.services(filters={'label': '%s=%s' % (LABEL_NS, stack)})
               if '@sha256:' in s['Spec']['TaskTemplate']['ContainerSpec']['Image'])


def converged(client, stack, nodes, want=10):
    services = client.services(filters={'label': '%s=%s' % (LABEL_NS, stack)})
    if len(services) != want:
        return False
    workers = len([n for n in nodes if n == 'worker'])
    for service in services:
        mode = service['Spec']['Mode']
        if 'Global' in mode:
            desired = len(nodes)
        else:
            desired = mode['Replicated']['Replicas']
            constraints = ((service['Spec']['TaskTemplate'].get('Placement') or {}).get('Constraints') or [])
            if any('worker' in c for c in constraints):
                desired = min(desired, workers)
        tasks = client.tasks(filters={'service': service['ID'], 'desired-state': 'running'})
        if len([t for t in tasks if t['Status']['State'] == 'running']) < desired:
            return False
    return True


def wait_converged(client, stack, nodes, started, timeout=180):
    """Seconds from ``started`` until every service of the stack runs its tasks."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if converged(client, stack, nodes):
            return time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError('stack %s did not converge in %d s' % (stack, timeout))


def wait_gone(manager, clients, stack, timeout=180):
    """Until the manager lists nothing of the stack and no node has a container of it left; networks that
    outlived their services (a `docker stack rm` that met a task still holding them) are removed here."""
    deadline = time.time() + timeout
    flt = {'label': '%s=%s' % (LABEL_NS, stack)}
    while time.time() < deadline:
        services, networks = manager.services(filters=flt), manager.networks(filters=flt)
        left = services + networks + [c for cl in clients for c in cl.containers(all=True, filters=flt)]
        if not left:
            return
        if networks and not services:
            for net in networks:
                try:
                    manager.remove_network(net['Id'])
                except docker.errors.APIError:
                    pass    # still held by a task that is stopping
        time.sleep(0.3)
    raise RuntimeError('stack %s still has objects after %d s' % (stack, timeout))


def lab_view(client, stack):
    """The stack as fleet_stacklib compares it, its name replaced by NS (the two tools deploy under two names)."""
    text = json.dumps(fleet_stacklib.stack_view(client, stack))
    return json.loads(text.replace(stack + '_', 'NS_').replace('"%s"' % stack, '"NS"'))


def med(values):
    return round(statistics.median(values), 3) if values else None


def main():
    with open(INVENTORY) as handle:
        hosts = yaml.safe_load(handle)['lab']['hosts']
    if len(hosts) < 3:
        raise SystemExit('the lab has %d hosts; run: make lab HOSTS=3' % len(hosts))
    names = sorted(hosts)
    manager = next((h for h in names if str(hosts[h].get('lab_engine')) == '28'), names[-1])
    workers = [h for h in names if h != manager]
    sockets = dict((h, node_client(h)) for h in names)
    clients = dict((h, docker.APIClient(base_url=sockets[h], version='auto', timeout=120)) for h in names)
    for host, client in clients.items():
        state = client.info()['Swarm']['LocalNodeState']
        if state != 'inactive':
            raise SystemExit('%s is in a swarm already (%s): this benchmark forms its own and leaves it' % (host, state))
    work = tempfile.mkdtemp(prefix='fleet-stack-bench-')
    runner = Runner(work, sockets[manager])
    for name, text in (('cluster.yml', CLUSTER_PLAY), ('leave.yml', LEAVE_PLAY), ('module.yml', MODULE_PLAY),
                       ('floor.yml', FLOOR_PLAY)):
        with open(os.path.join(work, name), 'w') as handle:
            handle.write(text.format(manager=manager, workers=':'.join(workers)))
    definition = bench_stack()
    with open(os.path.join(work, 'docker-stack.yml'), 'w') as handle:
        yaml.safe_dump(definition, handle, sort_keys=False)
    load = [os.getloadavg()]
    result = dict(date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), reps=REPS,
                  manager=manager, workers=workers,
                  engines=dict((h, clients[h].version()['Version']) for h in names), services=10)
    try:
        result['cluster_form_s'] = round(runner.play('cluster.yml'), 3)
        mgr = clients[manager]
        nodes = [n['Spec']['Role'] for n in mgr.nodes()]
        assert len(nodes) == 3, nodes
        for host in names:
            clients[host].pull(IMAGE.rsplit(':', 1)[0], tag='1.0')
        log('cluster of %s formed in %.2f s; image on every node' % (nodes, result['cluster_form_s']))
        times = dict((k, []) for k in ('cli_first', 'cli_first_converged', 'cli_first_wait', 'cli_rerun', 'cli_rm',
                                       'module_first', 'module_first_converged', 'module_rerun', 'floor', 'module_rm',
                                       'module_first_nowait', 'module_first_nowait_converged'))
        reruns = dict(cli=[], module=[])
        views = {}
        for rep in range(REPS):
            order = ('cli', 'module') if rep % 2 == 0 else ('module', 'cli')
            for tool in order:
                stack = 'sb%s%d' % (tool[0], rep)
                load.append(os.getloadavg())
                if tool == 'cli':
                    start = time.perf_counter()
                    times['cli_first'].append(runner.cli('stack', 'deploy', '-c', 'docker-stack.yml', stack))
                    times['cli_first_converged'].append(wait_converged(mgr, stack, nodes, start))
                    before, digests = service_state(mgr, stack), pinned(mgr, stack)
                    views.setdefault('cli', lab_view(mgr, stack))
                    times['cli_rerun'].append(runner.cli('stack', 'deploy', '-c', 'docker-stack.yml', stack))
                    time.sleep(1)
                    after = service_state(mgr, stack)
                    times['cli_rm'].append(runner.cli_rm(stack))
                    wait_gone(mgr, list(clients.values()), stack)
                    # The same deploy waiting for convergence (--detach=false), from nothing again.
                    times['cli_first_wait'].append(runner.cli('stack', 'deploy', '--detach=false', '-c',
                                                              'docker-stack.yml', stack))
                    runner.cli_rm(stack)
                    wait_gone(mgr, list(clients.values()), stack)
                else:
                    extra = dict(stack=stack, definition=definition)
                    start = time.perf_counter()
                    times['module_first'].append(runner.play('module.yml', extra, expect_changed=True))
                    times['module_first_converged'].append(wait_converged(mgr, stack, nodes, start))
                    before, digests = service_state(mgr, stack), pinned(mgr, stack)
                    views.setdefault('module', lab_view(mgr, stack))
                    times['module_rerun'].append(runner.play('module.yml', extra, expect_changed=False))
                    times['floor'].append(runner.play('floor.yml'))
                    after = service_state(mgr, stack)
                    times['module_rm'].append(runner.play('module.yml', dict(extra, stack_state='absent'),
                                                          expect_changed=True))
                    wait_gone(mgr, list(clients.values()), stack)
                    # Detached like the CLI's default (wait: false), from nothing again.
                    start = time.perf_counter()
                    times['module_first_nowait'].append(runner.play('module.yml', dict(extra, stack_wait=False),
                                                                    expect_changed=True))
                    times['module_first_nowait_converged'].append(wait_converged(mgr, stack, nodes, start))
                    runner.play('module.yml', dict(extra, stack_state='absent', stack_wait=False), expect_changed=True)
                    wait_gone(mgr, list(clients.values()), stack)
                reruns[tool].append(dict(
                    services=len(before), pinned=digests, version_bumped=sum(1 for s in before if after[s][0] != before[s][0]),
                    tasks_replaced=sum(1 for s in before if after[s][1] != before[s][1])))
            log('rep %d: %s; reruns %s' % (rep + 1, dict((k, round(v[-1], 2)) for k, v in times.items() if v),
                                           dict((k, v[-1]) for k, v in reruns.items())))
        load.append(os.getloadavg())
        result['spec_differences'] = fleet_stacklib.differences(views['cli'], views['module'])
        medians = dict((k, med(v)) for k, v in times.items())
        share = [a - b for a, b in zip(times['module_rerun'], times['floor'])]
        result.update(runs=times, medians=medians, reruns=reruns, module_share=med(share), module_share_runs=share,
                      ratios=dict(first=round(medians['module_first'] / medians['cli_first'], 2),
                                  first_vs_cli_wait=round(medians['module_first'] / medians['cli_first_wait'], 2),
                                  first_converged=round(medians['module_first_converged'] /
                                                        medians['cli_first_converged'], 2),
                                  first_nowait=round(medians['module_first_nowait'] / medians['cli_first'], 2),
                                  first_nowait_converged=round(medians['module_first_nowait_converged'] /
                                                               medians['cli_first_converged'], 2),
                                  rerun=round(medians['module_rerun'] / medians['cli_rerun'], 2)),
                      targets=dict(first_max_ratio=1.2, module_share_max_s=0.5))
    finally:
        try:
            result['cluster_leave_s'] = round(runner.play('leave.yml'), 3)
        except RuntimeError as exc:
            log('leaving the swarm failed: %s' % exc)
        # Docker 20.10 keeps its gossip listener after leaving, which breaks the next swarm's overlays there:
        # fleet_swarmlab restarts such an engine, so the lab is left as it was found.
        fleet_swarmlab.leave_all(names)
        for host, client in clients.items():
            state = client.info()['Swarm']['LocalNodeState']
            if state != 'inactive':
                log('WARNING: %s is still in a swarm (%s)' % (host, state))
        result['loadavg'] = load
        result['cpus'] = os.cpu_count()
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, 'stack.json'), 'w') as handle:
            json.dump(result, handle, indent=2, sort_keys=True)
    log('medians %s; module share %s s; ratios %s; reruns %s' % (
        result.get('medians'), result.get('module_share'), result.get('ratios'), result.get('reruns')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
