# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.docker.image_build: decide from a digest of the build inputs, then build with the classic builder.

The inputs are the context files the engine would receive (``.dockerignore`` honoured, as the SDK
applies it), the Dockerfile, the build args, the target, the labels, the platform and the IDs of the
base images. Their digest is stored on the image as a label (``naming.BUILD_INPUTS_LABEL``); a run
whose inputs hash to the label of the image the tag names builds nothing.

The build uses the engine's classic ``/build`` API (what the SDK speaks) on every engine. Its stream
says, per step, "---> Using cache" or "---> Running in ...", which becomes the ``steps`` result.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import APIError, FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    ImageRefError, image_reference, parse_reference)
from ansible_collections.fleet.docker.plugins.module_utils.images.registry import remote_state
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import (
    find_local_image, inspect_image, pull_image, summarize_image,
)
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import (
    BUILD_INPUTS_LABEL, REBUILD_POLICIES, check_platform,
)

try:
    from docker.utils.build import exclude_paths
except ImportError:  # pragma: no cover - AnsibleDockerModule reports the missing SDK first
    exclude_paths = None

LOG_TAIL = 15
_STEP = re.compile(r'^Step (\d+)/(\d+) : (.*)$')
_VAR = re.compile(r'\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))')


class BuildError(FleetDockerError):
    """A build the engine refused or that failed at a step; ``log`` holds the last lines."""


# ---------------------------------------------------------------------------------------------
# Inputs (pure, apart from reading the context)
# ---------------------------------------------------------------------------------------------

def read_dockerignore(context: str) -> list:
    """The .dockerignore patterns, as the SDK reads them (blank lines and comments dropped)."""
    path = os.path.join(context, '.dockerignore')
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8', errors='replace') as handle:
        return [line.strip() for line in handle.read().splitlines() if line.strip() and line.strip()[0] != '#']


def context_digest(context: str, dockerfile: str) -> tuple:
    """(sha256 hex, number of entries) of the context the engine would receive.

    Each entry contributes its relative path, its type and mode, and its content (files) or
    target (symlinks); times and owners do not count, as for the builder's own cache.
    """
    patterns = read_dockerignore(context)
    entries = sorted(exclude_paths(context, patterns, dockerfile=dockerfile))
    digest = hashlib.sha256()
    for rel in entries:
        full = os.path.join(context, rel)
        try:
            info = os.lstat(full)
        except OSError:
            continue
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            part = 'L %s %s' % (rel, os.readlink(full))
        elif stat.S_ISDIR(info.st_mode):
            part = 'D %s %o' % (rel, mode)
        elif stat.S_ISREG(info.st_mode):
            content = hashlib.sha256()
            try:
                with open(full, 'rb') as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b''):
                        content.update(chunk)
            except OSError as exc:
                raise BuildError('Cannot read %s in the build context: %s' % (full, exc.strerror or exc))
            part = 'F %s %o %s' % (rel, mode, content.hexdigest())
        else:
            part = 'O %s %o' % (rel, mode)
        digest.update(part.encode('utf-8', 'surrogateescape') + b'\0')
    return digest.hexdigest(), len(entries)


def _logical_lines(text: str) -> list:
    """Dockerfile instructions with continuations joined and comments dropped."""
    lines, current = [], ''
    for raw in text.splitlines():
        line = raw.rstrip()
        if not current and line.lstrip().startswith('#'):
            continue
        if line.endswith('\\'):
            current += line[:-1] + ' '
            continue
        current += line
        if current.strip():
            lines.append(current.strip())
        current = ''
    if current.strip():
        lines.append(current.strip())
    return lines


def _substitute(text: str, values: dict) -> str:
    return _VAR.sub(lambda m: str(values.get(m.group(1) or m.group(2), '')), text)


