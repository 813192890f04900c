"""The fleet.docker.api connection plugin against real engines: a play, files, options, errors, TLS.

Containers: fleet-seed/pyhost:bookworm (Debian with python3 and sudo; user `app` with password-less
sudo; scripts/pyhost-rootfs.sh) for modules, and demo/web (busybox, no python) for raw.
"""

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time

import pytest

from fleet_testlib import (ROOT, PYTHON, TEST_LABEL, WEB, ensure_image, free_port, play_recaps, run_playbook, stop_dockerd,
                           unique)

PYHOST = 'fleet-seed/pyhost:bookworm'
DRIVER = os.path.join(ROOT, 'tests', 'lib', 'api_connection_driver.py')


def ensure_pyhost(client, variant=''):
    """fleet-seed/pyhost:bookworm on this engine, imported from the cached root file system; with variant
    'ssh' fleet-seed/pyhost:ssh, the same with openssh-server (scripts/pyhost-rootfs.sh ssh)."""
    image = PYHOST if not variant else '%s:%s' % (PYHOST.rsplit(':', 1)[0], variant)
    try:
        client.inspect_image(image)
        return image
    except Exception:  # pylint: disable=broad-except
        pass
    tar = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'pyhost-rootfs.sh')] + ([variant] if variant else []),
                         capture_output=True, text=True, check=True, timeout=900).stdout.strip()
    client.import_image(src=tar, repository=image.rsplit(':', 1)[0], tag=image.rsplit(':', 1)[1])
    return image


def start(client, image, name, tag, command=None):
    client.create_container(image, command=command, name=name, labels={TEST_LABEL: tag}, detach=True)
    client.start(name)
    return name


@pytest.fixture(scope='module')
def hosts(engine):
    """A Debian container with python (deb) and a busybox one (bb), running, for the whole file."""
    tag = unique('conn')
    ensure_pyhost(engine)
    ensure_image(engine, WEB + ':1.0')
    names = dict(deb=unique('conn-deb'), bb=unique('conn-bb'), stopped=unique('conn-stopped'))
    start(engine, PYHOST, names['deb'], tag, ['sleep', 'infinity'])
    start(engine, WEB + ':1.0', names['bb'], tag)
    engine.create_container(WEB + ':1.0', name=names['stopped'], labels={TEST_LABEL: tag})
    yield names
    for container in engine.containers(all=True, filters={'label': '%s=%s' % (TEST_LABEL, tag)}):
        engine.remove_container(container['Id'], force=True, v=True)


def drive(container, ops, env=None, **options):
    """Run connection operations in a fresh process (tests/lib/api_connection_driver.py)."""
    job = json.dumps(dict(container=container, options=options, ops=ops))
    proc = subprocess.run([PYTHON, DRIVER], input=job, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})), check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def archive_bytes(client, container, path: bytes):
    """A file's bytes through the SDK's archive call (the path as raw bytes), bypassing the plugin."""
    stream, dummy = client.get_archive(container, path)
    with tarfile.open(fileobj=io.BytesIO(b''.join(stream))) as tar:
        member = tar.next()
        return member, tar.extractfile(member).read()


PLAY = """
- hosts: deb
  gather_facts: false
  remote_user: app
  tasks:
    - ansible.builtin.setup: {gather_subset: [min]}
    - ansible.builtin.copy: {content: "copied by {{ ansible_user_id }}\\n", dest: /tmp/copied.txt, mode: '0640'}
    - ansible.builtin.template: {src: page.j2, dest: /tmp/page.txt}
    - ansible.builtin.fetch: {src: /tmp/page.txt, dest: "%(fetch)s/", flat: true}
    - ansible.builtin.command: {cmd: cp /tmp/page.txt /tmp/command.txt, creates: /tmp/command.txt}
    - ansible.builtin.raw: id -un
      register: plain
      changed_when: false
    - ansible.builtin.copy: {content: "root only\\n", dest: /root/secret.txt, mode: '0600'}
      become: true
    - ansible.builtin.command: id -un
      become: true
      register: become
      changed_when: false
    - ansible.builtin.assert:
        that: [plain.stdout | trim == 'app', become.stdout == 'root', ansible_facts.distribution == 'Debian']
- hosts: bb
  gather_facts: false
  tasks:
    - ansible.builtin.raw: test -f /tmp/raw.txt || echo raw > /tmp/raw.txt
      changed_when: false
"""


