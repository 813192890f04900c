"""image_tag against a fake engine: option semantics as in community.docker.docker_image_tag."""

import docker.errors
import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.tag import run_image_tag, source_ref

ONE = 'sha256:' + '1' * 64
LATEST = 'sha256:' + '2' * 64
OTHER = 'sha256:' + '3' * 64


class FakeEngine:
    """Images keyed by every name; ``tag`` moves a name, as the engine does."""

    def __init__(self, names):
        self.names = dict(names)
        self.tagged = []

    def inspect_image(self, name):
        image_id = self.names.get(name) or (name if name in self.names.values() else None)
        if image_id is None:
            raise docker.errors.NotFound('no such image')
        return {'Id': image_id}

    def tag(self, image, repository, tag):
        self.tagged.append('%s:%s' % (repository, tag))
        self.names['%s:%s' % (repository, tag)] = image


class FakeModule:
    def __init__(self, engine, check_mode=False, diff=False, **params):
        self.params = dict(tag='latest', force=False, existing_images=None)
        self.params.update(params)
        self.client, self.check_mode, self._diff = engine, check_mode, diff


def engine():
    return FakeEngine({'acme/site:1': ONE, 'acme/site:latest': LATEST, 'mirror/site:taken': OTHER})


def test_tag_applies_to_name():
    # The defect: name acme/site with tag 1 used to tag acme/site:latest.
    fake = engine()
    result = run_image_tag(FakeModule(fake, name='acme/site', tag='1', repository=['mirror/site']))
    assert result['image_id'] == ONE and fake.names['mirror/site:1'] == ONE, result
    assert result['tagged'] == ['mirror/site:1']


def test_a_tag_in_name_wins_and_entries_without_tag_take_the_tag_option():
    fake = engine()
    run_image_tag(FakeModule(fake, name='acme/site:1', tag='stable', repository=['mirror/site', 'mirror/site:x']))
    assert fake.names['mirror/site:stable'] == ONE and fake.names['mirror/site:x'] == ONE
    # Not the tag of name: community.docker gives entries the tag option, not name's tag.
    assert 'mirror/site:1' not in fake.names


def test_default_tag_is_latest():
    fake = engine()
    run_image_tag(FakeModule(fake, name='acme/site', repository=['mirror/site']))
    assert fake.names['mirror/site:latest'] == LATEST


def test_source_ref_is_pure():
    assert source_ref('acme/site', '1').tagged == 'acme/site:1'
    assert source_ref('acme/site:2', '1').tagged == 'acme/site:2'
    assert source_ref('acme/site@sha256:' + 'a' * 64, '1').tag is None
    assert source_ref('a' * 64, '1') is None


def test_missing_source_names_the_tagged_reference():
    with pytest.raises(FleetDockerError, match='acme/site:9 is not on the host'):
        run_image_tag(FakeModule(engine(), name='acme/site', tag='9', repository=['mirror/site']))


@pytest.mark.parametrize('params, moved', [
    (dict(force=True), True),
    (dict(existing_images='overwrite'), True),
    (dict(existing_images='keep'), False),
])
def test_existing_images_as_in_community_docker(params, moved):
    fake = engine()
    result = run_image_tag(FakeModule(fake, name='acme/site', tag='1', repository=['mirror/site:taken'], diff=True,
                                      **params))
    assert fake.names['mirror/site:taken'] == (ONE if moved else OTHER)
    assert result['changed'] is moved
    assert result['kept'] == ([] if moved else ['mirror/site:taken'])
    assert result['diff']['after'] == {'mirror/site:taken': ONE if moved else OTHER}


def test_another_image_is_refused_without_force_and_nothing_is_tagged():
    fake = engine()
    with pytest.raises(FleetDockerError, match='existing_images=keep'):
        run_image_tag(FakeModule(fake, name='acme/site', tag='1', repository=['mirror/new', 'mirror/site:taken']))
    assert fake.tagged == []


def test_keep_and_force_contradict():
    with pytest.raises(FleetDockerError, match='contradict'):
        run_image_tag(FakeModule(engine(), name='acme/site', repository=['x/y'], force=True, existing_images='keep'))


def test_invalid_tag_is_refused_before_the_engine():
    fake = engine()
    with pytest.raises(FleetDockerError, match='Invalid tag'):
        run_image_tag(FakeModule(fake, name='acme/site', tag='-bad', repository=['x/y']))
    assert fake.tagged == []
