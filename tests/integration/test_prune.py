"""fleet.docker.prune on the real engine. Every prune here filters on this test's label.

The engine is shared with other tests running at the same time, so an unfiltered prune would
remove their objects; the module supports it, the tests never do it.
"""

import docker
import pytest

from fleet_testlib import TEST_LABEL, WEB, build_image, run_module, unique


def _mine(janitor):
    return {'label': '%s=%s' % (TEST_LABEL, janitor.tag)}


def _container(engine, janitor, labels=None, start=False, command=None, volumes=None):
    name = janitor.container(unique('pr'))
    engine.create_container(WEB + ':1.0', name=name, command=command,
                            labels=dict({TEST_LABEL: janitor.tag}, **(labels or {})),
                            host_config=engine.create_host_config(network_mode='none', binds=volumes))
    if start:
        engine.start(name)
    return engine.inspect_container(name)['Id']


def _container_ids(engine, janitor):
    return sorted(c['Id'] for c in engine.containers(all=True, filters=_mine(janitor)))


def test_prune_stopped_containers(engine, janitor):
    engine.pull(WEB, tag='1.0')
    created = _container(engine, janitor)
    exited = _container(engine, janitor, command=['true'], start=True)
    engine.wait(exited, timeout=30)
    running = _container(engine, janitor, start=True)
    kept = _container(engine, janitor, labels={'keep': 'yes'})
    filters = dict(_mine(janitor), **{'label!': 'keep'})

    before = _container_ids(engine, janitor)
    dry = run_module('prune', {'containers': True, 'containers_filters': filters}, check=True)
    assert not dry.failed and dry.changed, dry
    assert _container_ids(engine, janitor) == before
    assert sorted(i['id'] for i in dry['containers']['items']) == sorted([created, exited])

    old_only = run_module('prune', {'containers': True, 'containers_filters': dict(filters, until='876000h')})
    assert not old_only.failed and old_only.changed is False and old_only['containers']['count'] == 0

    result = run_module('prune', {'containers': True, 'containers_filters': filters})
    assert not result.failed and result.changed, result
    assert result['containers']['count'] == 2
    assert sorted(i['id'] for i in result['containers']['items']) == sorted([created, exited])
    assert _container_ids(engine, janitor) == sorted([running, kept])

    again = run_module('prune', {'containers': True, 'containers_filters': filters})
    assert not again.failed and again.changed is False and again['containers']['count'] == 0


def test_prune_dangling_images(engine, janitor):
    engine.pull(WEB, tag='1.0')
    tag = janitor.image('fleettest/%s:1' % unique('prune'))
    dockerfile = 'FROM %s:1.0\nLABEL %s=%s\nRUN echo %%s > /build.txt\n' % (WEB, TEST_LABEL, janitor.tag)
    first = janitor.image(build_image(engine, dockerfile % 'one', tag))
    second = build_image(engine, dockerfile % 'two', tag)  # the first build is now dangling
    assert first != second and not engine.inspect_image(first)['RepoTags']

    dry = run_module('prune', {'images': True, 'images_filters': _mine(janitor)}, check=True)
    assert not dry.failed and dry.changed, dry
    assert [i['id'] for i in dry['images']['items']] == [first]
    assert engine.inspect_image(first)['Id'] == first

    result = run_module('prune', {'images': True, 'images_filters': _mine(janitor)})
    assert not result.failed and result.changed, result
    assert first in [i['id'] for i in result['images']['items']]
    with pytest.raises(docker.errors.NotFound):
        engine.inspect_image(first)
    assert engine.inspect_image(tag)['Id'] == second  # tagged: not dangling, stays

    again = run_module('prune', {'images': True, 'images_filters': _mine(janitor)})
    assert not again.failed and again.changed is False


def test_prune_all_unused_images(engine, janitor):
    engine.pull(WEB, tag='1.0')
    dockerfile = 'FROM %s:1.0\nLABEL %s=%s\nRUN echo %%s > /build.txt\n' % (WEB, TEST_LABEL, janitor.tag)
    unused = janitor.image('fleettest/%s:1' % unique('unused'))
    used = janitor.image('fleettest/%s:1' % unique('used'))
    unused_id = build_image(engine, dockerfile % 'unused', unused)
    used_id = build_image(engine, dockerfile % 'used', used)
    name = janitor.container(unique('pr'))
    engine.create_container(used, name=name, labels={TEST_LABEL: janitor.tag})
    args = {'images': True, 'images_all': True, 'images_filters': _mine(janitor)}

    dry = run_module('prune', args, check=True)
    assert not dry.failed and dry.changed, dry
    assert [i['id'] for i in dry['images']['items']] == [unused_id]
    assert engine.inspect_image(unused)['Id'] == unused_id

    result = run_module('prune', args)
    assert not result.failed and result.changed, result
    assert unused_id in [i['id'] for i in result['images']['items']]
    assert unused in result['images']['untagged']
    with pytest.raises(docker.errors.NotFound):
        engine.inspect_image(unused_id)
    assert engine.inspect_image(used)['Id'] == used_id
    assert engine.inspect_image(WEB + ':1.0')  # unlabeled: never touched

    again = run_module('prune', args)
    assert not again.failed and again.changed is False


