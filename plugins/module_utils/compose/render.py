# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One service or top-level resource in the typed form ``docker compose config --format json`` prints.

The loader (load.py) merges, interpolates and normalizes the files; these functions then turn each
service and each network/volume/secret/config into Compose's printed form. They are pure: input
mapping in, rendered mapping out, ``model.ModelError(key, reason)`` on a bad value.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ansible_collections.fleet.docker.plugins.module_utils.compose import model as M

__all__ = ['render_service', 'render_resource', 'truthy']


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ('true', '1', 't'))


def render_service(svc: Dict[str, Any]) -> Dict[str, Any]:
    """One service in Compose's printed form; raises ModelError(key, reason)."""
    out: Dict[str, Any] = {}
    # config always prints these two, null when unset.
    out['command'] = M.command_argv('command', svc.get('command'))
    out['entrypoint'] = M.command_argv('entrypoint', svc.get('entrypoint'))
    simple_str = ('image', 'container_name', 'hostname', 'domainname', 'restart', 'pull_policy', 'user',
                  'working_dir', 'network_mode', 'ipc', 'pid', 'uts', 'cgroup', 'cgroup_parent', 'stop_signal',
                  'cpuset', 'platform', 'runtime', 'isolation', 'userns_mode', 'mac_address', 'init_path',
                  'provider_type')
    for key in simple_str:
        if svc.get(key) is not None and svc.get(key) != '':
            out[key] = M.to_str(key, svc[key])
    for key in ('privileged', 'read_only', 'stdin_open', 'tty', 'oom_kill_disable'):
        if svc.get(key) is not None and M.to_bool(key, svc[key]):
            out[key] = True
    if svc.get('init') is not None:
        out['init'] = M.to_bool('init', svc['init'])
    for key in ('cpu_shares', 'pids_limit', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota',
                'cpu_rt_period', 'cpu_rt_runtime', 'oom_score_adj', 'mem_swappiness', 'scale'):
        if svc.get(key) is not None:
            value = M.to_int(key, svc[key])
            if value or key in ('scale', 'pids_limit', 'mem_swappiness'):
                out[key] = value
    if svc.get('cpus') not in (None, ''):
        value = M.to_float('cpus', svc['cpus'])
        if value:
            out['cpus'] = value
    for key in ('mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'):
        if svc.get(key) not in (None, ''):
            out[key] = M.to_bytes(key, svc[key])
    if svc.get('stop_grace_period') is not None:
        out['stop_grace_period'] = M.to_duration('stop_grace_period', svc['stop_grace_period'])
    for key in ('cap_add', 'cap_drop', 'security_opt', 'dns', 'dns_search', 'dns_opt', 'volumes_from',
                'tmpfs', 'profiles', 'external_links', 'links', 'device_cgroup_rules'):
        if svc.get(key) is not None:
            value = M.to_str_list(key, svc[key])
            if value:
                out[key] = value
    if svc.get('group_add') is not None:
        out['group_add'] = M.to_str_list('group_add', svc['group_add'], allow_string=False)
    if svc.get('expose') is not None:
        out['expose'] = M.to_str_list('expose', svc['expose'], allow_string=False)
    for key in ('labels', 'annotations'):
        if svc.get(key) is not None:
            value = M.to_mapping(key, svc[key])
            if value:
                out[key] = value
    if svc.get('sysctls') is not None:
        out['sysctls'] = M.to_mapping('sysctls', svc['sysctls'])
    if svc.get('storage_opt') is not None:
        out['storage_opt'] = M.to_mapping('storage_opt', svc['storage_opt'])
    if svc.get('environment') is not None:
        out['environment'] = M.to_mapping('environment', svc['environment'], allow_null=True)
    if svc.get('extra_hosts') is not None:
        out['extra_hosts'] = _extra_hosts(svc['extra_hosts'])
    if svc.get('build') is not None:
        out['build'] = _build(svc['build'])
    if svc.get('ports'):
        out['ports'] = [M.long_port('ports[%d]' % i, p) for i, p in enumerate(svc['ports'])]
    if svc.get('volumes'):
        out['volumes'] = [M.long_volume('volumes[%d]' % i, v) for i, v in enumerate(svc['volumes'])]
    if svc.get('devices'):
        out['devices'] = [dict(d) for d in svc['devices']]
    if svc.get('depends_on'):
        out['depends_on'] = _depends_on(svc['depends_on'])
    if svc.get('networks') is not None:
        out['networks'] = _service_networks(svc['networks'])
    if svc.get('healthcheck') is not None:
        out['healthcheck'] = _healthcheck(svc['healthcheck'])
    if svc.get('logging') is not None:
        out['logging'] = _logging(svc['logging'])
    if svc.get('deploy') is not None:
        out['deploy'] = _deploy(svc['deploy'])
    if svc.get('ulimits') is not None:
        out['ulimits'] = M.ulimits_mapping(svc['ulimits'])
    for kind in ('secrets', 'configs'):
        if svc.get(kind):
            out[kind] = [_file_ref('%s[%d]' % (kind, i), e) for i, e in enumerate(svc[kind])]
    if svc.get('env_file'):
        out['env_file'] = [{'path': e['path'], 'required': M.to_bool('env_file.required', e.get('required', True))}
                           for e in svc['env_file']]
    for key in ('blkio_config', 'credential_spec', 'develop', 'gpus', 'attach', 'post_start', 'pre_stop',
                'pre_start', 'use_api_socket', 'models', 'label_file', 'provider'):
        if key in svc and svc[key] is not None:
            out[key] = svc[key]  # outside this loader's scope: passed through as written
    return out


