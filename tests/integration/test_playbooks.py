"""The playbooks on the lab fleet (make lab): the reference deployment, idempotence, a rolling
deploy that fails its health check, the fleet report in headless Chromium, and the clean-up.

Tests run in file order and share the lab; the last one removes demo/nginx (the reference deployment's
image) from every host. The lab fixture brings the lab up and leaves it for the next lab file; the
session takes it down at its end if it was not up before (tests/lib/fleet_labguard.py, docs/lab.md).
"""

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from fleet_testlib import ROOT, http_get, lab_node_client, lab_play, lab_up, play_recaps

pytestmark = [pytest.mark.lab, pytest.mark.slow]

REFERENCE = os.path.join(ROOT, 'examples', 'reference', 'group_vars', 'all', 'reference.yml')
PORTS = (8080, 8081, 8082)


@pytest.fixture(scope='module')
def lab():
    """The lab is up (idempotent) and provisioned; returns {host: address}. No teardown here: fleet_labguard."""
    hosts = {name: spec['ansible_host'] for name, spec in lab_up()['hosts'].items()}
    result = lab_play('provision.yml')
    assert result.returncode == 0, result.stdout[-4000:]
    return hosts


def test_deploy_serves_every_port_and_is_idempotent(lab):
    first = lab_play('deploy.yml')
    assert first.returncode == 0, first.stdout[-4000:]
    for host, addr in lab.items():
        for port in PORTS:
            status, body = http_get('http://%s:%d/' % (addr, port))
            assert status == 200, (host, port, body)
        assert 'nginx-bind-mounts on %s<' % host in http_get('http://%s:8081/' % addr)[1]
        assert 'nginx-volume on %s<' % host in http_get('http://%s:8082/' % addr)[1]
    again = lab_play('deploy.yml')
    assert again.returncode == 0, again.stdout[-4000:]
    recaps = play_recaps(again.stdout)
    assert set(recaps) == set(lab)
    assert all(r['changed'] == '0' for r in recaps.values()), again.stdout[-4000:]


def test_report_renders_one_table_per_host(lab, tmp_path):
    out = tmp_path / 'report'
    result = lab_play('report.yml', '-e', 'fleet_report_dir=%s' % out)
    assert result.returncode == 0, result.stdout[-4000:]
    assert str(out / 'fleet-report.html') in result.stdout
    markdown = (out / 'fleet-report.md').read_text()
    for host in lab:
        assert '## %s\n' % host in markdown
    chromium = shutil.which('chromium')
    if not chromium:
        subprocess.run(['apt-get', 'install', '-y', '-qq', 'chromium'], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'), stdout=subprocess.DEVNULL)
        chromium = shutil.which('chromium')
    profile = tmp_path / 'profile'
    args = [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--user-data-dir=%s' % profile]
    dom = subprocess.run(args + ['--dump-dom', 'file://%s' % (out / 'fleet-report.html')], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    tables = re.findall(r'<table class="host" id="host-([^"]+)"', dom)
    assert sorted(tables) == sorted(lab), dom[:2000]
    for host in lab:
        block = dom.split('id="host-%s"' % host, 1)[1].split('</table>', 1)[0]
        # The mixed lab (20.10, 26.1, 28.5): each table shows its own host's engine and API.
        version = lab_node_client(host).version()
        assert '%s (API %s)' % (version['Version'], version['ApiVersion']) in block, (host, version, block)
        assert 'containers running' in block and 'reclaimable' in block
    shot = tmp_path / 'report.png'
    subprocess.run(args + ['--screenshot=%s' % shot, '--window-size=1000,1400', 'file://%s' % (out / 'fleet-report.html')],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 5000


def test_rolling_deploy_stops_at_a_failed_health_check(lab, tmp_path):
    hosts = sorted(lab)
    with open(REFERENCE) as fh:
        reference = yaml.safe_load(fh)
    containers = reference['docker_app_containers'] + [{
        'name': 'roll-probe', 'image': '{{ docker_app_web_image }}',
        'health': {'port': 8099}}]        # nothing publishes 8099: the check fails
    extra = tmp_path / 'broken.json'
    extra.write_text(json.dumps({'docker_app_containers': containers, 'docker_app_health_timeout': 4}))
    result = lab_play('deploy.yml', '-e', '@%s' % extra)
    assert result.returncode != 0
    recaps = play_recaps(result.stdout)
    assert recaps[hosts[0]]['failed'] == '1', result.stdout[-4000:]
    for host in hosts[1:]:
        assert recaps.get(host, {}).get('changed', '0') == '0', result.stdout[-4000:]
    assert 'NO MORE HOSTS LEFT' in result.stdout
    # The first batch got the new container; later hosts were never touched.
    assert lab_node_client(hosts[0]).containers(all=True, filters={'name': 'roll-probe'})
    for host in hosts[1:]:
        assert not lab_node_client(host).containers(all=True, filters={'name': 'roll-probe'})
    # The normal deployment purges it again.
    fixed = lab_play('deploy.yml')
    assert fixed.returncode == 0, fixed.stdout[-4000:]
    assert not lab_node_client(hosts[0]).containers(all=True, filters={'name': 'roll-probe'})


def test_cleanup_removes_the_reference_image_everywhere_and_reports_space(lab):
    result = lab_play('cleanup.yml', '-e', 'cleanup_ancestors=demo/nginx')
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r'"fleet": "[0-9.]+ [KMG]?B(ytes)? reclaimed on %d host\(s\)"' % len(lab), result.stdout), \
        result.stdout[-3000:]
    for host in lab:
        # The reference deployment runs three nginx containers on every host: at least those go.
        assert re.search(r'%s: Removed [1-9]\d* container' % host, result.stdout), result.stdout[-3000:]
        client = lab_node_client(host)
        web = [c for c in client.containers(all=True) if '/demo/nginx' in c['Image']]
        assert not web, (host, web)
        tags = [t for img in client.images() for t in (img.get('RepoTags') or []) if '/demo/nginx' in t]
        assert not tags, (host, tags)
    again = lab_play('cleanup.yml', '-e', 'cleanup_ancestors=demo/nginx')
    assert again.returncode == 0
    assert all(r['changed'] == '0' for r in play_recaps(again.stdout).values())
