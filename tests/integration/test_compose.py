"""fleet.docker.compose on the real engines (issue #21, section 1 and "Must show").

A three-service project (db with a healthcheck, api gated on it with service_healthy and an
env_file, a relative bind mount and a file secret, worker on another network; a named volume and
an internal network) converged by the module, checked on the engine, with `docker compose ps`
and by traffic between the services by name.
"""

import json
import os
import subprocess
import textwrap

import pytest

from fleet_testlib import ROOT, WEB, WORKER, run_module, unique

COMPOSE_BIN = os.path.join(ROOT, '.state', 'bin', 'docker-compose')
LABEL = 'com.docker.compose.project'


def compose_cli(project, *args, cwd=None, timeout=120):
    """Docker Compose v2 itself (scripts/compose-bin.sh), on the engine the test runs on (DOCKER_HOST)."""
    if not os.path.exists(COMPOSE_BIN):
        subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'compose-bin.sh')], check=True,
                       stdout=subprocess.DEVNULL)
    return subprocess.run([COMPOSE_BIN, '-p', project] + list(args), capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, check=False)


def compose_ps(project):
    proc = compose_cli(project, 'ps', '-a', '--format', 'json')
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.strip()
    if not text:
        return []
    if text.startswith('['):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


def containers(engine, project):
    return dict((c['Names'][0].lstrip('/'), c) for c in engine.containers(all=True, filters={'label': '%s=%s' % (
        LABEL, project)}))


def inspect(engine, name):
    return engine.inspect_container(name)


def exec_in(engine, container, cmd):
    exec_id = engine.exec_create(container, cmd)
    out = engine.exec_start(exec_id).decode('utf-8', 'replace')
    return engine.exec_inspect(exec_id)['ExitCode'], out


@pytest.fixture
def project(engine, tmp_path):
    """A project name and directory; whatever the test leaves is removed afterwards."""
    name = unique('fc').lower()
    yield name, tmp_path
    compose_cli(name, 'down', '-v', '-t', '0', '--remove-orphans')
    for c in engine.containers(all=True, filters={'label': '%s=%s' % (LABEL, name)}):
        engine.remove_container(c['Id'], force=True, v=True)
    for net in engine.networks(filters={'label': '%s=%s' % (LABEL, name)}):
        engine.remove_network(net['Id'])
    for vol in (engine.volumes(filters={'label': '%s=%s' % (LABEL, name)}) or {}).get('Volumes') or []:
        engine.remove_volume(vol['Name'], force=True)


TRIO = textwrap.dedent("""\
    services:
      db:
        image: {web}:1.0
        stop_grace_period: 1s
        healthcheck:
          test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
          interval: 1s
          timeout: 2s
          retries: 30
        volumes: [dbdata:/data]
        networks: [back]
      api:
        image: {web}:1.0
        stop_grace_period: 1s
        env_file: api.env
        depends_on:
          db: {{condition: service_healthy}}
        volumes: ["./site:/usr/share/nginx/html:ro"]
        secrets: [token]
        networks: [back, front]
      worker:
        image: {worker}:1.0
        stop_grace_period: 1s
        environment: {{MODE: fast}}
        depends_on: [api]
        networks: [front]
    networks:
      back: {{internal: true}}
      front: {{}}
    volumes:
      dbdata: {{}}
    secrets:
      token: {{file: ./token.txt}}
    """)


def write_trio(path, compose=None, env='GREETING=hello\n'):
    (path / 'site').mkdir(exist_ok=True)
    (path / 'site' / 'index.html').write_text('trio-site\n')
    (path / 'token.txt').write_text('s3cret-token\n')
    (path / 'api.env').write_text(env)
    (path / 'compose.yaml').write_text(compose or TRIO.format(web=WEB, worker=WORKER))


def args(name, path, **extra):
    out = dict(project_src=str(path), project_name=name, timeout=1, wait_timeout=60)
    out.update(extra)
    return out


def engine_state(engine, name):
    """What the project holds on the engine: container IDs and states, networks, volumes."""
    return dict(containers=sorted((n, c['Id'], c['State']) for n, c in containers(engine, name).items()),
                networks=sorted(net['Name'] for net in engine.networks(filters={'label': '%s=%s' % (LABEL, name)})),
                volumes=sorted(v['Name'] for v in (engine.volumes(filters={'label': '%s=%s' % (LABEL, name)}) or {})
                               .get('Volumes') or []))


