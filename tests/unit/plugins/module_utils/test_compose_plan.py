"""compose plan (issue #21): pure decisions from a normalized project and an engine snapshot."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.compose import names as n
from ansible_collections.fleet.docker.plugins.module_utils.compose import plan as p
from ansible_collections.fleet.docker.plugins.module_utils.compose.spec import compose_labels


def project(**services):
    return {'name': 'shop', 'services': services, 'x-fleet-files': ['/srv/shop/compose.yaml'],
            'networks': {'default': {'name': 'shop_default'}}}


def svc(**keys):
    out = {'image': 'web:1.0', 'networks': {'default': None}}
    out.update(keys)
    return out


def listed(proj, service, number, state='running', status='Up 1 minute', **labels):
    base = compose_labels(proj, service, number, 'sha256:img')
    base.update(labels)
    return {'Id': '%s%d' % (service, number) * 8, 'Names': ['/shop-%s-%d' % (service, number)], 'State': state,
            'Status': status, 'Labels': base}


def snapshot(proj, *containers):
    images = dict((s['image'], 'sha256:img') for s in proj['services'].values())
    networks = {'shop_default': {}} if containers else {}
    return p.Snapshot(containers=list(containers), images=images, networks=networks)


def actions(plan):
    return dict((s.name, s.action) for s in plan.all_steps())


def test_new_project_creates_every_container_in_dependency_order():
    proj = project(web=svc(depends_on={'db': {'condition': 'service_healthy'}}), db=svc())
    plan = p.plan_project(proj, snapshot(proj))
    assert plan.levels == [['db'], ['web']]
    assert actions(plan) == {'shop-db-1': 'create', 'shop-web-1': 'create'}
    assert plan.networks == [dict(key='default', name='shop_default', action='create',
                                  definition={'name': 'shop_default'})]


def test_unchanged_project_plans_nothing_and_a_changed_key_recreates_only_that_service():
    proj = project(web=svc(depends_on={'db': {}}), db=svc(environment={'A': '1'}))
    current = [listed(proj, 'web', 1), listed(proj, 'db', 1)]
    assert not p.plan_project(proj, snapshot(proj, *current)).changes
    proj['services']['db']['environment'] = {'A': '2'}
    plan = p.plan_project(proj, snapshot(proj, *current))
    assert actions(plan) == {'shop-db-1': 'recreate', 'shop-web-1': 'none'}
    assert plan.steps['db'][0].reasons == ['changed: environment']


def test_scale_down_removes_highest_numbers_first_and_one_shot_is_not_rerun():
    proj = project(web=svc(), init=svc(restart='no'))
    current = [listed(proj, 'web', i) for i in (1, 2, 3)]
    current.append(listed(proj, 'init', 1, state='exited', status='Exited (0) 1 minute ago'))
    plan = p.plan_project(proj, snapshot(proj, *current), scale={'web': 1})
    assert [s.name for s in plan.removals] == ['shop-web-3', 'shop-web-2']
    assert actions(plan)['shop-init-1'] == 'none'
    failed = dict(current[-1], Status='Exited (1) 1 minute ago')
    assert actions(p.plan_project(proj, snapshot(proj, failed)))['shop-init-1'] == 'start'


def test_orphans_are_kept_with_a_warning_or_removed():
    proj = project(web=svc())
    old = listed(project(gone=svc()), 'gone', 1)
    kept = p.plan_project(proj, snapshot(proj, listed(proj, 'web', 1), old))
    assert kept.orphans == ['shop-gone-1'] and 'remove_orphans' in kept.warnings[0]
    removed = p.plan_project(proj, snapshot(proj, listed(proj, 'web', 1), old), remove_orphans=True)
    assert [s.name for s in removed.removals] == ['shop-gone-1']


@pytest.mark.parametrize('services, words', [
    (dict(a=svc(depends_on={'b': {}}), b=svc(depends_on={'a': {}})), ('depends_on', 'cycle', 'a -> b -> a')),
    (dict(a=svc(depends_on={'ghost': {}})), ('service a', 'depends_on.ghost')),
    (dict(a=svc(colour='blue')), ('service a', 'colour')),
    (dict(a=svc(ports=[{'target': 80, 'published': '8000'}]), b=svc(ports=[{'target': 81, 'published': '8000'}])),
     ('service b', 'ports[0]', '8000/tcp', 'service a')),
    (dict(a=svc(deploy={'replicas': 2}, ports=[{'target': 80, 'published': '8000'}])), ('replicas',)),
])
def test_bad_projects_name_file_service_and_key(services, words):
    with pytest.raises(p.ComposePlanError) as info:
        p.check_project(project(**services))
    assert info.value.msg.startswith('/srv/shop/compose.yaml: ')
    for word in words:
        assert word in info.value.msg


def test_plan_diff_and_report_show_the_new_hash_and_every_action():
    proj = project(web=svc(), db=svc())
    current = [listed(proj, 'db', 1)]
    proj['services']['db']['environment'] = {'A': '2'}
    plan = p.plan_project(proj, snapshot(proj, *current))
    diff = p.diff(plan)
    assert diff['before']['web'] == {'shop-web-1': dict(state='absent', config_hash=None)}
    assert diff['after']['db']['shop-db-1']['config_hash'] == n.config_hash(proj['services']['db'])
    assert diff['after']['db']['shop-db-1']['config_hash'] != current[0]['Labels'][n.CONFIG_HASH]
    report = p.report(plan)
    assert report['actions'] == ['recreate shop-db-1 (changed: environment)', 'create shop-web-1 (new)']
    assert plan.steps['web'][0].params is None and plan.steps['web'][0].spec is None  # built by apply, once


def test_restart_policy_and_one_shot():
    assert p.restart_policy({'restart': 'on-failure:3'}) == ('on-failure', 3)
    assert p.restart_policy({'deploy': {'restart_policy': {'condition': 'none'}}}) == ('no', None)
    assert p.restart_policy({}) == (None, None)
    proj = project(init=svc(restart='always'), web=svc(restart='always', depends_on={'init': {
        'condition': 'service_completed_successfully'}}), job=svc())
    assert p.is_one_shot(proj, 'init') and p.is_one_shot(proj, 'job') and not p.is_one_shot(proj, 'web')


def test_changed_keys_and_labels():
    assert n.changed_keys('a=1,b=2', 'a=1,b=3,c=4') == ['b', 'c']
    assert n.depends_on_label({'depends_on': {'db': {'condition': 'service_healthy', 'restart': True}}}) == \
        'db:service_healthy:true'
    assert n.config_hash({'image': 'x', 'deploy': {'replicas': 2}}) == n.config_hash({'image': 'x'})
