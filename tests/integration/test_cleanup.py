"""fleet.docker.cleanup on the real engine, on private copies with their own image IDs.

The copies from ``web_repo`` share image IDs with demo/web, which other tests use side by side,
so ``unique_web`` rebuilds each tag with a label: same layer structure (stable = 1.0 plus one
layer, latest = stable), IDs nobody else has. Containers use network_mode none: the engine
here has no docker0 bridge.
"""

import time

import docker
import pytest

from fleet_testlib import TEST_LABEL, WEB, build_image, labelled_state, push_image, run_module, unique


@pytest.fixture
def unique_web(engine, web_repo, janitor):
    repo, worker, ns = web_repo['repo'], web_repo['worker'], web_repo['namespace']
    engine.pull(repo, tag='1.0')
    engine.pull(worker, tag='1.0')
    label = 'LABEL fleet.test.ns=%s %s=%s\n' % (ns, TEST_LABEL, janitor.tag)
    ids = dict(v1=build_image(engine, 'FROM %s:1.0\n%s' % (repo, label), repo + ':1.0'))
    ids['stable'] = build_image(engine, 'FROM %s:1.0\nRUN echo %s > /stable.txt\n' % (repo, ns), repo + ':stable')
    engine.tag(repo + ':stable', repo, 'latest')
    ids['worker'] = build_image(engine, 'FROM %s:1.0\n%s' % (worker, label), worker + ':1.0')
    push_image(engine, repo, '1.0')  # gives 1.0 a RepoDigest, for a container created by digest
    digest = [d for d in engine.inspect_image(repo + ':1.0')['RepoDigests'] if d.startswith(repo + '@')][0]
    for ref_id in ids.values():
        janitor.image(ref_id)
    return dict(web_repo, ids=ids, digest_ref=digest)


def _container(engine, janitor, image, start=True, command=None):
    name = janitor.container(unique('cl'))
    engine.create_container(image, name=name, command=command, labels={TEST_LABEL: janitor.tag},
                            host_config=engine.create_host_config(network_mode='none'))
    if start:
        engine.start(name)
    return name


def _exists(engine, ref):
    try:
        return engine.inspect_image(ref)['Id']
    except docker.errors.NotFound:
        return None


def test_cleanup_every_tag_keeps_worker_and_second_name(engine, janitor, unique_web):
    repo, worker, ns = unique_web['repo'], unique_web['worker'], unique_web['namespace']
    web_names = [_container(engine, janitor, repo + ':1.0'), _container(engine, janitor, repo + ':stable'),
                 _container(engine, janitor, repo + ':latest'), _container(engine, janitor, unique_web['digest_ref']),
                 _container(engine, janitor, repo + ':1.0', start=False)]
    worker_names = [_container(engine, janitor, worker + ':1.0'),
                    _container(engine, janitor, worker + ':1.0', start=False)]
    second = janitor.image('%s/%s/keep:me' % (repo.rsplit('/', 2)[0], ns))
    engine.tag(repo + ':1.0', second.rsplit(':', 1)[0], 'me')
    demo_before = {t: _exists(engine, '%s:%s' % (WEB, t)) for t in ('1.0', 'stable', 'latest')}

    # Check mode: lists everything, changes nothing.
    before = labelled_state(engine, janitor.tag, ns)
    dry = run_module('cleanup', {'ancestor': repo, 'stop_timeout': 2}, check=True)
    assert not dry.failed and dry.changed, dry
    assert labelled_state(engine, janitor.tag, ns) == before
    assert sorted(c['name'] for c in dry['containers']) == sorted(web_names)
    assert sorted(i['tag'] for i in dry['images']) == sorted(repo + ':' + t for t in ('1.0', 'stable', 'latest'))
    assert dry['summary'].startswith('Would remove 5 container(s) (4 running)')

    result = run_module('cleanup', {'ancestor': repo, 'stop_timeout': 2})
    assert not result.failed and result.changed, result
    assert sorted(c['name'] for c in result['containers']) == sorted(web_names)  # only ours touched
    assert {c['name']: c['action'] for c in result['containers']} == dict(
        {n: 'stopped_and_removed' for n in web_names[:4]}, **{web_names[4]: 'removed'})
    remaining = {c['Names'][0].lstrip('/') for c in engine.containers(all=True)}
    assert not set(web_names) & remaining
    assert set(worker_names) <= remaining
    assert _exists(engine, worker + ':1.0') == unique_web['ids']['worker']
    for tag in ('1.0', 'stable', 'latest'):
        assert _exists(engine, '%s:%s' % (repo, tag)) is None
    # The second name survives; the image was only untagged for the matched repository.
    assert _exists(engine, second) == unique_web['ids']['v1']
    v1 = [i for i in result['images'] if i['tag'] == repo + ':1.0'][0]
    assert v1['action'] == 'untagged' and second in v1['reason']
    assert _exists(engine, unique_web['ids']['stable']) is None  # nothing else held stable: deleted
    assert {t: _exists(engine, '%s:%s' % (WEB, t)) for t in demo_before} == demo_before

    again = run_module('cleanup', {'ancestor': repo})
    assert not again.failed and again.changed is False, again
    assert again['containers'] == [] and again['images'] == []