def test_three_services_converge_rerun_ps_traffic_recreate_refuse_orphans_absent(engine, project):
    name, path = project
    write_trio(path)
    empty = engine_state(engine, name)

    # Check mode first: the plan, nothing created.
    check = run_module('compose', args(name, path), check=True, diff=True)
    assert not check.failed, check
    assert check.changed
    assert [c['action'] for c in check['services']['api']['containers']] == ['create']
    assert engine_state(engine, name) == empty

    first = run_module('compose', args(name, path))
    assert not first.failed, first
    assert first.changed
    second = run_module('compose', args(name, path))
    assert not second.failed, second
    assert second.changed is False, second

    listed = containers(engine, name)
    assert sorted(listed) == ['%s-api-1' % name, '%s-db-1' % name, '%s-worker-1' % name]
    assert all(c['State'] == 'running' for c in listed.values())
    # docker compose ps lists the module's project.
    ps = compose_ps(name)
    assert sorted((row['Service'], row['State']) for row in ps) == [('api', 'running'), ('db', 'running'),
                                                                    ('worker', 'running')]
    # Labels as Compose v2 sets them.
    api = inspect(engine, '%s-api-1' % name)
    labels = api['Config']['Labels']
    assert labels['com.docker.compose.service'] == 'api'
    assert labels['com.docker.compose.container-number'] == '1'
    assert labels['com.docker.compose.oneoff'] == 'False'
    assert labels['com.docker.compose.project.working_dir'] == str(path)
    assert labels['com.docker.compose.depends_on'] == 'db:service_healthy:false'
    assert labels['com.docker.compose.image'] == engine.inspect_image(WEB + ':1.0')['Id']
    # env_file, secret, relative bind, named volume, internal network.
    assert 'GREETING=hello' in api['Config']['Env']
    assert exec_in(engine, api['Id'], ['cat', '/run/secrets/token']) == (0, 's3cret-token\n')
    mounts = dict((m['Destination'], m) for m in api['Mounts'])
    assert mounts['/usr/share/nginx/html']['Source'] == str(path / 'site')
    assert mounts['/usr/share/nginx/html']['RW'] is False
    assert mounts['/run/secrets/token']['RW'] is False
    db = inspect(engine, '%s-db-1' % name)
    assert [m['Name'] for m in db['Mounts'] if m['Destination'] == '/data'] == ['%s_dbdata' % name]
    assert db['State']['Health']['Status'] == 'healthy'
    assert engine.inspect_network('%s_back' % name)['Internal'] is True
    assert engine.inspect_network('%s_front' % name)['Internal'] is False
    # Traffic by service name: worker -> api (front), api -> db (back, internal); worker cannot reach db.
    worker = '%s-worker-1' % name
    code, out = exec_in(engine, worker, ['wget', '-q', '-O', '-', 'http://api/'])
    assert (code, out) == (0, 'trio-site\n')
    assert exec_in(engine, api['Id'], ['wget', '-q', '-O', '/dev/null', 'http://db/'])[0] == 0
    assert exec_in(engine, worker, ['ping', '-c', '1', '-W', '1', 'db'])[0] != 0

    # An env change on api recreates only api (check mode says so and changes nothing).
    ids = dict((n, c['Id']) for n, c in containers(engine, name).items())
    (path / 'api.env').write_text('GREETING=bonjour\n')
    check = run_module('compose', args(name, path), check=True, diff=True)
    assert check.changed
    assert check['services']['api']['containers'][0]['action'] == 'recreate'
    assert 'environment' in check['services']['api']['containers'][0]['reasons'][0]
    assert check['services']['db']['containers'][0]['action'] == 'none'
    assert check['diff']['before']['api']['%s-api-1' % name]['config_hash'] != \
        check['diff']['after']['api']['%s-api-1' % name]['config_hash']
    assert dict((n, c['Id']) for n, c in containers(engine, name).items()) == ids
    changed = run_module('compose', args(name, path))
    assert not changed.failed, changed
    assert changed.changed
    now = dict((n, c['Id']) for n, c in containers(engine, name).items())
    assert now['%s-api-1' % name] != ids['%s-api-1' % name]
    assert now['%s-db-1' % name] == ids['%s-db-1' % name]
    assert now['%s-worker-1' % name] == ids['%s-worker-1' % name]
    assert 'GREETING=bonjour' in inspect(engine, '%s-api-1' % name)['Config']['Env']
    assert run_module('compose', args(name, path)).changed is False

    # A change the engine refuses (1 MB of memory) keeps api's old container running, same ID.
    refused = TRIO.format(web=WEB, worker=WORKER).replace('    env_file: api.env\n',
                                                          '    env_file: api.env\n    mem_limit: 1m\n')
    (path / 'compose.yaml').write_text(refused)
    bad = run_module('compose', args(name, path))
    assert bad.failed
    assert 'api' in bad['msg'] and 'memory' in bad['msg'].lower(), bad['msg']
    kept = containers(engine, name)
    assert kept['%s-api-1' % name]['Id'] == now['%s-api-1' % name]
    assert kept['%s-api-1' % name]['State'] == 'running'
    assert sorted(kept) == sorted(now)

    # Removing worker from the file: without remove_orphans it stays (warning), with it it goes.
    text = TRIO.format(web=WEB, worker=WORKER)
    write_trio(path, compose=text.split('  worker:')[0] + 'networks:' + text.split('\nnetworks:', 1)[1],
               env='GREETING=bonjour\n')
    kept_run = run_module('compose', args(name, path))
    assert not kept_run.failed, kept_run
    assert worker in containers(engine, name)
    assert worker in json.dumps(kept_run.get('warnings')), kept_run
    orphans = run_module('compose', args(name, path, remove_orphans=True))
    assert not orphans.failed, orphans
    assert orphans.changed
    assert worker not in containers(engine, name)
    assert run_module('compose', args(name, path, remove_orphans=True)).changed is False

    # state=absent keeps the named volume unless remove_volumes is set.
    gone = run_module('compose', args(name, path, state='absent'))
    assert not gone.failed, gone
    assert gone.changed
    assert containers(engine, name) == {}
    assert engine.networks(names=['%s_back' % name]) == [] or all(
        n['Name'] != '%s_back' % name for n in engine.networks(names=['%s_back' % name]))
    assert engine.inspect_volume('%s_dbdata' % name)['Name'] == '%s_dbdata' % name
    assert run_module('compose', args(name, path, state='absent')).changed is False
    purge = run_module('compose', args(name, path, state='absent', remove_volumes=True))
    assert purge.changed and purge['removed_volumes'] == ['%s_dbdata' % name]
    assert not [v for v in (engine.volumes() or {}).get('Volumes') or [] if v['Name'] == '%s_dbdata' % name]


