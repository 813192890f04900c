"""A compose project on the lab fleet through the app role (issue #21): deploy.yml rolls it out host by host
with the health gate, the rerun changes nothing, a project that never turns healthy stops the roll at the
first host, and the fleet report lists each host's projects and their services' states.

The lab is shared: the project and app names are unique, and everything is removed afterwards.
Minutes (five serial rolls over three hosts: 2.7 to 7 min seen), so outside `make test`: FLEET_COMPOSE_FLEET=1 runs it.
"""

import json
import os
import subprocess
import textwrap

import pytest

from fleet_testlib import ROOT, unique

pytestmark = [pytest.mark.lab, pytest.mark.slow,
              pytest.mark.skipif(os.environ.get('FLEET_COMPOSE_FLEET') != '1',
                                 reason='minutes on the lab: FLEET_COMPOSE_FLEET=1 runs it')]

INVENTORY = os.path.join(ROOT, '.lab', 'inventory.yml')
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
HOSTS = ['lab1', 'lab2', 'lab3']

COMPOSE = textwrap.dedent("""\
    services:
      init:
        image: ${REGISTRY}/demo/web:1.0
        command: ["sh", "-c", "cp /src/index.html /data/index.html"]
        volumes:
          - ./html:/src:ro
          - data:/data
      web:
        image: ${REGISTRY}/demo/web:1.0
        stop_grace_period: 1s
        depends_on:
          init:
            condition: service_completed_successfully
        volumes:
          - data:/usr/share/nginx/html:ro
        networks: [front, back]
        healthcheck:
          test: ["CMD-SHELL", "@CHECK@"]
          interval: 1s
          timeout: 2s
          retries: 3
      worker:
        image: ${REGISTRY}/demo/web:1.0
        stop_grace_period: 1s
        networks: [back]
    networks:
      front: {}
      back: {}
    volumes:
      data: {}
    """)


def _env(**extra):
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''),
               ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), NO_COLOR='1', ANSIBLE_FORCE_COLOR='0')
    env.update(extra)
    return env


def _run(cmd, timeout=600, **env):
    return subprocess.run(cmd, cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=timeout,
                          check=False)


def _playbook(name, extra_vars_file, *args):
    return _run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', INVENTORY, os.path.join(ROOT, 'playbooks', name),
                 '-e', '@%s' % extra_vars_file] + list(args))


def _recap(output):
    """{host: {'changed': n, 'failed': n, 'ok': n}} from the PLAY RECAP lines."""
    out = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[0] in HOSTS and parts[1] == ':':
            out[parts[0]] = dict((k, int(v)) for k, v in (p.split('=') for p in parts[2:]))
    return out


def _compose_info(project):
    """{host: compose_info result} on every lab host (ad hoc, one line per host)."""
    proc = _run([os.path.join(VENV_BIN, 'ansible'), '-i', INVENTORY, 'lab', '-o', '-m', 'fleet.docker.compose_info',
                 '-a', 'project_name=%s' % project])
    out = {}
    for line in proc.stdout.splitlines():
        host, _sep, rest = line.partition(' | ')
        if host in HOSTS and '=> ' in rest:
            out[host] = json.loads(rest.split('=> ', 1)[1])
    assert set(out) == set(HOSTS), proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


