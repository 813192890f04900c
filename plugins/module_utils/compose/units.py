# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations and byte sizes parsed and printed as Compose (Go) does."""

from __future__ import annotations

import re

_DURATION_PART = re.compile(r'([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)')
_UNIT_NS = {'ns': 1, 'us': 1000, 'µs': 1000, 'μs': 1000, 'ms': 10 ** 6, 's': 10 ** 9,
            'm': 60 * 10 ** 9, 'h': 3600 * 10 ** 9}


def parse_duration(value) -> int:
    """Nanoseconds of a Go duration string ('1m30s', '500ms'); a bare number is seconds."""
    if isinstance(value, bool):
        raise ValueError('invalid duration %r' % value)
    if isinstance(value, (int, float)):
        return int(value * 10 ** 9)
    text = str(value).strip()
    if re.fullmatch(r'[0-9]+', text):
        return int(text) * 10 ** 9
    sign = 1
    if text[:1] in '+-':
        sign = -1 if text[0] == '-' else 1
        text = text[1:]
    if text == '0':
        return 0
    total, pos = 0.0, 0
    if not text:
        raise ValueError('invalid duration %r' % value)
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.group(1) in ('', '.'):
            raise ValueError('invalid duration %r' % value)
        total += float(match.group(1)) * _UNIT_NS[match.group(2)]
        pos = match.end()
    return sign * int(round(total))


def _fmt_frac(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(unit)) - 1, '0').rstrip('0')
    return '%d.%s' % (whole, digits)


def format_duration(ns: int) -> str:
    """Go's time.Duration.String()."""
    if ns == 0:
        return '0s'
    sign = '-' if ns < 0 else ''
    ns = abs(ns)
    if ns < 10 ** 3:
        return '%s%dns' % (sign, ns)
    if ns < 10 ** 6:
        return sign + _fmt_frac(ns, 10 ** 3) + 'µs'
    if ns < 10 ** 9:
        return sign + _fmt_frac(ns, 10 ** 6) + 'ms'
    hours, rest = divmod(ns, 3600 * 10 ** 9)
    minutes, rest = divmod(rest, 60 * 10 ** 9)
    out = sign
    if hours:
        out += '%dh' % hours
    if hours or minutes:
        out += '%dm' % minutes
    return out + _fmt_frac(rest, 10 ** 9) + 's'


_BYTES = re.compile(r'^([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)(i?b?)$', re.IGNORECASE)
_MULT = {'': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5}


def parse_bytes(value) -> int:
    """Bytes of '512m', '1g', '1.5GB' (binary units, as docker's RAMInBytes) or a number."""
    if isinstance(value, bool):
        raise ValueError('invalid size %r' % value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = _BYTES.match(str(value).strip())
    if not match:
        raise ValueError('invalid size %r' % value)
    return int(float(match.group(1)) * _MULT[match.group(2).lower()])