def _extra_hosts(value: Any) -> List[str]:
    if isinstance(value, dict):
        out = []
        for host, ips in value.items():
            for ip in (ips if isinstance(ips, list) else [ips]):
                out.append('%s=%s' % (host, M.go_str(ip)))
        return out
    out = []
    for i, entry in enumerate(M.to_str_list('extra_hosts', value, allow_string=False)):
        if '=' in entry:
            out.append(entry)
        elif ':' in entry:
            host, _sep, ip = entry.partition(':')
            out.append('%s=%s' % (host, ip))
        else:
            raise M.ModelError('extra_hosts[%d]' % i, 'invalid host entry %r (want HOST:IP or HOST=IP)' % entry)
    return out


def _build(build: Any) -> Dict[str, Any]:
    M.check_keys('build', build, M.BUILD_KEYS)
    out: Dict[str, Any] = {}
    for key in ('context', 'dockerfile', 'dockerfile_inline', 'target', 'network', 'isolation'):
        if build.get(key) not in (None, ''):
            out[key] = M.to_str('build.' + key, build[key])
    for key in ('args', 'labels', 'additional_contexts'):
        if build.get(key) is not None:
            value = M.to_mapping('build.' + key, build[key])
            if value:
                out[key] = value
    for key in ('cache_from', 'cache_to', 'tags', 'platforms', 'entitlements', 'no_cache_filter'):
        if build.get(key):
            out[key] = M.to_str_list('build.' + key, build[key])
    for key in ('no_cache', 'pull', 'privileged'):
        if build.get(key) is not None and M.to_bool('build.' + key, build[key]):
            out[key] = True
    if build.get('shm_size') is not None:
        out['shm_size'] = M.to_bytes('build.shm_size', build['shm_size'])
    if build.get('extra_hosts') is not None:
        out['extra_hosts'] = _extra_hosts(build['extra_hosts'])
    for key in ('ssh', 'secrets', 'ulimits', 'provenance', 'sbom'):
        if build.get(key) is not None:
            out[key] = build[key]
    return out


