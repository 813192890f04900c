"""fleet.docker.image_info reads demo/web (read-only, so the shared repository is fine)."""

from fleet_testlib import WEB, run_module


def test_every_tag_of_demo_web(engine):
    for tag in ('1.0', 'stable', 'latest'):
        engine.pull(WEB, tag=tag)
    first = run_module('image_info', {'name': [WEB + ':*']})
    assert not first.changed
    tags = {t for image in first['images'] for t in image['repo_tags'] if t.startswith(WEB + ':')}
    assert tags >= {WEB + ':1.0', WEB + ':stable', WEB + ':latest'}, first
    assert len({i['id'] for i in first['images']}) == len(first['images'])  # each image once
    again = run_module('image_info', {'name': [WEB + ':*']}, check=True)
    assert not again.changed and [i['id'] for i in again['images']] == [i['id'] for i in first['images']]


def test_tag_digest_id_and_history(engine):
    engine.pull(WEB, tag='stable')
    image = engine.inspect_image(WEB + ':stable')
    digest_ref = [d for d in image['RepoDigests'] if d.startswith(WEB + '@')][0]
    for name in (WEB + ':stable', digest_ref, image['Id'], image['Id'][len('sha256:'):][:12]):
        result = run_module('image_info', {'name': [name]})
        assert [i['id'] for i in result['images']] == [image['Id']], (name, result)
    hist = run_module('image_info', {'name': [WEB + ':stable'], 'history': True})
    history = hist['images'][0]['history']
    assert any('version.txt' in layer['created_by'] for layer in history)
    assert all({'created_by', 'size', 'created'} <= set(layer) for layer in history)
    assert len(history) == len(engine.history(WEB + ':stable'))


def test_missing_image_is_an_empty_list(engine):
    result = run_module('image_info', {'name': ['127.0.0.1:5000/nothing/here:1', WEB + ':no-such-tag']})
    assert not result.failed and result['images'] == [], result


def test_bad_name_fails_clearly(engine):
    result = run_module('image_info', {'name': [WEB, 'UPPER/case']})
    assert result.failed and 'lowercase' in result['msg'], result
