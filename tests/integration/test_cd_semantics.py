"""Options that share a name with community.docker mean what they mean there (docs/migration.md), on the engine."""

import pytest

from fleet_testlib import REGISTRY, TEST_LABEL, WEB, run_module, unique


@pytest.fixture
def site(engine, janitor):
    """REGISTRY/<ns>/site with two tags on two images: :1 is demo/web:1.0, :latest is demo/web:stable."""
    for tag in ('1.0', 'stable'):
        engine.pull(WEB, tag=tag)
    ns = unique('t').replace('-', '')
    repo = '%s/%s/site' % (REGISTRY, ns)
    engine.tag(WEB + ':1.0', repo, '1')
    engine.tag(WEB + ':stable', repo, 'latest')
    janitor.image(repo + ':1')
    janitor.image(repo + ':latest')
    return dict(repo=repo, ns=ns, one=engine.inspect_image(WEB + ':1.0')['Id'],
                latest=engine.inspect_image(WEB + ':stable')['Id'])


def test_image_tag_tag_applies_to_name(engine, janitor, site):
    # community.docker.docker_image_tag: name acme/site + tag "1" tags acme/site:1, and entries of
    # repository without a tag take tag. The old image_tag tagged acme/site:latest here.
    mirror = '%s/%s/mirror' % (REGISTRY, site['ns'])
    janitor.image(mirror + ':1')
    args = dict(name=site['repo'], tag='1', repository=[mirror])
    first = run_module('image_tag', args)
    assert first.changed and first['tagged'] == [mirror + ':1'], first
    assert first['image_id'] == site['one']
    assert engine.inspect_image(mirror + ':1')['Id'] == site['one']
    assert not run_module('image_tag', args).changed
    # image_push: tag applies to name too, and the registry gets the image of :1.
    pushed = run_module('image_push', dict(name=mirror, tag='1'))
    assert pushed.changed and not pushed.failed, pushed
    assert pushed['repo_digest'] in engine.inspect_image(mirror + ':1')['RepoDigests']


def test_image_tag_existing_images_keep_and_overwrite(engine, janitor, site):
    target = site['repo'] + ':latest'  # names the stable image
    keep = run_module('image_tag', dict(name=site['repo'], tag='1', repository=[target], existing_images='keep'))
    assert not keep.changed and keep['kept'] == [target], keep
    assert engine.inspect_image(target)['Id'] == site['latest']
    over = run_module('image_tag', dict(name=site['repo'], tag='1', repository=[target], existing_images='overwrite'))
    assert over.changed and over['moved'] == [target], over
    assert engine.inspect_image(target)['Id'] == site['one']


def test_image_info_bare_name_is_latest_and_no_name_lists_all(engine, site):
    # community.docker.docker_image_info: a name without tag is name:latest. The old image_info
    # returned every tag of the repository here (now spelled REPOSITORY:*).
    bare = run_module('image_info', dict(name=[site['repo']]))
    assert [i['id'] for i in bare['images']] == [site['latest']], bare
    every = run_module('image_info', dict(name=[site['repo'] + ':*']))
    assert sorted(i['id'] for i in every['images']) == sorted([site['one'], site['latest']]), every
    everything = run_module('image_info', dict())
    assert {site['one'], site['latest']} <= {i['id'] for i in everything['images']}, everything
    bad = run_module('image_info', dict(name=[site['repo'] + ':1:*']))
    assert bad.failed and ':*' in bad['msg'], bad


def test_compose_build_default_is_policy_and_builds_a_missing_image(engine, tmp_path):
    # community.docker.docker_compose_v2's build defaults to policy, `docker compose up` without
    # --build/--no-build: a missing image is built. The old default (never) failed the task here.
    name = unique('fcd').lower()
    (tmp_path / 'app').mkdir()
    (tmp_path / 'app' / 'Dockerfile').write_text('FROM %s:1.0\nCOPY page.html /usr/share/nginx/html/page.html\n' % WEB)
    (tmp_path / 'app' / 'page.html').write_text('built\n')
    (tmp_path / 'compose.yaml').write_text('services:\n  app:\n    build: ./app\n    stop_grace_period: 1s\n')
    engine.pull(WEB, tag='1.0')
    args = dict(project_src=str(tmp_path), project_name=name)
    try:
        first = run_module('compose', args)
        assert first.changed and not first.failed, first
        assert first['built'] in (['%s-app' % name], ['%s-app:latest' % name]), first
        running = engine.containers(filters={'label': 'com.docker.compose.project=%s' % name})
        assert len(running) == 1 and running[0]['Image'].startswith('%s-app' % name), running
        again = run_module('compose', args)
        assert not again.changed and not again['built'], again
    finally:
        run_module('compose', dict(args, state='absent', remove_images='local', timeout=0))
        for image in engine.images(name='%s-app' % name):
            engine.remove_image(image['Id'], force=True)


