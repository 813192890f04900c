"""fleet.docker.image_build on the real engines: inputs digest, layer cache per step, build args, bad input."""

import pytest

from fleet_testlib import WEB, run_module, unique

DOCKERFILE = '''FROM %s:1.0
ARG RELEASE=none
COPY a.txt /srv/a.txt
RUN echo "release=$RELEASE" > /srv/release.txt
COPY b.txt /srv/b.txt
CMD ["cat", "/srv/release.txt"]
''' % WEB


@pytest.fixture
def context(tmp_path):
    ctx = tmp_path / 'ctx'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text(DOCKERFILE)
    (ctx / 'a.txt').write_text('a\n')
    (ctx / 'b.txt').write_text('b\n')
    (ctx / 'notes.log').write_text('ignored\n')
    (ctx / '.dockerignore').write_text('# not sent\n*.log\n')
    return ctx


@pytest.fixture
def image_name(janitor):
    name = 'fleettest/%s:1' % unique('build')
    janitor.image(name)
    return name


def _image_id(engine, name):
    try:
        return engine.inspect_image(name)['Id']
    except Exception:  # pylint: disable=broad-except
        return None


def _run_output(engine, janitor, image, command=None):
    container = janitor.container(unique('buildrun'))
    engine.create_container(image, name=container, command=command)
    engine.start(container)
    assert engine.wait(container, timeout=60)['StatusCode'] == 0
    return engine.logs(container).decode()


def test_build_is_idempotent_and_rebuilds_from_the_changed_step(engine, janitor, context, image_name):
    args = dict(name=image_name, path=str(context), args={'RELEASE': '7'})
    check = run_module('image_build', args, check=True, diff=True)
    assert check.changed and check['reason'] == 'the image is not on the host', check
    assert _image_id(engine, image_name) is None  # check mode built nothing

    first = run_module('image_build', args, diff=True)
    assert first.changed and not first.failed, first
    built_id = _image_id(engine, image_name)
    assert built_id and first['image']['id'] == built_id
    assert first['diff']['before']['id'] is None and first['diff']['after']['id'] == built_id
    assert engine.inspect_image(image_name)['Config']['Labels']['fleet.docker.build-inputs'] == first['inputs_digest']
    assert [s['instruction'].split()[0] for s in first['steps']][:6] == ['FROM', 'ARG', 'COPY', 'RUN', 'COPY', 'CMD']
    # The build arg landed in the image.
    assert _run_output(engine, janitor, image_name).strip() == 'release=7'

    second = run_module('image_build', args)
    assert not second.changed and second['reason'] == 'the build inputs are unchanged', second
    assert second['steps'] == [] and _image_id(engine, image_name) == built_id
    # A file .dockerignore leaves out is no input.
    (context / 'notes.log').write_text('changed, but ignored\n')
    assert not run_module('image_build', args).changed

    # One file changes: its COPY step and every later one run; the earlier ones come from the cache.
    # Unique content: the engine's layer cache outlives test runs, and a second edition built by
    # an earlier run would come from the cache.
    (context / 'b.txt').write_text('b, second edition of %s\n' % image_name)
    check = run_module('image_build', args, check=True)
    assert check.changed and check['reason'] == 'the build inputs changed', check
    assert _image_id(engine, image_name) == built_id
    third = run_module('image_build', args)
    assert third.changed, third
    cache = dict((s['instruction'].split()[0] + ' ' + s['instruction'].split()[1], s['cache']) for s in third['steps'])
    assert cache['ARG RELEASE=none'] == 'hit' and cache['COPY a.txt'] == 'hit', third['steps']
    assert cache['RUN echo'] == 'hit' and cache['COPY b.txt'] == 'miss' and cache['CMD ["cat",'] == 'miss', third['steps']
    assert third['cache_hits'] == 3 and third['cache_misses'] == 2, third
    assert _image_id(engine, image_name) not in (None, built_id)
    assert not run_module('image_build', args).changed

    # A different build arg is a new input: the RUN step that uses it runs again.
    fourth = run_module('image_build', dict(args, args={'RELEASE': '8'}))
    assert fourth.changed and [s['cache'] for s in fourth['steps'] if s['instruction'].startswith('RUN')] == ['miss']
    assert _run_output(engine, janitor, image_name).strip() == 'release=8'


def test_rebuild_always_uses_the_cache_and_reports_no_change(engine, context, image_name):
    args = dict(name=image_name, path=str(context))
    assert run_module('image_build', args).changed
    again = run_module('image_build', dict(args, rebuild='always'))
    assert not again.failed and not again.changed, again
    assert again['cache_misses'] == 0 and again['cache_hits'] >= 4, again


def test_labels_and_target(engine, tmp_path, image_name):
    ctx = tmp_path / 'multi'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s:1.0 AS first\nRUN echo one > /one\n'
                                    'FROM first AS second\nRUN echo two > /two\n' % WEB)
    result = run_module('image_build', dict(name=image_name, path=str(ctx), target='first',
                                            labels={'org.example.team': 'web'}))
    assert result.changed, result
    labels = engine.inspect_image(image_name)['Config']['Labels']
    assert labels['org.example.team'] == 'web'
    assert not [s for s in result['steps'] if 'two' in s['instruction']], result['steps']
    assert not run_module('image_build', dict(name=image_name, path=str(ctx), target='first',
                                              labels={'org.example.team': 'web'})).changed
    # Another target is another input.
    assert run_module('image_build', dict(name=image_name, path=str(ctx), target='second',
                                          labels={'org.example.team': 'web'})).changed


def test_missing_context_fails_before_the_engine(engine, tmp_path, image_name):
    result = run_module('image_build', dict(name=image_name, path=str(tmp_path / 'nowhere')))
    assert result.failed and result['msg'] == 'The build context %s does not exist.' % (tmp_path / 'nowhere'), result
    empty = tmp_path / 'empty'
    empty.mkdir()
    result = run_module('image_build', dict(name=image_name, path=str(empty)))
    assert result.failed and 'The Dockerfile %s/Dockerfile does not exist.' % empty in result['msg'], result
    result = run_module('image_build', dict(name='Not/Valid:name', path=str(empty)))
    assert result.failed and 'lowercase' in result['msg'], result
    assert _image_id(engine, image_name) is None


def test_dockerfile_syntax_error_is_one_clear_message(engine, tmp_path, image_name):
    ctx = tmp_path / 'syntax'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s:1.0\nFORM nothing\n' % WEB)
    result = run_module('image_build', dict(name=image_name, path=str(ctx)))
    assert result.failed and result['msg'].startswith('Build of %s failed' % image_name), result
    assert 'unknown instruction' in result['msg'].lower(), result
    assert _image_id(engine, image_name) is None


def test_failing_run_step_shows_the_step_and_the_end_of_the_log(engine, tmp_path, image_name):
    ctx = tmp_path / 'failing'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s:1.0\nRUN echo marker-before-failure && exit 3\n' % WEB)
    result = run_module('image_build', dict(name=image_name, path=str(ctx)))
    assert result.failed, result
    msg = result['msg']
    assert 'at step 2 (RUN echo marker-before-failure && exit 3)' in msg, msg
    assert 'non-zero code: 3' in msg, msg
    assert 'Last lines of the build log:' in msg and 'marker-before-failure' in msg.split('Last lines')[1], msg
    assert _image_id(engine, image_name) is None