def test_compose_down_removes_what_the_module_made(engine, project):
    name, path = project
    write_trio(path)
    first = run_module('compose', args(name, path))
    assert not first.failed, first
    down = compose_cli(name, 'down', '-t', '0', cwd=str(path))
    assert down.returncode == 0, down.stderr
    state = engine_state(engine, name)
    assert state['containers'] == [] and state['networks'] == []
    assert state['volumes'] == ['%s_dbdata' % name]


ONESHOT = textwrap.dedent("""\
    services:
      init:
        image: {worker}:1.0
        command: ["sh", "-c", "echo initialised > /data/done"]
        volumes: [state:/data]
      web:
        image: {web}:1.0
        stop_grace_period: 1s
        depends_on:
          init: {{condition: service_completed_successfully}}
        volumes: [state:/data]
    volumes:
      state: {{}}
    """)


def test_one_shot_runs_once_and_scale_removes_highest_numbers(engine, project):
    name, path = project
    (path / 'compose.yaml').write_text(ONESHOT.format(web=WEB, worker=WORKER))
    first = run_module('compose', args(name, path, scale=dict(web=3)))
    assert not first.failed, first
    init = inspect(engine, '%s-init-1' % name)
    assert init['State']['Status'] == 'exited' and init['State']['ExitCode'] == 0
    web1 = '%s-web-1' % name
    assert exec_in(engine, web1, ['cat', '/data/done']) == (0, 'initialised\n')
    started = init['State']['StartedAt']
    again = run_module('compose', args(name, path, scale=dict(web=3)))
    assert not again.failed, again
    assert again.changed is False, again
    assert inspect(engine, '%s-init-1' % name)['State']['StartedAt'] == started  # not run again
    expected = ['%s-init-1' % name] + ['%s-web-%d' % (name, i) for i in (1, 2, 3)]
    assert sorted(containers(engine, name)) == sorted(expected)
    down = run_module('compose', args(name, path, scale=dict(web=1)), check=True)
    assert [c['name'] for c in down['services']['web']['containers'] if c['action'] == 'remove'] == \
        ['%s-web-3' % name, '%s-web-2' % name]
    assert len(containers(engine, name)) == 4
    down = run_module('compose', args(name, path, scale=dict(web=1)))
    assert not down.failed and down.changed, down
    assert sorted(containers(engine, name)) == ['%s-init-1' % name, '%s-web-1' % name]
    assert run_module('compose', args(name, path, scale=dict(web=1))).changed is False


