"""The container options of issue #14 on the real engines: every option row of containers/options.py.

For each new option: set it (inspect shows the engine form, the container behaves so), rerun
unchanged (also with an equivalent spelling), refuse a hostile value with nothing changed, then
change it and check it was recreated (new ID) or updated in place (same ID, same StartedAt).
"""

from __future__ import annotations

import pytest

from fleet_testlib import WEB, WORKER, container_exists, container_state, converge_twice, exec_sh, run_module

IMAGE = WEB + ':1.0'
WORKER_IMAGE = WORKER + ':1.0'
CAP_NET_ADMIN, CAP_NET_RAW, CAP_CHOWN, CAP_SYS_TIME = 12, 13, 0, 25


def _args(janitor, name, **kw):
    return janitor.container_args(name, **dict(dict(stop_timeout=1), **kw))    # quick stops: options recreate often


def _cap_eff(engine, name):
    code, out = exec_sh(engine, name, 'grep CapEff /proc/self/status')
    assert code == 0, out
    return int(out.split()[1], 16)


def _has_cap(engine, name, bit):
    return bool(_cap_eff(engine, name) & (1 << bit))


# ------------------------------------------------------------------------------ the cases
# Each case: option, value A, equivalent spellings of A (a rerun with them is unchanged), value B,
# how B is applied (recreate / update), extra task args, check(engine, name, inspect, value) for
# A and B, a hostile value and a fragment of its message.

def _h(inspect):
    return inspect['HostConfig']


def _c(inspect):
    return inspect['Config']


def chk_healthcheck(engine, name, ins, which):
    hc = _c(ins)['Healthcheck']
    if which == 'A':
        assert hc['Test'] == ['CMD-SHELL', 'test -f /usr/share/nginx/html/index.html'], hc
        assert hc['Interval'] == 90 * 10 ** 9 and hc['Timeout'] == 5 * 10 ** 9, hc
        assert hc.get('Retries', 0) == 0, hc   # the engine leaves a zero out of inspect
        assert hc['StartPeriod'] == 10 ** 8, hc
    else:
        assert hc['Test'] == ['CMD', 'true'] and hc['Interval'] == 10 ** 9 and hc['Retries'] == 2, hc


def chk_memory(engine, name, ins, which):
    want = 512 * 2 ** 20 if which == 'A' else 2 ** 30
    assert _h(ins)['Memory'] == want
    code, out = exec_sh(engine, name, 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null '
                        '|| cat /sys/fs/cgroup/memory.max')
    assert code == 0 and int(out.strip()) == want, out


def chk_memory_reservation(engine, name, ins, which):
    assert _h(ins)['MemoryReservation'] == (256 if which == 'A' else 128) * 2 ** 20


def chk_memory_swap(engine, name, ins, which):
    assert _h(ins)['Memory'] == 512 * 2 ** 20
    assert _h(ins)['MemorySwap'] == (2 ** 30 if which == 'A' else -1), _h(ins)['MemorySwap']


