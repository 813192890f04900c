"""Unit tests of the compose loader (#21): interpolation, .env parsing, merging, extends, anchors."""

import os

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.compose.envfile import EnvFileError, parse_dotenv
from ansible_collections.fleet.docker.plugins.module_utils.compose.errors import ComposeError
from ansible_collections.fleet.docker.plugins.module_utils.compose.interpolate import (
    InterpolationError, substitute)
from ansible_collections.fleet.docker.plugins.module_utils.compose.load import (
    load_project, load_project_with_warnings, normalize_project_name)
from ansible_collections.fleet.docker.plugins.module_utils.engine.values import format_duration, parse_duration

ENV = {'HOME': '/home/u'}


def lookup(env):
    return env.get


# ---- interpolation ---------------------------------------------------------------------------

@pytest.mark.parametrize('template,expected', [
    ('${A}', 'a'), ('$A', 'a'), ('x$A-y', 'xa-y'), ('$$A', '$A'), ('$$$A', '$a'),
    ('${UNSET:-d}', 'd'), ('${EMPTY:-d}', 'd'), ('${EMPTY-d}', ''), ('${UNSET-d}', 'd'),
    ('${A:+alt}', 'alt'), ('${EMPTY:+alt}', ''), ('${EMPTY+alt}', 'alt'), ('${UNSET+alt}', ''),
    ('${UNSET:-${A}-x}', 'a-x'), ('${UNSET:-${ALSO:-deep}}', 'deep'), ('${A}${A}', 'aa'),
    ('$1 and $ sign', '$1 and $ sign'), ('${A:?never}', 'a'), ('${EMPTY?ok}', ''),
])
def test_substitute(template, expected):
    assert substitute(template, lookup({'A': 'a', 'EMPTY': ''})) == expected


@pytest.mark.parametrize('template,message', [
    ('${X:?set X}', 'required variable X is missing a value: set X'),
    ('${EMPTY:?no empty}', 'required variable EMPTY is missing a value: no empty'),
    ('${X?}', 'required variable X is missing a value'),
    ('${}', 'Invalid template'), ('${A', 'Invalid template'), ('${1A}', 'Invalid template'),
])
def test_substitute_errors(template, message):
    with pytest.raises(InterpolationError) as exc:
        substitute(template, lookup({'EMPTY': ''}))
    assert message in str(exc.value)


def test_unset_variable_warns_once():
    warnings = []
    assert substitute('$X/$X', lookup({}), warnings) == '/'
    assert warnings == ['The "X" variable is not set. Defaulting to a blank string.']


# ---- .env ------------------------------------------------------------------------------------

def test_dotenv_rules():
    text = ('\ufeff# comment\nexport FOO=bar\nQ="a b # not a comment"\nS=\'x $FOO y\'\nI=val # comment\n'
            'H=a#b\nREF=${FOO}-ref\nEMPTY=\nML="one\ntwo"\nESC="tab\\tnl\\n\\$FOO"\nCOLON: yes\n'
            'PASS\nMISSING\n  SPACED  =  v  \n')
    env = parse_dotenv(text, lookup({'PASS': 'from-shell'}))
    assert env == {'FOO': 'bar', 'Q': 'a b # not a comment', 'S': 'x $FOO y', 'I': 'val', 'H': 'a#b',
                   'REF': 'bar-ref', 'EMPTY': '', 'ML': 'one\ntwo', 'ESC': 'tab\tnl\n$FOO', 'COLON': 'yes',
                   'PASS': 'from-shell', 'SPACED': 'v'}


def test_dotenv_shell_wins_in_interpolation():
    assert parse_dotenv('A=file\nB=${A}\n', lookup({'A': 'shell'}))['B'] == 'shell'


@pytest.mark.parametrize('text,message', [
    ('A B=1\n', 'line 1'), ('A="open\n', 'unterminated quoted value'), ('A!=1\n', 'unexpected character'),
])
def test_dotenv_errors(text, message):
    with pytest.raises(EnvFileError) as exc:
        parse_dotenv(text)
    assert message in str(exc.value)


# ---- loading ---------------------------------------------------------------------------------

