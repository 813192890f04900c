"""Load (issue #10): 100 containers converged on one host by the batch module, with the module
process's wall time and peak memory measured (os.wait4 gives that child's own ru_maxrss); and
5 lab hosts converged in parallel with forks=5, with no errors.
"""

import json
import os
import subprocess
import tempfile
import time

import pytest

from fleet_testlib import COLLECTIONS, PYTHON, ROOT, TEST_LABEL, WEB, ensure_image, unique

from test_faults import Lab, recap

COUNT = 100


def measured_module(name, args):
    """Run a module like run_module does; return (result, wall seconds, peak RSS in MiB)."""
    payload = dict(args, _ansible_check_mode=False, _ansible_diff=False, _ansible_remote_tmp='/tmp',
                   _ansible_keep_remote_files=False)
    start = time.time()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen([PYTHON, '-m', 'ansible_collections.fleet.docker.plugins.modules.%s' % name],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                env=dict(os.environ, PYTHONPATH=COLLECTIONS))
        proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': payload}).encode())
        proc.stdin.close()
        out = proc.stdout.read()
        proc.stdout.close()
        # Reap this child ourselves: wait4 returns its own rusage (ru_maxrss in KiB on Linux).
        dummy, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss / 1024.0
        errors.seek(0)
        err = errors.read()
    wall = time.time() - start
    text = out.decode() + err.decode()
    assert 'Traceback (most recent call last)' not in text, text[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1]), wall, peak


@pytest.fixture
def hundred(engine, janitor):
    ensure_image(engine)
    tag = unique('load')
    names = [janitor.container('%s-%03d' % (tag, i)) for i in range(COUNT)]
    return tag, names


def test_converge_100_containers_on_one_host(engine, janitor, hundred, record_property):
    tag, names = hundred
    items = [dict(name=name, image=WEB + ':1.0', labels={TEST_LABEL: janitor.tag}, env={'N': str(i)})
             for i, name in enumerate(names)]
    args = dict(containers=items, parallel=8)
    first, wall1, rss1 = measured_module('containers', args)
    assert not first.get('failed'), first.get('msg')
    assert first['changed'] and len(first['results']) == COUNT
    running = engine.containers(filters={'label': '%s=%s' % (TEST_LABEL, janitor.tag)})
    assert len(running) == COUNT
    second, wall2, rss2 = measured_module('containers', args)
    assert not second.get('failed') and not second['changed'], second.get('msg')
    print('FIGURE load 100: create %.1f s peak %.1f MiB; idempotent rerun %.1f s peak %.1f MiB'
          % (wall1, rss1, wall2, rss2))
    record_property('create_s', round(wall1, 1))
    record_property('create_peak_mib', round(rss1, 1))
    record_property('rerun_s', round(wall2, 1))
    record_property('rerun_peak_mib', round(rss2, 1))
    assert rss1 < 300 and rss2 < 300
    # Bounded: 100 containers must not take more than a few minutes on one engine.
    assert wall1 < 300 and wall2 < 120
    for name in names:
        engine.remove_container(name, force=True)


@pytest.mark.lab
@pytest.mark.slow
def test_converge_5_lab_hosts_in_parallel(tmp_path):
    lab = Lab(hosts=5)
    lab.up()
    try:
        tag = unique('fleet')
        play = tmp_path / 'fleet.yml'
        play.write_text('''
- hosts: lab
  gather_facts: false
  tasks:
    - fleet.docker.containers:
        project: %(tag)s
        defaults: {image: "{{ lab_registry }}/demo/web:1.0"}
        containers:
%(items)s
''' % dict(tag=tag, items='\n'.join('          - {name: %s-%d}' % (tag, i) for i in range(10))))
        cmd = [os.path.join(os.path.dirname(PYTHON), 'ansible-playbook'), '-i', lab.inventory, '-f', '5', str(play)]
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), NO_COLOR='1')
        walls = []
        for attempt in range(2):
            start = time.time()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
            walls.append(time.time() - start)
            result = recap(proc.stdout)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
            assert sorted(result) == ['lab%d' % n for n in range(1, 6)]
            for host, counts in result.items():
                assert counts['failed'] == 0 and counts['unreachable'] == 0, (host, counts)
                assert counts['changed'] == (1 if attempt == 0 else 0), (host, counts)
        for n in range(1, 6):
            assert len(lab.client(n).containers(filters={'label': 'fleet.docker.project=%s' % tag})) == 10
        print('FIGURE load 5 hosts x 10 containers, forks=5: converge %.1f s, idempotent rerun %.1f s' % tuple(walls))
    finally:
        lab.down()