def test_play_setup_copy_template_fetch_command_raw_become_then_rerun_unchanged(engine, hosts, tmp_path):
    fetch = tmp_path / 'fetched'
    (tmp_path / 'page.j2').write_text('{{ ansible_facts.distribution }} {{ inventory_hostname }}\n')
    (tmp_path / 'play.yml').write_text(PLAY % dict(fetch=fetch))
    (tmp_path / 'inventory.yml').write_text(
        'all:\n  vars: {ansible_connection: fleet.docker.api}\n  hosts:\n'
        '    deb: {ansible_host: %(deb)s}\n    bb: {ansible_host: %(bb)s}\n' % hosts)
    # First run copies module files in (put_file), the rerun pipelines them on stdin.
    runs = [run_playbook(str(tmp_path / 'play.yml'), str(tmp_path / 'inventory.yml'), env=dict(ANSIBLE_PIPELINING=p))
            for p in ('false', 'true')]
    for proc in runs:
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        assert 'Traceback' not in proc.stdout + proc.stderr
    first, second = (play_recaps(proc.stdout) for proc in runs)
    assert first['deb']['changed'] == '5', runs[0].stdout[-3000:]
    assert second['deb']['changed'] == '0' and second['bb']['changed'] == '0', runs[1].stdout[-3000:]
    member, data = archive_bytes(engine, hosts['deb'], b'/tmp/copied.txt')
    assert data == b'copied by app\n' and member.uid == 1000 and member.mode & 0o777 == 0o640
    member, data = archive_bytes(engine, hosts['deb'], b'/root/secret.txt')
    assert data == b'root only\n' and member.uid == 0
    assert archive_bytes(engine, hosts['deb'], b'/tmp/command.txt')[1] == b'Debian deb\n'
    assert (fetch / 'page.txt').read_bytes() == b'Debian deb\n'
    assert archive_bytes(engine, hosts['bb'], b'/tmp/raw.txt')[1] == b'raw\n'


def test_put_and_fetch_1mb_binary_with_non_utf8_names(engine, hosts, tmp_path):
    payload = bytes(range(256)) * 4096 + os.urandom(1000)  # 1 MB plus, every byte value
    local = os.path.join(os.fsencode(str(tmp_path)), b'in-\xff\xfe.bin')
    with open(local, 'wb') as handle:
        handle.write(payload)
    remote = b'/tmp/caf\xe9-\x80\x81.bin'
    back = os.path.join(os.fsencode(str(tmp_path)), b'out-\xe9.bin')
    results = drive(hosts['deb'], [['put', os.fsdecode(local), os.fsdecode(remote)],
                                   ['fetch', os.fsdecode(remote), os.fsdecode(back)],
                                   ['exec', 'cat', payload[:70000].decode('latin-1')]],
                    remote_user='app')
    assert results[:2] == [dict(rc=0), dict(rc=0)], results
    # The engine's archive GET cannot name such a file (PAX headers are UTF-8): read it with an exec,
    # the name spelled as octal escapes, as the plugin's fallback does.
    octal = ''.join('\\%03o' % byte for byte in remote)
    exec_id = engine.exec_create(hosts['deb'], ['sh', '-c', 'f="$(printf \'%sx\')"; stat -c %%u "${f%%x}"; cat "${f%%x}"' % octal])
    uid, sep, data = engine.exec_start(exec_id).partition(b'\n')
    assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
    assert uid == b'1000', 'a file put for remote_user app belongs to app'
    with open(back, 'rb') as handle:
        assert handle.read() == payload
    # stdin (pipelining) is binary-safe too.
    assert results[2]['stdout'].encode('latin-1') == payload[:70000]


