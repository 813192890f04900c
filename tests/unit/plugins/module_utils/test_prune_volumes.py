"""prune volumes_all: which volumes count as anonymous on every engine (pure)."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import is_anonymous_volume
from ansible_collections.fleet.docker.plugins.module_utils.cleanup.prune import normalize_filters, volume_candidates

HEX = 'ab' * 32


@pytest.mark.parametrize('volume,anonymous', [
    ({'Name': HEX, 'Labels': None}, True),  # Docker 20.10: no label, the generated name
    ({'Name': HEX, 'Labels': {'com.docker.volume.anonymous': ''}}, True),  # API 1.42+
    ({'Name': 'data', 'Labels': {'com.docker.volume.anonymous': ''}}, True),
    ({'Name': 'web-data', 'Labels': {}}, False),
    ({'Name': HEX[:-1], 'Labels': None}, False),  # 63 digits: a name a user chose
    ({'Name': HEX.upper(), 'Labels': None}, False),  # the engine generates lower case only
])
def test_is_anonymous_volume(volume, anonymous):
    assert is_anonymous_volume(volume) is anonymous


def test_volume_candidates_anonymous_only_and_all():
    filters = normalize_filters('volumes', {'label': 'team=web'})
    volumes = [{'Name': HEX, 'Labels': {'team': 'web'}}, {'Name': 'named', 'Labels': {'team': 'web'}},
               {'Name': 'c' * 64, 'Labels': {'team': 'db'}}]
    sizes = {HEX: {'UsageData': {'Size': 10}}, 'named': {'UsageData': {'Size': -1}}}
    assert volume_candidates(volumes, filters, sizes, anonymous_only=True) == [dict(name=HEX, size=10)]
    assert volume_candidates(volumes, filters, sizes) == [dict(name=HEX, size=10), dict(name='named', size=0)]
