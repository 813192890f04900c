"""images.py logic against fake engine and registry clients (no engine, no network)."""

import json

import docker.errors
import pytest

from ansible_collections.fleet.docker.plugins.module_utils.images import ops as images
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import platform_matches
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.references import ImageRefError, parse_reference
from ansible_collections.fleet.docker.plugins.module_utils.images.registry import RegistryError

REPO = '127.0.0.1:5000/acme/web'
OLD_ID = 'sha256:' + '1' * 64
NEW_ID = 'sha256:' + '2' * 64
OLD_DIGEST = 'sha256:' + 'a' * 64
NEW_DIGEST = 'sha256:' + 'b' * 64

# An engine answer to GET /images/search?term=nginx&limit=3 in the engine's exact field names
# (written from the API schema: the hub is not reachable from here).
HUB_ANSWER = json.loads('''[
 {"star_count": 19000, "is_official": true, "name": "nginx", "is_automated": false,
  "description": "Official build of Nginx."},
 {"star_count": 180, "is_official": false, "name": "bitnami/nginx", "is_automated": true,
  "description": "Bitnami nginx Docker Image"},
 {"star_count": 3, "is_official": false, "name": "someone/nginx-test", "is_automated": false,
  "description": null}
]''')


def not_found():
    return docker.errors.NotFound('no such image')


class FakeEngine:
    """Just enough of docker.APIClient: a dict of images keyed by every reference and ID."""

    def __init__(self):
        self.images = {}
        self.calls = []
        self.pull_image_id = NEW_ID
        self.container_list = []
        self.search_answer = HUB_ANSWER
        self.search_error = None

    def add(self, image_id, tags=(), digests=()):
        image = {'Id': image_id, 'RootFS': {'Layers': ['sha256:l1', 'sha256:l2', 'sha256:l3']},
                 'RepoTags': list(tags), 'RepoDigests': list(digests), 'Size': 10,
                 'Created': '2026-01-01T00:00:00Z', 'Architecture': 'amd64', 'Os': 'linux', 'Config': {}}
        for key in [image_id] + list(tags) + list(digests):
            self.images[key] = image
        return image

    def inspect_image(self, name):
        self.calls.append(('inspect', name))
        if name in self.images:
            return self.images[name]
        raise not_found()

    def pull(self, repository, tag=None, **kwargs):
        self.calls.append(('pull', repository, tag, kwargs.get('auth_config')))
        self.add(self.pull_image_id, tags=['%s:%s' % (repository, tag)])
        return iter([{'status': 'Pulling from acme/web', 'id': tag},
                     {'status': 'Already exists', 'id': 'aaa'},
                     {'status': 'Pulling fs layer', 'id': 'bbb'},
                     {'status': 'Downloading', 'id': 'bbb'},
                     {'status': 'Pull complete', 'id': 'bbb'},
                     {'status': 'Digest: ' + NEW_DIGEST},
                     {'status': 'Status: Downloaded newer image for %s:%s' % (repository, tag)}])

    def containers(self, all=False):  # noqa: A002 - the SDK's name
        return self.container_list

    def remove_image(self, name, force=False):
        self.calls.append(('remove', name, force))
        image = self.images.pop(name)
        image['RepoTags'].remove(name)
        if image['RepoTags'] and not force:
            return [{'Untagged': name}]
        for key in [k for k, v in self.images.items() if v is image]:
            del self.images[key]
        return [{'Untagged': name}, {'Deleted': image['Id']}]

    def search(self, term, limit=None):
        self.calls.append(('search', term, limit))
        if self.search_error:
            raise self.search_error
        return self.search_answer

    def images_list(self, name=None):
        return []


class FakeRegistry:
    def __init__(self, digest=None, image_id=None, error=None):
        self.digest, self.id, self.error = digest, image_id, error
        self.repos = {'acme/web': ['1.0', 'stable'], 'acme/db': ['9'], 'other/thing': ['x']}

    def manifest_digest(self, name, reference):
        if self.error:
            raise self.error
        return self.digest

    def image_id(self, name, reference, platform=None):
        return self.id

    def catalog(self):
        return list(self.repos)

    def tags(self, name):
        return sorted(self.repos[name])


