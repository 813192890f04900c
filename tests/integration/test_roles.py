"""The roles: argument validation, the engine's rendered files, and the molecule scenarios.

The tests without the `lab` marker run on this machine's engine through a local connection and
never touch its real /etc/docker: the engine role is pointed at a temporary daemon.json with
docker_engine_service_manager=none. The molecule scenarios need the lab fleet (make lab).
"""

import json
import os
import subprocess
import textwrap

import pytest

from fleet_testlib import ROOT, WEB, run_playbook, unique

VENV_BIN = os.path.join(ROOT, '.venv', 'bin')


def _play(tmp_path, body, name='play.yml'):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def _recap(stdout, host='localhost'):
    for line in stdout.splitlines():
        if line.startswith(host + ' ') and 'changed=' in line:
            return dict(part.split('=') for part in line.split(':', 1)[1].split())
    raise AssertionError('no recap for %s in:\n%s' % (host, stdout))


ENGINE_PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: fleet.docker.engine
      docker_engine_service_manager: none
      docker_engine_daemon_json_path: {path}
      docker_engine_insecure_registries: ['10.9.9.9:5000']
      docker_engine_registry_mirrors: ['http://mirror.internal:5000']
      docker_engine_log_driver: local
      docker_engine_log_opts: {{max-size: 20m}}
      docker_engine_data_root: /srv/docker-data
      docker_engine_live_restore: true
      docker_engine_daemon_json_merge: {merge}
"""


def test_engine_renders_daemon_json_and_is_idempotent(engine, tmp_path):
    daemon = tmp_path / 'etc-docker' / 'daemon.json'
    play = _play(tmp_path, ENGINE_PLAY.format(path=daemon, merge='false'))
    first = run_playbook(play)
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(daemon.read_text()) == {
        'insecure-registries': ['10.9.9.9:5000'],
        'registry-mirrors': ['http://mirror.internal:5000'],
        'log-driver': 'local',
        'log-opts': {'max-size': '20m'},
        'data-root': '/srv/docker-data',
        'live-restore': True,
    }
    # The restart handler ran (and, with manager none, said so) because the file changed.
    assert "docker_engine_service_manager is 'none'" in first.stdout
    second = run_playbook(play)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _recap(second.stdout)['changed'] == '0', second.stdout
    assert "docker_engine_service_manager is 'none'" not in second.stdout


def test_engine_merge_keeps_foreign_keys_and_ignores_layout(engine, tmp_path):
    (tmp_path / 'etc').mkdir()
    (tmp_path / 'etc').chmod(0o755)
    daemon = tmp_path / 'etc' / 'daemon.json'
    foreign = {'bip': '10.99.0.1/24', 'insecure-registries': ['10.9.9.9:5000'],
               'registry-mirrors': ['http://mirror.internal:5000'], 'log-driver': 'local',
               'log-opts': {'max-size': '20m'}, 'data-root': '/srv/docker-data', 'live-restore': True}
    daemon.write_text(json.dumps(foreign))          # one line, another key order: same meaning
    before = daemon.read_text()
    play = _play(tmp_path, ENGINE_PLAY.format(path=daemon, merge='true'))
    result = run_playbook(play)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _recap(result.stdout)['changed'] == '0', result.stdout
    assert daemon.read_text() == before


def test_engine_docker_ce_repository_renders_offline(engine, tmp_path):
    sources = tmp_path / 'apt' / 'docker.sources'
    keyring = tmp_path / 'keyrings' / 'docker.asc'
    play = _play(tmp_path, """
        - hosts: localhost
          gather_facts: false
          roles:
            - role: fleet.docker.engine
              docker_engine_source: docker-ce
              docker_engine_repo_only: true
              docker_engine_repo_sources_path: {sources}
              docker_engine_repo_keyring: {keyring}
        """.format(sources=sources, keyring=keyring))
    result = run_playbook(play)
    assert result.returncode == 0, result.stdout + result.stderr
    text = sources.read_text()
    import platform
    release = dict(line.split('=', 1) for line in open('/etc/os-release').read().split('\n') if '=' in line)
    distro = release['ID'].strip('"')
    fields = dict(line.split(': ', 1) for line in text.splitlines() if ': ' in line and not line.startswith('#'))
    assert fields['Types'] == 'deb'
    assert fields['URIs'] == 'https://download.docker.com/linux/' + distro
    assert fields['Suites'] == release['VERSION_CODENAME'].strip('"')
    assert fields['Components'] == 'stable'
    assert fields['Architectures'] == {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(platform.machine(), platform.machine())
    assert fields['Signed-By'] == str(keyring)
    assert not keyring.exists(), 'repo_only must not download the key'
    again = run_playbook(play)
    assert _recap(again.stdout)['changed'] == '0', again.stdout


BAD_APP = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: fleet.docker.app
      docker_app_name: {app}
      docker_app_images: ['{web}:1.0']
      docker_app_volumes: [{{name: {app}-vol}}]
      docker_app_containers:
        - name: {app}
          image: '{web}:1.0'
          {extra}
"""


@pytest.mark.parametrize('extra, where', [
    ('ports: {"18080": 80}', 'Validating arguments'),                  # a dict instead of a list
    ('ports: [{published: 18080, target: 80}]', "Check the application's variables"),
    ('ports: ["18080:80"]\n          restart_policy: sometimes', 'Validating arguments'),
    ('ports: ["18080:80"]\n          state: running', 'Validating arguments'),
])
def test_app_bad_variables_fail_before_any_change(engine, tmp_path, extra, where):
    app = unique('badapp')
    play = _play(tmp_path, BAD_APP.format(app=app, web=WEB, extra=extra))
    result = run_playbook(play)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    failed_task = out.split('fatal:')[0].rsplit('TASK [', 1)[1]
    assert where in failed_task, out
    assert _recap(result.stdout)['changed'] == '0'
    assert not engine.containers(all=True, filters={'name': app})
    assert not [v for v in (engine.volumes().get('Volumes') or []) if v['Name'] == app + '-vol']


@pytest.mark.parametrize('role, var', [
    ('engine', 'docker_engine_service_manager: upstart'),
    ('engine', 'docker_engine_insecure_registries: {a: 1}'),
    ('cleanup', 'docker_cleanup_stop_timeout: soon'),
])
def test_role_bad_variables_fail_at_validation(engine, tmp_path, role, var):
    play = _play(tmp_path, """
        - hosts: localhost
          gather_facts: false
          roles:
            - role: fleet.docker.{role}
              docker_cleanup_ancestors: [127.0.0.1:5000/nothing/here]
              {var}
        """.format(role=role, var=var))
    result = run_playbook(play)
    assert result.returncode != 0
    assert 'Validation of arguments failed' in result.stdout, result.stdout
    assert _recap(result.stdout)['ok'] == '0'


def test_cleanup_requires_ancestors(engine, tmp_path):
    play = _play(tmp_path, """
        - hosts: localhost
          gather_facts: false
          roles:
            - role: fleet.docker.cleanup
        """)
    result = run_playbook(play)
    assert result.returncode != 0
    assert 'docker_cleanup_ancestors' in result.stdout


# ------------------------------------------------------------------ molecule, on the lab
@pytest.mark.lab
@pytest.mark.slow
@pytest.mark.parametrize('scenario', ['engine', 'app', 'cleanup'])
def test_molecule_scenario(scenario):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''))
    proc = subprocess.run([os.path.join(VENV_BIN, 'molecule'), 'test', '-s', scenario], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-8000:]
    assert 'idempotence' in out.lower()
