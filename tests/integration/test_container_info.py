"""fleet.docker.container_info on the real engine: lookup by name/ID prefix, filters, exact ancestor."""

from fleet_testlib import TEST_LABEL, WEB, free_port, run_module, unique


def _create(engine, janitor, image, start=True, **kw):
    name = janitor.container(unique())
    engine.create_container(image, name=name, labels={TEST_LABEL: janitor.tag}, **kw)
    if start:
        engine.start(name)
    return name


def test_lookup_by_name_and_id_prefix(engine, janitor):
    engine.pull(WEB, tag='1.0')
    port = free_port()
    name = janitor.container(unique())
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag}, ports=[80],
                            host_config=engine.create_host_config(port_bindings={80: ('127.0.0.1', port)}))
    engine.start(name)
    by_name = run_module('container_info', {'name': name})
    assert not by_name.failed and by_name['changed'] is False and by_name['exists'] is True
    row = by_name['container']
    assert row['names'] == [name] and row['image'] == WEB + ':1.0' and row['state'] == 'running'
    assert row['status'].startswith('Up') and row['ports'] == ['127.0.0.1:%d->80/tcp' % port]
    assert row['labels'][TEST_LABEL] == janitor.tag and 'httpd' in row['command']
    by_prefix = run_module('container_info', {'name': row['id'][:12]})
    assert by_prefix['container']['id'] == row['id']
    # Read-only: the second run (and check mode) reports the same, unchanged.
    assert run_module('container_info', {'name': name}, check=True)['container']['id'] == row['id']


def test_missing_container(engine):
    result = run_module('container_info', {'name': unique('missing')})
    assert not result.failed and result['exists'] is False and result['container'] is None


def names(result):
    return sorted(n for c in result['containers'] for n in c['names'])


def test_filters_label_status_exited_and_all(engine, janitor):
    engine.pull(WEB, tag='1.0')
    running = _create(engine, janitor, WEB + ':1.0')
    exited = _create(engine, janitor, WEB + ':1.0', command=['sh', '-c', 'exit 3'])
    engine.wait(exited)
    label = {'label': '%s=%s' % (TEST_LABEL, janitor.tag)}
    assert names(run_module('container_info', {'filters': label})) == [running]
    assert names(run_module('container_info', {'filters': label, 'all': True})) == sorted([running, exited])
    assert names(run_module('container_info', {'filters': dict(label, exited=3), 'all': True})) == [exited]
    assert names(run_module('container_info', {'filters': dict(label, status='exited'), 'all': True})) == [exited]
    assert names(run_module('container_info', {'filters': {'name': running}})) == [running]
    exited_row = run_module('container_info', {'name': exited})['container']
    assert exited_row['status'].startswith('Exited (3)')


def test_ancestor_lists_exactly_the_containers_of_that_image(engine, janitor, web_repo):
    repo = web_repo['repo']
    for tag in ('1.0', 'stable'):
        engine.pull(repo, tag=tag)
    one = _create(engine, janitor, repo + ':1.0')
    stable = _create(engine, janitor, repo + ':stable', start=False)
    engine.pull(web_repo['worker'], tag='1.0')
    other = _create(engine, janitor, web_repo['worker'] + ':1.0')
    label = '%s=%s' % (TEST_LABEL, janitor.tag)

    def by_ancestor(ancestor, all_containers=True):
        result = run_module('container_info', {'filters': {'ancestor': ancestor, 'label': label},
                                               'all': all_containers})
        assert not result.failed, result
        return names(result)

    assert by_ancestor(repo + ':1.0') == [one]
    assert by_ancestor(repo + ':stable') == [stable]
    assert by_ancestor(repo) == sorted([one, stable])  # a bare repository means every tag
    assert by_ancestor(repo, all_containers=False) == [one]
    assert by_ancestor(engine.inspect_image(repo + ':stable')['Id']) == [stable]
    assert other not in by_ancestor(repo) and by_ancestor(web_repo['worker']) == [other]
    assert by_ancestor(repo + ':no-such-tag') == []


def test_unknown_filter_is_one_clear_message(engine):
    result = run_module('container_info', {'filters': {'colour': 'red'}})
    assert result.failed and result['msg'].startswith("Unknown filter 'colour'")