def _anonymous_volume(engine, janitor, keep_user=False):
    """An anonymous volume (the engine names it) carrying the test label; unused unless keep_user."""
    name = janitor.container(unique('pr'))
    mount = docker.types.Mount('/data', None, type='volume', labels={TEST_LABEL: janitor.tag})
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(network_mode='none', mounts=[mount]))
    volume = janitor.volume(engine.inspect_container(name)['Mounts'][0]['Name'])
    if not keep_user:
        engine.remove_container(name)  # without v: the volume stays, unused
    return volume


def _volume_prune_setup(engine, janitor):
    engine.pull(WEB, tag='1.0')
    named_free, named_busy = janitor.volume(unique('vol')), janitor.volume(unique('vol'))
    for vol in (named_free, named_busy):
        engine.create_volume(vol, labels={TEST_LABEL: janitor.tag})
    _container(engine, janitor, volumes=['%s:/data' % named_busy])
    anon_free, anon_busy = _anonymous_volume(engine, janitor), _anonymous_volume(engine, janitor, keep_user=True)
    return dict(named_free=named_free, named_busy=named_busy, anon_free=anon_free, anon_busy=anon_busy)


def _volumes_left(engine, vols):
    left = []
    for key, name in sorted(vols.items()):
        try:
            engine.inspect_volume(name)
            left.append(key)
        except docker.errors.NotFound:
            pass
    return left


@pytest.mark.parametrize('volumes_all,removed', [
    (False, ['anon_free']),  # the default: anonymous volumes only, on every engine (API 1.42 meaning)
    (True, ['anon_free', 'named_free']),  # named ones too
])
def test_prune_unused_volumes_same_outcome_on_every_engine(engine, janitor, volumes_all, removed):
    vols = _volume_prune_setup(engine, janitor)
    args = {'volumes': True, 'volumes_all': volumes_all, 'volumes_filters': _mine(janitor)}
    expected = sorted(vols[key] for key in removed)

    dry = run_module('prune', args, check=True)
    assert not dry.failed and dry.changed, dry
    assert sorted(v['name'] for v in dry['volumes']['items']) == expected
    assert _volumes_left(engine, vols) == sorted(vols)  # check mode removed nothing

    result = run_module('prune', args)
    assert not result.failed and result.changed, result
    assert sorted(v['name'] for v in result['volumes']['items']) == expected
    assert result['volumes']['count'] == len(expected)
    assert _volumes_left(engine, vols) == sorted(set(vols) - set(removed))

    again = run_module('prune', args)
    assert not again.failed and again.changed is False, again
    assert again['volumes']['count'] == 0


def test_prune_networks(engine, janitor):
    gone = unique('net')
    keep = unique('net')
    ids = {}
    for net, extra in ((gone, {}), (keep, {'keep': 'yes'})):
        ids[net] = engine.create_network(net, labels=dict({TEST_LABEL: janitor.tag}, **extra))['Id']
    try:
        args = {'networks': True, 'networks_filters': dict(_mine(janitor), **{'label!': ['keep=yes']})}
        dry = run_module('prune', args, check=True)
        assert not dry.failed and dry.changed, dry
        assert [n['name'] for n in dry['networks']['items']] == [gone]
        assert engine.inspect_network(ids[gone])

        result = run_module('prune', args)
        assert not result.failed and result.changed, result
        assert [n['name'] for n in result['networks']['items']] == [gone]
        with pytest.raises(docker.errors.NotFound):
            engine.inspect_network(ids[gone])
        assert engine.inspect_network(ids[keep])

        again = run_module('prune', args)
        assert not again.failed and again.changed is False
    finally:
        for net_id in ids.values():
            try:
                engine.remove_network(net_id)
            except docker.errors.NotFound:
                pass


def test_prune_builder_cache_with_until(engine):
    # Only cache older than 100 years: safe on a shared engine, and exercises the real endpoint.
    args = {'builder_cache': True, 'builder_cache_filters': {'until': '876000h'}}
    dry = run_module('prune', args, check=True)
    assert not dry.failed and dry['builder_cache']['count'] == 0 and dry.changed is False, dry
    result = run_module('prune', args)
    assert not result.failed and result.changed is False, result
    assert result['builder_cache'] == {'count': 0, 'space_reclaimed': 0, 'items': []}
    assert 'Pruned 0 builder cache' in result['summary']


def test_nothing_selected_is_no_change(engine):
    result = run_module('prune', {})
    assert not result.failed and result.changed is False and result['summary'] == 'Nothing selected to prune.'


@pytest.mark.parametrize('args, message', [
    # dangling is community.docker's filter and is taken (images_all); reference is not.
    ({'images': True, 'images_filters': {'reference': 'x'}}, 'unsupported filter reference'),
    ({'volumes': True, 'volumes_filters': {'until': '1h'}}, 'volumes takes label'),
    ({'containers': True, 'containers_filters': {'until': 'last tuesday'}}, 'not a duration'),
    ({'builder_cache': True, 'builder_cache_filters': {'until': '2024-01-01'}}, 'duration'),
    ({'containers': True, 'containers_filters': {'label': [1, 2]}}, 'label'),
    ({'images_all': True}, 'images_all needs images'),
    ({'volumes_all': True}, 'volumes_all needs volumes'),
    ({'containers': 'sometimes'}, 'containers'),
])
def test_bad_input_is_one_clear_message(engine, args, message):
    result = run_module('prune', args)
    assert result.failed and message in result['msg'], result
    assert 'exception' not in result
