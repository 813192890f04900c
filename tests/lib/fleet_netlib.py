"""Helpers for the network tests: free test subnets, cleanup of networks, containers on a network, traffic.

Traffic stays inside containers the tests create (exec in one, reach the other by alias), so the
tests run the same on every engine, whatever network namespace it lives in.
"""

import ipaddress
import random
import time

from fleet_testlib import TEST_LABEL, WEB, WORKER, unique


def _used_subnets(engine):
    used = []
    for net in engine.networks():
        for entry in (net.get('IPAM') or {}).get('Config') or []:
            try:
                used.append(ipaddress.ip_network(entry.get('Subnet'), strict=False))
            except (TypeError, ValueError):
                pass
    return used


def free_octet(engine, span=2, attempts=200):
    """x such that 10.231.x.0/24 .. 10.231.(x+span-1).0/24 are unused by any network now."""
    used = [n for n in _used_subnets(engine) if n.version == 4]
    for _attempt in range(attempts):
        x = random.randrange(0, 256 - span)
        wanted = [ipaddress.ip_network('10.231.%d.0/24' % (x + i)) for i in range(span)]
        if not any(w.overlaps(u) for w in wanted for u in used):
            return x
    raise AssertionError('no free 10.231.x.0/24 range for the test')


class NetworkJanitor:
    """Removes the networks a test made, disconnecting whatever is still attached."""

    def __init__(self, engine):
        self.engine = engine
        self.names = []

    def __call__(self, name=None):
        name = name or unique('fleetnet')
        self.names.append(name)
        return name

    def cleanup(self):
        for name in self.names:
            for net in self.engine.networks(names=[name]):
                if net.get('Name') != name:
                    continue
                try:
                    for cid in self.engine.inspect_network(net['Id']).get('Containers') or {}:
                        self.engine.disconnect_container_from_network(cid, net['Id'], force=True)
                    self.engine.remove_network(net['Id'])
                except Exception:  # pylint: disable=broad-except
                    pass


def run_on(engine, janitor, network, image=WEB, aliases=None, ipv4=None, ipv6=None, links=None):
    """Create and start a labelled container joined to ``network``; returns its ID."""
    repo = image
    engine.pull(repo, tag='1.0')
    endpoint = engine.create_endpoint_config(aliases=aliases, ipv4_address=ipv4, ipv6_address=ipv6, links=links)
    cid = engine.create_container(
        '%s:1.0' % repo, name=janitor.container(unique('netc')), labels={TEST_LABEL: janitor.tag},
        host_config=engine.create_host_config(network_mode=network),
        networking_config=engine.create_networking_config({network: endpoint}))['Id']
    engine.start(cid)
    return cid


def exec_rc(engine, container, cmd):
    """(exit code, output) of ``cmd`` run inside ``container``."""
    exec_id = engine.exec_create(container, cmd)['Id']
    output = engine.exec_start(exec_id).decode('utf-8', 'replace')
    return engine.exec_inspect(exec_id)['ExitCode'], output


def reaches(engine, client_container, alias, attempts=20):
    """The web container behind ``alias`` answers HTTP from ``client_container`` (retries while it starts)."""
    last = None
    for _attempt in range(attempts):
        # The images' static busybox wget crashes (exit 139) on this host; nc speaks plain HTTP fine.
        rc, out = exec_rc(engine, client_container,
                          ['sh', '-c', 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 2 "$0" 80', alias])
        if rc == 0 and 'Welcome to demo/web' in out:
            return True
        last = out
        time.sleep(0.25)
    return last


def pings(engine, client_container, alias):
    rc, out = exec_rc(engine, client_container, ['ping', '-c', '1', '-W', '2', alias])
    return rc == 0 or out


__all__ = ['nets', 'free_octet', 'NetworkJanitor', 'run_on', 'exec_rc', 'reaches', 'pings', 'WEB', 'WORKER']


try:
    import pytest

    @pytest.fixture
    def nets(engine):
        """``nets()`` names a network removed after the test, even when it fails (import into a test file)."""
        jan = NetworkJanitor(engine)
        yield jan
        jan.cleanup()
except ImportError:  # pragma: no cover
    pass
