"""fleet.docker.containers on the real engine: the container module's cases, run through the batch path."""

import os

from fleet_testlib import TEST_LABEL, WEB, container_exists, container_state, converge_twice, engine_http_get, free_port, run_module, unique

from ansible_collections.fleet.docker.plugins.module_utils.containers.batch import PROJECT_LABEL

IMAGE = WEB + ':1.0'
HTML = '/usr/share/nginx/html'


def _batch(janitor, items, project=None, **kw):
    for item in items:
        janitor.container(item['name'])
    args = dict(defaults=dict(image=IMAGE, labels={TEST_LABEL: janitor.tag}), containers=items,
                project=project or unique('proj'), parallel=4)
    args.update(kw)
    return args


def _converge(args, **kw):
    """Run the batch twice (changed, then nothing changed) on the same containers."""
    first, second = converge_twice('containers', args, **kw)
    assert second['summary']['unchanged'] == len(args['containers'])
    assert [r['container']['id'] for r in second['results']] == [r['container']['id'] for r in first['results']]
    return first


def test_reference_set_converges_and_is_idempotent(engine, janitor):
    html = janitor.tmpdir()
    with open(os.path.join(html, 'index.html'), 'w') as handle:
        handle.write('batch')
    items = []
    for _i in range(5):
        name, volume = unique('batch'), janitor.volume(unique('vol'))
        items.append(dict(name=name, ports=['127.0.0.1:%d:80' % free_port()], env={'N': name, 'COUNT': 3},
                          volumes=['%s:/data' % volume, '%s:%s:ro' % (html, HTML)], restart_policy='always'))
    first = _converge(_batch(janitor, items))
    assert first['summary']['created'] == 5 and first['summary']['started'] == 5
    for item, result in zip(items, first['results']):
        assert result['name'] == item['name'] and result['actions'] == ['created', 'started']
        inspected = engine.inspect_container(item['name'])
        assert inspected['HostConfig']['RestartPolicy']['Name'] == 'always'
        assert 'COUNT=3' in inspected['Config']['Env']
    status, body = engine_http_get(int(items[0]['ports'][0].split(':')[1]))
    assert status == 200 and body == 'batch'


def test_drift_recreates_or_updates_only_the_changed_items(engine, janitor):
    items = [dict(name=unique('batch'), ports=['127.0.0.1:%d:80' % free_port()], restart_policy='always')
             for _i in range(3)]
    args = _batch(janitor, items)
    first = _converge(args)
    ids = [r['container']['id'] for r in first['results']]
    items[0]['env'] = {'A': '2'}
    items[1]['restart_policy'] = 'unless-stopped'
    result = run_module('containers', args, diff=True)
    assert not result.failed and result.changed, result
    assert result['results'][0]['actions'] == ['recreated', 'started']
    assert result['results'][0]['container']['id'] != ids[0]
    assert result['results'][1]['actions'] == ['updated'] and result['results'][1]['container']['id'] == ids[1]
    assert result['results'][2]['changed'] is False and result['results'][2]['container']['id'] == ids[2]
    assert result['summary']['recreated'] == 1 and result['summary']['updated'] == 1
    assert result['summary']['unchanged'] == 1
    assert [d['before_header'] for d in result['diff']] == [items[0]['name'], items[1]['name']]
    assert result['results'][1]['diff']['after']['restart_policy']['name'] == 'unless-stopped'
    assert run_module('containers', args).changed is False


def test_check_mode_reports_drift_and_changes_nothing(engine, janitor):
    items = [dict(name=unique('batch'), ports=['127.0.0.1:%d:80' % free_port()], restart_policy='always')
             for _i in range(2)]
    args = _batch(janitor, items)
    _converge(args)
    before = [container_state(engine, i['name']) for i in items]
    new_name = unique('batch')
    items[0].update(ports=['127.0.0.1:%d:80' % free_port()], env={'A': 1})
    items.append(dict(name=janitor.container(new_name)))
    result = run_module('containers', args, check=True, diff=True)
    assert not result.failed and result.changed, result
    assert 'recreated' in result['results'][0]['actions']
    assert set(result['results'][0]['diff']['after']) == {'state', 'ports', 'env'}
    assert result['results'][1]['changed'] is False
    assert result['results'][2]['actions'] == ['created', 'started']
    assert [container_state(engine, i['name']) for i in items[:2]] == before
    assert not container_exists(engine, new_name)


