"""The engines the suite runs on (issue #22): each test here runs on 20.10, 26.1 and 28.5 by default.

They check what the parametrised engine fixture promises (the modules really talk to the engine
the test id names), what the newer engines' namespaces must give (the container's files under
exec, the same bind sources, published ports), and the API version rules of connection.py.
"""

import subprocess

from fleet_testlib import (DEFAULT_ENGINE, TEST_LABEL, WEB, engine_http_get, free_port, http_get, put_tree,
                           run_module, unique)


def _running(engine, janitor, **host_config):
    engine.pull(WEB, tag='1.0')
    name = janitor.container(unique('eng'))
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(**host_config))
    engine.start(name)
    return name


def test_modules_and_cli_talk_to_the_engine_the_test_id_names(engine):
    eng = engine.fleet_engine
    result = run_module('host_info', {'disk_usage': False})
    assert not result.failed, result
    version = result['engine']['version']
    expected = '26.1' if eng.fallback else eng.name
    assert version.startswith(expected + '.'), (eng, version)
    assert version == engine.version()['Version']
    cli = subprocess.run(['/usr/bin/docker', 'version', '-f', '{{.Server.Version}}'], capture_output=True,
                         text=True, check=True, timeout=60)
    assert cli.stdout.strip() == version


def test_exec_sees_the_container_files_not_the_hosts(engine, janitor):
    name = _running(engine, janitor)
    marker = '/fleet-marker-%s' % unique('m')
    put_tree(engine, name, '/', [(marker.lstrip('/'), 'file', b'inside the container\n')])
    result = run_module('container_exec', {'container': name, 'command': ['cat', marker]})
    assert not result.failed and result['stdout'] == 'inside the container\n', result
    # The host and the engines' Debian root filesystems have /etc/debian_version; the busybox image does not.
    probe = run_module('container_exec', {'container': name, 'command': [
        'sh', '-c', 'if test -e /etc/debian_version; then echo host; else echo container; fi; ls /']})
    assert not probe.failed, probe
    assert probe['stdout_lines'][0] == 'container', probe['stdout']
    assert 'fleet-marker' in probe['stdout'] and 'usr' in probe['stdout']


def test_bind_source_is_the_same_file_on_every_engine(engine, janitor, tmp_path):
    (tmp_path / 'index.html').write_text('from the host %s\n' % engine.fleet_engine.name)
    port = free_port()
    _running(engine, janitor, binds=['%s:/usr/share/nginx/html' % tmp_path],
             port_bindings={80: ('127.0.0.1', port)})
    status, body = engine_http_get(port)
    assert status == 200 and body == 'from the host %s\n' % engine.fleet_engine.name, (status, body)


def test_published_port_on_all_addresses_answers_on_the_engine_address(engine, janitor, tmp_path):
    (tmp_path / 'index.html').write_text('any address\n')
    port = free_port()
    _running(engine, janitor, binds=['%s:/usr/share/nginx/html' % tmp_path], port_bindings={80: port})
    address = engine.fleet_engine.address   # 127.0.0.1 on the host engine, the netns veth on the others
    status, body = http_get('http://%s:%d/' % (address, port))
    assert status == 200 and body == 'any address\n', (address, status, body)


def test_pinned_api_version_too_old_is_one_clear_error(engine):
    result = run_module('host_info', {'api_version': '1.40', 'disk_usage': False})
    assert result.failed, result
    assert result['msg'] == 'Docker API 1.40 is too old: fleet.docker needs 1.41 or newer (Docker 20.10).', result
    # Below 1.24 the SDK itself refuses, before any request; still one sentence.
    result = run_module('host_info', {'api_version': '1.23', 'disk_usage': False})
    assert result.failed and result['msg'].startswith('Docker API version mismatch'), result
    assert 'below 1.24' in result['msg'], result


def test_pinned_api_version_every_engine_accepts_works(engine):
    result = run_module('host_info', {'api_version': '1.41', 'disk_usage': False})
    assert not result.failed, result
    assert result['engine']['version'] == engine.version()['Version']


def test_pinned_api_version_newer_than_the_engine_is_one_clear_error(engine):
    result = run_module('host_info', {'api_version': '1.99', 'disk_usage': False})
    assert result.failed, result
    assert 'Docker API version mismatch' in result['msg'] and '1.99' in result['msg'], result


def test_engine_refuses_versions_below_its_minimum(engine):
    """What a pinned old version meets without the module's own check: the engine's 400.

    20.10 still serves API 1.12; 26.1 and 28.5 refuse anything below 1.24 (Docker 29: below 1.44),
    which is why the modules negotiate (api_version: auto) and never pin an old version.
    """
    sock = engine.fleet_engine.docker_host[len('unix://'):]
    proc = subprocess.run(['curl', '-sS', '-m', '10', '--unix-socket', sock, '-w', '\n%{http_code}',
                           'http://engine/v1.23/version'], capture_output=True, text=True, timeout=30, check=False)
    body, _sep, code = proc.stdout.rpartition('\n')
    if engine.fleet_engine.name == DEFAULT_ENGINE:
        assert code == '200', proc.stdout
    else:
        # 26.1 answers JSON, 28.5 plain text; the sentence is the same.
        assert code == '400' and 'client version 1.23 is too old' in body.lower(), proc.stdout