def chk_cpus(engine, name, ins, which):
    assert _h(ins)['NanoCpus'] == (1500000000 if which == 'A' else 500000000)
    code, out = exec_sh(engine, name, 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max')
    assert code == 0 and out.split()[0] == ('150000' if which == 'A' else '50000'), out


def chk_cpu_shares(engine, name, ins, which):
    assert _h(ins)['CpuShares'] == (512 if which == 'A' else 1024)


def chk_cpuset(engine, name, ins, which):
    assert _h(ins)['CpusetCpus'] == ('0' if which == 'A' else '0-1')
    code, out = exec_sh(engine, name, 'grep Cpus_allowed_list /proc/self/status')
    assert code == 0 and out.split()[1] == ('0' if which == 'A' else '0-1'), out


def chk_pids(engine, name, ins, which):
    want = 100 if which == 'A' else 200
    assert _h(ins)['PidsLimit'] == want
    code, out = exec_sh(engine, name, 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')
    assert code == 0 and out.strip() == str(want), out


def chk_log_driver(engine, name, ins, which):
    assert _h(ins)['LogConfig']['Type'] == ('json-file' if which == 'A' else 'none')


def chk_log_options(engine, name, ins, which):
    want = {'max-size': '10m', 'max-file': '3'} if which == 'A' else {'max-size': '20m'}
    assert _h(ins)['LogConfig'] == dict(Type='json-file', Config=want)


def chk_etc_hosts(engine, name, ins, which):
    code, out = exec_sh(engine, name, 'cat /etc/hosts')
    assert code == 0
    lines = [line.split() for line in out.splitlines()]
    if which == 'A':
        assert ['10.1.2.3', 'db.local'] in lines and ['fd00::1', 'v6.local'] in lines, out
    else:
        assert ['10.1.2.4', 'db.local'] in lines and not any('v6.local' in line for line in lines), out


def _resolv(engine, name):
    code, out = exec_sh(engine, name, 'cat /etc/resolv.conf')
    assert code == 0
    return [line.split() for line in out.splitlines()]


def chk_dns_servers(engine, name, ins, which):
    want = ['10.0.0.2'] if which == 'A' else ['10.0.0.3', '10.0.0.2']
    assert _h(ins)['Dns'] == want
    assert [line[1] for line in _resolv(engine, name) if line and line[0] == 'nameserver'] == want


def chk_dns_search(engine, name, ins, which):
    want = ['example.test'] if which == 'A' else ['other.test']
    assert _h(ins)['DnsSearch'] == want
    assert ['search'] + want in _resolv(engine, name)


def chk_dns_opts(engine, name, ins, which):
    want = 'ndots:2' if which == 'A' else 'ndots:3'
    assert _h(ins)['DnsOptions'] == [want]
    assert any(line[:1] == ['options'] and want in line for line in _resolv(engine, name))


def chk_hostname(engine, name, ins, which):
    want = 'web1' if which == 'A' else 'web2'
    assert _c(ins)['Hostname'] == want
    assert exec_sh(engine, name, 'hostname')[1].strip() == want


def chk_domainname(engine, name, ins, which):
    want = 'example.test' if which == 'A' else 'other.test'
    assert _c(ins)['Domainname'] == want
    assert exec_sh(engine, name, 'cat /proc/sys/kernel/domainname')[1].strip() == want


def _caps(values):
    return sorted(c if c.startswith('CAP_') else 'CAP_' + c for c in values or [])


def chk_cap_add(engine, name, ins, which):
    want = ['CAP_NET_ADMIN'] if which == 'A' else ['CAP_NET_ADMIN', 'CAP_SYS_TIME']
    assert _caps(_h(ins)['CapAdd']) == want
    assert _has_cap(engine, name, CAP_NET_ADMIN)
    assert _has_cap(engine, name, CAP_SYS_TIME) == (which == 'B')


def chk_cap_drop(engine, name, ins, which):
    want = ['CAP_NET_RAW'] if which == 'A' else ['CAP_CHOWN', 'CAP_NET_RAW']
    assert _caps(_h(ins)['CapDrop']) == want
    assert not _has_cap(engine, name, CAP_NET_RAW)
    assert _has_cap(engine, name, CAP_CHOWN) == (which == 'A')


def chk_privileged(engine, name, ins, which):
    # This machine's engines cannot start a privileged container (runc: "unable to apply caps"), so
    # the case runs with state: present and checks what the engine stored.
    assert _h(ins)['Privileged'] is (which == 'A')


def chk_devices(engine, name, ins, which):
    source = '/dev/null' if which == 'A' else '/dev/zero'
    perms = 'rwm' if which == 'A' else 'r'
    assert _h(ins)['Devices'] == [dict(PathOnHost=source, PathInContainer='/dev/xdev', CgroupPermissions=perms)]
    code, out = exec_sh(engine, name, 'test -c /dev/xdev && ls -l /dev/xdev')
    assert code == 0 and out.split()[4:6] == (['1,', '3'] if which == 'A' else ['1,', '5']), out


def chk_device_requests(engine, name, ins, which):
    (req,) = _h(ins)['DeviceRequests']
    assert req['Driver'] == 'nvidia' and req['Capabilities'] == [['gpu']], req
    if which == 'A':
        assert req['Count'] == -1 and not req['DeviceIDs'], req
    else:
        assert req['DeviceIDs'] == ['0'] and not req['Count'], req


def chk_security_opts(engine, name, ins, which):
    code, out = exec_sh(engine, name, 'grep NoNewPrivs /proc/self/status')
    assert code == 0 and out.split()[1] == ('1' if which == 'A' else '0'), out


def chk_group_add(engine, name, ins, which):
    want = ['1234'] if which == 'A' else ['1234', '2345']
    assert sorted(_h(ins)['GroupAdd']) == want
    groups = exec_sh(engine, name, 'id -G')[1].split()
    assert all(g in groups for g in want), groups


def chk_user(engine, name, ins, which):
    want = '1000:1000' if which == 'A' else '1001'
    assert _c(ins)['User'] == want
    assert exec_sh(engine, name, 'id -u')[1].strip() == want.split(':', maxsplit=1)[0]


def chk_working_dir(engine, name, ins, which):
    want = '/tmp' if which == 'A' else '/usr'
    assert _c(ins)['WorkingDir'] == want
    assert exec_sh(engine, name, 'pwd')[1].strip() == want


def chk_exposed(engine, name, ins, which):
    keys = set(_c(ins)['ExposedPorts'])
    if which == 'A':
        assert {'8080/tcp', '53/udp'} <= keys, keys
    else:
        assert '8081/tcp' in keys and '8080/tcp' not in keys, keys


def chk_read_only(engine, name, ins, which):
    assert _h(ins)['ReadonlyRootfs'] is (which == 'A')
    assert (exec_sh(engine, name, 'touch /probe')[0] != 0) == (which == 'A')


def chk_tmpfs(engine, name, ins, which):
    code, out = exec_sh(engine, name, 'grep " /scratch " /proc/mounts')
    assert code == 0 and out.split()[2] == 'tmpfs', out
    opts = out.split()[3]
    assert ('size=65536k' if which == 'A' else 'size=32768k') in opts, opts
    # /proc/mounts leaves out tmpfs's default mode 1777; the directory shows it.
    assert exec_sh(engine, name, 'stat -c %a /scratch')[1].strip() == ('1777' if which == 'A' else '755')


def chk_init(engine, name, ins, which):
    assert _h(ins)['Init'] is (which == 'A')
    cmdline = exec_sh(engine, name, 'tr "\\0" " " < /proc/1/cmdline')[1]
    assert ('init' in cmdline.split()[0]) == (which == 'A'), cmdline


def chk_ulimits(engine, name, ins, which):
    soft, hard = (1024, 2048) if which == 'A' else (512, 1024)
    assert _h(ins)['Ulimits'] == [dict(Name='nofile', Soft=soft, Hard=hard)]
    code, out = exec_sh(engine, name, 'grep "Max open files" /proc/1/limits')
    assert code == 0 and out.split()[3:5] == [str(soft), str(hard)], out


def chk_sysctls(engine, name, ins, which):
    want = '1024' if which == 'A' else '2048'
    assert _h(ins)['Sysctls'] == {'net.core.somaxconn': want}
    assert exec_sh(engine, name, 'cat /proc/sys/net/core/somaxconn')[1].strip() == want


def chk_shm_size(engine, name, ins, which):
    want = (128 if which == 'A' else 256) * 2 ** 20
    assert _h(ins)['ShmSize'] == want
    out = exec_sh(engine, name, 'df -k /dev/shm | tail -1')[1].split()
    assert int(out[1]) * 1024 == want, out


def chk_stop_signal(engine, name, ins, which):
    assert _c(ins)['StopSignal'] == ('SIGQUIT' if which == 'A' else 'SIGINT')


def chk_pid_mode(engine, name, ins, which):
    assert _h(ins)['PidMode'] == ('host' if which == 'A' else 'private')
    first = exec_sh(engine, name, 'tr "\\0" " " < /proc/1/cmdline')[1]
    assert ('httpd' not in first) == (which == 'A'), first   # the host's PID 1 is not our httpd


def chk_ipc_mode(engine, name, ins, which):
    assert _h(ins)['IpcMode'] == ('private' if which == 'A' else 'shareable')


CASES = [
    # option, A, equivalent spellings of A, B, how, extra args, check, hostile, message fragment
    ('healthcheck', dict(test='test -f /usr/share/nginx/html/index.html', interval=90, timeout='5s', retries=0,
                         start_period='100ms'),
     [dict(test='test -f /usr/share/nginx/html/index.html', interval='1m30s', timeout=5, retries=0,
           start_period=0.1)],
     dict(test=['true'], interval='1s', retries=2), 'recreate', {}, chk_healthcheck,
     dict(test='true', interval='10 parsecs'), 'Invalid healthcheck interval'),
    ('memory', 536870912, ['512m', '512M', '0.5g', '524288k'], '1g', 'update', {}, chk_memory, '12zb', 'Invalid memory'),
    ('memory_reservation', '256m', [268435456], '128m', 'update', {}, chk_memory_reservation, '-5m',
     'Invalid memory_reservation'),
    ('memory_swap', '1g', [1073741824, '1024m'], -1, 'update', dict(memory='512m'), chk_memory_swap, '-2',
     'Invalid memory_swap'),
    ('cpus', 1.5, ['1.5', '1.50'], 0.5, 'update', {}, chk_cpus, 'lots', 'Invalid cpus'),
    ('cpu_shares', 512, [], 1024, 'update', {}, chk_cpu_shares, 1, 'Invalid cpu_shares'),
    ('cpuset_cpus', '0', ['0-0'], '0,1', 'update', {}, chk_cpuset, '0-1;rm', 'Invalid cpuset_cpus'),
    ('pids_limit', 100, [], 200, 'update', {}, chk_pids, -7, 'Invalid pids_limit'),
    ('log_driver', 'json-file', [], 'none', 'recreate', {}, chk_log_driver, '', 'Invalid log_driver'),
    ('log_options', {'max-size': '10m', 'max-file': 3}, [{'max-file': '3', 'max-size': '10m'}], {'max-size': '20m'},
     'recreate', dict(log_driver='json-file'), chk_log_options, {'max-size': ['10m']}, 'Invalid log_options value for max-size'),
    ('etc_hosts', {'db.local': '10.1.2.3', 'v6.local': 'fd00::1'},
     [{'v6.local': 'fd00:0:0::0001', 'db.local': '10.1.2.3'}], {'db.local': '10.1.2.4'}, 'recreate', {},
     chk_etc_hosts, {'db.local': '10.1.2'}, 'Invalid etc_hosts address'),
    ('dns_servers', ['10.0.0.2'], [], ['10.0.0.3', '10.0.0.2'], 'recreate', {}, chk_dns_servers, ['10.0.0.2; rm'],
     'Invalid dns_servers entry'),
    ('dns_search_domains', ['example.test'], [], ['other.test'], 'recreate', {}, chk_dns_search, [''],
     'Invalid dns_search_domains entry'),
    ('dns_opts', ['ndots:2'], [['ndots:2', 'ndots:2']], ['ndots:3'], 'recreate', {}, chk_dns_opts, [''],
     'Invalid dns_opts entry'),
    ('hostname', 'web1', [], 'web2', 'recreate', {}, chk_hostname, 'bad host!', 'Invalid hostname'),
    ('domainname', 'example.test', [], 'other.test', 'recreate', {}, chk_domainname, 'bad domain!',
     'Invalid domainname'),
    ('cap_add', ['NET_ADMIN'], [['CAP_NET_ADMIN'], ['net_admin', 'NET_ADMIN']], ['net_admin', 'sys_time'],
     'recreate', {}, chk_cap_add, ['NET ADMIN'], 'Invalid cap_add entry'),
    ('cap_drop', ['NET_RAW'], [['cap_net_raw']], ['NET_RAW', 'CHOWN'], 'recreate', {}, chk_cap_drop,
     ['NET_RAW;'], 'Invalid cap_drop entry'),
    ('privileged', True, [], False, 'recreate', dict(state='present'), chk_privileged, 'maybe', 'privileged'),
    ('devices', ['/dev/null:/dev/xdev'], [['/dev/null:/dev/xdev:rwm']], ['/dev/zero:/dev/xdev:r'], 'recreate', {},
     chk_devices, ['null:/dev/xdev'], 'Invalid devices entry'),
    ('device_requests', [dict(driver='nvidia', count=-1, capabilities=[['gpu']])], [],
     [dict(driver='nvidia', device_ids=['0'], capabilities=[['gpu']])], 'recreate', dict(state='present'),
     chk_device_requests, [dict(driver='nvidia', count='all')], 'Invalid device_requests count'),
    ('security_opts', ['no-new-privileges'], [['no-new-privileges:true'], ['no-new-privileges=true']], ['apparmor=unconfined'],
     'recreate', {}, chk_security_opts, [''], 'Invalid security_opts entry'),
    ('group_add', ['1234'], [[1234]], ['1234', '2345'], 'recreate', {}, chk_group_add, [''],
     'Invalid group_add entry'),
    ('user', '1000:1000', [], '1001', 'recreate', dict(image=WORKER_IMAGE), chk_user, 'root\nx', 'Invalid user'),
    ('working_dir', '/tmp', ['/tmp/'], '/usr', 'recreate', {}, chk_working_dir, 'relative/dir', 'working_dir'),
    ('exposed_ports', ['8080', '53/udp'], [['53/UDP', '8080/tcp']], ['8081'], 'recreate', {}, chk_exposed, ['http'],
     'Invalid port'),
    ('read_only', True, [], False, 'recreate', {}, chk_read_only, 'sometimes', 'read_only'),
    ('tmpfs', ['/scratch:size=64m,mode=1777'], [['/scratch:mode=1777,size=64m'], ['/scratch/:size=64m,mode=1777']],
     ['/scratch:size=32m,mode=755'], 'recreate', {}, chk_tmpfs, ['/scratch:size=lots'], 'Invalid tmpfs option'),
    ('init', True, [], False, 'recreate', {}, chk_init, 'often', 'init'),
    ('ulimits', ['nofile:1024:2048'], [[dict(name='nofile', soft=1024, hard=2048)], ['nofile=1024:2048']],
     ['nofile:512:1024'], 'recreate', {}, chk_ulimits, ['nofile:2048:1024'], 'Invalid ulimits entry'),
    ('sysctls', {'net.core.somaxconn': 1024}, [{'net.core.somaxconn': '1024'}], {'net.core.somaxconn': 2048},
     'recreate', {}, chk_sysctls, {'net.core.somaxconn; rm': 1}, 'Invalid sysctls name'),
    ('shm_size', '128m', [134217728, '131072k'], '256m', 'recreate', {}, chk_shm_size, '1zb', 'Invalid shm_size'),
    ('stop_signal', 'SIGQUIT', ['quit', 'QUIT'], 'SIGINT', 'recreate', {}, chk_stop_signal, 'SIG KILL',
     'Invalid stop_signal'),
    ('ipc_mode', 'private', [], 'shareable', 'recreate', {}, chk_ipc_mode, 'bogus', 'Invalid ipc_mode'),
]


@pytest.mark.parametrize('option, a_value, spellings, b_value, how, extra, check, hostile, fragment', CASES,
                         ids=[case[0] for case in CASES])
def test_option_set_rerun_hostile_change(engine, janitor, name, option, a_value, spellings, b_value, how, extra,
                                         check, hostile, fragment):
    if extra.get('state') == 'present':
        check_running = None
    else:
        check_running = True
    # A hostile value on a new container: one clear message, nothing created.
    bad = run_module('container', _args(janitor, name, **dict(extra, **{option: hostile})))
    assert bad.failed and fragment in bad['msg'], bad
    assert '\n' not in bad['msg'].strip() and 'Traceback' not in bad['msg']
    assert not container_exists(engine, name)

    # Set A: changed, then unchanged; inspect and the container's behaviour show it.
    first, _second = converge_twice('container', _args(janitor, name, **dict(extra, **{option: a_value})))
    ins = engine.inspect_container(name)
    assert ins['Id'] == first['container']['id']
    if check_running:
        assert ins['State']['Running'], ins['State']
    check(engine, name, ins, 'A')
    # Equivalent spellings of A are no drift either.
    for spelling in spellings:
        again = run_module('container', _args(janitor, name, **dict(extra, **{option: spelling})))
        assert not again.failed and again.changed is False, (spelling, again)

    # A hostile value on the existing container: refused, the container untouched.
    before = container_state(engine, name)
    bad = run_module('container', _args(janitor, name, **dict(extra, **{option: hostile})))
    assert bad.failed and fragment in bad['msg'] and not bad.changed, bad
    assert container_state(engine, name) == before

    # Change to B: recreated (new ID) or updated in place (same ID, still running since the same start).
    changed = run_module('container', _args(janitor, name, **dict(extra, **{option: b_value})))
    assert not changed.failed and changed.changed, changed
    ins_b = engine.inspect_container(name)
    drift = [c for c in changed['changes'] if c['option'] == option]
    assert drift and drift[0]['how'] == how, changed['changes']
    if how == 'update':
        assert changed['actions'] == ['updated'], changed['actions']
        assert ins_b['Id'] == ins['Id'] and ins_b['State']['StartedAt'] == ins['State']['StartedAt']
        assert ins_b['State']['Running']
    else:
        assert 'recreated' in changed['actions'] and ins_b['Id'] != ins['Id'], changed
    check(engine, name, ins_b, 'B')
    again = run_module('container', _args(janitor, name, **dict(extra, **{option: b_value})))
    assert not again.failed and again.changed is False, again