def test_states_and_absent_items(engine, janitor):
    items = [dict(name=unique('batch'), state='stopped'), dict(name=unique('batch'))]
    args = _batch(janitor, items)
    _converge(args)
    assert engine.inspect_container(items[0]['name'])['State']['Status'] == 'created'
    items[0]['state'], items[1]['state'] = 'started', 'absent'
    result = run_module('containers', args)
    assert result['results'][0]['actions'] == ['started'] and result['results'][1]['actions'] == ['removed']
    assert not container_exists(engine, items[1]['name'])
    assert run_module('containers', args).changed is False


def test_bad_input_changes_nothing(engine, janitor):
    good, bad = unique('batch'), unique('batch')
    cases = [
        [dict(name=good), dict(name=bad, ports=['99999:80'])],
        [dict(name=good), dict(name=bad, restart='maybe')],
        [dict(name=good), dict(name=bad, colour='red')],
        [dict(name=good), dict(name=good)],
        [dict(name=good), dict(name=bad, volumes=['relative:path'])],
    ]
    for items in cases:
        result = run_module('containers', _batch(janitor, [dict(i) for i in items]))
        assert result.failed and result['msg'].startswith('Invalid containers, nothing was changed'), result
        assert '\n' not in result['msg']
        assert not container_exists(engine, good) and not container_exists(engine, bad)
    args = _batch(janitor, [dict(name=good)], purge=True)
    args['project'] = None
    result = run_module('containers', args)
    assert result.failed and 'purge needs project' in result['msg'] and not container_exists(engine, good)


def test_one_failing_item_does_not_stop_the_others(engine, janitor):
    port = free_port()
    items = [dict(name=unique('batch'), ports=['127.0.0.1:%d:80' % port])]
    _converge(_batch(janitor, items))
    clash = [dict(name=unique('batch'), ports=['127.0.0.1:%d:80' % port]), dict(name=unique('batch'))]
    result = run_module('containers', _batch(janitor, clash))
    assert result.failed and 'already published' in result['msg'], result
    assert result['results'][0]['failed'] and not result['results'][1]['failed']
    assert container_exists(engine, clash[1]['name']) and not container_exists(engine, clash[0]['name'])


def test_image_is_pulled_once_for_many_items(engine, janitor, web_repo):
    ref = web_repo['repo'] + ':1.0'
    items = [dict(name=unique('batch'), image=ref) for _i in range(4)]
    result = _converge(_batch(janitor, items))
    assert result['summary']['pulled'] == 1
    assert sum('pulled' in r['actions'] for r in result['results']) == 1


def test_purge_removes_only_this_projects_unlisted_containers(engine, janitor):
    project, other = unique('proj'), unique('proj')
    mine = [dict(name=unique('batch')) for _i in range(3)]
    theirs = [dict(name=unique('batch'))]
    _converge(_batch(janitor, [dict(i) for i in mine], project=project))
    _converge(_batch(janitor, [dict(i) for i in theirs], project=other))
    unlabelled = unique('batch')
    assert not run_module('container', dict(name=janitor.container(unlabelled), image=IMAGE,
                                            labels={TEST_LABEL: janitor.tag})).failed
    # Same name prefix and a label value that only starts with the project name: still not ours.
    lookalike = unique('batch')
    assert not run_module('container', dict(name=janitor.container(lookalike), image=IMAGE,
                                            labels={TEST_LABEL: janitor.tag, PROJECT_LABEL: project + 'x'})).failed

    args = _batch(janitor, [dict(i) for i in mine[:1]], project=project, purge=True)
    check = run_module('containers', args, check=True)
    assert check.changed and sorted(check['purged']) == sorted(i['name'] for i in mine[1:])
    assert all(container_exists(engine, i['name']) for i in mine)
    result = run_module('containers', args)
    assert result.changed and sorted(result['purged']) == sorted(i['name'] for i in mine[1:])
    assert result['summary']['purged'] == 2
    assert container_exists(engine, mine[0]['name'])
    assert not any(container_exists(engine, i['name']) for i in mine[1:])
    assert container_exists(engine, theirs[0]['name']) and container_exists(engine, unlabelled) and container_exists(engine, lookalike)
    again = run_module('containers', args)
    assert again.changed is False and again['purged'] == []
    labels = engine.inspect_container(mine[0]['name'])['Config']['Labels']
    assert labels[PROJECT_LABEL] == project and labels[TEST_LABEL] == janitor.tag
