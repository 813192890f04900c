"""Options that share a name with a community.docker option take its values (docs/migration.md), pure parts."""

import docker.errors
import pytest

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.images.build import one_platform, plan_build
from ansible_collections.fleet.docker.plugins.module_utils.images.pull import pull_policy
from ansible_collections.fleet.docker.plugins.module_utils.images.references import parse_reference


@pytest.mark.parametrize('value, policy', [
    (True, 'always'), (False, 'missing'),            # docker_container before never/missing/always
    ('not_present', 'missing'),                      # docker_image_pull
    ('missing', 'missing'), ('always', 'always'), ('never', 'never'),
])
def test_pull_policy_takes_community_docker_spellings(value, policy):
    assert pull_policy(value) == policy


@pytest.mark.parametrize('value', ['yes', 'policy', 1, None])
def test_pull_policy_refuses_the_rest(value):
    with pytest.raises(FleetDockerError, match='pull must be one of'):
        pull_policy(value)


def test_platform_list_of_one_as_in_community_docker():
    assert one_platform(['linux/amd64']) == 'linux/amd64'
    assert one_platform('linux/arm64') == 'linux/arm64'
    assert one_platform([]) is None and one_platform(None) is None
    with pytest.raises(FleetDockerError, match='one platform per image, got 2'):
        one_platform(['linux/amd64', 'linux/arm64'])


class OneImage:
    def __init__(self, image):
        self.image = image

    def inspect_image(self, name):
        if self.image is None:
            raise docker.errors.NotFound('no such image')
        return self.image


def test_rebuild_never_keeps_an_image_on_the_host_without_reading_inputs(tmp_path):
    # The context does not even exist: with the image present, never reads nothing.
    spec = dict(rebuild='never', ref=parse_reference('acme/site:1'), path=str(tmp_path / 'gone'))
    plan = plan_build(OneImage({'Id': 'sha256:' + '1' * 64, 'Config': {'Labels': None}}), spec, check_mode=False)
    assert plan['build'] is False and 'rebuild is never' in plan['reason'], plan


