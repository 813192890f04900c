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

from fleet_testlib import ROOT, TEST_LABEL, WEB, free_port, http_get, run_playbook, unique

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


# ------------------------------------------------------------------ the app's network
NET_APP = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: fleet.docker.app
      docker_app_name: {app}
      docker_app_network_labels: {{{label}: {tag}}}
      docker_app_containers: {containers}
      {extra}
"""


def _net_app_play(tmp_path, app, containers, extra='', name='play.yml'):
    return _play(tmp_path, NET_APP.format(app=app, label=TEST_LABEL, tag=app, containers=json.dumps(containers),
                                          extra=extra), name=name)


@pytest.fixture
def app_cleanup(engine):
    """Remove an app's containers, then its networks, even when the test fails."""
    apps = []
    yield apps
    for app in apps:
        for c in engine.containers(all=True, filters={'label': 'fleet.docker.project=' + app}):
            engine.remove_container(c['Id'], force=True, v=True)
        for net in engine.networks(filters={'label': 'fleet.docker.project=' + app}):
            engine.remove_network(net['Id'])


def _exec(engine, container, cmd):
    """(exit code, output) of a command inside a running container."""
    exec_id = engine.exec_create(container, cmd)['Id']
    out = engine.exec_start(exec_id).decode('utf-8', 'replace')
    return engine.exec_inspect(exec_id)['ExitCode'], out


def _resolves(engine, container, name):
    return _exec(engine, container, ['ping', '-c1', '-W2', name])[0] == 0


def _http_by_name(engine, container, name, port=80):
    """The status line another container answers with, asked by name over the app's network (nc)."""
    request = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w3 %s %d" % (name, port)
    code, out = _exec(engine, container, ['sh', '-c', request])
    return out.splitlines()[0] if code == 0 and out else out


def _app_networks(engine, app):
    return dict((n['Name'], engine.inspect_network(n['Id']))
                for n in engine.networks(filters={'label': 'fleet.docker.project=' + app}))


def _endpoints(engine, name):
    return (engine.inspect_container(name)['NetworkSettings'] or {}).get('Networks') or {}


def _snapshot(engine, app, names):
    """What a run could change: containers (ID, networks, aliases) and the app's networks (ID, settings)."""
    out = {}
    for name in names:
        try:
            info = engine.inspect_container(name)
        except Exception:  # pylint: disable=broad-except
            out[name] = None
            continue
        out[name] = (info['Id'], info['State']['Running'], sorted(
            (net, sorted(ep.get('Aliases') or [])) for net, ep in (info['NetworkSettings']['Networks'] or {}).items()))
    for net_name, net in _app_networks(engine, app).items():
        out['net:' + net_name] = (net['Id'], net['Internal'], net['Labels'], net['IPAM']['Config'])
    return out


def test_app_network_aliases_rerun_check_and_purge(engine, tmp_path, app_cleanup):
    app = unique('netapp')
    app_cleanup.append(app)
    port = free_port()
    web, db = app + '-web', app + '-db'
    containers = [
        dict(name=web, image=WEB + ':1.0', ports=['127.0.0.1:%d:80' % port], health=dict(port=port)),
        dict(name=db, image=WEB + ':1.0', aliases=['db', 'database'], health=dict(running=1)),
    ]
    play = _net_app_play(tmp_path, app, containers)

    first = run_playbook(play)
    assert first.returncode == 0, first.stdout + first.stderr
    nets = _app_networks(engine, app)
    assert list(nets) == [app], nets                      # named after the app, labelled with it
    assert nets[app]['Labels'] == {'fleet.docker.project': app, TEST_LABEL: app}
    assert nets[app]['Internal'] is False
    for name in (web, db):
        assert list(_endpoints(engine, name)) == [app]     # on the app's network only
    assert 'web' in _endpoints(engine, web)[app]['Aliases']            # default: the service name
    assert {'db', 'database'} <= set(_endpoints(engine, db)[app]['Aliases'])
    # Inside the containers: each finds the other by alias, and talks HTTP to it.
    assert _resolves(engine, web, 'db') and _resolves(engine, web, 'database')
    assert _resolves(engine, db, 'web')
    assert not _resolves(engine, web, unique('nosuch'))           # the probe can fail
    assert _http_by_name(engine, web, 'db').startswith('HTTP/1.1 200'), _http_by_name(engine, web, 'db')
    assert _http_by_name(engine, db, 'web').startswith('HTTP/1.1 200')
    assert http_get('http://127.0.0.1:%d/' % port)[0] == 200       # published ports work on the app's network

    second = run_playbook(play)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _recap(second.stdout)['changed'] == '0', second.stdout

    # Check mode with changes to make (a new alias, an internal network): reported, nothing changes.
    before = _snapshot(engine, app, [web, db])
    changed = [dict(containers[0]), dict(containers[1], aliases=['db', 'database', 'store'])]
    check = run_playbook(_net_app_play(tmp_path, app, changed, 'docker_app_network_internal: true', 'changed.yml'),
                         extra_args=['--check'])
    assert check.returncode == 0, check.stdout + check.stderr
    assert int(_recap(check.stdout)['changed']) >= 2, check.stdout      # the network and the container
    assert _snapshot(engine, app, [web, db]) == before
    assert not _resolves(engine, web, 'store')

    # Purge: no container listed any more. Check mode first, then for real, then once more.
    purge = _net_app_play(tmp_path, app, [], name='purge.yml')
    check = run_playbook(purge, extra_args=['--check'])
    assert check.returncode == 0, check.stdout + check.stderr
    assert int(_recap(check.stdout)['changed']) >= 2, check.stdout
    assert _snapshot(engine, app, [web, db]) == before
    gone = run_playbook(purge)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert not engine.containers(all=True, filters={'label': 'fleet.docker.project=' + app})
    assert not engine.networks(names=[app]) and not _app_networks(engine, app)
    again = run_playbook(purge)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _recap(again.stdout)['changed'] == '0', again.stdout


