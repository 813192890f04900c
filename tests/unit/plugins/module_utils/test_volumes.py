"""volumes.py pure parts: the recreate policy, its boolean compatibility, and the recreate decision."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.naming import InvalidNameError
from ansible_collections.fleet.docker.plugins.module_utils.volumes.apply import (
    ALWAYS, NEVER, OPTIONS_CHANGED, compare_volume, converge_volume, must_recreate, parse_recreate)


@pytest.mark.parametrize('value, policy', [
    ('never', NEVER), ('options-changed', OPTIONS_CHANGED), ('always', ALWAYS), (' Always ', ALWAYS),
    (False, NEVER), ('no', NEVER), ('false', NEVER), (0, NEVER), (None, NEVER),
])
def test_parse_recreate_without_warning(value, policy):
    assert parse_recreate(value) == (policy, None)


@pytest.mark.parametrize('value', [True, 'yes', 'true', 'True', 1])
def test_true_from_old_playbooks_means_options_changed_never_always(value):
    policy, warning = parse_recreate(value)
    assert policy == OPTIONS_CHANGED
    assert 'options-changed' in warning and 'always' in warning


@pytest.mark.parametrize('value', ['sometimes', '', ['always'], {'a': 1}, 2, 1.5])
def test_parse_recreate_refuses_anything_else(value):
    with pytest.raises(FleetDockerError, match='recreate must be one of never, options-changed, always'):
        parse_recreate(value)


LABEL_DIFF = [dict(option='labels', before={'a': '1'}, after={'a': '2'})]


def test_must_recreate():
    assert must_recreate('v1', [], NEVER) is False
    assert must_recreate('v1', [], OPTIONS_CHANGED) is False
    assert must_recreate('v1', [], ALWAYS) is True
    assert must_recreate('v1', LABEL_DIFF, OPTIONS_CHANGED) is True
    assert must_recreate('v1', LABEL_DIFF, ALWAYS) is True
    with pytest.raises(FleetDockerError, match=r"Volume v1 exists with different settings \(labels is") as info:
        must_recreate('v1', LABEL_DIFF, NEVER)
    assert info.value.result['changes'] == LABEL_DIFF


def test_compare_volume_only_what_the_task_sets():
    volume = dict(Driver='local', Options={'type': 'tmpfs'}, Labels={'a': '1'})
    assert compare_volume(dict(driver='local', driver_options=None, labels=None), volume) == []
    assert compare_volume(dict(driver='local', labels={'a': 1}), volume) == []
    assert [d['option'] for d in compare_volume(dict(driver='other', driver_options={'type': 'none'}, labels={'a': 2}),
                                                volume)] == ['driver', 'driver_options', 'labels']
    # The keys the task names, as community.docker.docker_volume compares them: extra labels and options
    # (another tool's) are no difference, so recreate=options-changed does not wipe the volume for them.
    assert compare_volume(dict(driver='local', driver_options={}, labels={}), volume) == []
    more = dict(Driver='local', Options={'type': 'tmpfs', 'device': 'tmpfs'}, Labels={'a': '1', 'com.example': 'x'})
    assert compare_volume(dict(driver='local', driver_options={'type': 'tmpfs'}, labels={'a': '1'}), more) == []


class NoEngine:
    """Any engine call fails the test: bad input must be refused before the engine is asked."""

    def __getattr__(self, name):
        raise AssertionError('engine called: %s' % name)


@pytest.mark.parametrize('params, error', [
    (dict(name='x', recreate=NEVER), InvalidNameError),
    (dict(name='bad/name', recreate=NEVER), InvalidNameError),
    (dict(name='good', recreate='sometimes'), FleetDockerError),
])
def test_bad_input_is_refused_before_the_engine(params, error):
    params = dict(dict(state='present', driver='local', driver_options=None, labels=None), **params)
    with pytest.raises(error):
        converge_volume(NoEngine(), params)


class FakeClient:
    """An engine with one volume whose re-creation fails, recording the calls that change it."""

    def __init__(self, labels):
        self.volume = dict(Name='data', Driver='local', Options={}, Labels=labels)
        self.calls = []

    def inspect_volume(self, name):
        return self.volume

    def containers(self, all=False, filters=None):  # pylint: disable=redefined-builtin
        return []

    def remove_volume(self, name):
        self.calls.append('remove')

    def create_volume(self, name, **kwargs):
        self.calls.append('create')
        raise OSError('disk full')


def test_a_recreate_that_fails_after_the_remove_reports_changed():
    client = FakeClient({'a': '1'})
    params = dict(name='data', state='present', driver='local', driver_options=None, labels={'a': '2'},
                  recreate=OPTIONS_CHANGED)
    with pytest.raises(FleetDockerError) as info:
        converge_volume(client, params)
    assert client.calls == ['remove', 'create']
    assert info.value.result['changed'] is True and info.value.result['actions'] == ['removed']
    assert 'Creating volume data again' in info.value.msg and 'were removed' in info.value.msg


def test_check_mode_and_identical_settings_touch_nothing():
    client = FakeClient({'a': '1'})
    params = dict(name='data', state='present', driver='local', driver_options=None, labels={'a': '2'},
                  recreate=ALWAYS)
    assert converge_volume(client, params, check_mode=True)['actions'] == ['recreated']
    same = dict(params, labels={'a': '1'}, recreate=OPTIONS_CHANGED)
    assert converge_volume(client, same)['changed'] is False
    assert client.calls == []