def test_image_export_tag_applies_to_names_without_one(site, tmp_path):
    # community.docker.docker_image_export: tag (default latest) is the tag of names without one.
    import json
    import tarfile
    path = str(tmp_path / 'site.tar')
    result = run_module('image_export', dict(name=[site['repo']], tag='1', path=path))
    assert result.changed and not result.failed, result
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile('manifest.json'))
    assert [entry['RepoTags'] for entry in manifest] == [[site['repo'] + ':1']], manifest
    assert not run_module('image_export', dict(names=[site['repo'] + ':1'], path=path)).changed


def test_container_image_id_is_never_pulled(engine, janitor):
    # community.docker.docker_container: an image given by ID is local, pull is ignored. The old code
    # tried to pull "sha256:<id>" with pull=always and failed.
    engine.pull(WEB, tag='1.0')
    image_id = engine.inspect_image(WEB + ':1.0')['Id']
    args = dict(name=janitor.container(unique('cdid')), image=image_id, pull='always',
                labels={TEST_LABEL: janitor.tag})
    first = run_module('container', args)
    assert first.changed and not first.failed, first
    assert engine.inspect_container(args['name'])['Image'] == image_id
    assert not run_module('container', args).changed
    # pull=true is community.docker's older spelling of always; same answer.
    assert not run_module('container', dict(args, pull=True)).changed


def test_volume_label_another_tool_added_does_not_wipe_it(engine, janitor):
    # community.docker.docker_volume compares the labels the task names. The old volume module compared
    # the whole set, so recreate=options-changed wiped a volume over a label it did not name.
    name = janitor.volume(unique('cdvol'))
    engine.create_volume(name, labels={TEST_LABEL: janitor.tag, 'backup.example.com/policy': 'daily'})
    before = engine.inspect_volume(name)
    result = run_module('volume', dict(volume_name=name, labels={TEST_LABEL: janitor.tag}, recreate='options-changed'))
    assert not result.failed and not result.changed, result
    assert engine.inspect_volume(name)['CreatedAt'] == before['CreatedAt']
    changed = run_module('volume', dict(name=name, labels={TEST_LABEL: 'other'}, recreate='options-changed'),
                         check=True)
    assert changed.changed and [c['option'] for c in changed['changes']] == ['labels'], changed


def test_container_state_healthy_waits_for_the_healthcheck(engine, janitor):
    # community.docker.docker_container's state healthy: started, then healthy. Refused before.
    engine.pull(WEB, tag='1.0')
    args = dict(name=janitor.container(unique('cdhealthy')), image=WEB + ':1.0', state='healthy',
                healthcheck=dict(test='true', interval='1s', start_period='0s'), labels={TEST_LABEL: janitor.tag})
    first = run_module('container', args)
    assert first.changed and not first.failed, first
    assert engine.inspect_container(args['name'])['State']['Health']['Status'] == 'healthy'
    assert not run_module('container', args).changed


def test_image_absent_by_id(engine, janitor):
    # community.docker.docker_image_remove takes an image ID; image used to refuse it.
    engine.pull(WEB, tag='1.0')
    name = janitor.container(unique('cdcommit'))
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag})
    repo = 'fleettest/%s' % unique('cdid').replace('-', '')
    image_id = engine.commit(name, repository=repo, tag='1', conf={'Labels': {TEST_LABEL: janitor.tag}})['Id']
    engine.remove_container(name, force=True)
    janitor.image(repo + ':1')
    check = run_module('image', dict(name=image_id, state='absent'), check=True)
    assert check.changed and check['deleted'] == [image_id], check
    assert engine.inspect_image(image_id)['Id'] == image_id
    gone = run_module('image', dict(name=image_id, state='absent'))
    assert gone.changed and image_id in gone['deleted'], gone
    assert not engine.images(name=repo)
    assert not run_module('image', dict(name=image_id, state='absent')).changed


def test_compose_remove_images_local_keeps_images_the_file_names(engine, tmp_path):
    # `docker compose down --rmi local` (community.docker's remove_images: local) removes only the images
    # Compose names itself; the old module also removed a built image the file names in image:.
    name = unique('fcl').lower()
    own = '%s-own:1' % name
    for svc in ('app', 'tool'):
        (tmp_path / svc).mkdir()
        (tmp_path / svc / 'Dockerfile').write_text('FROM %s:1.0\nLABEL svc=%s\n' % (WEB, svc))
    (tmp_path / 'compose.yaml').write_text(
        'services:\n  app:\n    build: ./app\n    stop_grace_period: 1s\n'
        '  tool:\n    build: ./tool\n    image: %s\n    stop_grace_period: 1s\n' % own)
    engine.pull(WEB, tag='1.0')
    args = dict(project_src=str(tmp_path), project_name=name)
    try:
        up = run_module('compose', args)
        assert up.changed and not up.failed, up
        down = run_module('compose', dict(args, state='absent', remove_images='local', timeout=0))
        assert not down.failed and down['removed_images'] in (['%s-app' % name], ['%s-app:latest' % name]), down
        assert not engine.images(name='%s-app' % name)
        assert engine.images(name='%s-own' % name)
    finally:
        run_module('compose', dict(args, state='absent', timeout=0))
        for ref in ('%s-app' % name, '%s-own' % name):
            for image in engine.images(name=ref):
                engine.remove_image(image['Id'], force=True)