def test_app_network_check_mode_first_deploy(engine, tmp_path, app_cleanup):
    """Check mode before anything exists: the network and containers are reported, not made."""
    app = unique('netapp')
    app_cleanup.append(app)
    containers = [dict(name=app + '-web', image=WEB + ':1.0'), dict(name=app + '-db', image=WEB + ':1.0')]
    check = run_playbook(_net_app_play(tmp_path, app, containers), extra_args=['--check'])
    assert check.returncode == 0, check.stdout + check.stderr
    assert int(_recap(check.stdout)['changed']) >= 2, check.stdout
    assert not engine.containers(all=True, filters={'name': app})
    assert not engine.networks(names=[app])


def test_app_network_adopts_running_containers_and_moves_them(engine, tmp_path, app_cleanup):
    """A deployment made before the role had networks (containers on the default bridge) is moved onto
    the app's network in place, same container IDs; renaming the network moves them again and the purge
    removes the old one; docker_app_network empty keeps them where they are."""
    app = unique('netapp')
    app_cleanup.append(app)
    port = free_port()
    web, worker = app + '-web', app + '-worker'
    containers = [dict(name=web, image=WEB + ':1.0', ports=['127.0.0.1:%d:80' % port]),
                  dict(name=worker, image=WEB + ':1.0', command=['sleep', '3600'])]
    old = run_playbook(_net_app_play(tmp_path, app, containers, 'docker_app_network: ""', 'old.yml'))
    assert old.returncode == 0, old.stdout + old.stderr
    assert list(_endpoints(engine, web)) == ['bridge'] and not _app_networks(engine, app)
    ids = dict((n, engine.inspect_container(n)['Id']) for n in (web, worker))

    play = _net_app_play(tmp_path, app, containers)
    first = run_playbook(play)
    assert first.returncode == 0, first.stdout + first.stderr
    assert dict((n, engine.inspect_container(n)['Id']) for n in (web, worker)) == ids
    assert list(_endpoints(engine, web)) == [app] and list(_endpoints(engine, worker)) == [app]
    assert _http_by_name(engine, worker, 'web').startswith('HTTP/1.1 200')
    assert http_get('http://127.0.0.1:%d/' % port)[0] == 200
    again = run_playbook(play)
    assert _recap(again.stdout)['changed'] == '0', again.stdout

    # Another network name: the containers move (same IDs), the old network is purged.
    moved = run_playbook(_net_app_play(tmp_path, app, containers, 'docker_app_network: %s-net2' % app, 'moved.yml'))
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert list(_app_networks(engine, app)) == [app + '-net2']
    assert list(_endpoints(engine, web)) == [app + '-net2']
    assert dict((n, engine.inspect_container(n)['Id']) for n in (web, worker)) == ids
    assert _resolves(engine, worker, 'web')

    # No network: containers keep the endpoints they have, the network they stay on is kept.
    off = run_playbook(_net_app_play(tmp_path, app, containers, 'docker_app_network: ""', 'off.yml'))
    assert off.returncode == 0, off.stdout + off.stderr
    assert _recap(off.stdout)['changed'] == '0', off.stdout
    assert list(_app_networks(engine, app)) == [app + '-net2']
    assert _resolves(engine, worker, 'web')


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
