"""Helpers for the swarm tests on the lab fleet (tests/integration/test_lab_swarm*.py): the role
fleet.docker.swarm run with groups of lab hosts, each host's own engine reached through its init's root.

The lab's engines are the lab's own (never the shared test engines), so these tests put them in swarm
mode; every test starts and ends with every lab host out of any swarm.
"""

import os
import signal
import subprocess
import time

import yaml

from fleet_testlib import LAB_INVENTORY, ROOT, lab_node_client, pids_in_namespace, play_recaps, run_playbook

HOSTS = ('lab1', 'lab2', 'lab3')
REGISTRY = '10.213.0.1:5000'
WEB = REGISTRY + '/demo/web:1.0'
HTTPD = ['httpd', '-f', '-p', '80', '-h', '/usr/share/nginx/html']


def ip(host):
    return '10.213.0.%d' % (10 + int(host.replace('lab', '')))


def client(host, timeout=60):
    return lab_node_client(host, timeout=timeout)


def local(host):
    return client(host, timeout=20).info().get('Swarm') or {}


def gossip_bound(host):
    """Whether something in the host's network namespace still listens on the swarm's gossip port 7946."""
    out = subprocess.run(['ip', 'netns', 'exec', 'fleetlab%s' % host.replace('lab', ''), 'ss', '-Hltn', 'sport = :7946'],
                         capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def leave_all(hosts=HOSTS):
    """Every host out of any swarm (force: the managers too); services and overlays go with it.

    Docker 20.10 keeps its gossip (memberlist) listener on 7946 after leaving; the next swarm on that engine
    then fails 'Failed to start TCP listener on "0.0.0.0" port 7946 ... address already in use' and its
    overlay service discovery never works. Such an engine is restarted (`make lab` restarts a killed dockerd).
    """
    for host in hosts:
        try:
            cli = client(host, timeout=30)
            if (cli.info().get('Swarm') or {}).get('LocalNodeState') != 'inactive':
                cli.leave_swarm(force=True)
        except Exception:   # noqa: BLE001 - a host whose engine is down has nothing to leave here
            pass
    stale = [h for h in hosts if gossip_bound(h)]
    for host in stale:
        kill_dockerd(host)
    if stale:
        repair_lab()


def write_play(tmp_path, managers, workers, hostvars=None, play_hosts='lab', role_vars=None, name='swarm'):
    """An inventory of the groups (added to the lab's) and a play of the role; returns (play, inventory)."""
    groups = dict(swarm_managers=dict(hosts=dict((h, (hostvars or {}).get(h)) for h in managers)),
                  swarm_workers=dict(hosts=dict((h, (hostvars or {}).get(h)) for h in workers)))
    inventory = tmp_path / ('%s-groups.yml' % name)
    inventory.write_text(yaml.safe_dump(groups))
    play = tmp_path / ('%s-play.yml' % name)
    play.write_text(yaml.safe_dump([dict(name='swarm role', hosts=play_hosts, gather_facts=False,
                                         roles=[dict(role='fleet.docker.swarm', **(role_vars or {}))])]))
    return str(play), str(inventory)


def run_role(tmp_path, managers, workers, *extra, **kw):
    """The role on the lab with these groups; returns (CompletedProcess, {host: recap})."""
    play, inventory = write_play(tmp_path, managers, workers, **kw)
    proc = run_playbook(play, inventory=LAB_INVENTORY, extra_args=['-i', inventory] + list(extra),
                        env=dict(ANSIBLE_FORCE_COLOR='0', NO_COLOR='1'))
    return proc, play_recaps(proc.stdout)


def changed(recaps):
    return dict((h, int(r.get('changed', -1))) for h, r in recaps.items())


def nodes(manager):
    """{node id: node} as the manager sees them."""
    return dict((n['ID'], n) for n in client(manager).nodes())


def node_ids(hosts=HOSTS):
    """Each host's own node id, from its own engine (never by hostname)."""
    return dict((h, local(h).get('NodeID')) for h in hosts)


def wait_for(predicate, timeout=90, step=1.0, what='condition'):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(step)
    raise AssertionError('timed out after %ss waiting for %s (last: %r)' % (timeout, what, last))


def running_tasks(manager, service):
    """[(node id, state)] of the service's tasks whose desired state is running."""
    return [(t.get('NodeID'), t['Status']['State'])
            for t in client(manager).tasks(filters=dict(service=service, **{'desired-state': 'running'}))]


def kill_dockerd(host):
    """SIGKILL the host's dockerd (its stale pid file stays); `make lab` restarts it."""
    inode = os.stat('/run/netns/fleetlab%s' % host.replace('lab', '')).st_ino
    pids = pids_in_namespace('dockerd', 'net', inode)
    assert pids, 'no dockerd in %s' % host
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not pids_in_namespace('dockerd', 'net', inode), 30, 0.5, '%s dockerd gone' % host)


def repair_lab():
    """make lab with the lab's own host count: restarts a dead dockerd, leaves healthy hosts alone."""
    with open(LAB_INVENTORY) as fh:
        hosts = len(yaml.safe_load(fh)['lab']['hosts'])
    subprocess.run(['make', '-C', ROOT, 'lab', 'HOSTS=%d' % hosts], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def dockerd_log(host):
    with open(os.path.join(ROOT, '.lab', 'nodes', host.replace('lab', ''), 'dockerd.log'), errors='replace') as fh:
        return fh.read()
