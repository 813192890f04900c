"""batch.py without an engine: item validation, defaults, project label, ordering, purge scope, summary."""

import threading
import time

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.containers import batch
from ansible_collections.fleet.docker.plugins.module_utils.containers.batch import (
    PROJECT_LABEL, BatchInputError, converge_batch, merge_item, purge_candidates, summarize,
    validate_items)
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import FleetDockerError
from ansible_collections.fleet.docker.plugins.module_utils.engine.parallel import run_parallel


def test_defaults_apply_unless_the_item_sets_the_option():
    merged = merge_item(dict(image='web:1', env={'A': '1'}, restart_policy='always'),
                        dict(name='x', env={'B': '2'}))
    assert merged == dict(name='x', image='web:1', env={'B': '2'}, restart_policy='always')


def test_project_label_is_added_to_the_item_labels():
    merged = merge_item({'labels': {'tier': 'web'}}, dict(name='x'), project='shop')
    assert merged['labels'] == {'tier': 'web', PROJECT_LABEL: 'shop'}
    assert merge_item({}, dict(name='x', labels={PROJECT_LABEL: 'other'}), 'shop')['labels'][PROJECT_LABEL] == 'shop'


def test_validation_fills_defaults_and_converts_types_like_the_single_module():
    params, spec = validate_items([dict(name='app', image='web:1', ports=[8080], restart='yes')])[0]
    assert params['ports'] == ['8080'] and params['restart'] is True
    assert params['state'] == 'started' and params['pull'] == 'missing' and params['detach'] is True
    assert list(spec['ports']) == ['8080/tcp'] and spec['image'] == 'web:1'  # the canonical spec, parsed once


def test_every_bad_item_is_reported_at_once():
    with pytest.raises(BatchInputError) as err:
        validate_items([
            dict(name='ok', image='web:1'),
            dict(name='badtype', restart='maybe'),
            dict(name='unknown', colour='red'),
            dict(name='badport', ports=['99999:80']),
            dict(name='badstate', state='running'),
            'not-a-dict',
            dict(image='web:1'),
        ])
    msg = err.value.msg
    assert msg.startswith('Invalid containers, nothing was changed')
    assert 'containers[1] (badtype)' in msg and 'restart' in msg
    assert 'containers[2] (unknown)' in msg and 'colour' in msg
    assert 'containers[3] (badport)' in msg and 'out of range' in msg
    assert 'containers[4] (badstate)' in msg and 'running' in msg
    assert 'containers[5]: expected a dict' in msg
    assert 'containers[6]' in msg and 'name' in msg
    assert len(err.value.result['errors']) == 6


def test_duplicate_names_are_refused():
    with pytest.raises(BatchInputError, match='already used by containers'):
        validate_items([dict(name='app', image='w'), dict(name='/app', image='w')])


def test_bad_defaults_are_refused():
    with pytest.raises(BatchInputError, match='unsupported option'):
        validate_items([dict(name='app')], defaults=dict(colour='red'))
    with pytest.raises(BatchInputError, match='name must be set per item'):
        validate_items([dict(name='app')], defaults=dict(name='bee'))
    with pytest.raises(BatchInputError, match='restart'):
        validate_items([dict(name='app')], defaults=dict(restart='maybe'))


def test_run_parallel_keeps_order_and_limits_workers():
    active, peak, lock = [0], [0], threading.Lock()

    def work(item):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return item * 2
    assert run_parallel(work, range(12), 3) == [i * 2 for i in range(12)]
    assert peak[0] <= 3
    assert run_parallel(work, [], 4) == []
    assert run_parallel(work, [1, 2], 1) == [2, 4]


class FakeClient:
    def __init__(self, containers):
        self.listed = containers
        self.filters = None

    def containers(self, all=False, filters=None):  # pylint: disable=redefined-builtin
        self.filters = filters
        return self.listed


def _listed(name, project):
    return dict(Id=name + '-id', Names=['/' + name], Labels={PROJECT_LABEL: project} if project else {})


def test_purge_candidates_only_this_project_and_not_listed():
    client = FakeClient([_listed('keep', 'shop'), _listed('gone', 'shop'), _listed('other', 'blog'),
                         _listed('nolabel', None)])
    assert purge_candidates(client, 'shop', {'keep'}) == ['gone']
    assert client.filters == {'label': PROJECT_LABEL + '=shop'}


def test_converge_batch_calls_converge_container_per_item_with_one_image_cache(monkeypatch):
    calls = []

    def fake_converge(client, params, check_mode, diff, image_cache, leftovers, spec=None):
        assert spec is None if params['state'] == 'absent' else spec['name'] == params['name']  # parsed once
        calls.append((params['name'], params['state'], check_mode, diff, id(image_cache), id(leftovers)))
        if params['name'] == 'bad':
            raise FleetDockerError('Host port 1/tcp is already published by container x; choose another port.')
        return dict(changed=params['name'] != 'same', actions=['created', 'started'] if params['name'] != 'same'
                    else [], changes=[], diff=dict(before={}, after={}))
    monkeypatch.setattr(batch, 'converge_container', fake_converge)
    client = FakeClient([_listed('old', 'shop'), _listed('new', 'shop')])
    with pytest.raises(FleetDockerError) as err:
        converge_batch(client, [dict(name='new', image='w'), dict(name='same', image='w'), dict(name='bad', image='w')],
                       parallel=2, project='shop', purge=True, check_mode=True, diff=True)
    result = err.value.result
    assert '1 of 4 containers failed: bad: Host port' in err.value.msg
    assert [r['name'] for r in result['results']] == ['new', 'same', 'bad']
    assert result['results'][2]['failed'] and not result['results'][0]['failed']
    assert result['purged'] == ['old']
    assert result['summary']['total'] == 3 and result['summary']['changed'] == 1
    assert result['summary']['unchanged'] == 1 and result['summary']['failed'] == 1
    assert result['summary']['created'] == 1 and result['summary']['purged'] == 1
    assert [d['before_header'] for d in result['diff']] == ['new', 'old']
    assert ('old', 'absent', True, True) in [c[:4] for c in calls]
    assert len(set(c[4] for c in calls)) == 1
    assert len(set(c[5] for c in calls)) == 1  # one list of replacements for the whole batch


def test_bad_input_never_reaches_the_engine(monkeypatch):
    monkeypatch.setattr(batch, 'converge_container', lambda *a: pytest.fail('engine touched'))
    with pytest.raises(BatchInputError):
        converge_batch(None, [dict(name='app', image='w'), dict(name='bee', ports=['x:y'])])
    with pytest.raises(BatchInputError, match='purge needs project'):
        converge_batch(None, [], purge=True)
    with pytest.raises(BatchInputError, match='parallel'):
        converge_batch(None, [], parallel=0)


def test_summary_counts():
    results = [dict(changed=True, actions=['pulled', 'created', 'started']), dict(changed=False, actions=[]),
               dict(changed=True, failed=True, actions=[])]
    summary = summarize(results, [])
    assert summary['total'] == 3 and summary['changed'] == 1 and summary['failed'] == 1
    assert summary['pulled'] == 1 and summary['started'] == 1 and summary['unchanged'] == 1