def test_rebuild_never_builds_a_missing_image(tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM scratch\n')
    spec = dict(rebuild='never', ref=parse_reference('acme/site:1'), path=str(tmp_path), dockerfile='Dockerfile',
                dockerfile_text='FROM scratch\n', args={}, target=None, labels={}, platform=None, pull=False)
    plan = plan_build(OneImage(None), spec, check_mode=True)
    assert plan['build'] is True and plan['reason'] == 'the image is not on the host', plan


# community.docker option names (and aliases) our argument specs accept for the same option.
def _argspec(module):
    import importlib
    return importlib.import_module('ansible_collections.fleet.docker.plugins.modules.%s' % module)


@pytest.mark.parametrize('spec, given, option', [
    ('network', 'network_name', 'name'),
    ('volume', 'volume_name', 'name'),
    ('volume_info', 'volume_name', 'name'),
    ('image_export', 'name', 'names'),
    ('container_exec', 'chdir', 'working_dir'),
    ('container', 'expose', 'exposed_ports'),
    ('container', 'exposed', 'exposed_ports'),
    ('container', 'log_opt', 'log_options'),
    ('registry_login', 'registry_url', 'registry'),
])
def test_community_docker_names_are_accepted(spec, given, option):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.fleet.docker.plugins.module_utils.containers.exec import EXEC_OPTIONS
    from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS
    from ansible_collections.fleet.docker.plugins.module_utils.networks.spec import NETWORK_OPTIONS
    from ansible_collections.fleet.docker.plugins.module_utils.volumes.apply import VOLUME_OPTIONS
    specs = dict(network=NETWORK_OPTIONS, volume=VOLUME_OPTIONS, container_exec=EXEC_OPTIONS,
                 container=CONTAINER_OPTIONS, volume_info=dict(name=dict(type='str', aliases=['volume_name'])))
    argspec = specs.get(spec) or _argspec(spec).ARGS
    found = [o for o in argspec.values() if given in (o.get('aliases') or [])]
    assert argspec[option].get('aliases') and given in argspec[option]['aliases'], (spec, given)
    assert len(found) == 1
    value = {'name': ['x'], 'log_opt': {'max-size': '1m'}}.get(given, ['80'] if option == 'exposed_ports' else 'x')
    result = ArgumentSpecValidator(dict((k, dict(v, required=False)) for k, v in argspec.items())).validate(
        {given: value})
    assert not result.error_messages and result.validated_parameters[option] == value, result.error_messages


@pytest.mark.parametrize('value, policy', [(True, 'always'), (False, 'missing'), ('never', 'never')])
def test_container_pull_takes_booleans(value, policy):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.fleet.docker.plugins.module_utils.containers.options import CONTAINER_OPTIONS
    result = ArgumentSpecValidator(dict(pull=CONTAINER_OPTIONS['pull'])).validate({'pull': value})
    assert not result.error_messages and pull_policy(result.validated_parameters['pull']) == policy


@pytest.mark.parametrize('params, images_all, volumes_all', [
    (dict(images_filters={'dangling': False}), True, False),
    (dict(images_filters={'dangling': 'true', 'label': 'a'}), False, False),
    (dict(volumes_filters={'all': True}), False, True),
    (dict(volumes_filters={'all': 'false'}, volumes_all=False), False, False),
    (dict(images_all=True, images_filters={'dangling': 'false'}), True, False),
])
def test_prune_takes_community_docker_engine_filters(params, images_all, volumes_all):
    from ansible_collections.fleet.docker.plugins.module_utils.cleanup.prune import community_filters, normalize_filters
    base = dict(images=True, volumes=True, images_all=False, volumes_all=False, images_filters=None, volumes_filters=None)
    out = community_filters(dict(base, **params))
    assert (out['images_all'], out['volumes_all']) == (images_all, volumes_all)
    normalize_filters('images', out['images_filters'])  # what is left is ours
    normalize_filters('volumes', out['volumes_filters'])


@pytest.mark.parametrize('params, fragment', [
    (dict(images_all=True, images_filters={'dangling': True}), 'contradicts images_all=true'),
    (dict(volumes_filters={'all': 'maybe'}), 'all takes true or false'),
])
def test_prune_community_filters_refused(params, fragment):
    from ansible_collections.fleet.docker.plugins.module_utils.cleanup.prune import community_filters
    with pytest.raises(FleetDockerError, match=fragment):
        community_filters(dict(dict(images=True, volumes=True, images_all=False, volumes_all=False), **params))


def test_prune_community_filters_of_a_kind_not_pruned_are_dropped():
    from ansible_collections.fleet.docker.plugins.module_utils.cleanup.prune import community_filters
    out = community_filters(dict(images=False, images_all=False, images_filters={'dangling': False}))
    assert out['images_all'] is False and out['images_filters'] == {}


@pytest.mark.parametrize('text, size', [('1G', 1 << 30), ('512M', 512 << 20), ('1GB', 1 << 30), ('1K', 1024),
                                        ('1B', 1), ('1024', 1024), ('1.5G', 3 << 29), ('unlimited', -1), ('-1', -1)])
def test_memory_swap_sizes_as_community_docker_reads_them(text, size):
    # community.docker converts with human_to_bytes (binary units, B/K/M/G/T/P, optional B) and
    # takes unlimited for memory_swap.
    from ansible_collections.fleet.docker.plugins.module_utils.engine.values import parse_size
    assert parse_size('memory_swap', text, unlimited=True) == size


def test_unlimited_is_only_for_memory_swap():
    from ansible_collections.fleet.docker.plugins.module_utils.engine.values import parse_size
    with pytest.raises(FleetDockerError):
        parse_size('memory', 'unlimited')


def test_an_image_id_is_never_pulled_whatever_the_policy():
    # community.docker.docker_container: an image given by ID is assumed local; pull is ignored.
    from ansible_collections.fleet.docker.plugins.module_utils.images.pull import ensure_image, names_an_id
    image_id = 'sha256:' + 'c' * 64
    assert names_an_id(parse_reference(image_id, default_tag='latest'))
    assert not names_an_id(parse_reference('sha256/x:' + 'c' * 64))
    out = ensure_image(OneImage({'Id': image_id}), image_id, pull='always')
    assert out['pulled'] is False and out['changed'] is False and out['image']['Id'] == image_id
    with pytest.raises(FleetDockerError, match='an image ID cannot be pulled'):
        ensure_image(OneImage(None), image_id, pull=True)


class IdEngine:
    """An engine with one image under two names and no containers; records removals."""

    def __init__(self, tags):
        self.image = {'Id': 'sha256:' + 'd' * 64, 'RepoTags': list(tags)}
        self.removed = []

    def inspect_image(self, name):
        if self.image is None or name != self.image['Id']:
            raise docker.errors.NotFound('no such image')
        return self.image

    def containers(self, all=False, filters=None, size=False):  # noqa: A002 - the SDK's name
        return []

    def remove_image(self, name, force=False):
        self.removed.append((name, force))
        tags, self.image = self.image['RepoTags'], None
        return [{'Untagged': t} for t in tags] + [{'Deleted': name}]


def test_image_absent_by_id_as_community_docker_image_remove():
    from ansible_collections.fleet.docker.plugins.module_utils.images.ops import remove_image_id
    image_id = 'sha256:' + 'd' * 64
    two = IdEngine(['a/b:1', 'a/b:2'])
    with pytest.raises(FleetDockerError, match='has 2 names'):
        remove_image_id(two, image_id)
    assert two.removed == []
    done = remove_image_id(two, image_id, force=True)
    assert done['changed'] and done['deleted'] == [image_id] and two.removed == [(image_id, True)]
    assert remove_image_id(two, image_id)['changed'] is False  # gone: nothing to do
    one = IdEngine(['a/b:1'])
    check = remove_image_id(one, image_id, check_mode=True)
    assert check['changed'] and check['untagged'] == ['a/b:1'] and one.removed == []