def test_exec_options_working_dir_env_user_privileged(hosts):
    results = drive(hosts['deb'], [['exec', 'pwd; echo "$GREETING"; id -un', None], ['transport']],
                    working_dir='/usr/share', extra_env=dict(GREETING='hello world'), remote_user='app')
    assert results[0]['stdout'].splitlines() == ['/usr/share', 'hello world', 'app'], results
    # A unix socket engine is reached with the standard library: no SDK import in the worker (issue #27).
    assert results[1] == dict(client='LiteClient', sdk=[]), results
    plain = drive(hosts['deb'], [['exec', 'pwd; id -un; grep CapEff /proc/self/status', None]])[0]
    assert plain['stdout'].splitlines()[:2] == ['/', 'root'], plain
    privileged = drive(hosts['deb'], [['exec', 'grep CapEff /proc/self/status', None]], privileged=True)[0]
    # Where the host itself lacks capabilities (a test machine in a container) the runtime refuses
    # a privileged exec; either way the engine got the flag.
    assert ('unable to apply caps' in privileged['stdout']
            or privileged['stdout'] != plain['stdout'].splitlines()[2] + '\n'), (privileged, plain)


def test_command_timeout_and_exit_codes(hosts):
    results = drive(hosts['bb'], [['exec', 'echo out; echo err >&2; exit 3', None],
                                  ['exec', 'sleep 5', None]], command_timeout=1)
    assert results[0] == dict(rc=3, stdout='out\n', stderr='err\n'), results
    assert results[1]['error'] == 'AnsibleConnectionFailure' and 'within 1 seconds' in results[1]['msg'], results


def test_clear_errors_missing_stopped_unknown_user(hosts):
    missing = drive('no-such-' + unique(), [['exec', 'true', None]])[0]
    assert missing['error'] == 'AnsibleConnectionFailure' and 'There is no container' in missing['msg'], missing
    stopped = drive(hosts['stopped'], [['exec', 'true', None]])[0]
    assert 'not running; start it first' in stopped['msg'], stopped
    user = drive(hosts['bb'], [['exec', 'true', None]], remote_user='nosuchuser')[0]
    assert "user 'nosuchuser' does not exist" in user['msg'], user
    fetch = drive(hosts['bb'], [['fetch', '/no/such/file', '/tmp/never']])[0]
    assert fetch['error'] == 'AnsibleFileNotFound' and 'no such file' in fetch['msg'], fetch
    put = drive(hosts['bb'], [['put', DRIVER, '/no/such/dir/file']])[0]
    assert 'the directory /no/such/dir does not exist' in put['msg'], put


def test_become_with_password_and_wrong_password(engine, hosts):
    from fleet_testlib import exec_sh
    code, out = exec_sh(engine, hosts['deb'], 'id pwuser >/dev/null 2>&1 || { useradd -m pwuser && '
                        'echo "pwuser:s3cret-pw" | chpasswd && echo "pwuser ALL=(ALL) ALL" > /etc/sudoers.d/pwuser; }')
    assert code == 0, out
    sudo = "sudo -H -S -p '[sudo via ansible, key=k] password:' -u root /bin/sh -c 'echo BECOME-SUCCESS-k; %s'"
    ok = _become(hosts['deb'], 's3cret-pw', sudo % 'id -un; cat')
    assert ok['rc'] == 0 and ok['stdout'].endswith('root\npiped'), ok
    wrong = _become(hosts['deb'], 'wrong', sudo % 'id -un')
    assert 'incorrect become password' in wrong.get('msg', ''), wrong


