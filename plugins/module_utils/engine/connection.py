# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one connection layer: argument spec, client construction and error translation.

Every module builds an ``AnsibleDockerModule`` and hands its logic to ``run()``.
Logic code raises ``FleetDockerError`` for user-facing failures; SDK and HTTP
errors are turned into one clear message here, so no module shows a traceback.

The Docker SDK (and requests) is imported on first use of one of its names here (``docker``,
``requests``, ``HAS_DOCKER``, ``APIError``, ``NotFound``, ...), not when this file is imported:
the ``api`` connection plugin's workers reach the engine through ``engine/lite.py`` and would
otherwise pay ~90 ms of imports per host and task (issue #27). Modules name those errors when
they import this file, so for them nothing changes. Inside this file, call ``_sdk()``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import traceback
import types
from urllib.parse import quote

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib


class _DeferredModule(types.ModuleType):
    """Stands in for a module until one of its attributes is read; then imports it and forwards."""

    def __getattr__(self, name: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _defer_paramiko() -> None:
    """Import paramiko only when an ssh:// engine uses it.

    ``import docker`` imports paramiko (and invoke) whenever it is installed, for its ssh:// adapter:
    about 0.1 s of CPU on every module run (issue #25), though only ssh:// hosts need it. A stand-in
    takes its place in ``sys.modules`` and imports it on first use, so ssh:// works as before.
    """
    if 'paramiko' in sys.modules:
        return
    try:
        spec = importlib.util.find_spec('paramiko')
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    stand_in = _DeferredModule('paramiko')
    stand_in.__spec__ = spec
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    sys.modules['paramiko'] = stand_in


_defer_paramiko()


# Stand-ins so module_utils can name the SDK's errors without it; AnsibleDockerModule reports the missing SDK.
class _MissingDockerException(Exception):
    pass


class _MissingAPIError(_MissingDockerException):
    status_code = None
    explanation = None


class _MissingNotFound(_MissingAPIError):
    pass


class _MissingRequestException(Exception):
    pass


# Re-exported (module_utils name the SDK's errors through this module only), resolved by __getattr__.
SDK_NAMES = ('docker', 'requests', 'HAS_DOCKER', 'DOCKER_IMPORT_ERROR', 'APIError', 'DockerException', 'NotFound',
             'RequestException')
_SDK: dict = {}


def _sdk() -> dict:
    """The SDK's names (see SDK_NAMES), imported on the first call; stand-ins when it is missing."""
    if not _SDK:
        try:
            import docker  # pylint: disable=import-outside-toplevel,redefined-outer-name
            import docker.errors  # pylint: disable=import-outside-toplevel
            import docker.tls  # pylint: disable=import-outside-toplevel
            import requests.exceptions  # pylint: disable=import-outside-toplevel,redefined-outer-name
            names = dict(docker=docker, requests=requests, HAS_DOCKER=True, DOCKER_IMPORT_ERROR=None,
                         APIError=docker.errors.APIError, DockerException=docker.errors.DockerException,
                         NotFound=docker.errors.NotFound, RequestException=requests.exceptions.RequestException)
        except ImportError:  # pragma: no cover - exercised only on hosts without the SDK
            names = dict(docker=None, requests=None, HAS_DOCKER=False, DOCKER_IMPORT_ERROR=traceback.format_exc(),
                         APIError=_MissingAPIError, DockerException=_MissingDockerException, NotFound=_MissingNotFound,
                         RequestException=_MissingRequestException)
        _SDK.update(names)
        globals().update(names)
    return _SDK


def __getattr__(name: str):
    """``from ...engine.connection import NotFound`` and the like: the SDK's names, imported on first use."""
    if name in SDK_NAMES:
        return _sdk()[name]
    raise AttributeError('module %r has no attribute %r' % (__name__, name))


DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
# The api connection plugin's standard-library client (open_client(stdlib=True)); controller side only.
LITE_MODULE = 'ansible_collections.fleet.docker.plugins.module_utils.engine.lite'
MIN_API_VERSION = '1.41'
# Batch and cleanup modules talk to the engine from up to 32 threads; pooled connections are
# opened only when used, so a large pool costs nothing and avoids urllib3 discarding sockets.
MAX_POOL_SIZE = 32
MAX_MESSAGE = 500

DOCKER_COMMON_ARGS = dict(
    docker_host=dict(type='str', default=DEFAULT_DOCKER_HOST, aliases=['docker_url'],
                     fallback=(env_fallback, ['DOCKER_HOST'])),
    tls=dict(type='bool', default=False, fallback=(env_fallback, ['DOCKER_TLS'])),
    validate_certs=dict(type='bool', default=False, aliases=['tls_verify'],
                        fallback=(env_fallback, ['DOCKER_TLS_VERIFY'])),
    ca_path=dict(type='path', aliases=['ca_cert', 'tls_ca_cert']),
    client_cert=dict(type='path', aliases=['tls_client_cert', 'cert_path']),
    client_key=dict(type='path', aliases=['tls_client_key', 'key_path'], no_log=True),
    api_version=dict(type='str', default='auto', aliases=['docker_api_version'],
                     fallback=(env_fallback, ['DOCKER_API_VERSION'])),
    timeout=dict(type='int', default=60, fallback=(env_fallback, ['DOCKER_TIMEOUT'])),
)


class FleetDockerError(Exception):
    """A failure to report to the user as-is, with optional extra result keys."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


class EngineStepError(FleetDockerError):
    """An engine error met while doing ``step``, and the state the host is left in (``outcome``).

    The cause stays untranslated until the module (or a batch item) reports it, so the error is
    put into words once, naming the daemon: "step: <engine's reason>. <outcome>".
    """

    def __init__(self, step, cause, outcome='', **result):
        self.step, self.cause, self.outcome = step, cause, outcome
        super().__init__(_step_text(step, describe_error(cause), outcome), **result)


def _step_text(step, reason, outcome):
    text = '%s: %s' % (step, reason.rstrip('.') + '.')
    return '%s %s' % (text, outcome) if outcome else text


def daemon_of(client):
    """The docker_host a client was built for, as the user wrote it (for messages)."""
    return getattr(client, 'fleet_docker_host', None)


def docker_argument_spec(**module_args):
    spec = dict(DOCKER_COMMON_ARGS)
    spec.update(module_args)
    return spec


def _cert_path_default(params, option, filename):
    if params.get(option):
        return params[option]
    cert_dir = os.environ.get('DOCKER_CERT_PATH')
    if cert_dir and os.path.exists(os.path.join(cert_dir, filename)):
        return os.path.join(cert_dir, filename)
    return None


def engine_settings(params) -> dict:
    """The common options, checked: base_url, version, timeout and tls (None or its files and verify); pure."""
    base_url = params.get('docker_host') or DEFAULT_DOCKER_HOST
    ca_path = _cert_path_default(params, 'ca_path', 'ca.pem')
    client_cert = _cert_path_default(params, 'client_cert', 'cert.pem')
    client_key = _cert_path_default(params, 'client_key', 'key.pem')
    use_tls = bool(params.get('tls') or params.get('validate_certs'))
    version = params.get('api_version') or 'auto'
    if version != 'auto' and not re.match(r'^[0-9]+\.[0-9]+$', str(version)):
        raise FleetDockerError("api_version must be 'auto' or a version such as 1.41, got %r." % _clip(version))
    settings = dict(base_url=base_url, version=version, timeout=params.get('timeout') or 60, tls=None)
    if use_tls:
        if bool(client_cert) != bool(client_key):
            raise FleetDockerError('client_cert and client_key must be given together.')
        for option, path in (('ca_path', ca_path), ('client_cert', client_cert), ('client_key', client_key)):
            if path and not os.path.isfile(path):
                raise FleetDockerError('%s: no such file %s' % (option, path))
        verify = bool(params.get('validate_certs'))
        if verify and not ca_path:
            raise FleetDockerError('validate_certs needs ca_path (or ca.pem in DOCKER_CERT_PATH).')
        settings['tls'] = dict(client_cert=client_cert, client_key=client_key, ca_cert=ca_path if verify else None,
                               verify=verify)
    return settings


def client_kwargs(params):
    """Map the common options onto ``docker.APIClient`` keyword arguments (pure)."""
    settings = engine_settings(params)
    kwargs = dict(base_url=settings['base_url'], version=settings['version'], timeout=settings['timeout'],
                  max_pool_size=MAX_POOL_SIZE)
    tls = settings['tls']
    if tls is not None:
        kwargs['tls'] = _sdk()['docker'].tls.TLSConfig(
            client_cert=(tls['client_cert'], tls['client_key']) if tls['client_cert'] else None,
            ca_cert=tls['ca_cert'],
            verify=tls['ca_cert'] if tls['verify'] else False,
        )
        if kwargs['base_url'].startswith('tcp://'):
            kwargs['base_url'] = 'https://' + kwargs['base_url'][len('tcp://'):]
    return kwargs


def _clip(text, limit=MAX_MESSAGE):
    """The engine echoes hostile input (a 200 kB name) in its errors: keep messages readable."""
    text = str(text)
    if len(text) <= limit:
        return text
    return '%s ...(%d characters)... %s' % (text[:limit // 2], len(text), text[-(limit // 2):])


# Words of an engine or registry error that is about credentials, not the request itself.
AUTH_WORDS = ('unauthorized', 'authentication required', 'denied', 'no basic auth credentials')


def mentions_credentials(text) -> bool:
    """Whether an error text says the credentials were refused or missing (pure)."""
    return any(word in str(text).lower() for word in AUTH_WORDS)


def describe_error(exc, docker_host=None):
    """Turn an SDK, HTTP or OS error into one sentence for the user (pure)."""
    where = ' at %s' % docker_host if docker_host else ''
    text = _clip(str(exc))
    sdk = _sdk()
    docker, requests = sdk['docker'], sdk['requests']  # pylint: disable=redefined-outer-name
    HAS_DOCKER = sdk['HAS_DOCKER']  # pylint: disable=invalid-name,redefined-outer-name
    if isinstance(exc, EngineStepError):
        return _step_text(exc.step, describe_error(exc.cause, docker_host), exc.outcome)
    if isinstance(exc, FleetDockerError):
        return exc.msg
    if HAS_DOCKER and isinstance(exc, docker.errors.APIError):
        status = exc.status_code
        explanation = exc.explanation or text
        if isinstance(explanation, bytes):
            explanation = explanation.decode('utf-8', 'replace')
        explanation = _clip(str(explanation).strip())
        if status == 404:
            return 'Not found (Docker daemon%s): %s' % (where, explanation)
        if status == 409:
            return 'Conflict (Docker daemon%s): %s' % (where, explanation)
        if status == 400 and 'client version' in explanation and 'too' in explanation:
            return 'Docker API version mismatch%s: %s' % (where, explanation)
        if status == 401 or (status == 403 and mentions_credentials(explanation)):
            return 'Access denied by the registry or the Docker daemon%s: %s' % (where, explanation)
        if status == 403:
            # The engine's "forbidden" is mostly not about access: an overlapping subnet, an
            # operation on a predefined network.
            return 'Refused by the Docker daemon%s (HTTP 403): %s' % (where, explanation)
        return 'Docker daemon error%s (HTTP %s): %s' % (where, status, explanation)
    if 'Permission denied' in text or isinstance(exc, PermissionError):
        return 'Permission denied on the Docker socket%s: run as root or as a member of the docker group.' % where
    if HAS_DOCKER and isinstance(exc, docker.errors.TLSParameterError):
        return 'TLS configuration error: %s' % text
    if 'SSLError' in type(exc).__name__ or 'SSL' in text and 'certificate' in text.lower():
        return 'TLS handshake with the Docker daemon%s failed: %s' % (where, text)
    if HAS_DOCKER and isinstance(exc, (requests.exceptions.ConnectionError, ConnectionError, FileNotFoundError)):
        if 'SSL' in text or 'certificate' in text.lower():
            return 'TLS handshake with the Docker daemon%s failed: %s' % (where, text)
        return 'Cannot connect to the Docker daemon%s. Is the daemon running? (%s)' % (where, text)
    if HAS_DOCKER and isinstance(exc, (requests.exceptions.Timeout,)):
        return 'The Docker daemon%s did not answer in time: %s' % (where, text)
    if HAS_DOCKER and isinstance(exc, docker.errors.DockerException):
        if 'Error while fetching server API version' in text:
            return 'Cannot connect to the Docker daemon%s. Is the daemon running? (%s)' % (where, text)
        if 'API version' in text or 'is too new' in text or 'too old' in text:
            return 'Docker API version mismatch%s: %s' % (where, text)
        return 'Docker error%s: %s' % (where, text)
    return '%s: %s' % (type(exc).__name__, text)


def engine_request(client, method: str, template: str, *args: str, params: dict | None = None,
                   body: dict | None = None, check: bool = True):
    """Call an engine endpoint the docker SDK has no public method for; return the response.

    The one way around the SDK, used by ``containers/ops.py`` for ``POST /containers/{id}/update``
    (the SDK's ``update_container`` cannot send NanoCpus or PidsLimit) and the stat of a container
    path (``HEAD /containers/{id}/archive``, which the SDK lacks). ``template`` is an API path such
    as ``/containers/{0}/update``, ``args`` are quoted into it like the SDK does, ``body`` goes as
    JSON. With ``check`` an HTTP error raises the SDK's APIError, as its own calls do.
    """
    path = template.format(*[quote(str(arg), safe='/:') for arg in args])
    kwargs = dict(params=params, timeout=client.timeout)
    if body is not None:
        kwargs.update(data=json.dumps(body), headers={'Content-Type': 'application/json'})
    response = client.request(method, '%s/v%s%s' % (client.base_url, client.api_version, path), **kwargs)
    if check:
        sdk = _sdk()
        try:
            response.raise_for_status()
        except sdk['requests'].exceptions.HTTPError as exc:
            raise sdk['docker'].errors.create_api_error_from_http_exception(exc) from exc
    return response


def _http_error(status: int, reason: str, url: str, body: bytes):
    """Raise the SDK's error for an engine answer of ``engine/lite.py``, as the SDK would have."""
    sdk = _sdk()
    if not sdk['HAS_DOCKER']:  # pragma: no cover - exercised only on controllers without the SDK
        try:
            explanation = json.loads(body)['message']
        except (ValueError, KeyError, TypeError):
            explanation = body.decode('utf-8', 'replace').strip()
        exc = sdk['NotFound' if status == 404 else 'APIError']('%s %s for %s' % (status, reason, url))
        exc.status_code, exc.explanation = status, explanation
        raise exc
    response = sdk['requests'].models.Response()
    response.status_code, response.reason, response.url, response._content = status, reason, url, body
    response.encoding = 'utf-8'
    sdk['docker'].errors.create_api_error_from_http_exception(sdk['requests'].exceptions.HTTPError(response=response))


def _version_tuple(version):
    try:
        return tuple(int(part) for part in str(version).split('.'))
    except ValueError:
        return (0,)


def open_client(params: dict, use_ssh_client: bool = False, stdlib: bool = False):
    """A ``docker.APIClient`` for the common options in ``params`` (modules and plugins); raises FleetDockerError.

    With TLS, requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override the session's CA, which would
    verify the daemon against the system CAs instead of ca_path, and ``trust_env`` can only be switched
    off after construction: so build without negotiating, switch env trust off, then negotiate.
    ``use_ssh_client``: the ssh command line client for ``ssh://`` instead of paramiko.
    ``stdlib``: an ``engine/lite.py`` client where it can reach the engine (not ``ssh://``), for the
    connection plugin's workers; it has only the calls that plugin makes (see there why).
    """
    if stdlib:
        # Imported by name: modules never take this path, and an import statement would have Ansible's
        # payload builder ship (and parse) engine/lite.py with every module (issue #25).
        lite = importlib.import_module(LITE_MODULE)
        settings = engine_settings(params)
        if lite.can_serve(settings['base_url']):
            client = lite.LiteClient(settings['base_url'], settings['version'], settings['timeout'], settings['tls'],
                                     _http_error)
            return _checked(client, params)
    if not _sdk()['HAS_DOCKER']:
        raise FleetDockerError('The Docker SDK for Python (docker >= 7.0) is needed on the controller: pip install docker.')
    docker = _sdk()['docker']  # pylint: disable=redefined-outer-name
    kwargs = client_kwargs(params)
    if use_ssh_client and str(kwargs['base_url']).startswith('ssh://'):
        kwargs['use_ssh_client'] = True
    negotiate = kwargs['version'] == 'auto'
    if 'tls' in kwargs and negotiate:
        kwargs['version'] = MIN_API_VERSION
    client = docker.APIClient(**kwargs)
    if 'tls' in kwargs:
        client.trust_env = False
        if negotiate:
            client._version = client._retrieve_server_version()  # pylint: disable=protected-access
    return _checked(client, params)


def _checked(client, params: dict):
    client.fleet_docker_host = params.get('docker_host')
    if _version_tuple(client.api_version) < _version_tuple(MIN_API_VERSION):
        raise FleetDockerError('Docker API %s is too old: fleet.docker needs %s or newer (Docker 20.10).'
                               % (client.api_version, MIN_API_VERSION))
    return client


class AnsibleDockerModule(AnsibleModule):
    """AnsibleModule with the common options, a lazy SDK client and error translation."""

    def __init__(self, argument_spec=None, **kwargs):
        super().__init__(argument_spec=docker_argument_spec(**(argument_spec or {})), **kwargs)
        sdk = _sdk()
        if not sdk['HAS_DOCKER']:
            self.fail_json(msg=missing_required_lib('docker (Docker SDK for Python)'),
                           exception=sdk['DOCKER_IMPORT_ERROR'])
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = open_client(self.params)
        return self._client

    def run(self, logic):
        """Call ``logic(module)``, which returns the result dict, and exit accordingly."""
        try:
            result = logic(self)
        except FleetDockerError as exc:
            # The one place an error becomes words for a single-host module.
            self.fail_json(msg=describe_error(exc, self.params.get('docker_host')), **exc.result)
        except Exception as exc:  # pylint: disable=broad-except
            sdk = _sdk()
            if sdk['HAS_DOCKER'] and isinstance(exc, (sdk['DockerException'], sdk['RequestException'], OSError)):
                self.fail_json(msg=describe_error(exc, self.params.get('docker_host')))
            # A bug of ours: still one message; the traceback only shows with -vvv.
            self.fail_json(msg='Unexpected error: %s' % describe_error(exc), exception=traceback.format_exc())
        self.exit_json(**result)
