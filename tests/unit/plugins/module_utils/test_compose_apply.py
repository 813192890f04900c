"""compose/apply.py validate (issue #25): every spec and network checked before any change, no engine needed."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.compose import apply as a
from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p


def project(ipam):
    return {'name': 'shop', 'x-fleet-files': ['/srv/shop/compose.yaml'],
            'services': {'web': {'image': 'web:1.0', 'networks': {'front': None}, 'ports': [{'target': 80}]}},
            'networks': {'front': {'name': 'shop_front', 'labels': {'tier': 1}, 'ipam': ipam}}}


def test_new_containers_get_their_spec_and_networks_their_create_settings():
    proj = project({'config': [{'subnet': '10.77.0.0/24', 'gateway': '10.77.0.1'}]})
    snap = p.Snapshot(images={'web:1.0': 'sha256:img'})
    plan = p.plan_project(proj, snap)
    settings = a.validate(proj, plan, snap)
    step = plan.steps['web'][0]
    assert step.spec['ports'] == {'80/tcp': [['', '']]} and step.params['name'] == 'shop-web-1'
    front = settings['shop_front']
    assert front['labels'] == {'tier': '1', n.PROJECT: 'shop', n.NETWORK: 'front'}
    assert [(e['subnet'], e['gateway']) for e in front['ipam_config']] == [('10.77.0.0/24', '10.77.0.1')]


@pytest.mark.parametrize('ipam, words', [
    ({'config': [{'subnet': '10.77.0.0/33'}]}, ('networks.front', 'subnet')),
    ({'config': [{'subnet': '10.77.0.0/24', 'gateway': '10.78.0.1'}]}, ('networks.front', 'gateway')),
])
def test_a_bad_network_fails_before_anything_changes(ipam, words):
    proj = project(ipam)
    snap = p.Snapshot(images={'web:1.0': 'sha256:img'})
    with pytest.raises(p.ComposePlanError) as info:
        a.validate(proj, p.plan_project(proj, snap), snap)
    for word in ('/srv/shop/compose.yaml',) + words:
        assert word in info.value.msg
