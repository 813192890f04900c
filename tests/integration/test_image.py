"""fleet.docker.image on the real engine and the local registry (private copies via web_repo)."""

import io
import tarfile

import docker

from fleet_testlib import WEB, run_module, unique, TEST_LABEL


def own_image(engine, janitor, base, repo, tag, text, push=True):
    """An image only this test has: ``base`` plus one layer holding ``text``; pushed, then removed locally.

    The web_repo copies share their image IDs (and layers) with demo/web, which is always on the host,
    so a test that needs a real download or a sole owner of an image builds its own this way.
    """
    data = text.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        info = tarfile.TarInfo('own.txt')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    name = janitor.container(unique('imgbuild'))
    engine.create_container(base, name=name, labels={TEST_LABEL: janitor.tag})
    engine.put_archive(name, '/', buf.getvalue())
    image_id = engine.commit(name, repository=repo, tag=tag)['Id']
    engine.remove_container(name, force=True)
    janitor.image('%s:%s' % (repo, tag))
    if push:
        for line in engine.push(repo, tag=tag, stream=True, decode=True):
            assert 'error' not in line, line
        engine.remove_image('%s:%s' % (repo, tag))
    return image_id


def image_list(engine, repo):
    """The engine's image list for one repository as comparable data: (id, tags, digests) sorted.

    Only our private repository: other tests change the rest of the engine at the same time.
    """
    def ours(refs):
        return tuple(sorted(r for r in refs or [] if r.startswith(repo + ':') or r.startswith(repo + '@')))
    return sorted((i['Id'], ours(i.get('RepoTags')), ours(i.get('RepoDigests')))
                  for i in engine.images(all=True) if ours(i.get('RepoTags')) or ours(i.get('RepoDigests')))


def refs_of(engine, repo):
    return sorted(t for i in engine.images(name=repo) for t in i.get('RepoTags') or [])


def test_pull_by_tag_is_changed_once_and_check_mode_changes_nothing(engine, web_repo):
    repo = web_repo['repo']
    before = image_list(engine, repo)
    check = run_module('image', {'name': repo, 'tag': '1.0'}, check=True, diff=True)
    assert check.changed and not check['pulled'], check
    assert check['diff']['before']['id'] is None
    expected_id = check['diff']['after']['id']
    assert expected_id and expected_id.startswith('sha256:'), check  # the registry told the config digest
    assert image_list(engine, repo) == before

    first = run_module('image', {'name': repo, 'tag': '1.0'}, diff=True)
    assert first.changed and first['pulled'], first
    assert first['image']['id'] == expected_id == engine.inspect_image(repo + ':1.0')['Id']
    assert first['diff'] == {'before': {'reference': repo + ':1.0', 'id': None},
                             'after': {'reference': repo + ':1.0', 'id': expected_id}}
    assert set(first['image']) >= {'id', 'repo_tags', 'repo_digests', 'size', 'created', 'architecture'}
    layers = first['layers']
    assert layers['total'] >= 1 and layers['total'] == layers['downloaded'] + layers['already_present']

    second = run_module('image', {'name': repo + ':1.0'}, diff=True)
    assert not second.changed and not second['pulled'], second
    assert second['diff']['before'] == second['diff']['after']


def test_stable_after_1_0_reuses_layers(engine, web_repo):
    repo = web_repo['repo']
    assert run_module('image', {'name': repo + ':1.0'}).changed
    stable = run_module('image', {'name': repo, 'tag': 'stable'})
    assert stable.changed, stable
    layers = stable['layers']
    assert layers['already_present'] >= 1, layers
    assert layers['total'] == layers['downloaded'] + layers['already_present']


def test_layer_accounting_on_images_the_host_has_never_seen(engine, janitor, web_repo):
    repo = web_repo['repo']
    engine.pull(WEB, tag='1.0')
    own_image(engine, janitor, WEB + ':1.0', repo, 'own1', unique('one'))
    base_layers = len(engine.inspect_image(WEB + ':1.0')['RootFS']['Layers'])
    first = run_module('image', {'name': repo + ':own1'})
    assert first.changed and first['layers']['downloaded'] == 1, first
    assert first['layers']['already_present'] == base_layers
    own_image(engine, janitor, repo + ':own1', repo, 'own2', unique('two'))
    second = run_module('image', {'name': repo + ':own2'})
    assert second['layers'] == {'total': base_layers + 2, 'downloaded': 1, 'already_present': base_layers + 1}


def test_pull_by_digest(engine, web_repo):
    repo = web_repo['repo']
    engine.pull(repo, tag='1.0')
    digest_ref = [d for d in engine.inspect_image(repo + ':1.0')['RepoDigests'] if d.startswith(repo + '@')][0]
    engine.remove_image(repo + ':1.0')
    assert run_module('image', {'name': digest_ref}, check=True).changed
    first = run_module('image', {'name': digest_ref})
    assert first.changed and first['pulled'], first
    assert digest_ref in first['image']['repo_digests']
    second = run_module('image', {'name': digest_ref})
    assert not second.changed and not second['pulled'], second
    assert not run_module('image', {'name': digest_ref}, check=True).changed


