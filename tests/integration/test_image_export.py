"""fleet.docker.image_export and image_load on the real engines: round trip, reruns, bad archives."""

import hashlib
import json
import tarfile

from fleet_testlib import run_module


def _manifest(path):
    with tarfile.open(str(path)) as tar:
        return json.loads(tar.extractfile('manifest.json').read().decode())


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _present(engine, ref):
    try:
        return engine.inspect_image(ref)['Id']
    except Exception:  # pylint: disable=broad-except
        return None


def test_export_and_load_round_trip_and_rerun_unchanged(engine, web_repo, tmp_path):
    web, worker = web_repo['repo'] + ':1.0', web_repo['worker'] + ':1.0'
    for ref in (web, worker):
        repo, tag = ref.rsplit(':', 1)
        engine.pull(repo, tag=tag)
    ids = {web: engine.inspect_image(web)['Id'], worker: engine.inspect_image(worker)['Id']}
    archive = tmp_path / 'images.tar'

    check = run_module('image_export', dict(names=[web, worker], path=str(archive)), check=True, diff=True)
    assert check.changed and not archive.exists(), check
    first = run_module('image_export', dict(names=[web, worker], path=str(archive)), diff=True)
    assert first.changed and first['checksum'] == 'sha256:' + _sha(archive), first
    entries = _manifest(archive)
    assert sorted(tag for e in entries for tag in e['RepoTags']) == sorted([web, worker])
    assert sorted(e['Config'].split('/')[-1].replace('.json', '') for e in entries) == \
        sorted(i.split(':')[1] for i in ids.values())
    digest = _sha(archive)
    second = run_module('image_export', dict(names=[web, worker], path=str(archive)))
    assert not second.changed and _sha(archive) == digest, second
    # Other names are another archive; check mode says so and leaves the file alone.
    other = run_module('image_export', dict(names=[web], path=str(archive)), check=True)
    assert other.changed and _sha(archive) == digest, other

    # Load on a host that lacks them.
    for ref in (web, worker):
        engine.remove_image(ref)
    check = run_module('image_load', dict(path=str(archive)), check=True, diff=True)
    assert check.changed and sorted(check['loaded']) == sorted([web, worker]), check
    assert _present(engine, web) is None and _present(engine, worker) is None
    loaded = run_module('image_load', dict(path=str(archive)), diff=True)
    assert loaded.changed and sorted(loaded['loaded']) == sorted([web, worker]), loaded
    assert _present(engine, web) == ids[web] and _present(engine, worker) == ids[worker]
    assert sorted(loaded['diff']['after']['present']) == sorted(ids.values())
    again = run_module('image_load', dict(path=str(archive)))
    assert not again.changed and again['loaded'] == [], again
    # A name that moved elsewhere is restored by a load.
    engine.tag(worker, web_repo['repo'], '1.0', force=True)
    moved = run_module('image_load', dict(path=str(archive)))
    assert moved.changed and _present(engine, web) == ids[web], moved


def test_load_refuses_a_corrupt_or_foreign_archive(engine, web_repo, tmp_path):
    web = web_repo['repo'] + ':1.0'
    engine.pull(web_repo['repo'], tag='1.0')
    archive = tmp_path / 'good.tar'
    assert run_module('image_export', dict(names=[web], path=str(archive))).changed
    engine.remove_image(web)

    truncated = tmp_path / 'truncated.tar'
    truncated.write_bytes(archive.read_bytes()[:len(archive.read_bytes()) // 3])
    result = run_module('image_load', dict(path=str(truncated)))
    assert result.failed and 'is not a readable image archive (corrupt or truncated)' in result['msg'], result

    foreign = tmp_path / 'foreign.tar'
    with tarfile.open(str(foreign), 'w') as tar:
        tar.add(str(archive), arcname='not-an-image.bin')
    result = run_module('image_load', dict(path=str(foreign)))
    assert result.failed and result['msg'] == '%s is not an image archive: it has no manifest.json.' % foreign

    garbage = tmp_path / 'garbage.tar'
    garbage.write_bytes(b'this is no tar file at all\n' * 100)
    result = run_module('image_load', dict(path=str(garbage)))
    assert result.failed and 'is not a readable image archive' in result['msg'], result

    result = run_module('image_load', dict(path=str(tmp_path / 'missing.tar')))
    assert result.failed and result['msg'] == 'The archive %s does not exist.' % (tmp_path / 'missing.tar')
    assert _present(engine, web) is None


def test_export_bad_input(engine, tmp_path):
    result = run_module('image_export', dict(names=['127.0.0.1:5000/fleettest/none:1'], path=str(tmp_path / 'a.tar')))
    assert result.failed and 'is not on the host' in result['msg'] and not (tmp_path / 'a.tar').exists(), result
    result = run_module('image_export', dict(names=['127.0.0.1:5000/demo/web:1.0'], path=str(tmp_path / 'no' / 'a.tar')))
    assert result.failed and 'does not exist' in result['msg'], result
