"""engine/lite.py: the standard-library engine client of the api connection plugin (issue #27).

Against a scripted HTTP server on a unix socket: what goes on the wire, what comes back, and that
errors are the SDK's own. The real engines are in tests/integration/test_connection_api.py.
"""

import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine import connection, lite
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError, open_client


def _read_request(conn, buf):
    while b'\r\n\r\n' not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, buf = buf.split(b'\r\n\r\n', 1)
    lines = head.decode('latin-1').split('\r\n')
    headers = dict((k.strip().lower(), v.strip()) for k, _s, v in (line.partition(':') for line in lines[1:]))
    body = b''
    if 'content-length' in headers:
        size = int(headers['content-length'])
        while len(buf) < size:
            buf += conn.recv(65536)
        body, buf = buf[:size], buf[size:]
    elif headers.get('transfer-encoding') == 'chunked':
        while True:
            while b'\r\n' not in buf:
                buf += conn.recv(65536)
            line, buf = buf.split(b'\r\n', 1)
            size = int(line, 16)
            while len(buf) < size + 2:
                buf += conn.recv(65536)
            body, buf = body + buf[:size], buf[size + 2:]
            if not size:
                break
    return dict(line=lines[0], headers=headers, body=body), buf


class Server:
    """Answers each request with ``answer(request)``: (bytes to send, close the connection after)."""

    def __init__(self, path, answer):
        self.requests, self.connections, self.answer = [], 0, answer
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        buf = b''
        with conn:
            while True:
                request, buf = _read_request(conn, buf)
                if request is None:
                    return
                self.requests.append(request)
                data, close = self.answer(request)
                conn.sendall(data)
                if close:
                    return

    def close(self):
        self.sock.close()


