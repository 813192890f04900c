# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``.env`` and ``env_file`` parsing with Docker Compose v2's rules.

- blank lines and lines starting with ``#`` are skipped; ``export KEY=value`` is accepted;
- ``KEY=value`` and ``KEY: value``; unquoted values end at the line end, lose a `` #...`` comment
  (a ``#`` preceded by a space) and trailing blanks, and are interpolated;
- ``"double"`` values may span lines, understand backslash escapes and are interpolated;
- ``'single'`` values are taken literally;
- a bare ``KEY`` line takes KEY from the lookup (the shell environment) and is absent when unset.
Interpolation inside the file sees the lookup first, then the keys set earlier in the same file.

This is a different grammar from ``docker run --env-file`` (engine/values.parse_env_file), which
takes every line literally: there ``A="x"`` is the four characters ``"x"``, here it is ``x``.
"""

from __future__ import annotations

import codecs
import re
from typing import Callable, Dict, Optional

from ansible_collections.fleet.docker.plugins.module_utils.compose.interpolate import (
    InterpolationError, substitute)

Lookup = Callable[[str], Optional[str]]

_EXPORT = re.compile(r'export\s+')
_SPACE = '\t\v\f\r \x85\xa0'
_KEY_PUNCT = '_.-[]'
_ESCAPE = re.compile(r'\\(?:[abcfnrtv$"\\]|0[0-7]{0,3})')
_SIMPLE_ESCAPES = {'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
                   '"': '"', '\\': '\\'}


class EnvFileError(ValueError):
    """A line Compose would refuse; the caller adds the file name."""


def _unescape(text: str) -> str:
    def one(match):
        seq = match.group(0)
        if seq == '\\$':
            return '$$'  # stays a literal dollar through interpolation
        if seq.startswith('\\0'):
            return chr(int(seq[2:] or '0', 8))
        return _SIMPLE_ESCAPES[seq[1]]
    return _ESCAPE.sub(one, text)


def parse_dotenv(text: str, lookup: Optional[Lookup] = None) -> Dict[str, str]:
    """Parse env-file text into a dict; raises EnvFileError with the line number."""
    lookup = lookup or (lambda _name: None)
    out: Dict[str, str] = {}

    def expand(value: str) -> str:
        def find(name: str) -> Optional[str]:
            found = lookup(name)
            return found if found is not None else out.get(name)
        try:
            return substitute(value, find)
        except InterpolationError as exc:
            raise EnvFileError('line %d: %s' % (line, exc)) from None

    if text.startswith(codecs.BOM_UTF8.decode('utf-8')):
        text = text[1:]
    pos, line, size = 0, 1, len(text)
    while True:
        # Skip blanks and comment lines, counting lines.
        while pos < size:
            char = text[pos]
            if char == '\n':
                line += 1
                pos += 1
            elif char.isspace():
                pos += 1
            elif char == '#':
                end = text.find('\n', pos)
                pos = size if end < 0 else end
            else:
                break
        if pos >= size:
            return out
        rest = text[pos:]
        match = _EXPORT.match(rest)
        if match:
            rest = rest[len('export'):].lstrip(_SPACE)
            pos = size - len(rest)
        # The key runs to '=', ':' or the end of the line (a bare KEY).
        key, inherited, i = None, False, 0
        for i, char in enumerate(rest):
            if char in _SPACE:
                continue
            if char in '=:\n':
                key, inherited = rest[:i], char == '\n'
                break
            if char in _KEY_PUNCT or char.isalnum():
                continue
            raise EnvFileError('line %d: unexpected character "%s" in variable name "%s"'
                               % (line, char, rest.split('\n', 1)[0]))
        else:
            key, inherited, i = rest, True, len(rest)
        key = key.rstrip()
        if ' ' in key:
            raise EnvFileError('line %d: key cannot contain a space' % line)
        pos += i + 1
        if inherited:
            line += 1
            value = lookup(key)
            if value is not None:
                out[key] = value
            continue
        while pos < size and text[pos] in _SPACE:
            pos += 1
        quote = text[pos] if pos < size and text[pos] in '"\'' else ''
        if not quote:
            end = text.find('\n', pos)
            end = size if end < 0 else end
            raw = text[pos:end].split(' #', 1)[0].rstrip()
            out[key] = expand(raw)
            pos = end + 1
            line += 1
            continue
        # Quoted: up to the matching unescaped quote; a backslash escapes the next character.
        chars, escaped, j, start_line = [], False, pos + 1, line
        while j < size:
            char = text[j]
            if char == '\n':
                line += 1
            if char != quote:
                if not escaped and char == '\\':
                    escaped = True
                elif escaped:
                    escaped = False
                    chars.append('\\' + char)
                else:
                    chars.append(char)
                j += 1
                continue
            if escaped:
                escaped = False
                chars.append(char)
                j += 1
                continue
            break
        else:
            raise EnvFileError('line %d: unterminated quoted value %s'
                               % (start_line, text[pos:].split('\n', 1)[0]))
        value = ''.join(chars)
        if quote == '"':
            value = expand(_unescape(value))
        out[key] = value
        pos = j + 1


def read_dotenv(path: str, lookup: Optional[Lookup] = None) -> Dict[str, str]:
    """Parse the env file at ``path``; errors name the file."""
    try:
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
    except OSError as exc:
        raise EnvFileError("couldn't read env file %s: %s" % (path, exc.strerror or exc)) from None
    try:
        return parse_dotenv(text, lookup)
    except EnvFileError as exc:
        raise EnvFileError('failed to read %s: %s' % (path, exc)) from None