def _become(container, password, cmd):
    """One exec through the plugin with sudo become and a password, as a play's task does it."""
    code = r'''
import json, os, sys
sys.argv = ['x']
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import become_loader, connection_loader, init_plugin_loader
init_plugin_loader([os.path.join(%(root)r, '.cache', 'collections')])
conn = connection_loader.get('fleet.docker.api', PlayContext(), None)
conn.set_options(var_options=dict(inventory_hostname=%(container)r), direct=dict(remote_user='pwuser'))
become = become_loader.get('sudo')
become.set_options(direct=dict(become_pass=%(password)r))
become.prompt = '[sudo via ansible, key=k] password:'
become.success = 'BECOME-SUCCESS-k'
conn.set_become_plugin(become)
try:
    rc, out, err = conn.exec_command(%(cmd)r, in_data=b'piped', sudoable=True)
    print(json.dumps(dict(rc=rc, stdout=out.decode().strip(), stderr=err.decode())))
except Exception as exc:
    print(json.dumps(dict(error=type(exc).__name__, msg=str(exc))))
''' % dict(root=ROOT, container=container, password=password, cmd=cmd)
    proc = subprocess.run([PYTHON, '-c', code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ TLS

@pytest.fixture(scope='module')
def tls_engine(tmp_path_factory, engine):
    """A second dockerd speaking only TLS (client certificates required) on a free port, with one
    busybox container; its own bridge, no iptables, so the main engine is untouched."""
    if engine.fleet_engine.name != '20.10':
        pytest.skip('the TLS daemon is the host dockerd binary (20.10); once is enough')
    from test_tls import _make_pki  # the reliability tests' PKI recipe
    base = tmp_path_factory.mktemp('conntls')
    pki = _make_pki(base / 'pki', 'conn')
    port, bridge = free_port(), 'fleetctls0'
    subprocess.run(['ip', 'link', 'del', bridge], capture_output=True, check=False)
    subprocess.run(['ip', 'link', 'add', bridge, 'type', 'bridge'], check=True)
    subprocess.run(['ip', 'addr', 'add', '10.232.0.1/24', 'dev', bridge], check=True)
    log = open(base / 'dockerd.log', 'w')
    proc = subprocess.Popen(
        ['dockerd', '--data-root', str(base / 'data'), '--exec-root', str(base / 'exec'), '--pidfile',
         str(base / 'dockerd.pid'), '-H', 'tcp://127.0.0.1:%d' % port, '--tlsverify', '--tlscacert',
         str(pki / 'ca.pem'), '--tlscert', str(pki / 'server.pem'), '--tlskey', str(pki / 'server-key.pem'),
         '--iptables=false', '--ip-masq=false', '--bridge', bridge], stdout=log, stderr=subprocess.STDOUT)
    options = dict(docker_host='tcp://127.0.0.1:%d' % port, validate_certs=True, ca_path=str(pki / 'ca.pem'),
                   client_cert=str(pki / 'client.pem'), client_key=str(pki / 'client-key.pem'))
    try:
        from ansible_collections.fleet.docker.plugins.module_utils.hosts.client import build_client
        client, error = None, None
        for _attempt in range(120):
            try:
                client = build_client(options)
                break
            except Exception as exc:  # pylint: disable=broad-except
                error = exc
                time.sleep(0.5)
        assert client is not None, '%s\n%s' % (error, (base / 'dockerd.log').read_text()[-2000:])
        client.pull(WEB, tag='1.0')
        name = unique('conn-tls')
        client.create_container(WEB + ':1.0', name=name, detach=True)
        client.start(name)
        yield dict(options=options, name=name, client=client)
    finally:
        stop_dockerd(proc, log, base, (bridge,))


def test_tcp_with_tls_exec_stdin_put_fetch(tls_engine, tmp_path):
    payload = os.urandom(300000)
    local, back = tmp_path / 'in.bin', tmp_path / 'out.bin'
    local.write_bytes(payload)
    results = drive(tls_engine['name'], [['exec', 'cat; echo; id -u', 'over tls'],
                                         ['put', str(local), '/tmp/in.bin'],
                                         ['fetch', '/tmp/in.bin', str(back)], ['transport']], **tls_engine['options'])
    assert results[0]['rc'] == 0 and results[0]['stdout'] == 'over tls\n0\n', results
    assert results[1:] == [dict(rc=0), dict(rc=0), dict(client='LiteClient', sdk=[])], results
    assert back.read_bytes() == payload
    # The same through the environment, as the docker CLI reads it (DOCKER_HOST, DOCKER_CERT_PATH).
    certs = tmp_path / 'certs'
    certs.mkdir()
    for src, dst in (('ca_path', 'ca.pem'), ('client_cert', 'cert.pem'), ('client_key', 'key.pem')):
        shutil.copy(tls_engine['options'][src], str(certs / dst))
    env = dict(DOCKER_HOST=tls_engine['options']['docker_host'], DOCKER_TLS_VERIFY='1', DOCKER_CERT_PATH=str(certs))
    assert drive(tls_engine['name'], [['exec', 'echo env', None]], env=env)[0]['stdout'] == 'env\n'
    # Without a client certificate the daemon refuses: one clear sentence.
    refused = drive(tls_engine['name'], [['exec', 'true', None]], docker_host=tls_engine['options']['docker_host'],
                    validate_certs=True, ca_path=tls_engine['options']['ca_path'])[0]
    assert refused['error'] == 'AnsibleConnectionFailure' and 'TLS' in refused['msg'], refused


# ------------------------------------------------------------------------------------ ssh://

@pytest.fixture(scope='module')
def ssh_engine(tmp_path_factory, engine):
    """sshd on a free loopback port in front of the host engine (its docker CLI's dial-stdio), and an
    ``ssh`` on PATH that uses this fixture's key and trusts any host key."""
    if engine.fleet_engine.name != '20.10':
        pytest.skip('sshd reaches the host engine only; once is enough')
    if not shutil.which('sshd') and not os.path.exists('/usr/sbin/sshd'):
        pytest.skip('no sshd on this machine')
    base = tmp_path_factory.mktemp('connssh')
    for key in ('hostkey', 'id'):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(base / key)], check=True)
    shutil.copy(str(base / 'id.pub'), str(base / 'authorized_keys'))
    port = free_port()
    (base / 'sshd_config').write_text(
        'Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPermitRootLogin prohibit-password\n'
        'PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile %s\n'
        % (port, base / 'hostkey', base / 'authorized_keys', base / 'sshd.pid'))
    (base / 'ssh_config').write_text('Host *\n  IdentityFile %s\n  StrictHostKeyChecking no\n'
                                     '  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n' % (base / 'id'))
    (base / 'bin').mkdir()
    (base / 'bin' / 'ssh').write_text('#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' % (base / 'ssh_config'))
    (base / 'bin' / 'ssh').chmod(0o755)
    os.makedirs('/run/sshd', exist_ok=True)
    subprocess.run(['/usr/sbin/sshd', '-f', str(base / 'sshd_config'), '-E', str(base / 'sshd.log')], check=True)
    try:
        yield dict(docker_host='ssh://root@127.0.0.1:%d' % port,
                   env=dict(PATH='%s:%s' % (base / 'bin', os.environ.get('PATH', ''))))
    finally:
        with open(base / 'sshd.pid') as handle:
            os.kill(int(handle.read().strip()), signal.SIGTERM)
        shutil.rmtree(str(base), ignore_errors=True)