@pytest.fixture(autouse=True)
def no_config(monkeypatch, tmp_path):
    # Credentials would come from the machine's config file; keep unit tests hermetic.
    monkeypatch.setenv('DOCKER_CONFIG', str(tmp_path))


def test_missing_pulls_once_and_counts_layers():
    engine = FakeEngine()
    first = images.ensure_image(engine, REPO + ':1.0')
    assert first['changed'] and first['pulled']
    # Three layers in the image, one downloaded: the other two were already present.
    assert first['layers'] == {'total': 3, 'downloaded': 1, 'already_present': 2}
    second = images.ensure_image(engine, REPO + ':1.0')
    assert not second['changed'] and not second['pulled']
    assert [c for c in engine.calls if c[0] == 'pull'] == [('pull', REPO, '1.0', None)]


def test_always_reports_change_only_when_the_id_moves():
    engine = FakeEngine()
    engine.add(NEW_ID, tags=[REPO + ':1.0'])
    same = images.ensure_image(engine, REPO + ':1.0', pull='always')
    assert same['pulled'] and not same['changed']
    engine.pull_image_id = 'sha256:' + '3' * 64
    moved = images.ensure_image(engine, REPO + ':1.0', pull='always')
    assert moved['changed'] and moved['before_id'] == NEW_ID


def test_check_mode_always_asks_the_registry():
    engine = FakeEngine()
    engine.add(OLD_ID, tags=[REPO + ':1.0'], digests=[REPO + '@' + OLD_DIGEST])
    same = images.ensure_image(engine, REPO + ':1.0', pull='always', check_mode=True,
                               remote=images.remote_lookup(FakeRegistry(OLD_DIGEST, OLD_ID)))
    assert not same['changed'] and same['remote_digest'] == OLD_DIGEST
    moved = images.ensure_image(engine, REPO + ':1.0', pull='always', check_mode=True,
                                remote=images.remote_lookup(FakeRegistry(NEW_DIGEST, NEW_ID)))
    assert moved['changed'] and moved['after_id'] == NEW_ID and moved['before_id'] == OLD_ID
    assert not [c for c in engine.calls if c[0] == 'pull']


def test_check_mode_missing_image_gets_the_remote_id_or_fails_like_a_pull():
    engine = FakeEngine()
    result = images.ensure_image(engine, REPO + ':1.0', check_mode=True,
                                 remote=images.remote_lookup(FakeRegistry(NEW_DIGEST, NEW_ID)))
    assert result['changed'] and result['after_id'] == NEW_ID
    with pytest.raises(FleetDockerError, match='not found in its registry'):
        images.ensure_image(engine, REPO + ':nope', check_mode=True,
                            remote=images.remote_lookup(FakeRegistry(error=RegistryError('gone', 404))))


def test_check_mode_unreachable_registry_warns():
    engine = FakeEngine()
    engine.add(OLD_ID, tags=[REPO + ':1.0'])
    result = images.ensure_image(engine, REPO + ':1.0', pull='always', check_mode=True,
                                 remote=images.remote_lookup(FakeRegistry(error=RegistryError('down'))))
    assert not result['changed'] and result['warnings']


def test_digest_reference_is_present_when_the_digest_is_local():
    engine = FakeEngine()
    engine.add(OLD_ID, digests=[REPO + '@' + OLD_DIGEST])
    result = images.ensure_image(engine, REPO + '@' + OLD_DIGEST)
    assert not result['changed'] and result['before_id'] == OLD_ID


def test_platform_mismatch_counts_as_missing():
    assert platform_matches({'Os': 'linux', 'Architecture': 'amd64'}, 'linux/amd64')
    assert not platform_matches({'Os': 'linux', 'Architecture': 'amd64'}, 'linux/arm64')
    assert platform_matches({'Os': 'linux', 'Architecture': 'arm64'}, 'arm64')
    assert platform_matches(None, 'linux/arm64')


def test_absent_untags_when_another_name_keeps_the_image():
    engine = FakeEngine()
    engine.add(OLD_ID, tags=[REPO + ':1.0', 'other/name:1.0'])
    engine.container_list = [{'Id': 'c1', 'ImageID': OLD_ID, 'Names': ['/web1']}]
    result = images.remove_image(engine, parse_reference(REPO + ':1.0'))
    assert result['changed'] and result['untagged'] == [REPO + ':1.0'] and result['deleted'] == []
    assert 'other/name:1.0' in engine.images


