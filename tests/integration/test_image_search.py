"""fleet.docker.image_search: the catalog path on the local registry (the hub path is unit-tested)."""

from fleet_testlib import REGISTRY, WEB, run_module


def test_catalog_finds_demo_web_with_its_tags(engine):
    first = run_module('image_search', {'term': REGISTRY + '/demo'})
    assert not first.changed and first['source'] == 'catalog', first
    hits = {h['name']: h for h in first['results']}
    assert WEB in hits, first
    assert {'1.0', 'stable', 'latest'} <= set(hits[WEB]['tags'])
    assert hits[WEB]['index'] == REGISTRY
    for hit in first['results']:
        assert set(hit) == {'index', 'name', 'description', 'stars', 'official', 'automated', 'tags'}
        assert 'demo' in hit['name'][len(REGISTRY) + 1:]
    again = run_module('image_search', {'term': REGISTRY + '/demo'}, check=True)
    assert not again.changed and again['results'] == first['results']


def test_limit_and_filters(engine):
    one = run_module('image_search', {'term': REGISTRY + '/demo', 'limit': 1})
    assert len(one['results']) == 1
    official = run_module('image_search', {'term': REGISTRY + '/demo', 'official': True})
    assert official['results'] == []


def test_bad_input(engine):
    for args, fragment in (({'term': ''}, 'empty'), ({'term': REGISTRY + '/demo', 'limit': 0}, '1 and 100')):
        result = run_module('image_search', args)
        assert result.failed and fragment in result['msg'], result
