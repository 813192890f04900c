"""TLS to the engine: a CA and certificates made here, a second dockerd with --tlsverify on 127.0.0.1:2376.

The second daemon runs without iptables or a bridge, so it never touches the main engine's
networking; it only has to answer the API over TLS.
"""

import shutil
import subprocess
import time

import pytest

from fleet_testlib import run_module, run_playbook, stop_dockerd

PORT = 2376
# A bridge of its own: with --bridge=none dockerd deletes docker0, the main engine's bridge.
BRIDGE = 'fleettls0'
BRIDGE_CIDR = '10.231.0.1/24'


def _openssl(*args, cwd):
    subprocess.run(['openssl'] + list(args), cwd=cwd, check=True, capture_output=True)


def _make_pki(path, name):
    """CA, server cert for 127.0.0.1 and a client cert, all made with openssl."""
    path.mkdir()
    cwd = str(path)
    _openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=%s-ca' % name,
             '-keyout', 'ca-key.pem', '-out', 'ca.pem', cwd=cwd)
    (path / 'server.ext').write_text('subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
    (path / 'client.ext').write_text('extendedKeyUsage=clientAuth\n')
    for who in ('server', 'client'):
        _openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=%s' % who,
                 '-keyout', '%s-key.pem' % who, '-out', '%s.csr' % who, cwd=cwd)
        _openssl('x509', '-req', '-in', '%s.csr' % who, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem',
                 '-CAcreateserial', '-days', '2', '-extfile', '%s.ext' % who, '-out', '%s.pem' % who, cwd=cwd)
    return path


@pytest.fixture(scope='module')
def tls_daemon(tmp_path_factory, engine):
    if not shutil.which('dockerd'):
        pytest.fail('dockerd is not installed (scripts/engine-up.sh installs it)')
    base = tmp_path_factory.mktemp('tls')
    pki = _make_pki(base / 'pki', 'good')
    other = _make_pki(base / 'other', 'wrong')
    data, run = base / 'data', base / 'exec'
    subprocess.run(['ip', 'link', 'del', BRIDGE], capture_output=True, check=False)
    subprocess.run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'], check=True)
    subprocess.run(['ip', 'addr', 'add', BRIDGE_CIDR, 'dev', BRIDGE], check=True)
    log = open(base / 'dockerd.log', 'w')
    proc = subprocess.Popen(
        ['dockerd', '--data-root', str(data), '--exec-root', str(run), '--pidfile', str(base / 'dockerd.pid'),
         '-H', 'tcp://127.0.0.1:%d' % PORT, '--tlsverify', '--tlscacert', str(pki / 'ca.pem'),
         '--tlscert', str(pki / 'server.pem'), '--tlskey', str(pki / 'server-key.pem'),
         '--iptables=false', '--ip-masq=false', '--bridge', BRIDGE],
        stdout=log, stderr=subprocess.STDOUT)
    params = dict(docker_host='tcp://127.0.0.1:%d' % PORT, validate_certs=True, ca_path=str(pki / 'ca.pem'),
                  client_cert=str(pki / 'client.pem'), client_key=str(pki / 'client-key.pem'), timeout=10)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if not run_module('host_info', dict(params, disk_usage=False)).failed:
                break
            time.sleep(0.5)
        else:
            pytest.fail('TLS dockerd did not come up: %s' % (base / 'dockerd.log').read_text()[-2000:])
        yield dict(params=params, pki=pki, other=other)
    finally:
        stop_dockerd(proc, log, base, (BRIDGE,))


def test_main_engine_bridge_survives(tls_daemon, engine):
    """The second daemon must leave the main engine's networking alone."""
    assert subprocess.run(['ip', 'link', 'show', 'docker0'], capture_output=True, check=False).returncode == 0


def test_tls_with_certificates_connects(tls_daemon):
    result = run_module('host_info', dict(tls_daemon['params'], disk_usage=False))
    assert not result.failed, result
    assert result['engine']['api_version']


def test_tls_without_client_certificate_fails_clearly(tls_daemon):
    params = dict(tls_daemon['params'])
    params.pop('client_cert')
    params.pop('client_key')
    result = run_module('host_info', dict(params, disk_usage=False))
    assert result.failed
    assert 'TLS' in result['msg'] or 'Cannot connect' in result['msg'], result['msg']


def test_tls_with_wrong_ca_fails_clearly(tls_daemon):
    params = dict(tls_daemon['params'], ca_path=str(tls_daemon['other'] / 'ca.pem'))
    result = run_module('host_info', dict(params, disk_usage=False))
    assert result.failed
    assert 'TLS handshake' in result['msg'], result['msg']
    assert 'certificate' in result['msg'].lower()


def test_plain_http_to_tls_port_fails_clearly(tls_daemon):
    result = run_module('host_info', dict(docker_host='tcp://127.0.0.1:%d' % PORT, disk_usage=False, timeout=10))
    assert result.failed
    assert 'Traceback' not in result['msg']


def test_client_key_never_appears_in_vvv_output(tls_daemon, tmp_path):
    """The key file's path is the secret option; it must be masked everywhere."""
    params = tls_daemon['params']
    key_marker = tmp_path / 'secret-key-marker-7f3a.pem'
    shutil.copy(params['client_key'], key_marker)
    playbook = tmp_path / 'tls.yml'
    playbook.write_text('''
- hosts: localhost
  gather_facts: false
  tasks:
    - fleet.docker.host_info:
        docker_host: "%s"
        validate_certs: true
        ca_path: "%s"
        client_cert: "%s"
        client_key: "%s"
        disk_usage: false
      register: facts
    - ansible.builtin.debug:
        var: facts
''' % (params['docker_host'], params['ca_path'], params['client_cert'], key_marker))
    proc = run_playbook(str(playbook), extra_args=['-vvv'])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert 'secret-key-marker-7f3a' not in output
    key_body = key_marker.read_text().splitlines()[1]
    assert key_body not in output