def test_absent_refuses_an_image_in_use_naming_the_containers():
    engine = FakeEngine()
    engine.add(OLD_ID, tags=[REPO + ':1.0'])
    engine.container_list = [{'Id': 'c1', 'ImageID': OLD_ID, 'Names': ['/web1']},
                             {'Id': 'c2', 'ImageID': NEW_ID, 'Names': ['/other']}]
    with pytest.raises(FleetDockerError) as info:
        images.remove_image(engine, parse_reference(REPO + ':1.0'))
    assert 'web1' in info.value.msg and 'other' not in info.value.msg and 'force' in info.value.msg
    forced = images.remove_image(engine, parse_reference(REPO + ':1.0'), force=True)
    assert forced['changed'] and forced['containers'] == ['web1']


def test_absent_check_mode_and_idempotence():
    engine = FakeEngine()
    engine.add(OLD_ID, tags=[REPO + ':1.0'])
    predicted = images.remove_image(engine, parse_reference(REPO + ':1.0'), check_mode=True)
    assert predicted['changed'] and predicted['deleted'] == [OLD_ID]
    assert REPO + ':1.0' in engine.images
    images.remove_image(engine, parse_reference(REPO + ':1.0'))
    assert not images.remove_image(engine, parse_reference(REPO + ':1.0'))['changed']


def test_image_reference_option_parser():
    assert images.image_reference('nginx', 'stable').tagged == 'nginx:stable'
    assert images.image_reference('nginx:1.0', 'stable').tagged == 'nginx:1.0'  # the name's tag wins
    with pytest.raises(ImageRefError, match='not an image ID'):
        images.image_reference('a' * 64, 'latest')


def test_hub_search_from_a_recorded_answer():
    engine = FakeEngine()
    found = images.search_images(engine, 'nginx', limit=3)
    assert found['source'] == 'search'
    assert found['results'][0] == dict(index='docker.io', name='nginx', description='Official build of Nginx.',
                                       stars=19000, official=True, automated=False)
    assert found['results'][2]['description'] == ''
    assert engine.calls == [('search', 'nginx', 3)]
    assert [h['name'] for h in images.search_images(engine, 'nginx', official=True)['results']] == ['nginx']
    assert [h['name'] for h in images.search_images(engine, 'nginx', automated=True)['results']] == ['bitnami/nginx']
    assert len(images.search_images(engine, 'nginx', min_stars=100)['results']) == 2
    assert len(images.search_images(engine, 'nginx', limit=1)['results']) == 1


def test_search_falls_back_to_the_catalog_on_404():
    engine = FakeEngine()
    engine.search_error = docker.errors.APIError('500', explanation='Unexpected status code 404')
    found = images.search_images(engine, '127.0.0.1:5000/acme', registry_client=FakeRegistry())
    assert found['source'] == 'catalog'
    assert [h['name'] for h in found['results']] == ['127.0.0.1:5000/acme/db', '127.0.0.1:5000/acme/web']
    assert found['results'][1]['tags'] == ['1.0', 'stable']
    assert set(found['results'][0]) == {'index', 'name', 'description', 'stars', 'official', 'automated', 'tags'}
    assert images.search_images(engine, '127.0.0.1:5000/acme', min_stars=1,
                                registry_client=FakeRegistry())['results'] == []


def test_search_errors_without_a_registry_are_not_swallowed():
    engine = FakeEngine()
    engine.search_error = docker.errors.APIError('500', explanation='Unexpected status code 404')
    with pytest.raises(docker.errors.APIError):
        images.search_images(engine, 'nginx')


@pytest.mark.parametrize('kwargs, fragment', [
    (dict(term=''), 'must not be empty'),
    (dict(term='a b'), 'whitespace'),
    (dict(term='x', limit=0), 'between 1 and 100'),
    (dict(term='x', min_stars=-1), 'negative'),
])
def test_search_bad_input(kwargs, fragment):
    engine = FakeEngine()
    with pytest.raises(FleetDockerError, match=fragment):
        images.search_images(engine, **kwargs)
    assert engine.calls == []