def _http(status, body=b'', headers=(), chunked=False):
    head = ['HTTP/1.1 %s' % status, 'Api-Version: 1.43'] + list(headers)
    if chunked:
        head.append('Transfer-Encoding: chunked')
        half = len(body) // 2
        payload = b''.join(b'%x\r\n%s\r\n' % (len(part), part) for part in (body[:half], body[half:]) if part) + b'0\r\n\r\n'
    else:
        head.append('Content-Length: %d' % len(body))
        payload = body
    return ('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + payload


def _engine(answer_for):
    def answer(request):
        method, target, _version = request['line'].split(' ')
        if target == '/_ping':
            return _http('200 OK', b'OK'), False
        return answer_for(method, target, request)
    return answer


@pytest.fixture
def sock_path(tmp_path):
    return str(tmp_path / 'engine.sock')


def _client(path, **params):
    return open_client(dict(docker_host='unix://' + path, **params), stdlib=True)


def test_json_calls_share_one_connection_and_errors_are_the_sdks(sock_path):
    def answer(method, target, request):
        if target == '/v1.43/containers/web%201/json':
            return _http('200 OK', json.dumps(dict(Id='abc', State=dict(Running=True))).encode(), chunked=True), False
        if target == '/v1.43/containers/abc/exec' and method == 'POST':
            return _http('201 Created', b'{"Id": "e1"}'), False
        return _http('404 Not Found', b'{"message": "No such container: gone"}'), False
    server = Server(sock_path, _engine(answer))
    client = _client(sock_path)
    assert type(client).__name__ == 'LiteClient' and client.api_version == '1.43'
    assert client.fleet_docker_host == 'unix://' + sock_path
    assert client.inspect_container('web 1')['Id'] == 'abc'
    assert client.exec_create('abc', ['id'], stdin=True, user='app', environment=['A=1'], workdir=None)['Id'] == 'e1'
    sent = json.loads(server.requests[-1]['body'])
    # As the SDK sends it: None values are left out.
    assert sent == dict(Container='abc', User='app', Privileged=False, Tty=False, AttachStdin=True, AttachStdout=True,
                        AttachStderr=True, Cmd=['id'], Env=['A=1'])
    with pytest.raises(connection.NotFound) as caught:
        client.inspect_container('gone')
    import docker.errors
    assert isinstance(caught.value, docker.errors.NotFound)  # the SDK's own class, not a lookalike
    assert caught.value.status_code == 404 and caught.value.explanation == 'No such container: gone'
    assert 'Not found (Docker daemon at unix://' in connection.describe_error(caught.value, 'unix://' + sock_path)
    # _ping, inspect, exec create and the 404 on one kept-alive connection.
    assert server.connections == 1 and len(server.requests) == 4
    client.close()
    server.close()


def test_a_closed_kept_alive_connection_is_replaced_once(sock_path):
    def answer(method, target, request):
        return _http('200 OK', b'{"ExitCode": 0}'), True  # the engine hangs up after each answer
    server = Server(sock_path, _engine(answer))
    client = _client(sock_path, api_version='1.41')
    assert [client.exec_inspect('e%d' % n)['ExitCode'] for n in range(3)] == [0, 0, 0]
    targets = [r['line'].split(' ')[1] for r in server.requests]
    assert server.connections == 3 and targets == ['/v1.41/exec/e%d/json' % n for n in range(3)]
    server.close()


def test_exec_start_hands_over_the_socket_without_losing_output(sock_path):
    frame = b'\x01\x00\x00\x00\x00\x00\x00\x05hello'

    def answer(method, target, request):
        assert request['headers']['upgrade'] == 'tcp' and json.loads(request['body']) == dict(Tty=False, Detach=False)
        # The upgrade answer and the first output frame in one write: the frame must reach the caller.
        return (b'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n'
                b'Upgrade: tcp\r\n\r\n' + frame), True
    server = Server(sock_path, _engine(answer))
    client = _client(sock_path)
    sock = client.exec_start('e1', socket=True)
    assert isinstance(sock, socket.socket)
    got = b''
    while True:
        chunk = sock.recv(100)
        if not chunk:
            break
        got += chunk
    assert got == frame
    sock.close()
    server.close()


def test_exec_start_refused_is_the_sdks_error(sock_path):
    def answer(method, target, request):
        return _http('409 Conflict', b'{"message": "Container abc is not running"}'), True
    server = Server(sock_path, _engine(answer))
    with pytest.raises(connection.APIError) as caught:
        _client(sock_path).exec_start('e1', socket=True)
    assert caught.value.status_code == 409 and 'not running' in caught.value.explanation
    server.close()


def test_archives_stream_both_ways_with_raw_byte_paths(sock_path):
    tar = os.urandom(300000)

    def answer(method, target, request):
        if method == 'GET':
            return _http('200 OK', tar, headers=['X-Docker-Container-Path-Stat: eyJuYW1lIjoiZiJ9'], chunked=True), True
        return _http('200 OK'), True
    server = Server(sock_path, _engine(answer))
    client = _client(sock_path)
    chunks, stat = client.get_archive('abc', b'/tmp/caf\xe9 x', chunk_size=65536)
    chunks = list(chunks)
    assert b''.join(chunks) == tar and stat == dict(name='f') and max(len(c) for c in chunks) < 2 * 65536
    assert server.requests[-1]['line'].split(' ')[1] == '/v1.43/containers/abc/archive?path=%2Ftmp%2Fcaf%E9+x'
    assert client.put_archive('abc', b'/tmp', iter([tar[:1000], b'', tar[1000:]])) is True
    assert server.requests[-1]['body'] == tar and server.requests[-1]['headers']['transfer-encoding'] == 'chunked'
    assert client.put_archive('abc', '/tmp', b'small') is True and server.requests[-1]['body'] == b'small'
    server.close()


def test_an_old_engine_is_refused_as_by_the_sdk_path(sock_path):
    def answer(request):
        return (b'HTTP/1.1 200 OK\r\nApi-Version: 1.40\r\nContent-Length: 2\r\n\r\nOK'), False
    server = Server(sock_path, answer)
    with pytest.raises(FleetDockerError, match='Docker API 1.40 is too old'):
        _client(sock_path)
    server.close()


def test_only_engines_the_sdk_reaches_directly(monkeypatch):
    for name in ('http_proxy', 'https_proxy', 'all_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'):
        monkeypatch.delenv(name, raising=False)
    assert lite.can_serve('unix:///var/run/docker.sock') and lite.can_serve('tcp://10.0.0.1:2376')
    assert not lite.can_serve('ssh://root@host') and not lite.can_serve('npipe:////./pipe/docker_engine')
    # requests would send tcp:// through a proxy from the environment: the SDK keeps that case.
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy:3128')
    assert not lite.can_serve('tcp://10.0.0.1:2376') and lite.can_serve('unix:///var/run/docker.sock')


PROBE = r'''
import json, sys
from ansible_collections.fleet.docker.plugins.connection import api
from ansible_collections.fleet.docker.plugins.module_utils.engine import connection
before = sorted(m for m in ('docker', 'requests', 'urllib3') if m in sys.modules)
import docker.errors
print(json.dumps(dict(before=before, lazy=connection.NotFound is docker.errors.NotFound)))
'''


def test_the_connection_plugin_imports_no_sdk_until_it_needs_one():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, '-c', PROBE], capture_output=True, text=True, env=env, check=True)
    assert json.loads(proc.stdout) == dict(before=[], lazy=True)