def _depends_on(value: Dict[str, Any]) -> Dict[str, Any]:
    out = {}
    for dep, cfg in value.items():
        M.check_keys('depends_on.%s' % dep, cfg, M.DEPENDS_ON_KEYS)
        condition = M.to_str('depends_on.%s.condition' % dep, cfg.get('condition', 'service_started'))
        if condition not in M.DEPENDS_CONDITIONS:
            raise M.ModelError('depends_on.%s.condition' % dep, 'must be one of %s, got %r'
                               % (', '.join(M.DEPENDS_CONDITIONS), condition))
        entry: Dict[str, Any] = {'condition': condition,
                                 'required': M.to_bool('depends_on.%s.required' % dep, cfg.get('required', True))}
        if cfg.get('restart') is not None and M.to_bool('depends_on.%s.restart' % dep, cfg['restart']):
            entry['restart'] = True
        out[str(dep)] = entry
    return out


def _service_networks(value: Any) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise M.ModelError('networks', 'must be a list or a mapping')
    out: Dict[str, Any] = {}
    for net, cfg in value.items():
        if cfg is None:
            out[str(net)] = None
            continue
        key = 'networks.%s' % net
        M.check_keys(key, cfg, M.SERVICE_NETWORK_KEYS)
        entry: Dict[str, Any] = {}
        if cfg.get('aliases'):
            entry['aliases'] = M.to_str_list(key + '.aliases', cfg['aliases'], allow_string=False)
        for name in ('ipv4_address', 'ipv6_address', 'mac_address', 'interface_name'):
            if cfg.get(name):
                entry[name] = M.to_str('%s.%s' % (key, name), cfg[name])
        if cfg.get('link_local_ips'):
            entry['link_local_ips'] = M.to_str_list(key + '.link_local_ips', cfg['link_local_ips'])
        for name in ('priority', 'gw_priority'):
            if cfg.get(name):
                entry[name] = M.to_int('%s.%s' % (key, name), cfg[name])
        if cfg.get('driver_opts'):
            entry['driver_opts'] = M.to_mapping(key + '.driver_opts', cfg['driver_opts'])
        out[str(net)] = entry
    return out


def _healthcheck(value: Any) -> Dict[str, Any]:
    M.check_keys('healthcheck', value, M.HEALTHCHECK_KEYS)
    out: Dict[str, Any] = {}
    test = value.get('test')
    if test is not None:
        if isinstance(test, str):
            out['test'] = ['CMD-SHELL', test]
        elif test != []:  # an empty list is no test: config prints none, up sends none (the image's applies)
            out['test'] = M.to_str_list('healthcheck.test', test, allow_string=False)
            if out['test'] and out['test'][0] not in ('CMD', 'CMD-SHELL', 'NONE'):
                raise M.ModelError('healthcheck.test', 'must start with "CMD", "CMD-SHELL" or "NONE"')
    for key in ('interval', 'timeout', 'start_period', 'start_interval'):
        if value.get(key) is not None:
            out[key] = M.to_duration('healthcheck.' + key, value[key])
    if value.get('retries') is not None:
        out['retries'] = M.to_int('healthcheck.retries', value['retries'])
    if value.get('disable') is not None and M.to_bool('healthcheck.disable', value['disable']):
        out['disable'] = True
    return out


def _logging(value: Any) -> Dict[str, Any]:
    M.check_keys('logging', value, M.LOGGING_KEYS)
    out: Dict[str, Any] = {}
    if value.get('driver'):
        out['driver'] = M.to_str('logging.driver', value['driver'])
    if value.get('options'):
        out['options'] = {str(k): ('' if v is None else M.go_str(v)) for k, v in
                          (value['options'] if isinstance(value['options'], dict) else {}).items()}
    return out


def _resources(key: str, value: Any) -> Dict[str, Any]:
    M.check_keys(key, value, ('cpus', 'memory', 'pids', 'devices', 'generic_resources'))
    out: Dict[str, Any] = {}
    if value.get('cpus') not in (None, ''):
        cpus = M.to_float(key + '.cpus', value['cpus'])
        if cpus:
            out['cpus'] = cpus
    if value.get('memory') not in (None, ''):
        out['memory'] = M.to_bytes(key + '.memory', value['memory'])
    if value.get('pids') is not None:
        pids = M.to_int(key + '.pids', value['pids'])
        if pids:
            out['pids'] = pids
    for name in ('devices', 'generic_resources'):
        if value.get(name):
            out[name] = value[name]
    return out


