import pytest

from ansible_collections.fleet.docker.plugins.module_utils.cleanup.ancestry import (
    build_plan, descendants_of, parse_ancestors, reclaimable_bytes, resolve_ancestors, summarize)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.cleanup.prune import (
    container_candidates, filters_match, image_candidates, normalize_filters, parse_until)

R = '127.0.0.1:5000/team/web'
ID_V1 = 'sha256:' + '1' * 64
ID_ST = 'sha256:' + '2' * 64
ID_WK = 'sha256:' + '3' * 64
ID_CH = 'sha256:' + '4' * 64
ID_PULLED = 'sha256:' + '5' * 64


def img(iid, tags=(), digests=(), parent='', layers=(), size=0, shared=0):
    return dict(id=iid, tags=list(tags), digests=list(digests), parent=parent, layers=list(layers),
                size=size, shared_size=shared)


def cont(cid, name, image_id, state='running', image=None):
    return dict(id=cid, name=name, image=image or image_id, image_id=image_id, state=state, size_rw=0)


IMAGES = [
    img(ID_V1, [R + ':1.0', 'other/name:keep'], [R + '@sha256:' + 'a' * 64], layers=['l1', 'l2']),
    img(ID_ST, [R + ':stable', R + ':latest'], parent=ID_V1, layers=['l1', 'l2', 'l3']),
    img(ID_WK, ['team/worker:1.0'], layers=['l1']),
    img(ID_CH, ['team/child:1'], parent=ID_ST, layers=['l1', 'l2', 'l3', 'l4']),
    img(ID_PULLED, ['pulled/app:2'], layers=['l1', 'l2', 'l3', 'l9']),
]


def test_parse_ancestors_kinds():
    specs = parse_ancestors([R, R + ':1.0', R + '@sha256:' + 'a' * 64, ID_V1, 'abcd12'])
    assert [s['kind'] for s in specs] == ['repository', 'tag', 'digest', 'id', 'repository']
    assert specs[-1]['prefix'] == 'abcd12'
    assert parse_ancestors('nginx')[0]['ref'].repository == 'nginx'


@pytest.mark.parametrize('bad', ['Web:1', 'web:', 'web@sha256:123', '', 'a b', 'sha256:xyz'])
def test_parse_ancestors_rejects_malformed(bad):
    with pytest.raises(FleetDockerError) as err:
        parse_ancestors([bad])
    assert 'nvalid' in err.value.msg or 'empty' in err.value.msg or 'at least one' in err.value.msg


def test_bare_repository_means_every_tag():
    matched = resolve_ancestors(parse_ancestors([R]), IMAGES)
    assert set(matched) == {ID_V1, ID_ST}
    assert matched[ID_V1]['names'] == [R + ':1.0']  # other/name:keep is not ours
    assert matched[ID_ST]['names'] == [R + ':stable', R + ':latest']


def test_tag_digest_and_id_mean_one_image():
    assert set(resolve_ancestors(parse_ancestors([R + ':latest']), IMAGES)) == {ID_ST}
    assert resolve_ancestors(parse_ancestors([R + ':latest']), IMAGES)[ID_ST]['names'] == [R + ':latest']
    by_digest = resolve_ancestors(parse_ancestors([R + '@sha256:' + 'a' * 64]), IMAGES)
    assert set(by_digest) == {ID_V1} and by_digest[ID_V1]['names'] == [R + ':1.0']
    by_id = resolve_ancestors(parse_ancestors([ID_V1]), IMAGES)
    assert by_id[ID_V1]['names'] == [R + ':1.0', 'other/name:keep']
    assert set(resolve_ancestors(parse_ancestors(['3333']), IMAGES)) == {ID_WK}  # ID prefix, no such repo
    assert resolve_ancestors(parse_ancestors([R + ':nope']), IMAGES) == {}


def test_ambiguous_id_prefix():
    images = IMAGES + [img('sha256:' + '3' * 63 + 'f', ['x:1'])]
    with pytest.raises(FleetDockerError, match='ambiguous'):
        resolve_ancestors(parse_ancestors(['3333']), images)


