import pytest

from ansible_collections.fleet.docker.plugins.module_utils.images.references import (
    ImageRefError, is_image_id, looks_like_id_prefix, normalize_id, parse_reference, registry_host, registry_path,
    repo_of, split_registry, validate_tag)

DIGEST = 'sha256:' + 'a' * 64


@pytest.mark.parametrize('text, registry, path, tag, digest', [
    ('nginx', None, 'nginx', None, None),
    ('nginx:stable', None, 'nginx', 'stable', None),
    ('library/nginx:1.25', None, 'library/nginx', '1.25', None),
    ('127.0.0.1:5000/demo/web:1.0', '127.0.0.1:5000', 'demo/web', '1.0', None),
    ('localhost/x', 'localhost', 'x', None, None),
    ('reg.example.com/a/b@' + DIGEST, 'reg.example.com', 'a/b', None, DIGEST),
    ('reg.example.com:443/a/b:t@' + DIGEST, 'reg.example.com:443', 'a/b', 't', DIGEST),
    ('index.docker.io/library/nginx', 'docker.io', 'library/nginx', None, None),
    ('[::1]:5000/x:y', '[::1]:5000', 'x', 'y', None),
])
def test_parse_valid(text, registry, path, tag, digest):
    ref = parse_reference(text)
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (registry, path, tag, digest)


def test_forms_the_engine_uses():
    ref = parse_reference('docker.io/library/nginx', default_tag='latest')
    assert ref.repository == 'nginx'
    assert ref.tagged == 'nginx:latest'
    assert ref.canonical == 'docker.io/library/nginx:latest'
    digested = parse_reference('127.0.0.1:5000/demo/web@' + DIGEST, default_tag='latest')
    assert digested.tag is None  # the digest wins over a default tag
    assert digested.pull_ref == '127.0.0.1:5000/demo/web@' + DIGEST


@pytest.mark.parametrize('text, fragment', [
    ('UPPER/case', 'must be lowercase'),
    ('name:tag@sha256:zz', 'is not a digest'),
    ('', 'it is empty'),
    ('   ', 'it is empty'),
    ('a b', 'whitespace'),
    ('x@sha256:' + 'A' * 64, '64 lowercase hex'),
    ('x:-bad', 'not a valid tag'),
    ('x:t\u00e4g', 'not a valid tag'),  # \w must not accept non-ASCII letters
    (':latest', 'repository name is missing'),
    ('a//b', 'not a valid name component'),
    ('host:99999/x', 'out of range'),
    ('x' * 300, 'longer than'),
    (None, 'expected a string'),
])
def test_parse_invalid_is_one_clear_sentence(text, fragment):
    with pytest.raises(ImageRefError) as info:
        parse_reference(text)
    assert fragment in info.value.msg
    assert '\n' not in info.value.msg


def test_default_tag_is_validated():
    with pytest.raises(ImageRefError, match='Invalid tag'):
        parse_reference('nginx', default_tag='no/slash')
    assert validate_tag('1.0') == '1.0'


def test_split_registry():
    assert split_registry('127.0.0.1:5000/acme') == ('127.0.0.1:5000', 'acme')
    assert split_registry('localhost/acme/web') == ('localhost', 'acme/web')
    assert split_registry('nginx') == (None, 'nginx')
    assert split_registry('bitnami/nginx') == (None, 'bitnami/nginx')


def test_registry_api_names():
    assert registry_host(parse_reference('nginx')) == 'registry-1.docker.io'
    assert registry_path(parse_reference('nginx')) == 'library/nginx'
    assert registry_path(parse_reference('bitnami/nginx')) == 'bitnami/nginx'
    assert registry_host(parse_reference('127.0.0.1:5000/demo/web')) == '127.0.0.1:5000'
    assert registry_path(parse_reference('127.0.0.1:5000/demo/web')) == 'demo/web'


def test_ids_and_repo_of():
    assert is_image_id('a' * 64) and is_image_id('sha256:' + 'a' * 64)
    assert not is_image_id('abc')
    assert looks_like_id_prefix('f2915a02')
    assert normalize_id('ab' * 32) == 'sha256:' + 'ab' * 32
    assert repo_of('127.0.0.1:5000/demo/web:1.0') == '127.0.0.1:5000/demo/web'
    assert repo_of('127.0.0.1:5000/demo/web@' + DIGEST) == '127.0.0.1:5000/demo/web'
    assert repo_of('127.0.0.1:5000/demo/web') == '127.0.0.1:5000/demo/web'