def _deploy(value: Any) -> Dict[str, Any]:
    M.check_keys('deploy', value, M.DEPLOY_KEYS)
    out: Dict[str, Any] = {}
    for key in ('mode', 'endpoint_mode'):
        if value.get(key):
            out[key] = M.to_str('deploy.' + key, value[key])
    if value.get('replicas') is not None:
        out['replicas'] = M.to_int('deploy.replicas', value['replicas'])
    if value.get('labels') is not None:
        out['labels'] = M.to_mapping('deploy.labels', value['labels'])
    # config always prints resources and placement inside deploy, empty or not.
    resources = value.get('resources') or {}
    M.check_keys('deploy.resources', resources, ('limits', 'reservations'))
    res: Dict[str, Any] = {}
    for part in ('limits', 'reservations'):
        if resources.get(part) is not None:
            res[part] = _resources('deploy.resources.' + part, resources[part])
    out['resources'] = res
    policy = value.get('restart_policy')
    if policy is not None:
        M.check_keys('deploy.restart_policy', policy, ('condition', 'delay', 'max_attempts', 'window'))
        pol: Dict[str, Any] = {}
        if policy.get('condition'):
            pol['condition'] = M.to_str('deploy.restart_policy.condition', policy['condition'])
        for key in ('delay', 'window'):
            if policy.get(key) is not None:
                pol[key] = M.to_duration('deploy.restart_policy.' + key, policy[key])
        if policy.get('max_attempts') is not None:
            pol['max_attempts'] = M.to_int('deploy.restart_policy.max_attempts', policy['max_attempts'])
        out['restart_policy'] = pol
    for key in ('update_config', 'rollback_config'):
        if value.get(key) is not None:
            out[key] = value[key]
    out['placement'] = value.get('placement') or {}
    return out


def _file_ref(key: str, value: Any) -> Dict[str, Any]:
    M.check_keys(key, value, ('source', 'target', 'uid', 'gid', 'mode'))
    out: Dict[str, Any] = {'source': M.to_str(key + '.source', value.get('source'))}
    if value.get('target'):
        out['target'] = M.to_str(key + '.target', value['target'])
    for name in ('uid', 'gid'):
        if value.get(name) is not None:
            if not isinstance(value[name], str):  # the schema wants strings here, as Compose checks
                raise M.ModelError('%s.%s' % (key, name), 'must be a string')
            out[name] = value[name]
    if value.get('mode') is not None:
        mode = value['mode']
        if isinstance(mode, str):
            mode = int(mode, 8)
        out['mode'] = '0' + format(M.to_int(key + '.mode', mode), 'o')
    return out


def render_resource(kind: str, key: str, res: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {'name': M.to_str('name', res['name'])}
    if res.get('external') is not None and truthy(res['external']):
        out['external'] = True
    if res.get('driver'):
        out['driver'] = M.to_str('driver', res['driver'])
    if res.get('driver_opts'):
        out['driver_opts'] = {str(k): M.go_str(v) for k, v in res['driver_opts'].items()}
    if res.get('labels') is not None:
        labels = M.to_mapping('labels', res['labels'])
        if labels:
            out['labels'] = labels
    if kind == 'networks':
        for flag in ('internal', 'attachable'):
            if res.get(flag) is not None and M.to_bool(flag, res[flag]):
                out[flag] = True
        for flag in ('enable_ipv6', 'enable_ipv4'):
            if res.get(flag) is not None:
                out[flag] = M.to_bool(flag, res[flag])
        # config prints an ipam block for every network, external ones included.
        ipam = res.get('ipam') or {}
        M.check_keys('ipam', ipam, ('driver', 'config', 'options'))
        out['ipam'] = {k: v for k, v in ipam.items() if v is not None}
    if kind in ('secrets', 'configs'):
        for name in ('file', 'environment', 'content', 'template_driver'):
            if res.get(name):
                out[name] = M.to_str(name, res[name])
    return out