def test_descendants_by_parent_chain_and_layers():
    found = descendants_of([ID_V1], IMAGES)
    # child via Parent chain (through stable), pulled/app via layer prefix; worker is not a child
    assert set(found) == {ID_ST, ID_CH, ID_PULLED}
    assert ID_WK not in descendants_of([ID_WK], IMAGES) and not descendants_of([ID_CH], IMAGES)
    # web 1.0 and pulled/app have no Parent: the layer prefix decides (then the chain from 1.0)
    assert set(descendants_of([ID_WK], IMAGES)) == {ID_V1, ID_ST, ID_CH, ID_PULLED}
    # an image with a Parent elsewhere is not a descendant just because its layers start alike
    local = [IMAGES[2], img(ID_CH, ['team/child:1'], parent='sha256:' + 'e' * 64, layers=['l1', 'l4'])]
    assert descendants_of([ID_WK], local) == {}


def test_plan_removes_every_container_and_untags_shared_image():
    containers = [cont('c1', 'a', ID_V1, 'created'), cont('c2', 'b', ID_ST, 'running'),
                  cont('c3', 'w', ID_WK, 'running')]
    plan = build_plan(parse_ancestors([R]), IMAGES, containers)
    assert {c['name']: c['action'] for c in plan['containers']} == {'a': 'removed', 'b': 'stopped_and_removed'}
    actions = {i['tag']: i['action'] for i in plan['images']}
    # stable's image goes with its second name; 1.0 keeps other/name:keep so it's only untagged
    assert actions == {R + ':stable': 'untagged', R + ':latest': 'untagged', R + ':1.0': 'untagged'}
    reason = [i for i in plan['images'] if i['tag'] == R + ':1.0'][0]['reason']
    assert 'other/name:keep' in reason
    # ID_ST has a child image (team/child) that stays, so it is untagged, not deleted
    assert plan['deleted_ids'] == []
    # children first
    assert plan['remove_names'].index(R + ':latest') < plan['remove_names'].index(R + ':1.0')


def test_plan_deletes_when_nothing_else_holds_it():
    images = [i for i in IMAGES if i['id'] != ID_CH]
    images[0] = img(ID_V1, [R + ':1.0'], [R + '@sha256:' + 'a' * 64], layers=['l1', 'l2'])
    plan = build_plan(parse_ancestors([R]), images, [])
    actions = [(i['tag'], i['action']) for i in plan['images']]
    assert actions == [(R + ':stable', 'untagged'), (R + ':latest', 'deleted'), (R + ':1.0', 'deleted')]
    assert set(plan['deleted_ids']) == {ID_V1, ID_ST}
    assert summarize(plan, 2000, True).startswith('Would remove 0 container(s)')


def test_exclude_keeps_container_and_its_image():
    containers = [cont('c1', 'keepme', ID_V1, 'running'), cont('c2', 'b', ID_ST, 'running')]
    plan = build_plan(parse_ancestors([R]), IMAGES, containers, exclude=['keepme', 'ghost'])
    assert {c['name']: c['action'] for c in plan['containers']} == {'keepme': 'kept', 'b': 'stopped_and_removed'}
    kept = [i for i in plan['images'] if i['id'] == ID_V1]
    assert kept and all(i['action'] == 'kept' and 'excluded container keepme' in i['reason'] for i in kept)
    assert plan['exclude_not_found'] == ['ghost']
    assert R + ':1.0' not in plan['remove_names']


def test_containers_false_keeps_used_images():
    containers = [cont('c2', 'b', ID_ST, 'exited')]
    plan = build_plan(parse_ancestors([R + ':stable']), IMAGES, containers, remove_containers=False)
    assert plan['containers'][0]['action'] == 'kept'
    assert plan['images'][0]['action'] == 'kept' and plan['remove_names'] == []


