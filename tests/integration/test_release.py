"""playbooks/release.yml and distribute.yml on the lab fleet (make lab; 20.10, 26.1, 28.5 hosts).

release: build on lab1, push to the bridge registry, deploy by digest on every host, same digest
everywhere, rerun unchanged. distribute: a host whose registry traffic is blocked (iptables in its
network namespace) gets the image from an archive copied over SSH, and runs it.
"""

import re
import subprocess

import pytest

from fleet_testlib import http_get, lab_node_client, lab_play, lab_up, play_recaps

pytestmark = [pytest.mark.lab, pytest.mark.slow]


@pytest.fixture(scope='module')
def lab():
    inv = lab_up()
    return dict((name, spec['ansible_host']) for name, spec in inv['hosts'].items()), inv['vars']['lab_registry']


def test_release_builds_once_and_every_host_runs_the_same_digest(lab):
    hosts, registry = lab
    first = lab_play('release.yml', '-e', 'release_version=7')
    assert first.returncode == 0, first.stdout[-4000:]
    report = re.search(r'release_report: (\{.*?\})"', first.stdout)
    assert report, first.stdout[-3000:]
    digests = set(re.findall(r'sha256:[0-9a-f]{64}', report.group(1)))
    assert len(digests) == 1, report.group(1)
    digest = digests.pop()
    for host, addr in hosts.items():
        status, body = http_get('http://%s:8090/release.txt' % addr)
        assert status == 200 and body.strip() == '7', (host, status, body)
        client = lab_node_client(host, timeout=120)
        running = client.inspect_container('release-site')
        image = client.inspect_image(running['Image'])
        assert '%s/demo/release-site@%s' % (registry, digest) in image['RepoDigests'], (host, image['RepoDigests'])
    again = lab_play('release.yml', '-e', 'release_version=7')
    assert again.returncode == 0, again.stdout[-4000:]
    assert all(r['changed'] == '0' for r in play_recaps(again.stdout).values()), again.stdout[-4000:]


def test_distribute_reaches_a_host_without_registry_access(lab):
    hosts, registry = lab
    target = sorted(hosts)[-1]
    netns = '/run/netns/fleetlab%s' % target.replace('lab', '')
    bridge, port = registry.split(':')
    rule = ['OUTPUT', '-p', 'tcp', '-d', bridge, '--dport', port, '-m', 'comment', '--comment', 'fleet-test-release',
            '-j', 'REJECT']
    assert lab_play('release.yml', '-e', 'release_version=7').returncode == 0
    client = lab_node_client(target, timeout=120)
    ref = '%s/demo/release-site:7' % registry
    for container in client.containers(all=True, filters={'name': 'release-site'}):
        client.remove_container(container['Id'], force=True)
    for image in client.images(name='%s/demo/release-site' % registry):
        client.remove_image(image['Id'], force=True)
    subprocess.run(['nsenter', '--net=%s' % netns, 'iptables', '-I'] + rule, check=True)
    try:
        # The registry is out of reach from that host: a pull fails there.
        with pytest.raises(Exception):
            client.pull('%s/demo/release-site' % registry, tag='7')
        first = lab_play('distribute.yml', '-e', 'release_version=7', '-e', 'distribute_hosts=%s' % target)
        assert first.returncode == 0, first.stdout[-4000:]
        assert "loaded ['%s']" % ref in first.stdout, first.stdout[-3000:]
        status, body = http_get('http://%s:8090/release.txt' % hosts[target])
        assert status == 200 and body.strip() == '7', (status, body)
        assert client.inspect_container('release-site')['Image'] == client.inspect_image(ref)['Id']
        again = lab_play('distribute.yml', '-e', 'release_version=7', '-e', 'distribute_hosts=%s' % target)
        assert again.returncode == 0, again.stdout[-4000:]
        assert all(r['changed'] == '0' for r in play_recaps(again.stdout).values()), again.stdout[-4000:]
    finally:
        subprocess.run(['nsenter', '--net=%s' % netns, 'iptables', '-D'] + rule, check=False)