def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_env_precedence_shell_over_dotenv_and_env_files(tmp_path):
    write(tmp_path, '.env', 'TAG=dotenv\nONLY=dot\n')
    write(tmp_path, 'other.env', 'TAG=other\n')
    write(tmp_path, 'compose.yaml', 'services:\n  web:\n    image: "x:${TAG}-${ONLY:-none}"\n')
    assert load_project(str(tmp_path), None, None, 'p', None, [], ENV)['services']['web']['image'] == 'x:dotenv-dot'
    shell = dict(ENV, TAG='shell')
    assert load_project(str(tmp_path), None, None, 'p', None, [], shell)['services']['web']['image'] == 'x:shell-dot'
    # env_files replace .env entirely.
    assert load_project(str(tmp_path), None, None, 'p', ['other.env'], [], ENV)['services']['web']['image'] \
        == 'x:other-none'


def test_anchors_and_merge_keys(tmp_path):
    write(tmp_path, 'compose.yaml', (
        'x-base: &base\n  image: busybox\n  restart: always\n  environment: &env\n    A: "1"\n'
        'services:\n  one:\n    <<: *base\n  two:\n    <<: *base\n    restart: "no"\n'
        '    environment:\n      <<: *env\n      B: yes\n'))
    project = load_project(str(tmp_path), None, None, 'p', None, [], ENV)
    assert project['services']['one']['restart'] == 'always'
    assert project['services']['two']['restart'] == 'no'
    # `yes` stays a string (YAML 1.2, as Compose reads it), not a boolean.
    assert project['services']['two']['environment'] == {'A': '1', 'B': 'yes'}
    assert project['x-base']['image'] == 'busybox'


def test_yaml_duplicate_key_and_sexagesimal(tmp_path):
    write(tmp_path, 'compose.yaml', 'services:\n  web:\n    image: x\n    ports:\n      - 22:22\n')
    ports = load_project(str(tmp_path), None, None, 'p', None, [], ENV)['services']['web']['ports']
    assert ports == [{'mode': 'ingress', 'target': 22, 'published': '22', 'protocol': 'tcp'}]
    write(tmp_path, 'compose.yaml', 'services:\n  web:\n    image: x\n    image: y\n')
    with pytest.raises(ComposeError) as exc:
        load_project(str(tmp_path), None, None, 'p', None, [], ENV)
    assert 'line 4' in exc.value.msg and 'already defined' in exc.value.msg


def test_merge_rules(tmp_path):
    write(tmp_path, 'a.yaml', (
        'services:\n  web:\n    image: a\n    command: [one]\n    environment: [A=1, B=2]\n'
        '    ports: ["80:80"]\n    expose: [1]\n    dns: 8.8.8.8\n    volumes: [./a:/data]\n'
        '    depends_on: [db]\n    logging: {driver: json-file, options: {max-size: 1m}}\n'
        '  db:\n    image: d\n'))
    write(tmp_path, 'b.yaml', (
        'services:\n  web:\n    command: two\n    environment: {B: "3", C: null}\n'
        '    ports: ["80:80", "81:81"]\n    expose: [1, 2]\n    dns: [1.1.1.1]\n    volumes: [./b:/data]\n'
        '    depends_on: {db: {condition: service_healthy}}\n    logging: {options: {max-file: "2"}}\n'))
    web = load_project(str(tmp_path), ['a.yaml', 'b.yaml'], None, 'p', None, [], ENV)['services']['web']
    assert web['command'] == ['two']
    assert web['environment'] == {'A': '1', 'B': '3', 'C': None}
    assert [p.get('published') for p in web['ports']] == ['80', '81']
    assert web['expose'] == ['1', '2']
    assert web['dns'] == ['8.8.8.8', '1.1.1.1']
    assert [v['source'] for v in web['volumes']] == [os.path.join(str(tmp_path), 'b')]
    assert web['depends_on'] == {'db': {'condition': 'service_healthy', 'required': True}}
    assert web['logging'] == {'driver': 'json-file', 'options': {'max-size': '1m', 'max-file': '2'}}


def test_extends_in_file_and_from_another_file(tmp_path):
    write(tmp_path, 'common/base.yaml', (
        'services:\n  base:\n    image: b\n    environment: {FROM: base}\n    volumes: [./data:/data]\n'))
    write(tmp_path, 'compose.yaml', (
        'services:\n  web:\n    extends: {file: common/base.yaml, service: base}\n    environment: {OWN: "1"}\n'
        '  again:\n    extends: web\n    image: c\n'))
    project = load_project(str(tmp_path), None, None, 'p', None, [], ENV)
    web, again = project['services']['web'], project['services']['again']
    assert web['environment'] == {'FROM': 'base', 'OWN': '1'}
    # Relative paths of the extended file resolve against that file's directory.
    assert web['volumes'][0]['source'] == os.path.join(str(tmp_path), 'common', 'data')
    assert again['image'] == 'c' and again['environment'] == web['environment']
    assert 'extends' not in web


