# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load a compose project exactly as Docker Compose v2 (2.40) does.

``load_project()`` returns the project in the form ``docker compose config --format json``
prints, except that strings hold their real values: ``config`` prints every ``$`` as ``$$`` so
its output can be loaded again; we do not (a literal ``$`` in a value is one ``$`` here).

The order of steps follows Compose: per file, parse YAML, interpolate, apply ``extends``, merge
over the files before, keep one entry per port/mount/key, expand short syntax; then defaults,
relative paths, project name, the default network, implicit dependencies, resource names, the
typed form, profiles, consistency checks, unused resources dropped, env_file contents merged.
"""

from __future__ import annotations

import copy
import os
import posixpath
import re
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.fleet.docker.plugins.module_utils.compose.envfile import EnvFileError, read_dotenv
from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import ComposeError
from ansible_collections.fleet.docker.plugins.module_utils.compose.interpolate import (
    InterpolationError, interpolate_tree)
from ansible_collections.fleet.docker.plugins.module_utils.compose.merge import (
    MergeError, enforce_unicity, merge_yaml)
from ansible_collections.fleet.docker.plugins.module_utils.compose import model as M
from ansible_collections.fleet.docker.plugins.module_utils.compose.render import render_resource, render_service, truthy
from ansible_collections.fleet.docker.plugins.module_utils.compose.yamlload import load_documents, yaml_error_types

__all__ = ['ComposeError', 'load_project', 'load_project_with_warnings', 'find_default_files', 'DEFAULT_FILES',
           'normalize_project_name']

DEFAULT_FILES = ('compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml')
_OVERRIDES = {'compose.yaml': ('compose.override.yaml', 'compose.override.yml'),
              'compose.yml': ('compose.override.yml', 'compose.override.yaml'),
              'docker-compose.yml': ('docker-compose.override.yml', 'docker-compose.override.yaml'),
              'docker-compose.yaml': ('docker-compose.override.yaml', 'docker-compose.override.yml')}
VERSION_WARNING = '%s: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion'


def normalize_project_name(name: str) -> str:
    """Lowercase, keep [a-z0-9_-], no leading '_' or '-' (Compose's rule)."""
    return ''.join(re.findall(r'[a-z0-9_-]', name.lower())).lstrip('_-')


class _Ctx:
    """What every step needs: the environment, the project directory, warnings."""

    def __init__(self, env: Dict[str, str], project_dir: str):
        self.env = env
        self.project_dir = project_dir
        self.home = env.get('HOME') or os.path.expanduser('~')
        self.warnings: List[str] = []

    def lookup(self, name: str) -> Optional[str]:
        return self.env.get(name)


def _where(filename: str, path: Tuple[str, ...]) -> str:
    """Words for a location: file, service and key."""
    if len(path) >= 2 and path[0] == 'services':
        key = '.'.join(path[2:])
        return '%s: service "%s"%s' % (filename, path[1], (', key "%s"' % key) if key else '')
    if len(path) >= 2 and path[0] in ('networks', 'volumes', 'secrets', 'configs'):
        key = '.'.join(path[2:])
        return '%s: %s "%s"%s' % (filename, path[0][:-1], path[1], (', key "%s"' % key) if key else '')
    return '%s: key "%s"' % (filename, '.'.join(path)) if path else filename


# ---- reading files ---------------------------------------------------------------------------

def _read_yaml(filename: str, text: Optional[str] = None) -> List[Dict[str, Any]]:
    try:
        if text is None:
            with open(filename, encoding='utf-8') as handle:
                text = handle.read()
        docs = load_documents(text)
    except OSError as exc:
        raise ComposeError('cannot read compose file %s: %s' % (filename, exc.strerror or exc)) from None
    except yaml_error_types() as exc:
        mark = getattr(exc, 'problem_mark', None) or getattr(exc, 'context_mark', None)
        where = ', line %d' % (mark.line + 1) if mark is not None else ''
        problem = getattr(exc, 'problem', None) or str(exc)
        raise ComposeError('invalid YAML in %s%s: %s' % (filename, where, problem)) from None
    out = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ComposeError('%s: the top level of a compose file must be a mapping' % filename)
        for key in doc:
            if not isinstance(key, str):
                raise ComposeError('%s: non-string key %r at the top level' % (filename, key))
        out.append(doc)
    return out


def _check_file_keys(filename: str, doc: Dict[str, Any]) -> None:
    """Keys the Compose specification does not know, named with file, service and key."""
    for key, value in doc.items():
        if key.startswith('x-'):
            continue
        if key not in M.TOP_LEVEL_KEYS:
            raise ComposeError('%s: top-level key "%s" is not allowed by the Compose specification' % (filename, key))
        if key == 'include':
            raise ComposeError('%s: "include" is not supported by this loader' % filename)
        if key in ('services', 'networks', 'volumes', 'secrets', 'configs') and value is not None:
            if not isinstance(value, dict):
                raise ComposeError('%s: "%s" must be a mapping' % (filename, key))
            for name, item in value.items():
                if item is None:
                    continue
                if not isinstance(item, dict):
                    raise ComposeError('%s: %s must be a mapping, got %s'
                                       % (_where(filename, (key, str(name))), key[:-1], M.kind_of(item)))
                allowed = M.SERVICE_KEYS if key == 'services' else M.RESOURCE_KEYS[key]
                for sub in item:
                    if not str(sub).startswith('x-') and sub not in allowed:
                        raise ComposeError('%s is not allowed by the Compose specification'
                                           % _where(filename, (key, str(name), str(sub))))


def _load_file(ctx: _Ctx, filename: str, doc: Dict[str, Any], working_dir: str, seen: Tuple = ()) -> Dict[str, Any]:
    """One YAML document: checked, interpolated, its extends applied."""
    _check_file_keys(filename, doc)
    try:
        doc = interpolate_tree(doc, ctx.lookup, lambda path: _where(filename, path), (), ctx.warnings)
    except InterpolationError as exc:
        raise ComposeError(str(exc)) from None
    services = doc.get('services') or {}
    for name in list(services):
        services[name] = _apply_extends(ctx, filename, services, name, working_dir, seen)
    return doc


def _apply_extends(ctx: _Ctx, filename: str, services: Dict[str, Any], name: str, working_dir: str,
                   seen: Tuple) -> Any:
    service = services[name]
    if not isinstance(service, dict) or 'extends' not in service:
        return service
    ext = service['extends']
    if isinstance(ext, str):
        ref, ref_file = ext, None
    elif isinstance(ext, dict):
        ref, ref_file = ext.get('service'), ext.get('file')
        if not isinstance(ref, str):
            raise ComposeError('%s: extends.service is required' % _where(filename, ('services', name)))
    else:
        raise ComposeError('%s must be a string or a mapping' % _where(filename, ('services', name, 'extends')))
    marker = (filename, name)
    if marker in seen:
        chain = ' -> '.join('%s in %s' % (s, f) for f, s in seen + (marker,))
        raise ComposeError('circular reference with extends: %s' % chain)
    if ref_file is not None:
        path = M.abs_path(str(ref_file), working_dir, ctx.home)
        base_services = _extends_file_services(ctx, filename, name, path, ref, seen + (marker,))
        base = copy.deepcopy(base_services[ref])
    else:
        if ref not in services:
            raise ComposeError('cannot extend service "%s" in %s: service "%s" not found' % (name, filename, ref))
        base = copy.deepcopy(_apply_extends(ctx, filename, services, ref, working_dir, seen + (marker,)))
    if base is None:
        base = {}
    own = {k: v for k, v in service.items() if k != 'extends'}
    try:
        merged = merge_yaml(base, own, ('services', 'x'))
    except MergeError as exc:
        raise ComposeError('%s: %s' % (_where(filename, ('services', name)), exc)) from None
    merged.pop('extends', None)
    services[name] = merged
    return merged


def _extends_file_services(ctx: _Ctx, filename: str, name: str, path: str, ref: str, seen: Tuple) -> Dict[str, Any]:
    """The services of another file, loaded on their own with paths resolved against its directory."""
    base_dir = posixpath.dirname(path)
    merged: Dict[str, Any] = {}
    for doc in _read_yaml(path):
        merged = _merge_doc(path, merged, _load_file(ctx, path, doc, base_dir, seen))
    services = merged.get('services')
    if not isinstance(services, dict) or ref not in services:
        raise ComposeError('cannot extend service "%s" in %s: service "%s" not found in %s' % (name, filename, ref, path))
    _set_defaults(merged)
    _resolve_paths(ctx, merged, base_dir)
    return services


def _merge_doc(filename: str, merged: Dict[str, Any], doc: Dict[str, Any]) -> Dict[str, Any]:
    try:
        merged = merge_yaml(merged, doc, ())
        merged = enforce_unicity(merged)
    except (MergeError, M.ModelError) as exc:
        raise ComposeError('%s: %s' % (filename, exc)) from None
    merged.pop('version', None)
    _canonical(filename, merged)
    try:
        return enforce_unicity(merged)
    except (MergeError, M.ModelError) as exc:
        raise ComposeError('%s: %s' % (filename, exc)) from None


# ---- canonical: short syntax to long ---------------------------------------------------------

def _canonical(filename: str, doc: Dict[str, Any]) -> None:
    for name, service in (doc.get('services') or {}).items():
        if not isinstance(service, dict):
            continue
        try:
            _canonical_service(service)
        except M.ModelError as exc:
            raise ComposeError('%s: %s' % (_where(filename, ('services', name, exc.key)), exc.reason)) from None
    for kind in ('volumes', 'networks', 'secrets', 'configs'):
        for name, res in (doc.get(kind) or {}).items():
            if isinstance(res, dict) and isinstance(res.get('external'), dict):
                ext = res['external']
                res['external'] = True
                if 'name' in ext and 'name' not in res:
                    res['name'] = ext['name']


def _canonical_service(svc: Dict[str, Any]) -> None:
    if isinstance(svc.get('build'), str):
        svc['build'] = {'context': svc['build']}
    if isinstance(svc.get('env_file'), (str, list)):
        files = svc['env_file'] if isinstance(svc['env_file'], list) else [svc['env_file']]
        out = []
        for item in files:
            if isinstance(item, str):
                out.append({'path': item, 'required': True})
            elif isinstance(item, dict):
                item.setdefault('required', True)
                out.append(item)
            else:
                raise M.ModelError('env_file', 'entries must be strings or mappings')
        svc['env_file'] = out
    if isinstance(svc.get('depends_on'), list):
        svc['depends_on'] = {str(k): {'condition': 'service_started', 'required': True} for k in svc['depends_on']}
    elif isinstance(svc.get('depends_on'), dict):
        for dep, cfg in svc['depends_on'].items():
            if cfg is None:
                cfg = svc['depends_on'][dep] = {}
            if not isinstance(cfg, dict):
                raise M.ModelError('depends_on.%s' % dep, 'must be a mapping')
            cfg.setdefault('condition', 'service_started')
            cfg.setdefault('required', True)
    if isinstance(svc.get('networks'), list):
        svc['networks'] = {str(k): None for k in svc['networks']}
    if isinstance(svc.get('dns'), str):
        svc['dns'] = [svc['dns']]
    if 'dns' in svc and isinstance(svc['dns'], list):
        svc['dns'] = [d for d in svc['dns'] if d not in (None, '')]
    if isinstance(svc.get('extends'), str):
        svc['extends'] = {'service': svc['extends']}
    if 'ports' in svc and svc['ports'] is not None:
        if not isinstance(svc['ports'], list):
            raise M.ModelError('ports', 'must be a list')
        ports = []
        for i, entry in enumerate(svc['ports']):
            if isinstance(entry, (int, str)) and not isinstance(entry, bool):
                ports.extend(M.short_port('ports[%d]' % i, entry))
            elif isinstance(entry, dict):
                ports.append(entry)
            else:
                raise M.ModelError('ports[%d]' % i, 'invalid type %s for port' % M.kind_of(entry))
        svc['ports'] = ports
    if 'volumes' in svc and svc['volumes'] is not None:
        if not isinstance(svc['volumes'], list):
            raise M.ModelError('volumes', 'must be a list')
        vols = []
        for i, entry in enumerate(svc['volumes']):
            if isinstance(entry, str):
                vol = M.short_volume(entry, 'volumes[%d]' % i)
                vol['target'] = posixpath.normpath(vol['target'])
                vols.append(vol)
            elif isinstance(entry, dict):
                vols.append(entry)
            else:
                raise M.ModelError('volumes[%d]' % i, 'invalid type %s for service volume mount' % M.kind_of(entry))
        svc['volumes'] = vols
    for kind in ('secrets', 'configs'):
        if isinstance(svc.get(kind), list):
            svc[kind] = [{'source': e} if isinstance(e, str) else e for e in svc[kind]]
    if isinstance(svc.get('devices'), list):
        devs = []
        for entry in svc['devices']:
            if isinstance(entry, str):
                parts = entry.split(':')
                if len(parts) > 3:
                    raise M.ModelError('devices', 'confusing device mapping, please use long syntax: %s' % entry)
                src = parts[0]
                dst = parts[1] if len(parts) > 1 and parts[1] else src
                perms = parts[2] if len(parts) > 2 else 'rwm'
                devs.append({'source': src, 'target': dst, 'permissions': perms})
            else:
                devs.append(entry)
        svc['devices'] = devs


def _set_defaults(doc: Dict[str, Any]) -> None:
    for service in (doc.get('services') or {}).values():
        if not isinstance(service, dict):
            continue
        if isinstance(service.get('build'), dict) and service['build'].get('context') is None:
            service['build']['context'] = '.'  # a null one too: else it would be resolved against the cwd
        for secret in service.get('secrets') or []:
            if isinstance(secret, dict) and 'target' not in secret:
                secret['target'] = '/run/secrets/%s' % secret.get('source')
        for port in service.get('ports') or []:
            if isinstance(port, dict):
                port.setdefault('protocol', 'tcp')
                port.setdefault('mode', 'ingress')
        # No create_host_path default for long-syntax binds: Compose prints none (short syntax sets it).


def _resolve_paths(ctx: _Ctx, doc: Dict[str, Any], base: str) -> None:
    for service in (doc.get('services') or {}).values():
        if not isinstance(service, dict):
            continue
        build = service.get('build')
        if isinstance(build, dict) and isinstance(build.get('context'), str):
            if not M.is_remote_context(build['context']):
                build['context'] = M.abs_path(build['context'], base, ctx.home)
        for env_file in service.get('env_file') or []:
            if isinstance(env_file, dict) and isinstance(env_file.get('path'), str):
                env_file['path'] = M.abs_path(env_file['path'], base, ctx.home)
        if isinstance(service.get('extends'), dict) and isinstance(service['extends'].get('file'), str):
            service['extends']['file'] = M.abs_path(service['extends']['file'], base, ctx.home)
        for vol in service.get('volumes') or []:
            if isinstance(vol, dict) and vol.get('type') == 'bind' and isinstance(vol.get('source'), str):
                vol['source'] = M.abs_path(vol['source'], base, ctx.home)
    for kind in ('secrets', 'configs'):
        for res in (doc.get(kind) or {}).values():
            if isinstance(res, dict) and isinstance(res.get('file'), str):
                res['file'] = M.abs_path(res['file'], base, ctx.home)
    for res in (doc.get('volumes') or {}).values():
        if isinstance(res, dict) and res.get('driver') == 'local':
            opts = res.get('driver_opts')
            if isinstance(opts, dict) and opts.get('o') == 'bind' and isinstance(opts.get('device'), str):
                opts['device'] = M.abs_path(opts['device'], base, ctx.home)


# ---- normalization (after all files are merged) ----------------------------------------------

_IMPLICIT = {'condition': 'service_started', 'required': True}


def _normalize(ctx: _Ctx, doc: Dict[str, Any], name: str) -> None:
    services = doc.setdefault('services', {}) or {}
    doc['services'] = services
    networks = doc.get('networks') or {}
    uses_default = False
    for sname, service in list(services.items()):
        if service is None:
            service = services[sname] = {}
        if 'network_mode' in service or 'provider' in service:
            continue
        nets = service.get('networks')
        if not nets:
            service['networks'] = {'default': None}
            uses_default = True
        elif 'default' in nets:
            uses_default = True
    if uses_default and 'default' not in networks:
        networks['default'] = None
    if networks:
        doc['networks'] = networks

    for service in services.values():
        if service.get('pull_policy') == 'if_not_present':
            service['pull_policy'] = 'missing'
        build = service.get('build')
        if isinstance(build, dict):
            if build.get('context') is None:
                build['context'] = '.'
            if build.get('dockerfile') is None and build.get('dockerfile_inline') is None:
                build['dockerfile'] = 'Dockerfile'
            if 'args' in build:
                build['args'] = _resolve_env(build['args'], ctx.env, keep_unset=False)
        if 'environment' in service:
            service['environment'] = _resolve_env(service['environment'], ctx.env, keep_unset=True)
        depends = service.get('depends_on')
        depends = depends if isinstance(depends, dict) else {}
        for link in service.get('links') or []:
            target = str(link).split(':', maxsplit=1)[0]
            depends.setdefault(target, dict(_IMPLICIT, restart=True))
        for ns in ('network_mode', 'ipc', 'pid', 'uts', 'cgroup'):
            ref = service.get(ns)
            if isinstance(ref, str) and ref.startswith('service:'):
                depends.setdefault(ref[len('service:'):], dict(_IMPLICIT, restart=True))
        for entry in service.get('volumes_from') or []:
            entry = str(entry)
            if not entry.startswith('container:'):
                depends.setdefault(entry.split(':', maxsplit=1)[0], dict(_IMPLICIT, restart=False))
        if depends:
            service['depends_on'] = depends

    for kind in ('networks', 'volumes', 'configs', 'secrets'):
        resources = doc.get(kind)
        if not isinstance(resources, dict):
            continue
        for key in list(resources):
            res = resources[key] if isinstance(resources[key], dict) else {}
            if res.get('name') is None:
                external = res.get('external')
                if external is not None and truthy(external):
                    res['name'] = key
                else:
                    res['name'] = '%s_%s' % (name, key)
            resources[key] = res


def _resolve_env(value: Any, env: Dict[str, str], keep_unset: bool) -> Any:
    """Bare names take their value from the environment; unset ones stay None (environment) or go (args)."""
    if isinstance(value, dict):
        out = {}
        for key, val in value.items():
            if val is not None:
                out[key] = val
            elif key in env:
                out[key] = env[key]
            elif keep_unset:
                out[key] = None
        return out
    if isinstance(value, list):
        out_list = []
        for item in value:
            if isinstance(item, str) and '=' not in item:
                if item in env:
                    out_list.append('%s=%s' % (item, env[item]))
                elif keep_unset:
                    out_list.append(item)
            else:
                out_list.append(item)
        return out_list
    return value


# ---- after the typed form: env files, profiles, consistency, unused resources -----------------

def _merge_env_files(ctx: _Ctx, sname: str, svc: Dict[str, Any], env_files: List[Dict[str, Any]]) -> None:
    """env_file contents under environment, as `config` prints them (the files themselves are not printed)."""
    declared = svc.get('environment') or {}
    merged = {k: v for k, v in declared.items() if v is not None}

    def lookup(name: str) -> Optional[str]:
        if name in ctx.env:
            return ctx.env[name]
        return declared.get(name)

    for env_file in env_files:
        path = env_file['path']
        if not os.path.exists(path):
            if env_file.get('required', True):
                raise ComposeError('service "%s": env file %s not found' % (sname, path))
            continue
        try:
            values = read_dotenv(path, lambda name: lookup(name) if lookup(name) is not None else merged.get(name))
        except EnvFileError as exc:
            raise ComposeError('service "%s": %s' % (sname, exc)) from None
        merged.update(values)
    merged.update(declared)  # what the service declares wins, an unset pass-through included
    if merged:
        svc['environment'] = merged


def _enabled(svc: Dict[str, Any], profiles: List[str]) -> bool:
    own = svc.get('profiles') or []
    return not own or '*' in profiles or any(p in profiles for p in own)


def _check_dependencies(services: Dict[str, Any], disabled: Dict[str, Any]) -> None:
    for sname, svc in services.items():
        for dep, cfg in (svc.get('depends_on') or {}).items():
            if dep not in services:
                if dep in disabled and not cfg.get('required', True):
                    continue
                raise ComposeError('service "%s" depends on undefined service "%s"' % (sname, dep))
    # Cycles: depth-first over the enabled services.
    state: Dict[str, int] = {}

    def visit(name: str, chain: List[str]) -> None:
        state[name] = 1
        for dep in sorted(services[name].get('depends_on') or {}):
            if dep not in services:
                continue
            if state.get(dep) == 1:
                cycle = chain[chain.index(dep):] + [dep] if dep in chain else [name, dep]
                raise ComposeError('dependency cycle detected: %s' % ' -> '.join(cycle))
            if not state.get(dep):
                visit(dep, chain + [dep])
        state[name] = 2

    for name in sorted(services):
        if not state.get(name):
            visit(name, [name])


def _check_consistency(project: Dict[str, Any]) -> None:
    for sname, svc in project['services'].items():
        if 'build' not in svc and not svc.get('image') and 'provider' not in svc:
            raise ComposeError('service "%s" has neither an image nor a build context specified' % sname)
        if svc.get('network_mode') and svc.get('networks'):
            raise ComposeError('service "%s" declares mutually exclusive `network_mode` and `networks`' % sname)
        for net in svc.get('networks') or {}:
            if net not in project['networks']:
                raise ComposeError('service "%s" refers to undefined network %s' % (sname, net))
        mode = svc.get('network_mode') or ''
        if mode.startswith('service:') and mode[len('service:'):] not in project['services']:
            raise ComposeError('service "%s": network_mode refers to undefined service "%s"'
                               % (sname, mode[len('service:'):]))
        for vol in svc.get('volumes') or []:
            if vol['type'] == 'volume' and vol.get('source') and vol['source'] not in project['volumes']:
                raise ComposeError('service "%s" refers to undefined volume %s' % (sname, vol['source']))
        for kind in ('secrets', 'configs'):
            for ref in svc.get(kind) or []:
                if ref['source'] not in project[kind]:
                    raise ComposeError('service "%s" refers to undefined %s %s' % (sname, kind[:-1], ref['source']))
        if 'deploy' in svc and 'scale' in svc and 'replicas' in svc['deploy'] \
                and svc['scale'] != svc['deploy']['replicas']:
            raise ComposeError("services.%s: can't set distinct values on 'scale' and 'deploy.replicas'" % sname)
        limits = (svc.get('deploy') or {}).get('resources', {}).get('limits', {})
        for own, deploy_key in (('mem_limit', 'memory'), ('cpus', 'cpus'), ('pids_limit', 'pids')):
            if own in svc and deploy_key in limits and svc[own] != limits[deploy_key]:
                raise ComposeError("services.%s: can't set distinct values on '%s' and 'deploy.resources.limits.%s'"
                                   % (sname, own, deploy_key))


def _drop_unused(project: Dict[str, Any]) -> None:
    used: Dict[str, set] = {k: set() for k in ('networks', 'volumes', 'secrets', 'configs')}
    for svc in project['services'].values():
        used['networks'].update(svc.get('networks') or {})
        used['volumes'].update(v['source'] for v in svc.get('volumes') or []
                               if v['type'] == 'volume' and v.get('source'))
        used['secrets'].update(s['source'] for s in svc.get('secrets') or [])
        used['configs'].update(c['source'] for c in svc.get('configs') or [])
    for kind, names in used.items():
        project[kind] = {k: v for k, v in project[kind].items() if k in names}


# ---- the entry point -------------------------------------------------------------------------

def find_default_files(project_dir: str) -> List[str]:
    for name in DEFAULT_FILES:
        path = os.path.join(project_dir, name)
        if os.path.isfile(path):
            files = [path]
            for override in _OVERRIDES[name]:
                over = os.path.join(project_dir, override)
                if os.path.isfile(over):
                    files.append(over)
                    break
            return files
    raise ComposeError('no compose file found in %s (looked for %s)' % (project_dir, ', '.join(DEFAULT_FILES)))


def load_project(project_dir: Optional[str] = None, files: Optional[List[str]] = None,
                 definition: Optional[Dict[str, Any]] = None, project_name: Optional[str] = None,
                 env_files: Optional[List[str]] = None, profiles: Optional[List[str]] = None,
                 environment: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The project as `docker compose [-p NAME] [-f FILE]... [--env-file F]... [--profile P]... config
    --format json` prints it (Compose 2.40), with a real ``$`` where `config` prints ``$$``.

    ``files`` are read in order (relative ones against ``project_dir``, else the current directory);
    without files, ``definition`` (an inline compose mapping) is used, else the default
    compose.yaml / docker-compose.yml (and its override) of ``project_dir``. ``environment`` is the
    task's shell environment (default: this process's); it wins over ``.env`` or ``env_files``.
    ``profiles`` defaults to COMPOSE_PROFILES. Raises ComposeError. Compose's warnings (obsolete
    ``version``, unset variables) come from ``load_project_with_warnings()``.
    """
    return load_project_with_warnings(project_dir, files, definition, project_name, env_files, profiles,
                                      environment)[0]


def load_project_with_warnings(project_dir: Optional[str] = None, files: Optional[List[str]] = None,
                               definition: Optional[Dict[str, Any]] = None, project_name: Optional[str] = None,
                               env_files: Optional[List[str]] = None, profiles: Optional[List[str]] = None,
                               environment: Optional[Dict[str, str]] = None) -> Tuple[Dict[str, Any], List[str]]:
    """``load_project()`` and the warnings Compose would print on stderr."""
    shell_env = dict(os.environ if environment is None else environment)
    shell_env = {str(k): ('' if v is None else str(v)) for k, v in shell_env.items()}
    cwd = os.getcwd()
    if files:
        first = files[0] if os.path.isabs(files[0]) else os.path.join(project_dir or cwd, files[0])
        base_dir = os.path.abspath(project_dir) if project_dir else os.path.dirname(os.path.abspath(first))
        paths = [f if os.path.isabs(f) else os.path.abspath(os.path.join(project_dir or cwd, f)) for f in files]
    else:
        base_dir = os.path.abspath(project_dir or cwd)
        paths = [] if definition is not None else find_default_files(base_dir)

    # Project environment: the shell wins over .env (or the env_files given instead of it).
    if env_files:
        dotenv_paths = [f if os.path.isabs(f) else os.path.join(base_dir, f) for f in env_files]
    else:
        default = os.path.join(base_dir, '.env')
        dotenv_paths = [default] if os.path.isfile(default) else []
    dotenv: Dict[str, str] = {}
    for path in dotenv_paths:
        if not os.path.exists(path):
            raise ComposeError("couldn't find env file: %s" % path)
        try:
            dotenv.update(read_dotenv(path, lambda name: shell_env.get(name, dotenv.get(name))))
        except EnvFileError as exc:
            raise ComposeError(str(exc)) from None
    env = dict(dotenv)
    env.update(shell_env)
    ctx = _Ctx(env, base_dir)

    if project_name:
        if normalize_project_name(project_name) != project_name:
            raise ComposeError('invalid project name "%s": must consist only of lowercase alphanumeric characters, '
                               'hyphens, and underscores as well as start with a letter or number' % project_name)
        name = project_name
    elif env.get('COMPOSE_PROJECT_NAME'):
        name = env['COMPOSE_PROJECT_NAME']
        if normalize_project_name(name) != name:
            raise ComposeError('invalid project name "%s" (from COMPOSE_PROJECT_NAME)' % name)
    else:
        name = ''
    if profiles is None:
        profiles = [p for p in env.get('COMPOSE_PROFILES', '').split(',') if p]

    # Load, interpolate, extend and merge every file in order.
    merged: Dict[str, Any] = {}
    sources: List[Tuple[str, List[Dict[str, Any]]]] = []
    if definition is not None and not files:
        if not isinstance(definition, dict):
            raise ComposeError('definition: the compose definition must be a mapping')
        sources.append(('definition', [copy.deepcopy(definition)]))
    for path in paths:
        sources.append((path, _read_yaml(path)))
    yaml_name = ''
    for filename, docs in sources:
        for doc in docs:
            if 'version' in doc:
                warning = VERSION_WARNING % filename
                if warning not in ctx.warnings:
                    ctx.warnings.append(warning)
            merged = _merge_doc(filename, merged, _load_file(ctx, filename, doc, base_dir))
            if merged.get('name'):
                yaml_name = str(merged['name'])
    if not merged:
        raise ComposeError('empty compose file')
    if not name:
        name = normalize_project_name(yaml_name) if yaml_name else normalize_project_name(os.path.basename(base_dir))
    if not name:
        raise ComposeError('project name must not be empty')
    ctx.env.setdefault('COMPOSE_PROJECT_NAME', name)

    _set_defaults(merged)
    _resolve_paths(ctx, merged, base_dir)
    _normalize(ctx, merged, name)

    project: Dict[str, Any] = {'name': name, 'services': {}, 'networks': {}, 'volumes': {}, 'secrets': {},
                               'configs': {}}
    env_files_of: Dict[str, List[Dict[str, Any]]] = {}
    for sname, svc in (merged.get('services') or {}).items():
        try:
            project['services'][sname] = render_service(svc)
        except M.ModelError as exc:
            raise ComposeError('%s: %s' % (_where(', '.join(p for p, _text in sources), ('services', sname, exc.key)),
                                           exc.reason)) from None
        env_files_of[sname] = project['services'][sname].pop('env_file', [])
    for kind in ('networks', 'volumes', 'secrets', 'configs'):
        for key, res in (merged.get(kind) or {}).items():
            try:
                project[kind][key] = render_resource(kind, key, res)
            except M.ModelError as exc:
                raise ComposeError('%s "%s", key "%s": %s' % (kind[:-1], key, exc.key, exc.reason)) from None

    enabled = {k: v for k, v in project['services'].items() if _enabled(v, profiles)}
    disabled = {k: v for k, v in project['services'].items() if k not in enabled}
    project['services'] = enabled
    _check_dependencies(enabled, disabled)
    _check_consistency(project)
    _drop_unused(project)
    for sname, svc in enabled.items():
        _merge_env_files(ctx, sname, svc, env_files_of[sname])
    for key, value in merged.items():
        if key.startswith('x-'):
            project[key] = value
    return project, ctx.warnings