def test_descendants_in_plan_and_their_containers():
    containers = [cont('c4', 'kid', ID_CH, 'exited')]
    plan = build_plan(parse_ancestors([R + ':1.0']), IMAGES, containers, descendants=True)
    assert plan['containers'][0]['action'] == 'removed'
    by_tag = {i['tag']: i for i in plan['images']}
    assert by_tag['team/child:1']['matched_by'].startswith('descendant of')
    assert by_tag['pulled/app:2']['action'] == 'deleted'


def test_reclaimable_bytes_by_layer_prefix():
    # base (l1) 100, web 1.0 adds 50, stable adds 10, other image shares l1 only
    images = [
        img('A', layers=['l1', 'l2'], size=150, shared=150),
        img('B', layers=['l1', 'l2', 'l3'], size=160, shared=150),
        img('C', layers=['l1', 'x'], size=130, shared=100),
    ]
    assert reclaimable_bytes(images, ['B']) == 10
    assert reclaimable_bytes(images, ['A', 'B']) == 60
    assert reclaimable_bytes(images, ['A', 'B', 'C']) == 190
    assert reclaimable_bytes(images, ['C']) == 30
    assert reclaimable_bytes(images, []) == 0


def test_prune_filters_validation_and_matching():
    with pytest.raises(FleetDockerError, match='unsupported filter dangling'):
        normalize_filters('images', {'dangling': True})
    with pytest.raises(FleetDockerError, match='volumes takes label'):
        normalize_filters('volumes', {'until': '24h'})
    with pytest.raises(FleetDockerError, match='duration'):
        normalize_filters('builder_cache', {'until': '2024-01-01'})
    with pytest.raises(FleetDockerError, match='not a duration'):
        parse_until('yesterday')
    assert parse_until('1h30m', now=10000) == 10000 - 5400
    assert parse_until('2024-01-01T00:00:00Z') == 1704067200
    flt = normalize_filters('containers', {'label': 'team=web', 'label!': ['keep'], 'until': '1h'})
    assert filters_match(flt, {'team': 'web'}, 0, now=10000)
    assert not filters_match(flt, {'team': 'web', 'keep': ''}, 0, now=10000)
    assert not filters_match(flt, {'team': 'db'}, 0, now=10000)
    assert not filters_match(flt, {'team': 'web'}, 9999, now=10000)  # newer than until


def test_prune_candidates():
    flt = normalize_filters('containers', {'label': 't=1'})
    listed = [dict(Id='a', Names=['/a'], State='exited', Labels={'t': '1'}, Created=1, SizeRw=5),
              dict(Id='b', Names=['/b'], State='running', Labels={'t': '1'}, Created=1),
              dict(Id='c', Names=['/c'], State='created', Labels={}, Created=1)]
    assert [c['name'] for c in container_candidates(listed, flt)] == ['a']
    images = [dict(Id='i1', RepoTags=['<none>:<none>'], RepoDigests=[], Labels={'t': '1'}, Created=1, Size=9),
              dict(Id='i2', RepoTags=['x:1'], Labels={'t': '1'}, Created=1, Size=9),
              dict(Id='i3', RepoTags=[], Labels={'t': '1'}, Created=1, Size=9)]
    all_images = images + [dict(Id='i4', ParentId='i3')]
    iflt = normalize_filters('images', {'label': 't=1'})
    assert [i['id'] for i in image_candidates(images, all_images, [], iflt, True)] == ['i1']
    assert [i['id'] for i in image_candidates(images, all_images, [dict(ImageID='i2')], iflt, False)] == ['i1', 'i3']


def test_stale_digest_does_not_match_image_tagged_elsewhere():
    images = [img(ID_WK, ['demo/web:1.0'], [R + '@sha256:' + 'b' * 64, 'demo/web@sha256:' + 'b' * 64]),
              img(ID_PULLED, [], [R + '@sha256:' + 'c' * 64])]
    assert set(resolve_ancestors(parse_ancestors([R]), images)) == {ID_PULLED}