def test_never_healthy_dependency_fails_naming_the_service(engine, project):
    name, path = project
    (path / 'compose.yaml').write_text(textwrap.dedent("""\
        services:
          sick:
            image: {worker}:1.0
            stop_grace_period: 1s
            healthcheck: {{test: ["CMD", "false"], interval: 1s, retries: 1}}
          app:
            image: {worker}:1.0
            stop_grace_period: 1s
            depends_on:
              sick: {{condition: service_healthy}}
        """).format(worker=WORKER))
    result = run_module('compose', args(name, path, wait_timeout=4))
    assert result.failed
    assert 'sick' in result['msg'] and 'healthy' in result['msg'], result['msg']
    assert result.changed  # sick was created and started
    assert '%s-app-1' % name not in containers(engine, name)


BAD_INPUTS = {
    'invalid-yaml': ('services:\n  web:\n    image: [unclosed\n', ('compose.yaml',)),
    'unknown-key': ('services:\n  web:\n    image: {web}:1.0\n    colour: blue\n', ('web', 'colour')),
    'cycle': ('services:\n  a:\n    image: {web}:1.0\n    depends_on: [b]\n  b:\n    image: {web}:1.0\n'
              '    depends_on: [a]\n', ('depends_on', 'cycle')),
    'missing-dependency': ('services:\n  web:\n    image: {web}:1.0\n    depends_on: [ghost]\n',
                           ('web', 'depends_on', 'ghost')),
    'missing-variable': ('services:\n  web:\n    image: {web}:${{TAG:?TAG must be set}}\n', ('web', 'image', 'TAG')),
    'missing-external-network': ('services:\n  web:\n    image: {web}:1.0\n    networks: [outside]\nnetworks:\n'
                                 '  outside:\n    external: true\n    name: fleet-no-such-net-21\n',
                                 ('web', 'networks', 'fleet-no-such-net-21')),
}


@pytest.mark.parametrize('case', sorted(BAD_INPUTS))
def test_bad_input_names_file_service_key_and_changes_nothing(engine, project, case):
    name, path = project
    text, words = BAD_INPUTS[case]
    (path / 'compose.yaml').write_text(text.format(web=WEB))
    before = engine_state(engine, name)
    result = run_module('compose', args(name, path))
    assert result.failed, result
    assert result.changed is False
    assert 'compose.yaml' in result['msg'], result['msg']
    for word in words:
        assert word in result['msg'], (word, result['msg'])
    assert 'Traceback' not in result['msg']
    assert engine_state(engine, name) == before == dict(containers=[], networks=[], volumes=[])


def test_port_clash_fails_before_changing_and_old_containers_keep_running(engine, project):
    name, path = project
    write_trio(path)
    assert not run_module('compose', args(name, path)).failed
    ids = engine_state(engine, name)
    clash = TRIO.format(web=WEB, worker=WORKER).replace(
        '    networks: [back, front]\n', '    networks: [back, front]\n    ports: ["127.0.0.1:18555:80"]\n').replace(
        '    networks: [front]\n', '    networks: [front]\n    ports: ["18555:8080"]\n')
    (path / 'compose.yaml').write_text(clash)
    result = run_module('compose', args(name, path))
    assert result.failed
    assert result.changed is False
    for word in ('compose.yaml', 'worker', 'ports', '18555'):
        assert word in result['msg'], (word, result['msg'])
    assert engine_state(engine, name) == ids
    assert all(state == 'running' for _n, _id, state in ids['containers'])