def base_images(dockerfile_text: str, args: dict) -> list:
    """The external images the Dockerfile's FROM lines name, in order (stages and scratch left out).

    ARGs before the first FROM are substituted, with the build args winning over their defaults.
    A line this parser does not understand is left to the engine, which reports syntax errors.
    """
    values, stages, bases = {}, set(), []
    seen_from = False
    for line in _logical_lines(dockerfile_text):
        word, _sep, rest = line.partition(' ')
        word = word.upper()
        if word == 'ARG' and not seen_from:
            name, eq, default = rest.strip().partition('=')
            name = name.strip()
            if name:
                values[name] = args.get(name, default.strip().strip('"\'') if eq else args.get(name, ''))
        elif word == 'FROM':
            seen_from = True
            parts = [p for p in rest.split() if not p.startswith('--')]
            if not parts:
                continue
            image = _substitute(parts[0], values)
            if len(parts) >= 3 and parts[1].lower() == 'as':
                stages.add(parts[2].lower())
            if image.lower() == 'scratch' or image.lower() in stages or not image:
                continue
            if image not in bases:
                bases.append(image)
    return bases


def inputs_digest(parts: dict) -> str:
    """sha256 of the inputs (pure): a canonical JSON of everything that decides the image."""
    text = json.dumps(parts, sort_keys=True, separators=(',', ':'))
    return 'sha256:' + hashlib.sha256(text.encode('utf-8')).hexdigest()


# ---------------------------------------------------------------------------------------------
# The build stream
# ---------------------------------------------------------------------------------------------

def parse_steps(lines: list) -> list:
    """Steps of a classic-builder log: dict(step, instruction, cache) with cache hit, miss or base (pure)."""
    steps = []
    for line in lines:
        text = line.strip()
        match = _STEP.match(text)
        if match:
            instruction = match.group(3)
            steps.append(dict(step=int(match.group(1)), instruction=instruction,
                              cache='base' if instruction.upper().startswith('FROM ') else 'miss'))
            continue
        if steps and text == '---> Using cache':
            steps[-1]['cache'] = 'hit'
    return steps


def _stream_text(event: dict) -> str:
    return event.get('stream') or (event.get('status') or '')


def _clean(text: str) -> str:
    return re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', text)


def run_build(client, spec: dict) -> dict:
    """Build; return dict(image_id, log lines, steps). Errors raise BuildError with the log's tail."""
    log = []
    image_id = None
    error = None
    try:
        stream = client.build(path=spec['path'], dockerfile=spec['dockerfile'], tag=spec['ref'].tagged,
                              buildargs=spec['args'] or None, target=spec['target'], labels=spec['labels_all'],
                              cache_from=spec['cache_from'] or None, nocache=spec['nocache'], pull=False,
                              platform=spec['platform'], rm=True, forcerm=True, decode=True)
        for event in stream:
            if 'error' in event or 'errorDetail' in event:
                error = (event.get('errorDetail') or {}).get('message') or event.get('error') or 'unknown error'
                break
            aux = event.get('aux')
            if isinstance(aux, dict) and aux.get('ID'):
                image_id = aux['ID']
            text = _clean(_stream_text(event))
            for line in text.splitlines():
                if line.strip():
                    log.append(line.rstrip())
    except APIError as exc:
        explanation = exc.explanation or str(exc)
        if isinstance(explanation, bytes):
            explanation = explanation.decode('utf-8', 'replace')
        error = str(explanation).strip()
    steps = parse_steps(log)
    if error:
        where = ''
        if steps:
            where = ' at step %d (%s)' % (steps[-1]['step'], steps[-1]['instruction'])
        tail = log[-LOG_TAIL:]
        msg = 'Build of %s failed%s: %s' % (spec['ref'].tagged, where, _clean(error).strip())
        if tail:
            msg += '\nLast lines of the build log:\n' + '\n'.join(tail)
        raise BuildError(msg, steps=steps, build_log=tail)
    if image_id is None:
        found = inspect_image(client, spec['ref'].tagged)
        image_id = found['Id'] if found else None
    return dict(image_id=image_id, log=log, steps=steps)


