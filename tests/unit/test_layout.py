"""The layout of plugins/module_utils, read from the source (issue #25): no import cycles, each domain
imports only what sits below it, one place calls the engine for containers, one parser per grammar.

Pure: the files are parsed (ast) and grepped, nothing is imported or run. Every import counts, at
module level or inside a function: Ansible's payload builder ships what any of them names.
"""

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE_UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
PREFIX = 'ansible_collections.fleet.docker.plugins.module_utils'


def _files():
    """{dotted name below module_utils: path}; a package's __init__.py is the package's name."""
    out = {}
    for dirpath, _dirs, files in os.walk(MODULE_UTILS):
        for fname in files:
            if not fname.endswith('.py'):
                continue
            rel = os.path.relpath(os.path.join(dirpath, fname), MODULE_UTILS)[:-3].split(os.sep)
            if rel[-1] == '__init__':
                rel = rel[:-1]
            if rel:
                out['.'.join(rel)] = os.path.join(dirpath, fname)
    return out


FILES = _files()


def _resolve(name):
    """The module_utils module a dotted name (below module_utils) is, or None (an attribute of one)."""
    return name if name in FILES else None


def _imports(mod):
    """The module_utils modules ``mod`` imports (any level), as dotted names below module_utils."""
    path = FILES[mod]
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    package = mod.split('.') if path.endswith('__init__.py') else mod.split('.')[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PREFIX + '.'):
                    target = alias.name[len(PREFIX) + 1:]
                    while target and not _resolve(target):
                        target = target.rpartition('.')[0]
                    if target:
                        found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] if node.level > 1 else list(package)
                base = '.'.join(base + (node.module.split('.') if node.module else []))
            elif node.module and (node.module == PREFIX or node.module.startswith(PREFIX + '.')):
                base = node.module[len(PREFIX) + 1:]
            else:
                continue
            for alias in node.names:
                sub = '%s.%s' % (base, alias.name) if base else alias.name
                if _resolve(sub):
                    found.add(sub)          # from package import module
                elif base and _resolve(base):
                    found.add(base)         # from module import name
    found.discard(mod)
    return found


GRAPH = dict((mod, _imports(mod)) for mod in FILES)


def _closure(mod):
    seen, todo = set(), [mod]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    seen.discard(mod)
    return seen


def _cycles():
    """The strongly connected components of more than one file (Tarjan), each sorted."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return sorted(out)


def _domain(mod):
    return mod.split('.')[0]


def test_the_scan_sees_the_tree():
    # A scan that resolved nothing would pass every test below.
    assert {'engine.connection', 'containers.ops', 'compose.info', 'compose.load'} <= set(FILES)
    assert 'engine.connection' in GRAPH['containers.ops']
    assert sum(len(v) for v in GRAPH.values()) > 50


def test_no_import_cycles_between_files():
    assert _cycles() == []


def test_engine_imports_nothing_else_of_ours():
    outside = dict((mod, sorted(t for t in GRAPH[mod] if _domain(t) != 'engine'))
                   for mod in FILES if _domain(mod) == 'engine')
    assert dict((m, t) for m, t in outside.items() if t) == {}


def test_container_ops_imports_only_engine():
    assert sorted(t for t in GRAPH['containers.ops'] if _domain(t) != 'engine') == []


# The converge stack: what a read-only module must not ship.
CONVERGE_STACK = ('containers.converge', 'containers.apply', 'containers.plan', 'containers.batch',
                  'containers.recreate', 'compose.apply')


def test_compose_info_does_not_ship_the_converge_stack():
    assert sorted(set(CONVERGE_STACK) & _closure('compose.info')) == []


# Engine calls that act on containers, on a docker client (any of the names the code gives one);
# network connect/disconnect are the networks' endpoints and stay with networks/.
CLIENT = r'(?:\bclient|\bapi|\bcli|\bdocker_client|self\.client|self\._client|module\.client)(?:\.api)?\.'
CONTAINER_CALLS = re.compile(
    CLIENT + r'(?:containers|create_container|inspect_container|remove_container|prune_containers|update_container|'
    r'put_archive|get_archive|exec_create|exec_start|exec_inspect|exec_resize|rename|kill|pause|unpause|restart|stop|'
    r'start|wait|logs|attach|top|export|commit|stats|resize|diff|create_host_config|create_networking_config)\('
    r'|[\'"]/containers\b')   # an API path of its own (client._url, engine_request)


# Transports: the SDK's container methods written out over the standard library (engine/lite.py, for
# the api connection plugin's workers). They are called through containers/ops.py like the SDK's.
TRANSPORTS = ('engine.lite',)


def _container_calls():
    found = []
    for mod, path in sorted(FILES.items()):
        if _domain(mod) == 'containers' or mod in TRANSPORTS:
            continue
        with open(path) as handle:
            for num, line in enumerate(handle, 1):
                code = line.split('#', 1)[0]
                if CONTAINER_CALLS.search(code):
                    found.append('%s:%d: %s' % (os.path.relpath(path, ROOT), num, line.strip()))
    return found


def test_the_container_call_pattern_matches_what_it_should():
    for line in ('client.containers(all=True)', 'client.api.inspect_container(x)', 'self.client.stop(cid, timeout=2)',
                 "resp = client.head(client._url('/containers/{0}/archive', cid))", 'client.put_archive(cid, base, tar)',
                 "engine_request(client, 'POST', '/containers/{0}/update', cid, body=body)"):
        assert CONTAINER_CALLS.search(line), line
    for line in ('match.start() != pos', 'thread.start()', 'event.wait(1)', 'p.diff(plan)', 'client.images(all=True)',
                 'client.connect_container_to_network(cid, net)', 'ops.stop_container(client, cid)',
                 'used by ``containers/ops.py`` for ``POST /containers/{id}/update``'):
        assert not CONTAINER_CALLS.search(line), line


def test_only_containers_calls_the_engine_for_containers():
    assert _container_calls() == []


def test_the_stdlib_transport_is_built_by_open_client_only():
    # One client builder: only engine/connection.py names engine/lite.py, in module_utils or plugins, and
    # by a string (importlib): no import statement, so Ansible ships it with no module.
    assert sorted(mod for mod, targets in GRAPH.items() if set(TRANSPORTS) & targets) == []
    users = []
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
        for fname in files:
            path = os.path.join(dirpath, fname)
            if fname.endswith('.py'):
                with open(path) as handle:
                    if re.search(r'engine(?:\.| import )lite\b|LiteClient\(', handle.read()):
                        users.append(os.path.relpath(path, ROOT))
    assert users == [os.path.join('plugins', 'module_utils', 'engine', 'connection.py')]


# One parser per value grammar: a grep over plugins/ finds one definition of each.
GRAMMARS = {
    'port': r'def\s+_?parse_ports?\b',
    'duration': r'def\s+_?parse_durations?\b',
    'size': r'def\s+_?parse_(?:size|bytes)s?\b',
}


@pytest.mark.parametrize('grammar', sorted(GRAMMARS))
def test_one_parser_per_grammar(grammar):
    pattern = re.compile(GRAMMARS[grammar])
    found = []
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
        for fname in sorted(files):
            if fname.endswith('.py'):
                path = os.path.join(dirpath, fname)
                with open(path) as handle:
                    found += ['%s:%d' % (os.path.relpath(path, ROOT), num)
                              for num, line in enumerate(handle, 1) if pattern.search(line)]
    assert len(found) == 1, found