def test_parallel_stop_of_sigterm_ignoring_workers(engine, janitor, unique_web):
    worker = unique_web['worker']
    names = [_container(engine, janitor, worker + ':1.0') for _index in range(20)]
    assert all(engine.inspect_container(n)['State']['Running'] for n in names)
    started = time.monotonic()
    result = run_module('cleanup', {'ancestor': worker + ':1.0', 'stop_timeout': 3})
    elapsed = time.monotonic() - started
    print('cleanup of 20 SIGTERM-ignoring containers, stop_timeout 3: %.1f s' % elapsed)
    assert not result.failed, result
    assert sorted(c['name'] for c in result['containers']) == sorted(names)
    assert all(c['action'] == 'stopped_and_removed' for c in result['containers'])
    # Serially this is 20 x 3 s = 60 s; in parallel about one timeout.
    assert 3 <= elapsed < 15, elapsed
    assert not engine.containers(all=True, filters={'label': TEST_LABEL + '=' + janitor.tag})


def test_exclude_keeps_container_and_its_image(engine, janitor, unique_web):
    repo = unique_web['repo']
    keep = _container(engine, janitor, repo + ':1.0')
    gone = [_container(engine, janitor, repo + ':1.0'), _container(engine, janitor, repo + ':stable')]
    result = run_module('cleanup', {'ancestor': repo, 'exclude': [keep, 'no-such-container'], 'stop_timeout': 1})
    assert not result.failed and result.changed, result
    actions = {c['name']: c['action'] for c in result['containers']}
    assert actions[keep] == 'kept' and all(actions[n] != 'kept' for n in gone)
    assert engine.inspect_container(keep)['State']['Running']
    v1 = [i for i in result['images'] if i['tag'] == repo + ':1.0'][0]
    assert v1['action'] == 'kept' and 'excluded container %s' % keep in v1['reason']
    assert _exists(engine, repo + ':1.0') == unique_web['ids']['v1']
    assert _exists(engine, repo + ':stable') is None
    assert result['exclude_not_found'] == ['no-such-container']

    again = run_module('cleanup', {'ancestor': repo, 'exclude': [keep], 'stop_timeout': 1})
    assert not again.failed and again.changed is False, again
    assert [c['action'] for c in again['containers']] == ['kept']


def test_descendants_and_their_containers(engine, janitor, unique_web):
    repo, ns = unique_web['repo'], unique_web['namespace']
    child = janitor.image('%s/%s/child:1' % (repo.rsplit('/', 2)[0], ns))
    build_image(engine, 'FROM %s:stable\nRUN echo child > /child.txt\n' % repo, child)
    kid = _container(engine, janitor, child, start=False)
    plain = run_module('cleanup', {'ancestor': repo + ':1.0'}, check=True)
    assert kid not in [c['name'] for c in plain['containers']]
    result = run_module('cleanup', {'ancestor': repo + ':1.0', 'descendants': True})
    assert not result.failed, result
    assert kid in [c['name'] for c in result['containers']]
    assert _exists(engine, child) is None
    assert any(i['tag'] == child and i['matched_by'].startswith('descendant of') for i in result['images'])


def _disk(engine):
    df = engine.df()
    return df['LayersSize'] + sum(max(c.get('SizeRw') or 0, 0) for c in df['Containers'])


def test_space_reclaimed_matches_engine_disk_usage(engine, janitor, unique_web):
    repo, ns = unique_web['repo'], unique_web['namespace']
    big = janitor.image('%s/%s/big:1' % (repo.rsplit('/', 2)[0], ns))
    build_image(engine, 'FROM %s:1.0\nRUN head -c 20000000 /dev/urandom > /blob\n' % repo, big)
    name = _container(engine, janitor, big, command=['sh', '-c', 'head -c 3000000 /dev/urandom > /rw; sleep 600'])
    for _attempt in range(100):  # wait until the container has written its 3 MB
        probe = engine.exec_create(name, ['sh', '-c', 'wc -c < /rw 2>/dev/null || echo 0'])['Id']
        if engine.exec_start(probe).strip() == b'3000000':
            break
        time.sleep(0.1)
    dry = run_module('cleanup', {'ancestor': big, 'stop_timeout': 1}, check=True)
    before = _disk(engine)
    result = run_module('cleanup', {'ancestor': big, 'stop_timeout': 1})
    after = _disk(engine)
    assert not result.failed, result
    freed = before - after
    print('space_reclaimed %d, engine df delta %d' % (result['space_reclaimed'], freed))
    assert result['space_reclaimed'] > 20000000
    assert abs(result['space_reclaimed'] - freed) <= 0.05 * freed
    assert abs(dry['space_reclaimed'] - result['space_reclaimed']) <= 0.05 * freed


@pytest.mark.parametrize('args, message', [
    ({'ancestor': 'Bad/Name:1'}, 'Invalid ancestor'),
    ({'ancestor': 'web:'}, 'Invalid ancestor'),
    ({'ancestor': 'web@sha256:1234'}, 'Invalid ancestor'),
    ({'ancestor': []}, 'at least one'),
    ({'ancestor': 'web', 'stop_timeout': 'soon'}, 'stop_timeout'),
    ({'ancestor': 'web', 'stop_timeout': -1}, 'stop_timeout'),
    ({'ancestor': 'web', 'descendants': 'perhaps'}, 'descendants'),
])
def test_bad_input_is_one_clear_message(engine, janitor, args, message):
    # A container of our own stands for "the engine": other tests create and remove theirs meanwhile.
    engine.pull(WEB, tag='1.0')
    sentinel = engine.create_container(WEB + ':1.0', name=janitor.container(unique('sentinel')),
                                       labels={TEST_LABEL: janitor.tag})['Id']
    result = run_module('cleanup', args)
    assert result.failed and message in result['msg'], result
    assert 'exception' not in result and not result.changed
    assert engine.inspect_container(sentinel)['Id'] == sentinel