# ---------------------------------------------------------------------------------------------
# Plan and apply
# ---------------------------------------------------------------------------------------------

def _string_map(option: str, value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BuildError('%s must be a dictionary of names to values.' % option)
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or any(ch.isspace() for ch in key) or '=' in key:
            raise BuildError('%s: %r is not a valid name.' % (option, key))
        if item is None:
            raise BuildError('%s: %s has no value.' % (option, key))
        out[key] = item if isinstance(item, str) else json.dumps(item) if isinstance(item, (dict, list)) else str(item)
    return out


def build_spec(params: dict) -> dict:
    """Check every option before the engine is asked anything; return the spec."""
    ref = image_reference(params['name'], params.get('tag'))
    if ref.digest:
        raise ImageRefError('name must be a repository[:tag] to build, not a digest reference (%s).' % ref.familiar)
    path = params.get('path')
    if not path:
        raise BuildError('path (the build context) is required.')
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise BuildError('The build context %s does not exist.' % path)
    if not os.path.isdir(path):
        raise BuildError('The build context %s is not a directory.' % path)
    dockerfile = params.get('dockerfile') or 'Dockerfile'
    dockerfile_path = dockerfile if os.path.isabs(dockerfile) else os.path.join(path, dockerfile)
    if not os.path.isfile(dockerfile_path):
        raise BuildError('The Dockerfile %s does not exist.' % dockerfile_path)
    try:
        with open(dockerfile_path, 'rb') as handle:
            dockerfile_bytes = handle.read()
    except OSError as exc:
        raise BuildError('Cannot read the Dockerfile %s: %s' % (dockerfile_path, exc.strerror or exc))
    args = _string_map('args', params.get('args'))
    labels = _string_map('labels', params.get('labels'))
    if BUILD_INPUTS_LABEL in labels:
        raise BuildError('labels: %s is set by image_build itself.' % BUILD_INPUTS_LABEL)
    cache_from = []
    for item in params.get('cache_from') or []:
        cache_from.append(parse_reference(item, default_tag='latest').tagged)
    rebuild = params.get('rebuild') or 'changed'
    if rebuild not in REBUILD_POLICIES:
        raise BuildError('rebuild must be one of %s, got %r.' % (', '.join(REBUILD_POLICIES), rebuild))
    return dict(ref=ref, path=path, dockerfile=dockerfile, dockerfile_path=dockerfile_path,
                dockerfile_text=dockerfile_bytes.decode('utf-8', 'replace'), args=args, labels=labels,
                target=params.get('target') or None, cache_from=cache_from, nocache=bool(params.get('nocache')),
                pull=bool(params.get('pull')), platform=one_platform(params.get('platform')), rebuild=rebuild)


def one_platform(value):
    """The one platform of ``value`` (a string, or a list as community.docker takes it), or None (pure)."""
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise BuildError('platform: the classic builder builds one platform per image, got %d (%s); '
                             'build each platform under its own tag.' % (len(value), ', '.join(map(str, value))))
        value = value[0] if value else None
    return check_platform(value)


def resolve_bases(client, spec: dict, check_mode: bool) -> dict:
    """{base reference: image ID or None}. With pull, the registry's current image (pulled unless check mode)."""
    found = {}
    for name in base_images(spec['dockerfile_text'], spec['args']):
        try:
            ref = parse_reference(name, default_tag='latest')
        except ImageRefError:
            found[name] = None  # the engine will say what is wrong with it
            continue
        local = find_local_image(client, ref)
        if spec['pull'] or local is None:
            # A missing base is pulled first (the builder would pull it anyway), so the digest names
            # the base the build really used and the next run finds the same inputs.
            if check_mode:
                remote = remote_state(ref, platform=spec['platform'])
                found[name] = (remote or {}).get('image_id') or (local or {}).get('Id')
                continue
            local, _layers = pull_image(client, ref, platform=spec['platform'])
        found[name] = local['Id'] if local else None
    return found


def plan_build(client, spec: dict, check_mode: bool) -> dict:
    """What a run would do: dict(build, reason, digest, before, inputs)."""
    if spec['rebuild'] == 'never':
        # community.docker's default: an image on the host is kept; its inputs are not even read.
        before = find_local_image(client, spec['ref'])
        if before is not None:
            before_digest = (((before.get('Config') or {}).get('Labels')) or {}).get(BUILD_INPUTS_LABEL)
            return dict(build=False, reason='the image is on the host and rebuild is never', digest=before_digest,
                        before=before, before_digest=before_digest, inputs=None)
    files, count = context_digest(spec['path'], spec['dockerfile'])
    bases = resolve_bases(client, spec, check_mode)
    parts = dict(context=files, dockerfile=hashlib.sha256(spec['dockerfile_text'].encode('utf-8')).hexdigest(),
                 args=spec['args'], target=spec['target'], labels=spec['labels'], platform=spec['platform'],
                 bases=bases)
    digest = inputs_digest(parts)
    before = find_local_image(client, spec['ref'])
    before_digest = ((before or {}).get('Config') or {}).get('Labels', {}) or {}
    before_digest = before_digest.get(BUILD_INPUTS_LABEL)
    if before is None:
        build, reason = True, 'the image is not on the host'
    elif spec['rebuild'] == 'always':
        build, reason = True, 'rebuild is always'
    elif before_digest != digest:
        build, reason = True, ('the build inputs changed' if before_digest else
                               'the image carries no digest of its build inputs')
    else:
        build, reason = False, 'the build inputs are unchanged'
    return dict(build=build, reason=reason, digest=digest, before=before, before_digest=before_digest,
                inputs=dict(context_entries=count, bases=bases, args=sorted(spec['args']), target=spec['target']))


def run_image_build(module) -> dict:
    """fleet.docker.image_build."""
    spec = build_spec(module.params)
    client = module.client
    plan = plan_build(client, spec, module.check_mode)
    before = plan['before']
    result = dict(changed=plan['build'], reason=plan['reason'], inputs_digest=plan['digest'],
                  inputs=plan['inputs'], steps=[], cache_hits=0, cache_misses=0, build_log=[],
                  image=summarize_image(before))
    after_id = before['Id'] if before else None
    if plan['build'] and not module.check_mode:
        spec['labels_all'] = dict(spec['labels'], **{BUILD_INPUTS_LABEL: plan['digest']})
        built = run_build(client, spec)
        image = inspect_image(client, spec['ref'].tagged)
        if image is None:
            raise BuildError('The build of %s reported success but the image is not on the host.' % spec['ref'].tagged)
        after_id = image['Id']
        steps = built['steps']
        for step in steps:
            # The engine appends the build's labels as a last LABEL step; it is ours, not the Dockerfile's.
            if step['instruction'].startswith('LABEL %s=' % BUILD_INPUTS_LABEL):
                step['cache'] = 'label'
        result.update(steps=steps, cache_hits=sum(1 for s in steps if s['cache'] == 'hit'),
                      cache_misses=sum(1 for s in steps if s['cache'] == 'miss'),
                      build_log=built['log'][-LOG_TAIL:], image=summarize_image(image))
        # A rebuild whose every step came from the cache, over the same image: nothing changed.
        result['changed'] = after_id != (before['Id'] if before else None)
    elif plan['build']:
        after_id = None  # unknown until built
    if module._diff:
        result['diff'] = dict(
            before=dict(image=spec['ref'].tagged, id=before['Id'] if before else None,
                        inputs_digest=plan['before_digest']),
            after=dict(image=spec['ref'].tagged, id=after_id, inputs_digest=plan['digest']))
    return result
