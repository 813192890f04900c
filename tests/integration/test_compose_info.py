"""fleet.docker.compose_info on the real engines (issue #21, section 1): projects from labels, drift."""

import textwrap

from fleet_testlib import WEB, WORKER, run_module
from test_compose import compose_cli, project  # noqa: F401  pylint: disable=unused-import

PAIR = textwrap.dedent("""\
    services:
      web:
        image: {web}:1.0
        stop_grace_period: 1s
        environment: {{COLOUR: blue}}
        healthcheck: {{test: ["CMD", "true"], interval: 1s}}
      job:
        image: {worker}:1.0
        command: ["true"]
    """)


def test_lists_projects_services_and_drift(engine, project):  # noqa: F811
    name, path = project
    (path / 'compose.yaml').write_text(PAIR.format(web=WEB, worker=WORKER))
    args = dict(project_src=str(path), project_name=name, timeout=1, wait=True, wait_timeout=60)
    assert not run_module('compose', args).failed

    info = run_module('compose_info', dict(project_name=name))
    assert not info.failed, info
    assert info.changed is False
    entry = info['projects'][name]
    assert entry['working_dir'] == str(path)
    assert entry['config_files'] == [str(path / 'compose.yaml')]
    web = entry['services']['web'][0]
    assert (web['name'], web['state'], web['health'], web['image']) == ('%s-web-1' % name, 'running', 'healthy',
                                                                        WEB + ':1.0')
    assert web['image_id'] == engine.inspect_image(WEB + ':1.0')['Id']
    assert web['config_hash'] == engine.inspect_container(web['id'])['Config']['Labels'][
        'com.docker.compose.config-hash']
    assert 'job' in entry['services'], info
    job = entry['services']['job'][0]
    assert (job['state'], job['exit_code']) == ('exited', 0)

    # Every project on the host includes this one.
    everything = run_module('compose_info', {})
    assert name in everything['projects']

    drift = run_module('compose_info', dict(project_src=str(path), project_name=name))
    assert drift['drift']['in_sync'] is True, drift['drift']
    (path / 'compose.yaml').write_text(PAIR.format(web=WEB, worker=WORKER).replace('blue', 'red'))
    drift = run_module('compose_info', dict(project_src=str(path), project_name=name, scale=dict(job=2)))
    assert drift['drift']['in_sync'] is False
    assert drift['drift']['services']['web']['outdated'] == ['%s-web-1' % name]
    assert drift['drift']['services']['job'] == dict(wanted=2, existing=1, outdated=[], stopped=[], in_sync=False)


def test_sees_a_project_made_by_docker_compose(engine, project):  # noqa: F811
    name, path = project
    (path / 'compose.yaml').write_text(PAIR.format(web=WEB, worker=WORKER))
    up = compose_cli(name, 'up', '-d', cwd=str(path))
    assert up.returncode == 0, up.stderr
    info = run_module('compose_info', dict(project_name=name))
    assert sorted(info['projects'][name]['services']) == ['job', 'web']
    assert info['projects'][name]['services']['web'][0]['name'] == '%s-web-1' % name
