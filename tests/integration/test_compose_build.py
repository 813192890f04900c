"""fleet.docker.compose: services with build: (issue #21), built through image_build's logic.

Two services build from tiny offline Dockerfiles (FROM the local registry's demo/web:1.0), one only
builds (image named <project>-<service> as Compose names it), one builds into an image of its own;
a third pulls. The build option decides: never (refused when the image is missing), missing, always
(image_build's input check: a rerun builds nothing, a context change rebuilds that image only).
"""

import os
import textwrap

import pytest

from fleet_testlib import WEB, read_file, run_module, unique

LABEL = 'com.docker.compose.project'

PROJECT = textwrap.dedent("""\
    services:
      app:
        build: ./app
        stop_grace_period: 1s
      tool:
        build:
          context: ./tool
          args:
            GREETING: hello
        image: {tagged}
        stop_grace_period: 1s
      plain:
        image: {web}:1.0
        stop_grace_period: 1s
    """)


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)


@pytest.fixture
def built(engine, tmp_path):
    name = unique('fcb').lower()
    tagged = '%s-own:1' % name
    _write(str(tmp_path / 'compose.yaml'), PROJECT.format(web=WEB, tagged=tagged))
    _write(str(tmp_path / 'app' / 'Dockerfile'), 'FROM %s:1.0\nCOPY page.html /usr/share/nginx/html/page.html\n' % WEB)
    _write(str(tmp_path / 'app' / 'page.html'), 'v1\n')
    _write(str(tmp_path / 'tool' / 'Dockerfile'),
           'FROM %s:1.0\nARG GREETING\nRUN echo "$GREETING" > /usr/share/nginx/html/greeting.txt\n' % WEB)
    yield name, tmp_path, tagged
    run_module('compose', dict(project_src=str(tmp_path), project_name=name, state='absent', remove_images='local', timeout=0))
    for c in engine.containers(all=True, filters={'label': '%s=%s' % (LABEL, name)}):
        engine.remove_container(c['Id'], force=True, v=True)
    for net in engine.networks(filters={'label': '%s=%s' % (LABEL, name)}):
        engine.remove_network(net['Id'])
    for ref in ('%s-app:latest' % name, tagged):
        try:
            engine.remove_image(ref, force=True)
        except Exception:  # pylint: disable=broad-except
            pass


def _ids(engine, name):
    out = {}
    for c in engine.containers(all=True, filters={'label': '%s=%s' % (LABEL, name)}):
        out[c['Labels']['com.docker.compose.service']] = (c['Id'], c['State'], c['ImageID'])
    return out


def _cat(engine, container, path):
    return (read_file(engine, container, path) or '').strip()


def test_build_never_refuses_missing_image_and_changes_nothing(engine, built):
    name, src, _tagged = built
    res = run_module('compose', dict(project_src=str(src), project_name=name, build='never'))
    assert res.failed
    assert 'service app: build: image %s-app is not on the host and build is never' % name in res.get('msg')
    assert not engine.containers(all=True, filters={'label': '%s=%s' % (LABEL, name)})
    assert not engine.images(name='%s-app' % name)


def test_build_converges_rerun_unchanged_context_change_rebuilds_one_service(engine, built):
    name, src, tagged = built
    params = dict(project_src=str(src), project_name=name, build='always')
    # Check mode: plans the builds and the creates, builds and creates nothing.
    res = run_module('compose', params, check=True)
    assert not res.failed, res.get('msg')
    assert res.changed and sorted(res['built']) == sorted(['%s-app' % name, tagged])
    assert not engine.images(name='%s-app' % name) and not engine.images(name=tagged.split(':')[0])
    assert not _ids(engine, name)

    res = run_module('compose', params)
    assert not res.failed, res.get('msg')
    assert res.changed and sorted(res['built']) == sorted(['%s-app' % name, tagged])
    first = _ids(engine, name)
    assert set(first) == {'app', 'tool', 'plain'} and all(v[1] == 'running' for v in first.values())
    app_image = engine.inspect_image('%s-app:latest' % name)
    assert first['app'][2] == app_image['Id']
    assert first['tool'][2] == engine.inspect_image(tagged)['Id']
    assert _cat(engine, '%s-app-1' % name, '/usr/share/nginx/html/page.html') == 'v1'
    assert _cat(engine, '%s-tool-1' % name, '/usr/share/nginx/html/greeting.txt') == 'hello'

    again = run_module('compose', params)
    assert not again.failed, again.get('msg')
    assert not again.changed and again['built'] == []
    assert _ids(engine, name) == first

    # build: missing with every image present builds nothing either.
    assert not run_module('compose', dict(params, build='missing')).changed

    # A context change: check mode says app is rebuilt and recreated; the run does exactly that.
    _write(str(src / 'app' / 'page.html'), 'v2\n')
    res = run_module('compose', params, check=True)
    assert res.changed and res['built'] == ['%s-app' % name]
    assert engine.inspect_image('%s-app:latest' % name)['Id'] == app_image['Id']
    assert _ids(engine, name) == first
    res = run_module('compose', params)
    assert not res.failed, res.get('msg')
    assert res.changed and res['built'] == ['%s-app' % name]
    after = _ids(engine, name)
    assert after['app'][0] != first['app'][0] and after['app'][2] != first['app'][2]
    assert after['tool'] == first['tool'] and after['plain'] == first['plain']
    assert _cat(engine, '%s-app-1' % name, '/usr/share/nginx/html/page.html') == 'v2'
    assert not run_module('compose', params).changed


def test_build_unsupported_key_refused_before_any_change(engine, built):
    name, src, _tagged = built
    _write(str(src / 'compose.yaml'), textwrap.dedent("""\
        services:
          app:
            build:
              context: ./app
              dockerfile_inline: "FROM scratch"
        """))
    res = run_module('compose', dict(project_src=str(src), project_name=name, build='missing'))
    assert res.failed
    assert 'service app: build.dockerfile_inline: Compose would accept it' in res.get('msg')
    assert 'not supported' in res.get('msg')
    assert not engine.containers(all=True, filters={'label': '%s=%s' % (LABEL, name)})
    assert not engine.images(name='%s-app' % name)
