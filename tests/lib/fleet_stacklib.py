"""Stacks deployed by `docker stack deploy` and by fleet.docker.stack, read back comparably (issue #26).

Used by tests/integration/test_swarm_stack_conformance.py (one-node private swarm) and
benchmarks/stack_bench.py (the lab). The reference is the sid docker CLI 28.5 (REFERENCE_CLI), run on
the controller; the modules never use it.

- ``seed_standins``: the real stack files in tests/stacks/ name their images as
  ``127.0.0.1:5000/standin/<original reference>`` (nothing public can be pulled here). Every such tag is
  one small image (STANDIN_DOCKERFILE): its entrypoint ignores the command a stack gives it and
  exits at once on SIGTERM, and it has a ``curl`` that succeeds, so the files' healthchecks pass.
  A tag is pushed once, under a lock, and never again: the digest both tools pin stays the same
  across sessions and engines.
- ``stack_view``: what a stack is on the engine (services, networks, secrets, configs), with the
  values that must differ between two deployments masked (MASKED lists them) and IDs turned into names.
- ``differences``: field by field, ``(object, field path, reference value, our value)``.
"""

import fcntl
import os
import subprocess
import time
import urllib.error
import urllib.request

import yaml

from fleet_testlib import REGISTRY, ROOT, WEB, build_image, ensure_image, push_image

STACKS_DIR = os.path.join(ROOT, 'tests', 'stacks')
STACK_FILE = 'docker-stack.yml'
REFERENCE_CLI = os.path.join(ROOT, '.state', 'engines', '28.5', 'root', 'usr', 'bin', 'docker')
STANDIN_PREFIX = REGISTRY + '/standin/'
NAMESPACE_LABEL = 'com.docker.stack.namespace'

STANDIN_DOCKERFILE = """FROM %s
RUN printf '#!/bin/sh\\n# fleet.docker stand-in (tests/lib/fleet_stacklib.py): ignores its command, stops on TERM\\n\
trap "exit 0" TERM INT\\nwhile :; do sleep 1 & wait $!; done\\n' >/bin/standin && \
printf '#!/bin/sh\\nexit 0\\n' >/bin/curl && chmod 755 /bin/standin /bin/curl
LABEL org.fleet.demo=standin
ENTRYPOINT ["/bin/standin"]
""" % (WEB + ':1.0')

# Values two deployments of one file cannot share, and why; everything else is compared.
MASKED = {
    'ID, Version, CreatedAt, UpdatedAt': 'identity and history of the object, new on every creation',
    'network IDs (TaskTemplate.Networks Target, Endpoint.VirtualIPs NetworkID)': 'replaced by the network name',
    'Endpoint.VirtualIPs Addr': 'the address the engine allocates; only its presence per network is compared',
    'SecretID / ConfigID in the container spec': 'replaced by the object name (SecretName / ConfigName stay)',
    'network overlay option com.docker.network.driver.overlay.vxlanid_list': 'allocated per network',
    'network IPAM subnets and gateways': 'allocated from the default pool unless the file sets them (then compared)',
}


def stack_dirs():
    return sorted(d for d in os.listdir(STACKS_DIR) if os.path.isfile(os.path.join(STACKS_DIR, d, STACK_FILE)))


def stack_images(name):
    with open(os.path.join(STACKS_DIR, name, STACK_FILE)) as handle:
        doc = yaml.safe_load(handle)
    return sorted(set(svc['image'] for svc in (doc.get('services') or {}).values() if svc.get('image')))


def _split(ref):
    repo, _sep, tag = ref.rpartition(':')
    if not repo or '/' in tag:
        return ref, 'latest'
    return repo, tag


