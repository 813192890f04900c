"""Containers as Ansible hosts on the lab fleet (issue #27): the inventory plugin lists one compose project's
containers on the 3 lab hosts (Docker 20.10, 26.1, 28.5), each reached through its host's engine over
``ssh://`` (the plugin's fleet case, ``engine_group``), and a play runs setup, copy, template, fetch, command,
raw and a become task inside them through ``fleet.docker.api``; the rerun changes nothing.
``ansible-inventory --list``/``--graph`` are checked against the containers the engines really have.

The engines are reached with the ssh command line client (``use_ssh_client``): an ``ssh`` on PATH that reads
an ssh config with the lab's key, as a user's ``~/.ssh/config`` would. The project and the decoy are removed
afterwards; the session takes the lab down if it was not up before (tests/lib/fleet_labguard.py).
"""

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from fleet_testlib import LAB_INVENTORY, ROOT, TEST_LABEL, lab_node_client, lab_up, play_recaps, run_playbook, unique
from test_connection_api import PLAY as CONNECTION_PLAY, PYHOST, ensure_pyhost
from test_inventory_containers import plain

pytestmark = [pytest.mark.lab, pytest.mark.serial]

VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
PROJECT_LABEL = 'com.docker.compose.project'

DEPLOY = """
- hosts: lab
  gather_facts: false
  tasks:
    - fleet.docker.compose:
        project_name: %(project)s
        definition:
          services:
            app:
              image: %(image)s
              command: [sleep, infinity]
              stop_grace_period: 1s
        pull: never
"""


def play(group, fetched):
    """The tasks of test_connection_api's play (setup, copy, template, fetch, command, raw, become, checks) for
    ``group``; each container's fetched page lands in ``fetched/ENGINE/page.txt``."""
    tasks = yaml.safe_load(CONNECTION_PLAY % dict(fetch='%s/{{ container_engine }}' % fetched))[0]['tasks']
    return yaml.safe_dump([dict(hosts=group, gather_facts=False, remote_user='app', tasks=tasks)])


@pytest.fixture(scope='module')
def lab():
    """{host: client of its engine}; the lab is up (make lab), pyhost is on every engine."""
    hosts = sorted(lab_up()['hosts'])
    clients = dict((host, lab_node_client(host, timeout=300)) for host in hosts)
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(ensure_pyhost, clients.values()))
    return clients


@pytest.fixture(scope='module')
def ssh_env(lab, tmp_path_factory):
    """An ``ssh`` on PATH that uses the lab's key and its host-key rule (the docker SDK's ssh CLI mode), with a
    ControlMaster per host: the SDK opens one ssh per HTTP connection, and a handshake each costs ~0.5 s."""
    base = tmp_path_factory.mktemp('labssh')
    with open(LAB_INVENTORY) as handle:
        inventory = yaml.safe_load(handle)['lab']
    config = base / 'ssh_config'
    config.write_text('Host *\n  IdentityFile %s\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n'
                      '  LogLevel ERROR\n  ControlMaster auto\n  ControlPath %s/cm-%%C\n  ControlPersist 60\n'
                      % (inventory['vars']['ansible_ssh_private_key_file'], base))
    (base / 'bin').mkdir()
    (base / 'bin' / 'ssh').write_text('#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' % config)
    (base / 'bin' / 'ssh').chmod(0o755)
    yield dict(PATH='%s:%s:%s' % (base / 'bin', VENV_BIN, os.environ.get('PATH', '')), NO_COLOR='1',
               ANSIBLE_FORCE_COLOR='0')
    for spec in inventory['hosts'].values():
        subprocess.run(['/usr/bin/ssh', '-F', str(config), '-O', 'exit', 'root@%s' % spec['ansible_host']],
                       capture_output=True, timeout=30, check=False)


@pytest.fixture(scope='module')
def project(lab, tmp_path_factory):
    """One compose project (service app, pyhost) on every lab host, plus a decoy outside it on each."""
    name = unique('fleet27').lower()
    base = tmp_path_factory.mktemp('project')
    (base / 'deploy.yml').write_text(DEPLOY % dict(project=name, image=PYHOST))
    decoy = unique('decoy')
    try:
        result = run_playbook(str(base / 'deploy.yml'), inventory=LAB_INVENTORY)
        assert result.returncode == 0, result.stdout[-4000:]
        for client in lab.values():
            client.create_container(PYHOST, ['true'], name=decoy, labels={TEST_LABEL: name})
        yield name
    finally:
        for client in lab.values():
            for label in ('%s=%s' % (PROJECT_LABEL, name), '%s=%s' % (TEST_LABEL, name)):
                for container in client.containers(all=True, filters={'label': label}):
                    client.remove_container(container['Id'], force=True, v=True)


