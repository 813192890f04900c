# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: api
short_description: Run tasks inside Docker containers through the Docker Engine API
description:
  - Runs commands in a running container with the engine's exec API and copies files in and out
    with its archive API. No docker CLI is needed, on the controller or in the container.
  - Works with engines on a unix socket, over TCP with TLS, and over C(ssh://) (the Docker SDK needs
    paramiko on the controller for C(ssh://), even with O(use_ssh_client); paramiko checks the engine
    host's key against C(known_hosts)).
  - Unix sockets and TCP are spoken to with Python's standard library, so each task's worker process
    does not import the Docker SDK; C(ssh://) engines, and TCP engines behind a proxy set in the
    environment, go through the Docker SDK.
  - Files are streamed both ways, so large files take no memory, and names are bytes, so names
    that are not UTF-8 survive.
  - Modules need Python in the container, as on any host; C(raw) needs only C(/bin/sh).
author:
  - fleet.docker developers (@fleet-docker)
extends_documentation_fragment:
  - connection_pipelining
  - fleet.docker.engine_plugin.CONNECTION
options:
  remote_addr:
    description:
      - The name or ID of the container.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: fleet_docker_container
      - name: ansible_docker_host
  remote_user:
    description:
      - The user (name or C(uid[:gid])) commands run as inside the container.
      - Defaults to the container's own user (its C(User) setting, else root).
      - Files copied in are owned by this user, so it can read and remove them.
    type: str
    vars:
      - name: ansible_user
      - name: fleet_docker_user
      - name: ansible_docker_user
    ini:
      - section: defaults
        key: remote_user
    env:
      - name: ANSIBLE_REMOTE_USER
    cli:
      - name: user
    keyword:
      - name: remote_user
  working_dir:
    description:
      - Directory commands start in, inside the container. Defaults to the container's own.
    type: str
    vars:
      - name: fleet_docker_working_dir
      - name: ansible_docker_working_dir
  extra_env:
    description:
      - Environment variables added to every command run in the container.
    type: dict
    default: {}
    vars:
      - name: fleet_docker_extra_env
      - name: ansible_docker_extra_env
  privileged:
    description:
      - Run commands with extended privileges (all capabilities, no seccomp or AppArmor profile).
    type: bool
    default: false
    vars:
      - name: fleet_docker_privileged
      - name: ansible_docker_privileged
  command_timeout:
    description:
      - Seconds a single command may run before the task fails. V(0) waits as long as it takes.
      - The command is not stopped inside the container when the time is up; only the task fails.
    type: int
    default: 0
    vars:
      - name: fleet_docker_command_timeout
notes:
  - The container must be running; a stopped or missing container fails the task with a message
    that says so, as does a O(remote_user) the container does not know.
  - Become works like on SSH hosts (C(sudo), C(su) and others, with a password too), when the
    container has the become tool.
seealso:
  - plugin: fleet.docker.containers
    plugin_type: inventory
"""

EXAMPLES = r"""
# In an inventory file (inventory.yml): containers of the local engine as hosts
# all:
#   hosts:
#     web-1:
#     db-1:
#       ansible_user: postgres
#   vars:
#     ansible_connection: fleet.docker.api

# A remote engine over TCP with TLS, for one host (under all.hosts)
#     app-1:
#       ansible_connection: fleet.docker.api
#       fleet_docker_host: tcp://engine1.example.com:2376
#       fleet_docker_validate_certs: true
#       fleet_docker_ca_path: /etc/fleet/ca.pem
#       fleet_docker_client_cert: /etc/fleet/cert.pem
#       fleet_docker_client_key: /etc/fleet/key.pem

# In a play: a container started earlier in the same play
- hosts: localhost
  tasks:
    - fleet.docker.container:
        name: builder
        image: debian:bookworm
        command: sleep infinity
    - ansible.builtin.add_host:
        name: builder
        ansible_connection: fleet.docker.api
- hosts: builder
  tasks:
    - ansible.builtin.command: uname -a
"""

import os
import select
import socket
import struct
import time

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.fleet.docker.plugins.module_utils.containers.ops import (
    exec_exit_code, get_archive, lookup_container, put_archive, start_exec)
from ansible_collections.fleet.docker.plugins.module_utils.engine import connection as engine
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import describe_error
from ansible_collections.fleet.docker.plugins.module_utils.hosts.client import ENGINE_OPTIONS, build_client
from ansible_collections.fleet.docker.plugins.module_utils.hosts.transfer import (
    MAX_LINKS, EmptyArchive, TransferError, copy_member, first_member, fs_bytes, link_target, shell_printf_format, split_target,
    tar_one_file)

display = Display()

# The engine multiplexes a non-TTY exec's output in frames: 1 byte stream, 3 padding, 4 size.
FRAME_HEADER = struct.Struct('>BxxxL')
STDOUT = 1
STDERR = 2
# runc's words when the exec user is unknown (Docker 20.10 to 28): the process never starts.
UNKNOWN_USER = (b'unable to find user', b'no matching entries in passwd file')


class CommandTimeout(Exception):
    pass


def _close_write(sock):
    """Signal end of stdin without closing the connection (the output still has to come back).

    A TLS socket gets a plain TCP half-close: a TLS close_notify would end the session in both
    directions. dockerd then closes the process's stdin, as for the docker CLI.
    """
    if hasattr(sock, 'shutdown_write'):  # paramiko channel
        sock.shutdown_write()
    elif getattr(sock, 'proc', None) is not None:  # the SDK's ssh CLI socket: stdin of ssh
        sock.proc.stdin.close()
    else:
        socket.socket.shutdown(sock, socket.SHUT_WR)


def _close(sock):
    """Close an exec's socket.

    The SDK's ssh CLI socket writes to ssh's stdin when closed; once the engine has ended the exec,
    ``docker system dial-stdio`` and ssh may have exited already, and that write is a broken pipe
    (seen on every second command or so through the lab's ssh:// engines): not an error, just stop ssh.
    """
    try:
        sock.close()
    except OSError:
        proc = getattr(sock, 'proc', None)
        if proc is not None:
            proc.terminate()


class Connection(ConnectionBase):
    """Commands through exec, files through the archive API; one engine client per connection."""

    transport = 'fleet.docker.api'
    has_pipelining = True

    def __init__(self, play_context, new_stdin, *args, **kwargs):
        super().__init__(play_context, new_stdin, *args, **kwargs)
        self.client = None
        self._container = None
        self._owner = None

    # ------------------------------------------------------------------ engine and container

    def _where(self):
        return 'container %s on %s' % (self.get_option('remote_addr'), self.get_option('docker_host'))

    def _failure(self, exc, doing):
        """An engine error in the words of a task failure: what was being done, and where."""
        if isinstance(exc, engine.NotFound) and b'container' in to_bytes(exc.explanation or str(exc)).lower():
            return AnsibleConnectionFailure('%s: the %s is gone (it was removed).' % (doing, self._where()))
        text = describe_error(exc, self.get_option('docker_host'))
        if isinstance(exc, engine.APIError) and all(to_text(word) in text for word in UNKNOWN_USER):
            # Docker 23 and later refuse the exec start itself (HTTP 400) for an unknown user.
            return AnsibleConnectionFailure('The user %r does not exist in the %s.' % (self._user(), self._where()))
        if isinstance(exc, engine.APIError) and exc.status_code == 409 and 'not running' in text:
            return AnsibleConnectionFailure('%s: the %s is not running; start it first.' % (doing, self._where()))
        return AnsibleConnectionFailure('%s in %s: %s' % (doing, self._where(), text))

    def _connect(self):
        if self._connected:
            return self
        params = dict((name, self.get_option(name)) for name in ENGINE_OPTIONS)
        ssh_cli = bool(self.get_option('use_ssh_client'))
        if str(params['docker_host'] or '').startswith('ssh://') and not ssh_cli:
            try:
                import paramiko  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
            except ImportError:
                ssh_cli = True
        try:
            # The standard-library client where it serves: each task's worker process imports this
            # plugin afresh, and the SDK's import would cost more CPU than the task (engine/lite.py).
            self.client = build_client(params, use_ssh_client=ssh_cli, stdlib=True)
            container = lookup_container(self.client, self.get_option('remote_addr'))
        except Exception as exc:  # pylint: disable=broad-except
            # Besides the SDK's and requests' errors, paramiko's (an unknown host key) for ssh://.
            raise AnsibleConnectionFailure('Cannot reach the Docker daemon for %s: %s'
                                           % (self._where(), describe_error(exc, params['docker_host'])))
        if container is None:
            raise AnsibleConnectionFailure('There is no %s.' % self._where())
        state = container.get('State') or {}
        if not state.get('Running') or state.get('Paused') or state.get('Restarting'):
            raise AnsibleConnectionFailure('The %s is %s, not running; start it first.'
                                           % (self._where(), state.get('Status') or 'stopped'))
        self._container = container
        display.vvv('ESTABLISH fleet.docker.api TO %s (user %s)' % (self._where(), self._user() or '(image default)'),
                    host=self.get_option('remote_addr'))
        self._connected = True
        return self

    def _user(self):
        return self.get_option('remote_user') or ''

    # ------------------------------------------------------------------ commands

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        self._connect()
        prompt = bool(sudoable and self.become and self.become.expect_prompt())
        display.vvv('EXEC %s' % to_text(cmd), host=self.get_option('remote_addr'))
        return self._run(['/bin/sh', '-c', cmd], in_data, prompt)

    def _run(self, argv, in_data=None, prompt=False, sink=None):
        """(exit code, stdout, stderr) of argv in the container; stdin only when there is some.

        With ``sink`` (an open file), stdout goes there as it comes instead of into memory.
        """
        use_stdin = in_data is not None or prompt
        env = ['%s=%s' % (key, value) for key, value in (self.get_option('extra_env') or {}).items()]
        try:
            exec_id, sock = start_exec(self.client, self._container['Id'], argv, stdin=use_stdin, user=self._user(),
                                       environment=env or None, workdir=self.get_option('working_dir') or None,
                                       privileged=bool(self.get_option('privileged')))
        except (engine.DockerException, engine.RequestException, OSError) as exc:
            raise self._failure(exc, 'Running a command')
        limit = self.get_option('command_timeout') or 0
        deadline = time.monotonic() + limit if limit > 0 else None
        out, err = [], []
        try:
            # The SDK leaves its API timeout on the socket: a quiet command would fail after it.
            sock.settimeout(None)
            frames = self._frames(sock, deadline)
            if prompt:
                self._answer_prompt(sock, frames, out, err)
            if use_stdin:
                if in_data:
                    sock.sendall(to_bytes(in_data))
                _close_write(sock)
            for stream, data in frames:
                if stream == STDERR:
                    err.append(data)
                elif sink is not None:
                    sink.write(data)
                else:
                    out.append(data)
        except CommandTimeout:
            raise AnsibleConnectionFailure('The command did not finish within %d seconds (command_timeout) in %s.'
                                           % (limit, self._where()))
        except OSError as exc:
            raise self._failure(exc, 'Reading the command output')
        finally:
            _close(sock)
        stdout, stderr = b''.join(out), b''.join(err)
        try:
            code = exec_exit_code(self.client, exec_id)
        except (engine.DockerException, engine.RequestException, OSError) as exc:
            raise self._failure(exc, 'Reading the exit code')
        if code in (126, None) and self._unknown_user(stdout + stderr):
            raise AnsibleConnectionFailure('The user %r does not exist in the %s.' % (self._user(), self._where()))
        return code if code is not None else -1, stdout, stderr

    def _unknown_user(self, output):
        """Whether an exec that could not start failed for want of its user.

        runc says so on the exec's output, but Docker 20.10 sometimes loses that output (an exit
        code of 126 and nothing else): then the container's /etc/passwd decides.
        """
        if all(word in output for word in UNKNOWN_USER):
            return True
        name = self._user().partition(':')[0]
        if not name or name.isdigit():
            return False
        try:
            archive, member = first_member(get_archive(self.client, self._container['Id'], '/etc/passwd'))
            data = archive.extractfile(member).read() if member.isfile() else b''
            archive.close()
        except engine.NotFound:
            return True  # no /etc/passwd: the container knows no user by name
        except (TransferError, engine.DockerException, engine.RequestException, OSError):
            return False
        return not any(line.split(b':', 1)[0] == to_bytes(name) for line in data.splitlines())

    def _frames(self, sock, deadline):
        """(stream, bytes) of each output frame until the engine closes the connection."""
        while True:
            header = self._read_exactly(sock, FRAME_HEADER.size, deadline)
            if header is None:
                return
            stream, size = FRAME_HEADER.unpack(header)
            if size:
                data = self._read_exactly(sock, size, deadline)
                if data is None:
                    return
                yield stream, data

    @staticmethod
    def _read_exactly(sock, size, deadline):
        parts, left = [], size
        while left:
            # The ssh CLI transport is a pipe to a process: nothing to select() on, no deadline.
            if deadline is not None and getattr(sock, 'proc', None) is None:
                # An SSL socket may hold decrypted bytes the kernel no longer shows to select().
                pending = getattr(sock, 'pending', None)
                if not (pending and pending()):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
                        raise CommandTimeout()
            chunk = sock.recv(min(left, 1024 * 1024))
            if not chunk:
                if parts:
                    raise OSError('the engine closed the connection in the middle of an output frame')
                return None
            parts.append(chunk)
            left -= len(chunk)
        return b''.join(parts)

    def _answer_prompt(self, sock, frames, out, err):
        """Become with a password: answer the tool's prompt, then wait for its success mark.

        Only then does stdin (a pipelined module) follow: sent earlier, a refused password would
        have the tool read the module as its next password attempts.
        """
        seen, answered = b'', False
        for stream, data in frames:
            (err if stream == STDERR else out).append(data)
            seen += data
            if self.become.check_success(seen):
                return
            if answered and self.become.check_incorrect_password(seen):
                raise AnsibleError('Privilege escalation failed in %s: incorrect become password.' % self._where())
            if not answered and self.become.check_password_prompt(seen):
                password = self.become.get_option('become_pass', playcontext=self._play_context)
                if not password:
                    raise AnsibleError('Privilege escalation in %s asks for a password and none was given '
                                       '(become_password).' % self._where())
                sock.sendall(to_bytes(password) + b'\n')
                answered, seen = True, b''
                # The prompt is not output of the command.
                out.clear()
                err.clear()
        raise AnsibleError('Privilege escalation failed in %s: %s'
                           % (self._where(), to_text(seen.strip()[-500:] or b'no prompt and no output')))

    # ------------------------------------------------------------------ files

    def _file_owner(self):
        """(uid, gid) of the user commands run as, for files put in the container."""
        if self._owner is None:
            user = self._user() or (self._container.get('Config') or {}).get('User') or ''
            name, dummy, group = user.partition(':')
            if name in ('', 'root', '0') and group in ('', 'root', '0'):
                self._owner = (0, 0)
            elif name.isdigit() and group.isdigit():
                self._owner = (int(name), int(group))
            else:
                code, stdout, stderr = self._run(['id', '-u'])
                gid_code, gid_out, dummy = self._run(['id', '-g'])
                if code != 0 or gid_code != 0:
                    raise AnsibleConnectionFailure('Cannot find the uid of user %r in the %s: %s'
                                                   % (user, self._where(), to_text((stdout + stderr).strip())))
                self._owner = (int(stdout.strip()), int(gid_out.strip()))
        return self._owner

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        self._connect()
        display.vvv('PUT %s TO %s' % (in_path, out_path), host=self.get_option('remote_addr'))
        local = fs_bytes(in_path)
        if not os.path.isfile(local):
            raise AnsibleFileNotFound('The file to copy does not exist: %s' % to_text(in_path))
        try:
            directory, name = split_target(out_path)
        except TransferError as exc:
            raise AnsibleError(str(exc))
        uid, gid = self._file_owner()
        try:
            with open(local, 'rb') as handle:
                size = os.fstat(handle.fileno()).st_size
                put_archive(self.client, self._container['Id'], directory,
                            tar_one_file(handle, name, size, uid=uid, gid=gid))
        except TransferError as exc:
            raise AnsibleError('Copying %s into the %s: %s' % (to_text(in_path), self._where(), exc))
        except engine.NotFound as exc:
            if b'container' in to_bytes(exc.explanation or '').lower() and b'could not find' not in \
                    to_bytes(exc.explanation or '').lower():
                raise self._failure(exc, 'Copying a file')
            raise AnsibleError('Copying %s into the %s: the directory %s does not exist.'
                               % (to_text(in_path), self._where(), os.fsdecode(directory)))
        except (engine.DockerException, engine.RequestException, OSError) as exc:
            raise self._failure(exc, 'Copying %s to %s' % (to_text(in_path), to_text(out_path)))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        self._connect()
        display.vvv('FETCH %s TO %s' % (in_path, out_path), host=self.get_option('remote_addr'))
        path = fs_bytes(in_path)
        for dummy in range(MAX_LINKS):
            try:
                try:
                    archive, member = first_member(get_archive(self.client, self._container['Id'], path))
                except EmptyArchive:
                    # dockerd writes PAX headers, which must be UTF-8: a name that is not gets an
                    # empty archive. cat reads such a file, its name spelled in ASCII for the exec.
                    return self._fetch_by_cat(path, in_path, out_path)
                if member.issym():
                    path = link_target(path, member)
                    archive.close()
                    continue
                if not member.isfile():
                    archive.close()
                    raise AnsibleError('Fetching %s from the %s: it is not a regular file.'
                                       % (to_text(in_path), self._where()))
                with open(fs_bytes(out_path), 'wb') as sink:
                    copy_member(archive, member, sink)
                archive.close()
                return
            except engine.NotFound as exc:
                if b'no such container' in to_bytes(exc.explanation or '').lower():
                    raise self._failure(exc, 'Fetching a file')
                raise AnsibleFileNotFound('Fetching %s from the %s: no such file.' % (to_text(in_path), self._where()))
            except TransferError as exc:
                raise AnsibleError('Fetching %s from the %s: %s' % (to_text(in_path), self._where(), exc))
            except (engine.DockerException, engine.RequestException, OSError) as exc:
                raise self._failure(exc, 'Fetching %s' % to_text(in_path))
        raise AnsibleError('Fetching %s from the %s: more than %d symbolic links to follow.'
                           % (to_text(in_path), self._where(), MAX_LINKS))

    def _fetch_by_cat(self, path, in_path, out_path):
        with open(fs_bytes(out_path), 'wb') as sink:
            code, dummy, stderr = self._run(['/bin/sh', '-c', 'f="$(printf %s)"; exec cat -- "${f%%x}"'
                                             % shell_printf_format(path + b'x')], sink=sink)
        if code != 0:
            raise AnsibleError('Fetching %s from the %s: %s' % (to_text(in_path), self._where(),
                                                                to_text(stderr.strip()) or 'cat failed'))

    # ------------------------------------------------------------------ lifecycle

    def reset(self):
        self.close()

    def close(self):
        if self.client is not None:
            self.client.close()
        self.client = None
        self._container = None
        self._owner = None
        self._connected = False
