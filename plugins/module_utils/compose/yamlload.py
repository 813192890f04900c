# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML as Compose reads it (Go's yaml.v3, YAML 1.2 core schema), on top of PyYAML.

PyYAML follows YAML 1.1, which would turn ``yes``/``on`` into booleans, ``22:22`` into a base-60
integer and ``2024-01-01`` into a date; Compose keeps all of those as strings. Anchors, aliases
and ``<<`` merge keys work as in PyYAML. A key defined twice in one mapping is an error, as in
Compose.
"""

from __future__ import annotations

import re
import traceback
from typing import Any, List

# PyYAML comes with ansible-core on the controller, not necessarily on a managed host: the
# compose module reports it as a missing library instead of failing at import.
try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - hosts without PyYAML
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()


if HAS_YAML:
    class ComposeYamlLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """SafeLoader with YAML 1.2 core-schema scalars and duplicate-key detection."""

    ComposeYamlLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag not in ('tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int',
                               'tag:yaml.org,2002:float', 'tag:yaml.org,2002:timestamp')]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    ComposeYamlLoader.add_implicit_resolver(
        'tag:yaml.org,2002:bool', re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$'), list('tTfF'))
    ComposeYamlLoader.add_implicit_resolver(
        'tag:yaml.org,2002:int', re.compile(r'^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$'), list('-+0123456789'))
    ComposeYamlLoader.add_implicit_resolver(
        'tag:yaml.org,2002:float',
        re.compile(r'^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?'
                   r'|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$'),
        list('-+0123456789.'))

    def _construct_bool(loader, node):
        return loader.construct_scalar(node).lower() == 'true'

    def _construct_int(loader, node):
        text = loader.construct_scalar(node)
        sign = -1 if text.startswith('-') else 1
        digits = text.lstrip('+-')
        if digits.startswith('0x'):
            return sign * int(digits[2:], 16)
        if digits.startswith('0o'):
            return sign * int(digits[2:], 8)
        if len(digits) > 1 and digits.startswith('0'):
            return sign * int(digits, 8)  # yaml.v3 still reads a leading 0 as octal (file modes)
        return sign * int(digits)

    def _construct_mapping(loader, node, deep=False):
        seen = {}
        for key_node, _value_node in node.value:
            if key_node.tag == 'tag:yaml.org,2002:merge':
                continue
            key = loader.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # PyYAML reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, 'mapping key "%s" already defined at line %d' % (key, seen[key] + 1),
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    def _construct_reset(loader, node):
        # `!reset` and `!override` are Compose's merge tags; only plain values are supported here.
        raise yaml.constructor.ConstructorError(
            None, None, 'the %s tag is not supported by this loader' % node.tag, node.start_mark)

    ComposeYamlLoader.add_constructor('tag:yaml.org,2002:bool', _construct_bool)
    ComposeYamlLoader.add_constructor('tag:yaml.org,2002:int', _construct_int)
    ComposeYamlLoader.add_constructor('!reset', _construct_reset)
    ComposeYamlLoader.add_constructor('!override', _construct_reset)
    ComposeYamlLoader.construct_mapping = _construct_mapping


def yaml_error_types() -> tuple:
    """The exceptions a bad YAML text raises (none without PyYAML)."""
    return (yaml.YAMLError,) if HAS_YAML else ()


def load_documents(text: str) -> List[Any]:
    """Every document of a YAML stream (yaml.YAMLError on bad input)."""
    if not HAS_YAML:
        raise ImportError('PyYAML is required to read compose files')
    return list(yaml.load_all(text, Loader=ComposeYamlLoader))  # nosec B506 - SafeLoader subclass
