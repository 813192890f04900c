# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine API over the standard library, for the ``api`` connection plugin (issue #27).

Why a second transport: Ansible forks a worker per host and task, and the worker imports the
connection plugin itself. Through the Docker SDK that import is requests, urllib3 and the SDK,
about 90 ms of CPU in every worker, more than the exec it serves costs (``ansible -m ping`` over 30
containers spends a third of its controller CPU there). The plugin needs six calls (ping, container
inspect, exec create/start/inspect, archive get/put) on unix sockets and TCP with or without TLS;
this client makes them with ``socket`` and ``ssl``, nothing else.

It is built by ``engine.connection.open_client(..., stdlib=True)`` only (the one client builder),
which falls back to the SDK for ``ssh://`` and proxies, and it is called through
``containers/ops.py`` only: its methods are the SDK's ``APIClient`` methods of the same names
with the same arguments and results. An HTTP error is turned into the SDK's own error by the
``http_error`` callable the builder gives it, so callers catch the same classes either way;
only errors import the SDK.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from urllib.parse import quote, urlencode, urlsplit

USER_AGENT = 'fleet.docker'
MAX_HEADER = 64 * 1024
PROXY_VARIABLES = ('http_proxy', 'https_proxy', 'all_proxy')


def can_serve(base_url: str) -> bool:
    """Whether this client can reach ``base_url`` as the SDK would (pure, but for the environment).

    ``ssh://`` needs the SDK's paramiko or ssh CLI transport; a proxy in the environment is used by
    the SDK for ``tcp://`` (requests honours it), so that case stays with the SDK too.
    """
    scheme = base_url.partition('://')[0] if '://' in base_url else ''
    if scheme in ('unix', 'http+unix'):
        return True
    if scheme in ('tcp', 'http', 'https'):
        return not any(os.environ.get(name) or os.environ.get(name.upper()) for name in PROXY_VARIABLES)
    return False


