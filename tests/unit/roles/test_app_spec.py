"""The app role's docker_app_containers accepts every option of fleet.docker.container, with the same types.

Role argument validation rejects keys its spec does not list, so an option added to the container
option table but not to the role would be unusable through the role.
"""
import os

import yaml

from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE_ONLY = {'health', 'aliases'}  # the role's own keys, taken out before the module runs


def _role_container_options():
    with open(os.path.join(ROOT, 'roles', 'app', 'meta', 'argument_specs.yml')) as handle:
        spec = yaml.safe_load(handle)
    return spec['argument_specs']['main']['options']['docker_app_containers']['options']


def test_role_lists_every_container_option():
    role = _role_container_options()
    assert sorted(set(CONTAINER_OPTIONS) - set(role)) == []
    assert sorted(set(role) - set(CONTAINER_OPTIONS) - ROLE_ONLY) == []


def test_role_types_match_the_option_table():
    role = _role_container_options()
    for key, option in CONTAINER_OPTIONS.items():
        mine = role[key]
        assert (mine.get('type', 'str'), mine.get('elements'), mine.get('choices')) == \
            (option.get('type', 'str'), option.get('elements'), option.get('choices')), key
