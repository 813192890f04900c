"""Input checks added because the engines word their refusals differently (docs/engines.md)."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import InvalidNameError, check_platform


@pytest.mark.parametrize('platform', ['linux', 'linux/amd64', 'linux/arm64/v8', 'Linux/AMD64', 'linux/arm_64'])
def test_check_platform_accepts(platform):
    assert check_platform(platform) == platform


@pytest.mark.parametrize('platform', ['../../x;id', 'linux/amd64/v8/extra', 'linux//amd64', '/linux', 'linux amd64',
                                      'linux/amd64\n', 42])
def test_check_platform_refuses_with_one_clear_message(platform):
    with pytest.raises(InvalidNameError) as err:
        check_platform(platform)
    assert err.value.msg.startswith('Invalid platform') and 'linux/amd64' in err.value.msg


def test_check_platform_not_given():
    assert check_platform(None) is None and check_platform('') is None