@pytest.fixture(scope='module')
def lab():
    if not os.path.exists(INVENTORY):
        proc = _run(['make', 'lab', 'HOSTS=3'], timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    yield INVENTORY


@pytest.fixture
def fleet_project(lab, tmp_path):
    """A project directory on the controller and the extra vars that deploy it alone with the app role."""
    name = unique('fleetc').lower()
    src = tmp_path / 'project'
    (src / 'html').mkdir(parents=True)
    (src / 'html' / 'index.html').write_text('fleet %s\n' % name)
    (src / '.env').write_text('REGISTRY=10.213.0.1:5000\n')

    def write(check):
        (src / 'compose.yaml').write_text(COMPOSE.replace("@CHECK@", check))
        extra = dict(docker_app_name=name, docker_app_images=[], docker_app_volumes=[], docker_app_directories=[],
                     docker_app_files=[], docker_app_containers=[], docker_app_container_files=[],
                     docker_app_compose_src=str(src), docker_app_compose_project=name, docker_app_health_timeout=10)
        path = tmp_path / 'vars.json'
        path.write_text(json.dumps(extra))
        return str(path)
    yield name, src, write, tmp_path
    gone = dict(docker_app_name=name, docker_app_compose_src=str(src), docker_app_compose_project=name,
                docker_app_compose_state='absent', docker_app_compose_remove_volumes=True, docker_app_images=[],
                docker_app_volumes=[], docker_app_directories=[], docker_app_files=[], docker_app_containers=[],
                docker_app_container_files=[])
    (tmp_path / 'gone.json').write_text(json.dumps(gone))
    _playbook('deploy.yml', str(tmp_path / 'gone.json'), '-e', 'deploy_serial=3')
    _run([os.path.join(VENV_BIN, 'ansible'), '-i', INVENTORY, 'lab', '-m', 'ansible.builtin.file',
          '-a', 'path=/srv/fleet-compose/%s state=absent' % name])


def test_compose_project_rolls_out_on_every_lab_host_through_the_app_role(fleet_project):
    name, _src, write, tmp_path = fleet_project
    healthy = write('wget -q -O /dev/null http://127.0.0.1/index.html')
    first = _playbook('deploy.yml', healthy)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    recap = _recap(first.stdout)
    assert set(recap) == set(HOSTS) and all(r['changed'] > 0 and r['failed'] == 0 for r in recap.values()), recap
    # Host by host: serial 1 runs the compose task once per batch, lab1 first.
    batches = [line for line in first.stdout.splitlines() if line.startswith('PLAY [Deploy the application')]
    assert len(batches) == 3, first.stdout[-3000:]
    infos = _compose_info(name)
    for host in HOSTS:
        services = infos[host]['projects'][name]['services']
        assert set(services) == {'init', 'web', 'worker'}, (host, services)
        assert [c['state'] for c in services['web']] == ['running'] and services['web'][0]['health'] == 'healthy'
        assert [c['state'] for c in services['worker']] == ['running']
        assert [(c['state'], c['exit_code']) for c in services['init']] == [('exited', 0)]
    # The web service serves the file the one-shot copied from the project directory the role copied.
    check = _run([os.path.join(VENV_BIN, 'ansible'), '-i', INVENTORY, 'lab', '-o', '-m', 'fleet.docker.container_exec',
                  '-a', json.dumps(dict(container='%s-web-1' % name, command=['cat', '/usr/share/nginx/html/index.html']))])
    served = [line for line in check.stdout.splitlines() if ' | SUCCESS => ' in line and '"stdout": "fleet %s\\n"' % name in line]
    assert check.returncode == 0 and len(served) == 3, check.stdout[-2000:]

    again = _playbook('deploy.yml', healthy)
    assert again.returncode == 0, again.stdout[-4000:]
    assert all(r['changed'] == 0 for r in _recap(again.stdout).values()), _recap(again.stdout)

    # The fleet report lists each host's project and its services' states.
    report_dir = tmp_path / 'report'
    rep = _playbook('report.yml', healthy, '-e', 'fleet_report_dir=%s' % report_dir)
    assert rep.returncode == 0, rep.stdout[-3000:]
    text = (report_dir / 'fleet-report.md').read_text()
    for host in HOSTS:
        section = text.split('## %s' % host, 1)[1].split('## ', 1)[0]
        assert '| %s | web | %s-web-1: running healthy |' % (name, name) in section, section
        assert '| %s | init | %s-init-1: exited (exit 0) |' % (name, name) in section, section
        assert '| %s | worker | %s-worker-1: running |' % (name, name) in section, section

    # A change that never turns healthy: lab1 fails the gate, the roll stops, lab2 and lab3 keep the old web.
    before = _compose_info(name)
    broken = write('exit 1')
    roll = _playbook('deploy.yml', broken)
    assert roll.returncode != 0
    assert 'did not turn healthy' in roll.stdout, roll.stdout[-3000:]
    after = _compose_info(name)
    assert after['lab1']['projects'][name]['services']['web'][0]['id'] != before['lab1']['projects'][name]['services']['web'][0]['id']

    def kept(info, host):  # what the roll could change (status text holds the uptime, which moves)
        return dict((svc, [(c['id'], c['state'], c['health'], c['config_hash']) for c in items])
                    for svc, items in info[host]['projects'][name]['services'].items())
    for host in ('lab2', 'lab3'):
        assert kept(after, host) == kept(before, host), host
