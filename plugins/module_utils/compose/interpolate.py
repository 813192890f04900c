# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Variable interpolation as Docker Compose v2 does it.

Supported: ``$$`` (a literal ``$``), ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?err}``, ``${VAR?err}``, ``${VAR:+alt}``, ``${VAR+alt}``, with defaults, alternatives and
messages interpolated in turn (so they nest). A ``$`` followed by anything else is kept as it is;
``${`` that does not open a valid expression is an error, as in Compose.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Optional, Tuple

Lookup = Callable[[str], Optional[str]]

_NAME = re.compile(r'[_a-z][_a-z0-9]*', re.IGNORECASE)
# The whole inside of ${...}: a name, then optionally an operator and the rest.
_BRACED = re.compile(r'[_a-z][_a-z0-9]*(?::?[-+?].*)?$', re.IGNORECASE)
# Compose picks the operator that appears first in the expression.
_OPERATORS = (':?', '?', ':-', '-', ':+', '+')


class InterpolationError(ValueError):
    """Bad template or missing required variable; the caller adds file and key."""


def _closing_brace(text: str, start: int) -> int:
    """Index of the brace closing the ``${`` at ``start`` (counting nested ``${``), or -1."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == '}':
            depth -= 1
            if depth == 0:
                return i
        if char == '{':
            depth += 1
            i += 1  # Compose skips the character after an opening brace.
        i += 1
    return -1


def substitute(template: str, lookup: Lookup, warnings: Optional[List[str]] = None) -> str:
    """``template`` with every variable replaced; raises InterpolationError."""
    out = []
    i = 0
    n = len(template)
    while i < n:
        j = template.find('$', i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        nxt = template[j + 1] if j + 1 < n else ''
        if nxt == '$':
            out.append('$')
            i = j + 2
            continue
        if nxt == '{':
            end = _closing_brace(template, j + 1)
            inner = template[j + 2:end] if end > 0 else ''
            if end < 0 or not _BRACED.match(inner) or '\n' in inner:
                raise InterpolationError('Invalid template: "%s"' % template)
            out.append(_expand(inner, lookup, warnings))
            i = end + 1
            continue
        match = _NAME.match(template, j + 1)
        if match:
            out.append(_value(match.group(0), lookup, warnings))
            i = match.end()
            continue
        out.append('$')  # not a variable: kept literally, as Compose does
        i = j + 1
    return ''.join(out)


def _value(name: str, lookup: Lookup, warnings: Optional[List[str]]) -> str:
    value = lookup(name)
    if value is None:
        if warnings is not None:
            msg = 'The "%s" variable is not set. Defaulting to a blank string.' % name
            if msg not in warnings:
                warnings.append(msg)
        return ''
    return value


def _expand(inner: str, lookup: Lookup, warnings: Optional[List[str]]) -> str:
    found = [(inner.find(op), op) for op in _OPERATORS if op in inner]
    if not found:
        return _value(inner, lookup, warnings)
    _position, op = min(found, key=lambda pair: pair[0])
    name, _sep, arg = inner.partition(op)
    value = lookup(name)
    if op in (':?', '?'):
        if value is None or (op == ':?' and value == ''):
            reason = substitute(arg, lookup, warnings)
            if reason:
                raise InterpolationError('required variable %s is missing a value: %s' % (name, reason))
            raise InterpolationError('required variable %s is missing a value' % name)
        return value
    if op in (':-', '-'):
        if value is None or (op == ':-' and value == ''):
            return substitute(arg, lookup, warnings)
        return value
    # :+ and +: the alternative when set (and, for :+, not empty); else the value itself.
    if value is not None and (op == '+' or value != ''):
        return substitute(arg, lookup, warnings)
    return value if value is not None else ''


def interpolate_tree(node: Any, lookup: Lookup, where: Callable[[Tuple[str, ...]], str],
                     path: Tuple[str, ...] = (), warnings: Optional[List[str]] = None) -> Any:
    """Interpolate every string value (not keys) of a parsed YAML tree.

    ``where(path)`` words the location for error messages (file, service, key).
    """
    if isinstance(node, str):
        try:
            return substitute(node, lookup, warnings)
        except InterpolationError as exc:
            raise InterpolationError('%s: %s' % (where(path), exc)) from None
    if isinstance(node, dict):
        return {k: interpolate_tree(v, lookup, where, path + (str(k),), warnings) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(v, lookup, where, path + (str(i),), warnings) for i, v in enumerate(node)]
    return node
