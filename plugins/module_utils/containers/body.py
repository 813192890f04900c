# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's request bodies for one container, built from its canonical spec (pure).

``create_config`` is the create body, ``post_create_endpoints`` the networks to connect after
the create, ``update_body`` one ``docker update``, ``endpoint_steps`` the disconnects and
connects that give a live container its wanted endpoints. The option table (options.py) says
what each option writes; ``ops.py`` sends the bodies and knows nothing of options.
"""

from __future__ import annotations

from ansible_collections.fleet.docker.plugins.module_utils.containers.options import BY_NAME, OPTIONS, UPDATE


def create_config(spec: dict, params: dict, image: str | None = None, inherited_volumes=(),
                  network_mode: str | None = None) -> dict:
    """The engine's create body for a spec: only what the task set, so the image fills the rest.

    ``image`` stands in when the task names none (a recreate keeps the container's own image);
    ``inherited_volumes`` are ``(volume name, target)`` pairs an old container's anonymous
    volumes are carried over with; ``network_mode`` is the resolved mode (``container:<id>``).
    Nothing of our own is added: a created container carries the task's labels and the image's.
    """
    body = dict(config=dict(Image=image or spec['image']), host={})
    for option in OPTIONS:
        if option.name in spec:
            option.write(body, spec[option.name])
    config, host = body['config'], body['host']
    if inherited_volumes:
        host.setdefault('Binds', []).extend('%s:%s' % pair for pair in inherited_volumes)
    if params.get('stop_timeout') is not None:
        config['StopTimeout'] = params['stop_timeout']
    networks = spec.get('networks') or []
    mode = spec.get('network_mode')
    if mode:
        host['NetworkMode'] = mode
    elif networks:
        host['NetworkMode'] = networks[0]['name']
    first = [n for n in networks if n['name'] == host.get('NetworkMode')]
    if first:
        config['NetworkingConfig'] = dict(EndpointsConfig={first[0]['name']: endpoint_config(first[0])})
    if network_mode:
        host['NetworkMode'] = network_mode
    config['HostConfig'] = host
    return config


def post_create_endpoints(spec: dict, config: dict) -> list:
    """``(network, endpoint body)`` for each network the create body does not join: the engine
    joins one network at create (before API 1.44), the rest are connected afterwards."""
    joined = set(((config.get('NetworkingConfig') or {}).get('EndpointsConfig') or {}).keys())
    return [(entry['name'], endpoint_config(entry)) for entry in spec.get('networks') or []
            if entry['name'] not in joined]


def endpoint_config(entry: dict) -> dict:
    """A networks entry -> the engine's EndpointSettings (create and connect)."""
    out = {}
    if entry.get('aliases'):
        out['Aliases'] = list(entry['aliases'])
    if entry.get('links'):
        out['Links'] = list(entry['links'])
    ipam = dict((key, entry[name]) for name, key in (('ipv4_address', 'IPv4Address'),
                                                     ('ipv6_address', 'IPv6Address')) if entry.get(name))
    if ipam:
        out['IPAMConfig'] = ipam
    return out


def update_body(diffs: list, container: dict | None = None) -> dict:
    """One ``docker update`` body for every resource that drifted (empty: nothing to update).

    ``container`` is the inspect of the live container: like at create, an unset swap limit
    follows memory, so where the engine stored twice the old memory it gets twice the new.
    """
    body = {}
    for entry in diffs:
        option = BY_NAME.get(entry['option'])
        if option is not None and entry['how'] == UPDATE and option.update:
            body.update(option.update(entry['engine']))
    host = (container or {}).get('HostConfig') or {}
    if 'Memory' in body and 'MemorySwap' not in body and host.get('MemorySwap', 0) > 0 \
            and host.get('MemorySwap') == 2 * (host.get('Memory') or 0):
        body['MemorySwap'] = 2 * body['Memory'] if body['Memory'] else 0
    return body


_ENDPOINT_KEYS = ('aliases', 'links', 'ipv4_address', 'ipv6_address')


def endpoint_steps(container: dict, wanted: list) -> list:
    """What makes the container's endpoints ``wanted`` (resolved networks entries), in order:
    ``('disconnect', network, None)`` and ``('connect', network, endpoint body)``. Dropped
    networks are left, new ones joined, and those whose aliases, addresses or links differ
    reconnected; matching ones are not touched."""
    have = dict((e['name'], e) for e in BY_NAME['networks'].read(container, None))
    want = dict((e['name'], e) for e in wanted)
    steps = [('disconnect', name, None) for name in sorted(set(have) - set(want))]
    for name in sorted(want):
        if name in have:
            if all(have[name].get(key) == want[name].get(key) for key in _ENDPOINT_KEYS):
                continue
            steps.append(('disconnect', name, None))
        steps.append(('connect', name, endpoint_config(want[name])))
    return steps