def registry_has(ref):
    """True when the test registry holds ``ref`` (a manifest HEAD; only REGISTRY, a loopback address)."""
    repo, tag = _split(ref)
    host, _sep, path = repo.partition('/')
    req = urllib.request.Request('http://%s/v2/%s/manifests/%s' % (host, path, tag), method='HEAD', headers={
        'Accept': 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status == 200
    except urllib.error.HTTPError:
        return False


def seed_standins(client, refs):
    """Push the stand-in image under every ``refs`` tag the registry lacks (built on ``client``'s engine)."""
    refs = [r for r in refs if r.startswith(STANDIN_PREFIX)]
    with open('/tmp/fleet-stack-standin.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [r for r in refs if not registry_has(r)]
        if not missing:
            return []
        ensure_image(client, WEB + ':1.0')
        build_image(client, STANDIN_DOCKERFILE, STANDIN_PREFIX + 'base:1')
        for ref in missing:
            repo, tag = _split(ref)
            client.tag(STANDIN_PREFIX + 'base:1', repo, tag)
            push_image(client, repo, tag)
        return missing


# -- the reference CLI
def cli(docker_host, *args, env=None, cwd=None, timeout=300, check=True):
    """The reference docker CLI (28.5) against ``docker_host``; a CompletedProcess."""
    run_env = dict(os.environ, DOCKER_HOST=docker_host, DOCKER_CONFIG=os.path.join(ROOT, '.state', 'stack-cli-config'))
    run_env.pop('DOCKER_CONTEXT', None)
    run_env.update(env or {})
    proc = subprocess.run([REFERENCE_CLI] + list(args), capture_output=True, text=True, env=run_env, cwd=cwd,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError('docker %s: rc=%s\n%s\n%s' % (' '.join(args), proc.returncode, proc.stdout, proc.stderr))
    return proc


def cli_deploy(docker_host, name, path, env=None, timeout=300):
    return cli(docker_host, 'stack', 'deploy', '--detach=true', '-c', os.path.join(path, STACK_FILE), name,
               env=env, cwd=path, timeout=timeout)


def settle(client, name, timeout=20):
    """Wait until the engine's allocator has given every service of the stack its endpoint (Endpoint.Spec,
    and a virtual IP per network in vip mode): a view read at once after a detached deploy may catch a
    service before that, and then differs from a later one for no reason of the tools'."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pending = []
        for service in client.services(filters={'label': '%s=%s' % (NAMESPACE_LABEL, name)}):
            endpoint = service.get('Endpoint') or {}
            mode = ((service['Spec'].get('EndpointSpec') or {}).get('Mode')) or 'vip'
            nets = (service['Spec'].get('TaskTemplate') or {}).get('Networks') or []
            if 'Spec' not in endpoint or (mode == 'vip' and nets and not endpoint.get('VirtualIPs')):
                pending.append(service['Spec']['Name'])
        if not pending:
            return
        time.sleep(0.2)
    raise AssertionError('the engine did not allocate the endpoints of %s in %ds: %s' % (name, timeout, pending))


def stack_objects(client, name):
    """IDs of what carries the stack's namespace label: services, networks, secrets, configs."""
    filters = {'label': '%s=%s' % (NAMESPACE_LABEL, name)}
    return dict(services=sorted(s['ID'] for s in client.services(filters=filters)),
                networks=sorted(n['Id'] for n in client.networks(filters=filters)),
                secrets=sorted(s['ID'] for s in client.secrets(filters=filters)),
                configs=sorted(c['ID'] for c in client.configs(filters=filters)))


def remove_stack(docker_host, client, name, timeout=120):
    """`docker stack rm` and wait until nothing of the stack is left (networks go after the tasks)."""
    cli(docker_host, 'stack', 'rm', name, check=False)
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = stack_objects(client, name)
        if not any(left.values()):
            # The tasks' containers go a moment after their services; a new stack would meet them.
            if not client.containers(all=True, filters={'label': '%s=%s' % (NAMESPACE_LABEL, name)}):
                return
        elif not left['services']:
            cli(docker_host, 'stack', 'rm', name, check=False)   # networks still attached on the first try
        time.sleep(0.5)
    raise AssertionError('stack %s not removed in %ds: %s' % (name, timeout, stack_objects(client, name)))


# -- reading a stack back
def _network_names(client):
    return dict((n['Id'], n['Name']) for n in client.networks())


def _service_view(service, net_names, secret_names, config_names):
    spec = service['Spec']
    task = spec.get('TaskTemplate') or {}
    ctr = dict(task.get('ContainerSpec') or {})
    ctr['Secrets'] = [dict(s, SecretID='<masked>') for s in ctr.get('Secrets') or []] or None
    ctr['Configs'] = [dict(c, ConfigID='<masked>') for c in ctr.get('Configs') or []] or None
    for kind, names in (('Secrets', secret_names), ('Configs', config_names)):
        for ref in ctr[kind] or []:
            assert ref[kind[:-1] + 'Name'] in names.values(), (kind, ref)
    nets = [dict(n, Target=net_names.get(n.get('Target'), n.get('Target'))) for n in task.get('Networks') or []]
    task = dict(task, ContainerSpec=dict((k, v) for k, v in ctr.items() if v is not None),
                Networks=sorted(nets, key=lambda n: n['Target']) or None)
    view = dict(Spec=dict(spec, TaskTemplate=dict((k, v) for k, v in task.items() if v is not None)))
    endpoint = service.get('Endpoint') or {}
    view['Endpoint'] = dict(
        Spec=endpoint.get('Spec'), Ports=endpoint.get('Ports'),
        VirtualIPs=sorted(net_names.get(v['NetworkID'], v['NetworkID']) for v in endpoint.get('VirtualIPs') or []))
    view['PreviousSpec'] = 'present' if service.get('PreviousSpec') else None
    return view


def stack_view(client, name):
    """The stack on the engine, keyed by object name, comparable across two deployments."""
    filters = {'label': '%s=%s' % (NAMESPACE_LABEL, name)}
    net_names = _network_names(client)
    secrets = dict((s['ID'], s['Spec']['Name']) for s in client.secrets())
    configs = dict((c['ID'], c['Spec']['Name']) for c in client.configs())
    out = dict(services={}, networks={}, secrets={}, configs={})
    for service in client.services(filters=filters):
        out['services'][service['Spec']['Name']] = _service_view(service, net_names, secrets, configs)
    for listed in client.networks(filters=filters):
        net = client.inspect_network(listed['Id'])
        options = dict(net.get('Options') or {})
        if 'com.docker.network.driver.overlay.vxlanid_list' in options:
            options['com.docker.network.driver.overlay.vxlanid_list'] = '<masked>'
        ipam = dict(net.get('IPAM') or {})
        ipam['Config'] = len(ipam.get('Config') or [])
        out['networks'][net['Name']] = dict(Driver=net['Driver'], Scope=net['Scope'], Attachable=net['Attachable'],
                                            Internal=net['Internal'], Ingress=net.get('Ingress'),
                                            EnableIPv6=net.get('EnableIPv6'), Options=options, Labels=net.get('Labels'),
                                            IPAM=ipam, ConfigOnly=net.get('ConfigOnly'))
    for secret in client.secrets(filters=filters):
        out['secrets'][secret['Spec']['Name']] = dict(Spec=secret['Spec'])
    for config in client.configs(filters=filters):
        out['configs'][config['Spec']['Name']] = dict(Spec=config['Spec'])
    return out


def versions(client, name):
    return dict((s['Spec']['Name'], s['Version']['Index'])
                for s in client.services(filters={'label': '%s=%s' % (NAMESPACE_LABEL, name)}))


def _walk(path, a, b, found):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _walk('%s.%s' % (path, key) if path else key, a.get(key), b.get(key), found)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            _walk('%s[%d]' % (path, index), x, y, found)
    elif a != b:
        found.append((path, a, b))


def differences(reference, ours):
    """``(kind, name, field path, reference value, our value)`` for every leaf that differs."""
    found = []
    for kind in ('services', 'networks', 'secrets', 'configs'):
        ref, got = reference[kind], ours[kind]
        for name in sorted(set(ref) | set(got)):
            if name not in ref or name not in got:
                found.append((kind, name, 'exists', name in ref, name in got))
                continue
            leaves = []
            _walk('', ref[name], got[name], leaves)
            found.extend((kind, name) + leaf for leaf in leaves)
    return found