class LiteClient:
    """The subset of ``docker.APIClient`` the connection plugin uses, over one keep-alive connection.

    ``tls``: None, or dict(ca_cert, client_cert, client_key, verify) as ``engine.connection`` reads them.
    ``http_error(status, reason, url, body)`` must raise. ``version`` 'auto' asks the engine (``/_ping``).
    """

    def __init__(self, base_url: str, version: str, timeout: int, tls: dict | None, http_error):
        self.base_url = base_url
        self.timeout = timeout
        self._tls = tls
        self._http_error = http_error
        self._conn = None
        parts = urlsplit(base_url if '://' in base_url else 'unix://' + base_url)
        if parts.scheme in ('unix', 'http+unix'):
            self._unix, self._address = True, (parts.path or '/var/run/docker.sock')
            self._host = 'localhost'
        else:
            self._unix = False
            default = 2376 if tls is not None else 2375
            self._address = (parts.hostname or 'localhost', parts.port or default)
            self._host = parts.netloc
        self._version = self._negotiate() if version == 'auto' else version

    # ------------------------------------------------------------------ the SDK's methods

    @property
    def api_version(self) -> str:
        return self._version

    def ping(self) -> bool:
        self._request('GET', '/_ping', versioned=False)
        return True

    def inspect_container(self, container: str) -> dict:
        return self._json('GET', '/containers/{0}/json', container)

    def exec_create(self, container: str, cmd: list, stdout: bool = True, stderr: bool = True, stdin: bool = False,
                    tty: bool = False, privileged: bool = False, user: str = '', environment=None, workdir=None) -> dict:
        body = dict(Container=container, User=user, Privileged=privileged, Tty=tty, AttachStdin=stdin,
                    AttachStdout=stdout, AttachStderr=stderr, Cmd=cmd)
        if environment:
            body['Env'] = ['%s=%s' % item for item in environment.items()] if isinstance(environment, dict) else environment
        if workdir is not None:
            body['WorkingDir'] = workdir
        return self._json('POST', '/containers/{0}/exec', container, body=body)

    def exec_start(self, exec_id: str, socket: bool = True, tty: bool = False):  # pylint: disable=redefined-outer-name
        """The exec's attached, hijacked connection (``socket=True`` only, as the plugin uses it)."""
        if not socket:
            raise NotImplementedError('exec_start without socket=True')
        sock, _headers = self._stream('POST', self._path('/exec/{0}/start', exec_id), body=dict(Tty=tty, Detach=False),
                                      headers={'Connection': 'Upgrade', 'Upgrade': 'tcp'})
        return sock

    def _stream(self, method: str, target: str, **send):
        """(a connection of its own, the answer's headers) for a request whose answer is read as a stream;
        an error answer raises, and the connection is closed on any failure."""
        sock = self._open()
        try:
            self._send(sock, method, target, **send)
            status, reason, headers = _read_head(sock)
            if status >= 400:
                self._raise(status, reason, target, _read_body(sock, headers))
        except BaseException:
            sock.close()
            raise
        return sock, headers

    def exec_inspect(self, exec_id: str) -> dict:
        return self._json('GET', '/exec/{0}/json', exec_id)

    def get_archive(self, container: str, path, chunk_size: int = 2 * 1024 * 1024):
        """(chunks of the tar stream, the path's stat or None); the body is read as it is consumed."""
        sock, headers = self._stream('GET', self._path('/containers/{0}/archive', container, params={'path': path}),
                                     headers={'Accept-Encoding': 'identity'})
        encoded = headers.get('x-docker-container-path-stat')
        stat = json.loads(base64.b64decode(encoded)) if encoded else None
        return _stream_body(sock, headers, chunk_size), stat

    def put_archive(self, container: str, path, data) -> bool:
        """Send a tar (bytes or an iterable of bytes) to be unpacked into the directory ``path``."""
        sock = self._open()
        try:
            target = self._path('/containers/{0}/archive', container, params={'path': path})
            try:
                if isinstance(data, (bytes, bytearray)):
                    self._send(sock, 'PUT', target, raw=bytes(data), headers={'Content-Type': 'application/x-tar'})
                else:
                    self._send(sock, 'PUT', target, headers={'Content-Type': 'application/x-tar',
                                                             'Transfer-Encoding': 'chunked'})
                    for chunk in data:
                        if chunk:
                            sock.sendall(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                    sock.sendall(b'0\r\n\r\n')
            except OSError:
                # The engine may refuse (no such directory) and close before reading the whole body:
                # its answer says why better than the broken pipe does.
                try:
                    status, reason, headers = _read_head(sock)
                except OSError:
                    status = None
                if status is None or status < 400:
                    raise
                self._raise(status, reason, target, _read_body(sock, headers))
            status, reason, headers = _read_head(sock)
            body = _read_body(sock, headers)
            if status >= 400:
                self._raise(status, reason, target, body)
            return status == 200
        finally:
            sock.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------ HTTP

    def _negotiate(self) -> str:
        """The engine's API version, as the SDK's 'auto' takes it: /_ping's header is the cheapest ask."""
        dummy, headers, dummy = self._request('GET', '/_ping', versioned=False)
        version = headers.get('api-version')
        if not version:
            raise OSError('the Docker daemon at %s did not say its API version' % self.base_url)
        return version

    def _open(self):
        if self._unix:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self._address)
            except BaseException:
                sock.close()
                raise
            return sock
        sock = socket.create_connection(self._address, timeout=self.timeout)
        if self._tls is None:
            return sock
        try:
            return self._tls_context().wrap_socket(sock, server_hostname=self._address[0])
        except BaseException:
            sock.close()
            raise

    def _tls_context(self):
        import ssl  # pylint: disable=import-outside-toplevel  # only TLS engines pay for it
        if self._tls.get('verify'):
            context = ssl.create_default_context(cafile=self._tls['ca_cert'])
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self._tls.get('client_cert'):
            context.load_cert_chain(self._tls['client_cert'], self._tls['client_key'])
        return context

    def _path(self, template: str, *args: str, params: dict | None = None, versioned: bool = True) -> str:
        path = template.format(*[quote(str(arg), safe='/:') for arg in args])
        if versioned:
            path = '/v%s%s' % (self._version, path)
        return '%s?%s' % (path, urlencode(params)) if params else path

    def _send(self, sock, method: str, target: str, body=None, raw: bytes | None = None, headers: dict | None = None):
        if body is not None:
            raw = json.dumps(dict((k, v) for k, v in body.items() if v is not None)).encode('utf-8')
        lines = ['%s %s HTTP/1.1' % (method, target), 'Host: %s' % self._host, 'User-Agent: %s' % USER_AGENT]
        head = dict(headers or {})
        if body is not None:
            head['Content-Type'] = 'application/json'
        if raw is not None:
            head['Content-Length'] = str(len(raw))
        lines += ['%s: %s' % item for item in head.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + (raw or b''))

    def _request(self, method: str, template: str, *args: str, body=None, versioned: bool = True):
        """(status, headers, body bytes) of a small request on the kept-alive connection; errors raise."""
        target = self._path(template, *args, versioned=versioned)
        for attempt in (1, 2):
            fresh = self._conn is None
            if fresh:
                self._conn = _Buffered(self._open())
            try:
                self._send(self._conn.sock, method, target, body=body)
                status, reason, headers = _read_head(self._conn)
            except (ConnectionError, EOFError) as exc:
                # The engine closed an idle kept-alive connection: one retry on a new one.
                self.close()
                if fresh or attempt == 2:
                    raise exc if isinstance(exc, OSError) else ConnectionError(str(exc))
                continue
            data = _read_body(self._conn, headers)
            if headers.get('connection', '').lower() == 'close':
                self.close()
            if status >= 400:
                self._raise(status, reason, target, data)
            return status, headers, data
        raise AssertionError('unreachable')

    def _json(self, method: str, template: str, *args: str, body=None):
        dummy, dummy, data = self._request(method, template, *args, body=body)
        return json.loads(data) if data else {}

    def _raise(self, status: int, reason: str, target: str, body: bytes):
        scheme = 'http+docker' if self._unix else ('https' if self._tls is not None else 'http')
        self._http_error(status, reason, '%s://%s%s' % (scheme, self._host, target), body)
        raise AssertionError('http_error did not raise')