@pytest.fixture(scope='module')
def sources(project, tmp_path_factory):
    """-i arguments: the lab's inventory, then the plugin's file with engine_group: lab."""
    base = tmp_path_factory.mktemp('sources')
    config = base / 'lab.containers.yml'
    config.write_text(yaml.safe_dump(dict(plugin='fleet.docker.containers', engine_group='lab', docker_host=[],
                                          use_ssh_client=True, timeout=120)))
    return ['-i', LAB_INVENTORY, '-i', str(config)]


def _inventory(sources, ssh_env, *args):
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-inventory')] + sources + list(args), cwd=ROOT,
                          env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), **ssh_env),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_inventory_list_and_graph_match_the_engines(lab, project, sources, ssh_env):
    listing = json.loads(_inventory(sources, ssh_env, '--list'))
    hostvars = plain(listing['_meta']['hostvars'])  # the engines' values come marked unsafe
    containers = dict((h, hv) for h, hv in hostvars.items() if 'container_id' in hv)
    # Every container of every lab engine, and nothing else, is a host, on the engine it was found on.
    real = dict((c['Id'], host) for host, client in lab.items() for c in client.containers(all=True))
    assert dict((hv['container_id'], hv['container_engine']) for hv in containers.values()) == real
    group = 'compose_%s' % project.replace('-', '_')
    members = sorted(listing[group]['hosts'])
    in_project = dict((c['Id'], host) for host, client in lab.items()
                      for c in client.containers(all=True, filters={'label': '%s=%s' % (PROJECT_LABEL, project)}))
    assert len(in_project) == len(lab) == 3
    assert dict((hostvars[h]['container_id'], hostvars[h]['container_engine']) for h in members) == in_project
    assert sorted(listing['%s_app' % group]['hosts']) == members
    for host in lab:
        assert set(listing['engine_%s' % host]['hosts']) >= set(h for h in members if hostvars[h]['container_engine'] == host)
        [name] = [h for h in members if hostvars[h]['container_engine'] == host]
        facts = hostvars[name]
        assert facts['ansible_connection'] == 'fleet.docker.api'
        assert facts['fleet_docker_host'] == 'ssh://root@%s' % hostvars[host]['ansible_host']
        assert facts['container_state'] == 'running' and facts['container_compose_service'] == 'app'
    # The same container name on three engines: the first keeps it, the others get @ENGINE.
    assert sorted(members) == sorted(['%s-app-1' % project] + ['%s-app-1@%s' % (project, h) for h in sorted(lab)[1:]])
    graph = _inventory(sources, ssh_env, '--graph', group)
    assert sorted(line.strip(' |-') for line in graph.splitlines()[1:]) == members, graph


def test_play_through_the_api_connection_then_rerun_unchanged(lab, project, sources, ssh_env, tmp_path):
    fetched = tmp_path / 'fetched'
    (tmp_path / 'page.j2').write_text('{{ inventory_hostname }} on {{ container_engine }} ({{ ansible_facts.hostname }})\n')
    playbook = tmp_path / 'play.yml'
    playbook.write_text(play('compose_%s' % project.replace('-', '_'), fetched))
    first = run_playbook(str(playbook), extra_args=sources, env=ssh_env)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-2000:]
    recaps = play_recaps(first.stdout)
    assert len(recaps) == 3 and all(r['changed'] != '0' for r in recaps.values()), first.stdout[-4000:]
    for host, client in lab.items():
        [container] = client.containers(filters={'label': '%s=%s' % (PROJECT_LABEL, project)})
        text = (fetched / host / 'page.txt').read_text()
        assert text == '%s on %s (%s)\n' % (text.split(' ')[0], host, container['Id'][:12]), text
        # What the tasks wrote is in that container, as the engine sees it.
        exec_id = client.exec_create(container['Id'], ['cat', '/tmp/copied.txt', '/tmp/command.txt', '/root/secret.txt'])
        assert client.exec_start(exec_id).decode() == 'copied by app\n%sroot only\n' % text
    again = run_playbook(str(playbook), extra_args=sources, env=ssh_env)
    assert again.returncode == 0, again.stdout[-6000:]
    recaps = play_recaps(again.stdout)
    assert len(recaps) == 3 and all(r['changed'] == '0' for r in recaps.values()), again.stdout[-4000:]