def test_ssh_engine_exec_stdin_put_fetch(ssh_engine, hosts, tmp_path):
    payload = os.urandom(200000)
    local, back = tmp_path / 'in.bin', tmp_path / 'out.bin'
    local.write_bytes(payload)
    results = drive(hosts['deb'], [['exec', 'cat; echo; id -un', 'over ssh'], ['put', str(local), '/tmp/ssh.bin'],
                                   ['fetch', '/tmp/ssh.bin', str(back)], ['transport']],
                    env=ssh_engine['env'], docker_host=ssh_engine['docker_host'], use_ssh_client=True)
    assert results[:3] == [dict(rc=0, stdout='over ssh\nroot\n', stderr=''), dict(rc=0), dict(rc=0)], results
    # ssh:// needs the SDK's transport (ssh CLI or paramiko).
    assert results[3]['client'] == 'APIClient', results
    assert back.read_bytes() == payload
    # Commands without stdin, one after another: the SDK's ssh socket wrote to an ssh that had exited
    # when closed (BrokenPipeError on about every second command, seen on the lab).
    quiet = drive(hosts['deb'], [['exec', 'id -u', None]] * 4, env=ssh_engine['env'],
                  docker_host=ssh_engine['docker_host'], use_ssh_client=True)
    assert quiet == [dict(rc=0, stdout='0\n', stderr='')] * 4, quiet
    # paramiko (use_ssh_client false) checks the host key against known_hosts: refused, in one sentence.
    refused = drive(hosts['deb'], [['exec', 'true', None]], docker_host=ssh_engine['docker_host'])[0]
    assert refused['error'] == 'AnsibleConnectionFailure' and 'not found in known_hosts' in refused['msg'], refused