def test_extends_cycle(tmp_path):
    write(tmp_path, 'compose.yaml', 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n')
    with pytest.raises(ComposeError) as exc:
        load_project(str(tmp_path), None, None, 'p', None, [], ENV)
    assert 'circular reference' in exc.value.msg


def test_normal_form(tmp_path):
    write(tmp_path, 'svc.env', 'FROM_FILE=f\nOVERRIDDEN=file\n')
    write(tmp_path, 'compose.yaml', (
        'version: "3"\nservices:\n  web:\n    image: x\n    env_file: svc.env\n'
        '    environment: [OVERRIDDEN=own, PASS, GONE]\n'
        '    volumes: ["~/cfg:/cfg:ro", "named:/var/lib", /anon]\n'
        '    healthcheck: {test: curl -f localhost, interval: 90s, retries: 0}\n'
        '    stop_grace_period: 1m\n    mem_limit: 1g\n'
        '  side:\n    image: y\n    network_mode: "service:web"\n    profiles: [extra]\n'
        'volumes:\n  named:\n  unused:\n'))
    project, warnings = load_project_with_warnings(str(tmp_path), None, None, None, None, [],
                                                   dict(ENV, PASS='p'))
    assert project['name'] == normalize_project_name(os.path.basename(str(tmp_path)))
    web = project['services']['web']
    assert web['environment'] == {'FROM_FILE': 'f', 'OVERRIDDEN': 'own', 'PASS': 'p', 'GONE': None}
    assert web['volumes'][0] == {'type': 'bind', 'source': '/home/u/cfg', 'target': '/cfg', 'read_only': True,
                                 'bind': {'create_host_path': True}}
    assert web['healthcheck'] == {'test': ['CMD-SHELL', 'curl -f localhost'], 'interval': '1m30s', 'retries': 0}
    assert web['stop_grace_period'] == '1m0s' and web['mem_limit'] == '1073741824'
    assert web['networks'] == {'default': None}
    assert set(project['networks']) == {'default'} and project['networks']['default']['name'].endswith('_default')
    assert set(project['volumes']) == {'named'}  # unused volumes are dropped, as config does
    assert 'side' not in project['services']
    assert any('`version` is obsolete' in w for w in warnings)
    project = load_project(str(tmp_path), None, None, 'p', None, ['extra'], ENV)
    assert project['services']['side']['depends_on'] == {
        'web': {'condition': 'service_started', 'required': True, 'restart': True}}


@pytest.mark.parametrize('name,expected', [('My_Proj.1', 'my_proj1'), ('-_x', 'x'), ('ÄB c', 'bc')])
def test_project_name(name, expected):
    assert normalize_project_name(name) == expected


def test_project_name_precedence(tmp_path):
    write(tmp_path, 'compose.yaml', 'name: From-Yaml\nservices:\n  web:\n    image: x\n')
    assert load_project(str(tmp_path), None, None, None, None, [], ENV)['name'] == 'from-yaml'
    assert load_project(str(tmp_path), None, None, None, None, [], dict(ENV, COMPOSE_PROJECT_NAME='env'))['name'] \
        == 'env'
    assert load_project(str(tmp_path), None, None, 'arg', None, [], dict(ENV, COMPOSE_PROJECT_NAME='env'))['name'] \
        == 'arg'
    with pytest.raises(ComposeError):
        load_project(str(tmp_path), None, None, 'Bad Name', None, [], ENV)


def test_inline_definition(tmp_path):
    project = load_project(str(tmp_path), None, {'services': {'web': {'image': 'x', 'volumes': ['./d:/d']}}},
                           'p', None, [], ENV)
    assert project['services']['web']['volumes'][0]['source'] == os.path.join(str(tmp_path), 'd')


@pytest.mark.parametrize('text,ns', [('30s', 30 * 10 ** 9), ('1m30s', 90 * 10 ** 9), ('500ms', 5 * 10 ** 8),
                                     ('1h', 3600 * 10 ** 9), ('10', 10 ** 10)])
def test_durations(text, ns):
    assert parse_duration('duration', text, negative=True) == ns


def test_duration_format():
    assert [format_duration(n) for n in (0, 5 * 10 ** 8, 60 * 10 ** 9, 3600 * 10 ** 9 + 1)] == \
        ['0s', '500ms', '1m0s', '1h0m0.000000001s']