class _Buffered:
    """A socket with a read buffer, for the kept-alive connection (several small answers)."""

    def __init__(self, sock):
        self.sock = sock
        self._buf = b''

    def recv(self, size: int) -> bytes:
        if not self._buf:
            self._buf = self.sock.recv(max(size, 65536))
        data, self._buf = self._buf[:size], self._buf[size:]
        return data

    def unread(self, data: bytes) -> None:
        self._buf = data + self._buf

    def close(self) -> None:
        self.sock.close()


def _head_piece(conn, data: bytes) -> bytes:
    """The next bytes of a response head, of which ``data`` came already; b'' at the end of the connection.

    On a bare socket no byte past the head is taken: after an exec's ``101 UPGRADED`` the next
    bytes are the command's output, which belong to the caller. A ``_Buffered`` keeps the excess.
    """
    if isinstance(conn, _Buffered):
        return conn.recv(65536)
    if getattr(conn, 'pending', None) is not None:  # an SSL socket cannot peek: byte by byte
        return conn.recv(1)
    chunk = conn.recv(4096, socket.MSG_PEEK)
    end = (data + chunk).find(b'\r\n\r\n')
    return conn.recv(len(chunk) if end < 0 else end + 4 - len(data)) if chunk else b''


def _read_head(conn):
    """(status, reason, lower-cased headers) of a response."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = _head_piece(conn, data)
        if not chunk:
            raise EOFError('the Docker daemon closed the connection without an answer')
        data += chunk
        if len(data) > MAX_HEADER:
            raise OSError('the Docker daemon sent an over-long HTTP header')
    head, rest = data.split(b'\r\n\r\n', 1)
    if rest:
        conn.unread(rest)
    lines = head.decode('latin-1').split('\r\n')
    version, dummy, rest = lines[0].partition(' ')
    code, dummy, reason = rest.partition(' ')
    if not version.startswith('HTTP/') or not code.isdigit():
        raise OSError('the Docker daemon answered something that is not HTTP: %r' % lines[0][:80])
    headers = {}
    for line in lines[1:]:
        name, dummy, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    return int(code), reason, headers


def _read_exactly(conn, size: int) -> bytes:
    parts = []
    while size > 0:
        chunk = conn.recv(min(size, 1024 * 1024))
        if not chunk:
            raise OSError('the Docker daemon closed the connection in the middle of an answer')
        parts.append(chunk)
        size -= len(chunk)
    return b''.join(parts)


def _read_line(conn) -> bytes:
    line = b''
    while not line.endswith(b'\r\n'):
        chunk = conn.recv(1)
        if not chunk:
            raise OSError('the Docker daemon closed the connection in the middle of an answer')
        line += chunk
    return line


def _body_chunks(conn, headers: dict, size: int = 1024 * 1024):
    """The body's bytes, piece by piece: chunked, sized, or up to the connection's end."""
    if 'chunked' in headers.get('transfer-encoding', '').lower():
        while True:
            length = int(_read_line(conn).split(b';', 1)[0].strip() or b'0', 16)
            if not length:
                while _read_line(conn) != b'\r\n':  # trailers
                    pass
                return
            left = length
            while left:
                piece = _read_exactly(conn, min(left, size))
                left -= len(piece)
                yield piece
            _read_exactly(conn, 2)
    elif 'content-length' in headers:
        left = int(headers['content-length'])
        while left:
            piece = _read_exactly(conn, min(left, size))
            left -= len(piece)
            yield piece
    else:
        while True:
            piece = conn.recv(size)
            if not piece:
                return
            yield piece


def _read_body(conn, headers: dict) -> bytes:
    return b''.join(_body_chunks(conn, headers))


def _stream_body(sock, headers: dict, chunk_size: int):
    """Chunks of about ``chunk_size`` bytes of a streamed body; the connection is closed at the end."""
    try:
        if 'chunked' in headers.get('transfer-encoding', '').lower():
            reader = _Buffered(sock)  # chunk-size lines are read a byte at a time: buffer them
        else:
            reader = sock
        pending, held = [], 0
        for piece in _body_chunks(reader, headers, chunk_size):
            pending.append(piece)
            held += len(piece)
            if held >= chunk_size:
                yield b''.join(pending)
                pending, held = [], 0
        if pending:
            yield b''.join(pending)
    finally:
        sock.close()