def test_pull_always_follows_the_registry(engine, web_repo):
    repo = web_repo['repo']
    first = run_module('image', {'name': repo + ':1.0', 'pull': 'always'})
    assert first.changed
    old_id = first['image']['id']
    again = run_module('image', {'name': repo + ':1.0', 'pull': 'always'})
    assert again['pulled'] and not again.changed, again
    check_same = run_module('image', {'name': repo + ':1.0', 'pull': 'always'}, check=True, diff=True)
    assert not check_same.changed and check_same['remote_digest'], check_same

    # A new image under the same tag: push :stable's content as :1.0, then put the old image back locally.
    engine.pull(WEB, tag='stable')
    new_id = engine.inspect_image(WEB + ':stable')['Id']
    assert new_id != old_id
    engine.tag(WEB + ':stable', repo, '1.0')
    for line in engine.push(repo, tag='1.0', stream=True, decode=True):
        assert 'error' not in line, line
    engine.tag(old_id, repo, '1.0')
    assert engine.inspect_image(repo + ':1.0')['Id'] == old_id

    before = image_list(engine, repo)
    check = run_module('image', {'name': repo + ':1.0', 'pull': 'always'}, check=True, diff=True)
    assert check.changed, check
    assert check['diff']['before']['id'] == old_id and check['diff']['after']['id'] == new_id
    assert image_list(engine, repo) == before

    moved = run_module('image', {'name': repo + ':1.0', 'pull': 'always'}, diff=True)
    assert moved.changed and moved['image']['id'] == new_id, moved
    assert moved['diff']['before']['id'] == old_id and moved['diff']['after']['id'] == new_id
    assert not run_module('image', {'name': repo + ':1.0', 'pull': 'always'}).changed


def test_absent_is_idempotent_and_check_mode_changes_nothing(engine, janitor, web_repo):
    repo = web_repo['repo']
    engine.pull(WEB, tag='1.0')
    own_image(engine, janitor, WEB + ':1.0', repo, '1.0', unique('absent'), push=False)
    image_id = engine.inspect_image(repo + ':1.0')['Id']
    before = image_list(engine, repo)
    check = run_module('image', {'name': repo + ':1.0', 'state': 'absent'}, check=True, diff=True)
    assert check.changed and check['diff']['before']['id'] == image_id and check['diff']['after']['id'] is None
    assert image_list(engine, repo) == before
    gone = run_module('image', {'name': repo + ':1.0', 'state': 'absent'}, diff=True)
    assert gone.changed and image_id in gone['deleted'], gone
    assert refs_of(engine, repo) == []
    again = run_module('image', {'name': repo + ':1.0', 'state': 'absent'})
    assert not again.changed, again


def test_absent_refuses_an_image_a_container_uses(engine, janitor, web_repo):
    repo = web_repo['repo']
    engine.pull(WEB, tag='1.0')
    own_image(engine, janitor, WEB + ':1.0', repo, '1.0', unique('inuse'), push=False)
    cname = janitor.container(unique('imguser'))
    engine.create_container(repo + ':1.0', name=cname, labels={TEST_LABEL: janitor.tag})
    refused = run_module('image', {'name': repo + ':1.0', 'state': 'absent'})
    assert refused.failed and cname in refused['msg'] and 'force' in refused['msg'], refused
    assert refused['msg'].count('\n') == 0
    assert engine.inspect_image(repo + ':1.0')
    forced = run_module('image', {'name': repo + ':1.0', 'state': 'absent', 'force': True})
    assert forced.changed and cname in forced['containers'], forced
    assert refs_of(engine, repo) == []


def test_absent_keeps_the_other_repository_name(engine, janitor, web_repo):
    repo = web_repo['repo']
    other = '%s/%s/alias' % (repo.split('/')[0], web_repo['namespace'])
    engine.pull(WEB, tag='1.0')
    own_image(engine, janitor, WEB + ':1.0', repo, '1.0', unique('alias'), push=False)
    image_id = engine.inspect_image(repo + ':1.0')['Id']
    engine.tag(repo + ':1.0', other, '1.0')
    janitor.image(other + ':1.0')
    result = run_module('image', {'name': repo + ':1.0', 'state': 'absent'})
    assert result.changed and result['deleted'] == [] and repo + ':1.0' in result['untagged'], result
    assert engine.inspect_image(other + ':1.0')['Id'] == image_id
    assert not run_module('image', {'name': repo + ':1.0', 'state': 'absent'}).changed


def test_bad_references_fail_with_one_message(engine):
    for name, fragment in (('UPPER/case', 'lowercase'), ('name:tag@sha256:zz', 'not a digest'),
                           ('', 'empty')):
        result = run_module('image', {'name': name})
        assert result.failed and fragment in result['msg'], result
        assert '\n' not in result['msg'] and 'exception' not in result
    assert engine.images(name='name') == [] and engine.images(name='upper/case') == []


def test_missing_tag_fails_clearly(web_repo):
    result = run_module('image', {'name': web_repo['repo'] + ':no-such-tag'})
    assert result.failed and 'not found' in result['msg'], result
    check = run_module('image', {'name': web_repo['repo'] + ':no-such-tag'}, check=True)
    assert check.failed and 'not found' in check['msg'], check


def test_sdk_is_the_version_we_expect():
    assert docker.__version__.split('.')[0] >= '7'
