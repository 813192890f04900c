from fleet_testlib import run_module, unique, WEB, TEST_LABEL


def test_host_info_reports_real_engine(engine):
    version = engine.version()
    result = run_module('host_info')
    assert not result.failed, result
    assert result['changed'] is False
    assert result['engine']['version'] == version['Version']
    assert result['engine']['api_version'] == version['ApiVersion']
    assert result['engine']['storage_driver'] == engine.info()['Driver']
    assert set(result['disk_usage']) == {'images', 'containers', 'volumes', 'build_cache'}


def test_host_info_counts_follow_engine(engine, janitor):
    engine.pull(WEB, tag='1.0')
    before = run_module('host_info')
    name = janitor.container(unique())
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag})
    volume = janitor.volume(unique())
    engine.create_volume(volume, labels={TEST_LABEL: janitor.tag})
    after = run_module('host_info')
    assert after['containers']['total'] == before['containers']['total'] + 1
    assert after['containers']['stopped'] == before['containers']['stopped'] + 1
    assert after['volumes']['total'] == before['volumes']['total'] + 1
    assert after['disk_usage']['volumes']['total'] == before['disk_usage']['volumes']['total'] + 1


def test_host_info_without_disk_usage(engine):
    result = run_module('host_info', {'disk_usage': False})
    assert 'disk_usage' not in result
    assert result['volumes']['total'] >= 0


def test_unreachable_daemon_is_one_clear_failure(engine):
    result = run_module('host_info', {'docker_host': 'unix:///nonexistent/docker.sock'})
    assert result.failed
    assert result['msg'].startswith('Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock')


def test_unreachable_tcp_daemon(engine):
    result = run_module('host_info', {'docker_host': 'tcp://127.0.0.1:1', 'timeout': 5})
    assert result.failed
    assert 'Cannot connect to the Docker daemon at tcp://127.0.0.1:1' in result['msg']


def test_docker_host_env_fallback(engine):
    result = run_module('host_info', {'disk_usage': False}, env={'DOCKER_HOST': 'unix:///nonexistent/env.sock'})
    assert result.failed and 'unix:///nonexistent/env.sock' in result['msg']


def test_check_mode_is_read_only(engine):
    result = run_module('host_info', {'disk_usage': False}, check=True)
    assert not result.failed and result['changed'] is False
