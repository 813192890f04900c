"""The fleet.docker.containers inventory plugin against real engines: --graph/--list, groups, hostile
labels, bad options, caching, and a play over a compose project's containers via fleet.docker.api."""

import json
import os
import socket
import subprocess
import time

import pytest

from fleet_testlib import ENGINES, ROOT, TEST_LABEL, WEB, ensure_image, play_recaps, run_playbook, unique
from test_connection_api import ensure_pyhost

INVENTORY = os.path.join(ROOT, '.venv', 'bin', 'ansible-inventory')


def inventory(path, *args, env=None):
    """ansible-inventory -i path args...; (returncode, stdout, stderr)."""
    run_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    run_env.update(env or {})
    proc = subprocess.run([INVENTORY, '-i', str(path)] + list(args), capture_output=True, text=True, env=run_env,
                          cwd=ROOT, timeout=300, check=False)
    assert 'Traceback' not in proc.stdout + proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def plain(value):
    """A --list value without its unsafe marks ({"__ansible_unsafe": text} is how unsafe text is written)."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((plain(k), plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def unsafe(value):
    """Whether every string in a --list value is marked unsafe."""
    if isinstance(value, dict):
        return set(value) == {'__ansible_unsafe'} or all(unsafe(v) for v in value.values())
    if isinstance(value, list):
        return all(unsafe(v) for v in value)
    return not isinstance(value, str)


def config(tmp_path, text, name='test.containers.yml'):
    path = tmp_path / name
    path.write_text(text)
    return path


def only_ours(tag):
    return "filters:\n  - include: container_labels['%s'] | default('') == '%s'\n  - exclude: true\n" % (TEST_LABEL, tag)


@pytest.fixture(scope='module')
def project(engine):
    """A compose-labelled project (app x2 on pyhost, web on busybox, a stopped one) plus a hostile container."""
    tag = unique('inv')
    name = unique('shop').replace('-', '.')  # dots: not allowed in group names, so they become _
    ensure_pyhost(engine)
    ensure_image(engine, WEB + ':1.0')
    made = {}
    for cname, image, service, run in (('app-1', 'fleet-seed/pyhost:bookworm', 'app', True),
                                       ('app-2', 'fleet-seed/pyhost:bookworm', 'app', True),
                                       ('web-1', WEB + ':1.0', 'web', True),
                                       ('old-1', WEB + ':1.0', 'web', False)):
        full = '%s-%s' % (tag, cname)
        engine.create_container(image, name=full, command=['sleep', 'infinity'] if 'pyhost' in image else None,
                                labels={TEST_LABEL: tag, 'com.docker.compose.project': name,
                                        'com.docker.compose.service': service})
        if run:
            engine.start(full)
        made[cname] = full
    hostile = '%s-hostile' % tag
    pwned = '/tmp/%s-pwned' % tag
    lookup = "{{ lookup('pipe', 'touch %s') }}" % pwned
    engine.create_container(WEB + ':1.0', name=hostile, labels={
        TEST_LABEL: tag, 'evil': lookup, lookup: 'key', 'com.docker.compose.project': lookup})
    engine.start(hostile)
    made['hostile'] = hostile
    yield dict(tag=tag, project=name, names=made, pwned=pwned, lookup=lookup)
    for container in engine.containers(all=True, filters={'label': '%s=%s' % (TEST_LABEL, tag)}):
        engine.remove_container(container['Id'], force=True, v=True)
    if os.path.exists(pwned):
        os.unlink(pwned)


def test_list_and_graph_match_the_engine(engine, project, tmp_path):
    path = config(tmp_path, 'plugin: fleet.docker.containers\n' + only_ours(project['tag']))
    code, out, err = inventory(path, '--list')
    assert code == 0, err
    data = json.loads(out)
    real = dict((c['Names'][0].lstrip('/'), c) for c in engine.containers(
        all=True, filters={'label': '%s=%s' % (TEST_LABEL, project['tag'])}))
    hostvars = data['_meta']['hostvars']
    assert set(hostvars) == set(real)
    for name, container in real.items():
        daemon_values = dict((k, v) for k, v in hostvars[name].items() if k.startswith('container_'))
        assert unsafe(daemon_values), daemon_values
        hv = plain(hostvars[name])
        assert hv['container_id'] == container['Id'] and hv['container_state'] == container['State']
        assert hv['container_image'] == container['Image'] and hv['container_labels'] == container['Labels']
        assert hv['ansible_connection'] == 'fleet.docker.api' and hv['ansible_host'] == name
        ips = [n['IPAddress'] for n in container['NetworkSettings']['Networks'].values() if n['IPAddress']]
        assert hv['container_addresses'] == ips
    group = 'compose_' + project['project'].replace('.', '_')
    names = project['names']
    assert sorted(data[group]['hosts']) == sorted([names['app-1'], names['app-2'], names['web-1'], names['old-1']])
    assert sorted(data[group + '_app']['hosts']) == sorted([names['app-1'], names['app-2']])
    assert names['old-1'] in data['stopped']['hosts'] and names['old-1'] not in data['running']['hosts']
    assert names['app-1'] in data['image_fleet_seed_pyhost']['hosts']
    assert names['web-1'] in data['image_127_0_0_1_5000_demo_web']['hosts']
    code, graph, err = inventory(path, '--graph')
    assert code == 0 and '@%s_app:' % group in graph and '|--%s' % names['app-2'] in graph, graph + err


def test_hostile_labels_are_never_templated(engine, project, tmp_path):
    path = config(tmp_path, 'plugin: fleet.docker.containers\n' + only_ours(project['tag']) +
                  "compose:\n  evil_copy: container_labels.evil | default('')\n"
                  "keyed_groups:\n  - key: container_labels.evil | default('none')\n    prefix: evil\n")
    code, out, err = inventory(path, '--list')
    assert code == 0, err
    hv = plain(json.loads(out)['_meta']['hostvars'][project['names']['hostile']])
    assert hv['container_labels']['evil'] == project['lookup'] and hv['evil_copy'] == project['lookup']
    assert hv['container_compose_project'] == project['lookup']
    play = tmp_path / 'play.yml'
    groups = [g for g, v in json.loads(out).items() if g.startswith('evil_') and g != 'evil_none']
    assert len(groups) == 1 and json.loads(out)[groups[0]]['hosts'] == [project['names']['hostile']]
    play.write_text('- hosts: ' + groups[0] + '\n  gather_facts: false\n  tasks:\n'
                    '    - ansible.builtin.debug: {msg: "label={{ container_labels.evil }} copy={{ evil_copy }}"}\n'
                    '      delegate_to: localhost\n')
    proc = run_playbook(str(play), str(path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "lookup('pipe', 'touch %s')" % project['pwned'] in proc.stdout
    assert not os.path.exists(project['pwned']), 'a label was templated'


def test_play_on_a_compose_service_through_the_api_connection(engine, project, tmp_path):
    path = config(tmp_path, 'plugin: fleet.docker.containers\n' + only_ours(project['tag']))
    group = 'compose_%s_app' % project['project'].replace('.', '_')
    play = tmp_path / 'play.yml'
    play.write_text('- hosts: %s\n  gather_facts: false\n  tasks:\n'
                    '    - ansible.builtin.copy: {content: "{{ inventory_hostname }}\\n", dest: /tmp/me.txt}\n'
                    '    - ansible.builtin.command: cat /tmp/me.txt\n      register: me\n      changed_when: false\n'
                    '    - ansible.builtin.assert: {that: [me.stdout == inventory_hostname]}\n' % group)
    runs = [run_playbook(str(play), str(path)) for dummy in range(2)]
    for proc in runs:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    first, second = (play_recaps(proc.stdout) for proc in runs)
    assert sorted(first) == sorted([project['names']['app-1'], project['names']['app-2']])
    assert all(r['changed'] == '1' for r in first.values()) and all(r['changed'] == '0' for r in second.values())


def test_two_engines_and_engine_groups(engine, project, tmp_path):
    if engine.fleet_engine.name == '20.10':
        pytest.skip('lists the current engine beside 20.10: runs on the others')
    here = engine.fleet_engine.docker_host
    path = config(tmp_path, 'plugin: fleet.docker.containers\ndocker_host:\n  - {docker_host: "%s", name: this}\n'
                  '  - {docker_host: "%s", name: host-engine}\n' % (here, ENGINES['20.10'].docker_host)
                  + only_ours(project['tag']))
    code, out, err = inventory(path, '--list')
    assert code == 0, err
    data = json.loads(out)
    assert project['names']['app-1'] in data['engine_this']['hosts']
    assert 'engine_host_engine' not in data  # none of this test's containers is on 20.10
    assert plain(data['_meta']['hostvars'][project['names']['app-1']]['fleet_docker_host']) == here


@pytest.mark.parametrize('text, words', [
    ('docker_host:\n  - {docker_host: "unix:///var/run/docker.sock", tsl: true}\n', 'docker_host entry 1: unknown option tsl'),
    ('docker_host: [nowhere]\n', "docker_host entry 1: 'nowhere' is not an engine address"),
    ('docker_host: ["tcp://127.0.0.1:1"]\ntimeout: 5\n', 'engine 127.0.0.1: Cannot connect to the Docker daemon at tcp://127.0.0.1:1'),
    ('connection_type: telnet\n', 'connection_type'),
    ('filters:\n  - {keep: true}\n', 'filters item 1: expected one key, include or exclude'),
    ('engine_group: nosuchgroup\n', 'engine_group nosuchgroup is not in the inventory'),
])
def test_bad_options_fail_clearly(tmp_path, text, words):
    code, out, err = inventory(config(tmp_path, 'plugin: fleet.docker.containers\n' + text), '--list',
                               env=dict(ANSIBLE_INVENTORY_UNPARSED_FAILED='true', ANSIBLE_INVENTORY_ENABLED='fleet.docker.containers'))
    assert code != 0 and words in err, err[-2000:]


def test_unreachable_engine_warns_when_asked(engine, project, tmp_path):
    path = config(tmp_path, 'plugin: fleet.docker.containers\nunreachable_engines: warn\ntimeout: 5\ndocker_host:\n'
                  '  - "%s"\n  - "tcp://127.0.0.1:1"\n' % engine.fleet_engine.docker_host + only_ours(project['tag']))
    code, out, err = inventory(path, '--list')
    assert code == 0 and 'engine 127.0.0.1 left out' in err, err
    assert project['names']['app-1'] in json.loads(out)['_meta']['hostvars']


def test_cache_answers_until_flushed(engine, project, tmp_path):
    extra = unique('inv-cached')
    engine.create_container(WEB + ':1.0', name=extra, labels={TEST_LABEL: project['tag']})
    path = config(tmp_path, 'plugin: fleet.docker.containers\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n'
                  'cache_connection: %s\n' % (tmp_path / 'cache') + only_ours(project['tag']))
    assert extra in json.loads(inventory(path, '--list')[1])['_meta']['hostvars']
    engine.remove_container(extra, force=True)
    assert extra in json.loads(inventory(path, '--list')[1])['_meta']['hostvars'], 'answered from the cache'
    assert extra not in json.loads(inventory(path, '--list', '--flush-cache')[1])['_meta']['hostvars']


def test_engine_group_lists_the_engines_of_an_inventory_group(engine, project, tmp_path):
    """The fleet case: the engines are the hosts of a group from an earlier source (fleet_docker_host)."""
    hosts = tmp_path / 'hosts.yml'
    hosts.write_text('docker_hosts:\n  hosts:\n    node-a: {fleet_docker_host: "%s"}\n' % engine.fleet_engine.docker_host)
    path = config(tmp_path, 'plugin: fleet.docker.containers\nengine_group: docker_hosts\ndocker_host: []\n'
                  + only_ours(project['tag']))
    proc = subprocess.run([INVENTORY, '-i', str(hosts), '-i', str(path), '--list'], capture_output=True, text=True,
                          env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg')), cwd=ROOT,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert sorted(data['engine_node_a']['hosts']) == sorted(project['names'].values())
    hv = plain(data['_meta']['hostvars'][project['names']['app-1']])
    assert hv['container_engine'] == 'node-a' and hv['fleet_docker_host'] == engine.fleet_engine.docker_host


SSHD = ('mkdir -p /run/sshd /root/.ssh && printf "%s\\n" "$KEY" > /root/.ssh/authorized_keys && ssh-keygen -A >/dev/null '
        '&& exec /usr/sbin/sshd -D -e')


def wait_for_ssh(host, port, attempts=60):
    """Until sshd at host:port sends its banner (bounded: about 15 s)."""
    last = None
    for _attempt in range(attempts):
        try:
            with socket.create_connection((host, port), timeout=2) as sock:
                if sock.recv(4).startswith(b'SSH-'):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.25)
    raise AssertionError('no sshd at %s:%s: %s' % (host, port, last))


def test_connection_type_ssh_published_port_and_container_address(engine, tmp_path):
    """connection_type ssh for real: one container reached at the engine host's published port, one at its own
    address; Ansible's ssh connection logs into each (python3 and sshd in fleet-seed/pyhost:ssh)."""
    if engine.fleet_engine.name != '20.10':
        pytest.skip("a newer engine's published ports and bridge live in its own network namespace")
    image = ensure_pyhost(engine, 'ssh')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(tmp_path / 'id')], check=True)
    key = (tmp_path / 'id.pub').read_text().strip()
    tag = unique('invssh')
    names = dict(published='%s-pub' % tag, direct='%s-ip' % tag)
    try:
        for kind, name in names.items():
            host_config = engine.create_host_config(port_bindings={22: ('127.0.0.1', None)}) \
                if kind == 'published' else engine.create_host_config()
            engine.create_container(image, ['sh', '-c', SSHD], name=name, environment={'KEY': key},
                                    labels={TEST_LABEL: tag}, ports=[22] if kind == 'published' else None,
                                    host_config=host_config)
            engine.start(name)
        path = config(tmp_path, 'plugin: fleet.docker.containers\nconnection_type: ssh\n' + only_ours(tag) +
                      "compose:\n  ansible_user: \"'root'\"\n  ansible_ssh_private_key_file: \"'%s'\"\n"
                      "  ansible_ssh_common_args: \"'-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\"\n"
                      % (tmp_path / 'id'))
        code, out, err = inventory(path, '--list')
        assert code == 0, err
        hostvars = plain(json.loads(out)['_meta']['hostvars'])
        published = engine.port(names['published'], 22)[0]
        assert (hostvars[names['published']]['ansible_host'], hostvars[names['published']]['ansible_port']) == \
            ('127.0.0.1', int(published['HostPort']))
        address = engine.inspect_container(names['direct'])['NetworkSettings']['Networks']['bridge']['IPAddress']
        assert (hostvars[names['direct']]['ansible_host'], hostvars[names['direct']]['ansible_port']) == (address, 22)
        assert all(hv['ansible_connection'] == 'ssh' for hv in hostvars.values())
        for host in names.values():  # sshd starts after the container: wait for its banner
            wait_for_ssh(hostvars[host]['ansible_host'], hostvars[host]['ansible_port'])
        proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible'), '-i', str(path), 'all', '-m',
                               'ansible.builtin.command', '-a', 'hostname'], capture_output=True, text=True,
                              env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg')), cwd=ROOT,
                              timeout=300, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        for name in names.values():
            assert '%s | CHANGED | rc=0 >>\n%s' % (name, engine.inspect_container(name)['Id'][:12]) in proc.stdout, \
                proc.stdout
    finally:
        for name in names.values():
            engine.remove_container(name, force=True, v=True)
