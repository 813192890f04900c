"""fleet.docker.container_exec on the real engine."""

from fleet_testlib import TEST_LABEL, WEB, run_module, unique


def _running(engine, janitor):
    engine.pull(WEB, tag='1.0')
    name = janitor.container(unique())
    engine.create_container(WEB + ':1.0', name=name, labels={TEST_LABEL: janitor.tag})
    engine.start(name)
    return name


def test_exec_returns_rc_stdout_stderr_and_is_not_changed(engine, janitor):
    name = _running(engine, janitor)
    args = {'container': name, 'command': ['sh', '-c', 'echo "$GREETING"; echo oops >&2'], 'env': {'GREETING': 7}}
    for attempt in range(2):  # unchanged every run unless the task says otherwise
        result = run_module('container_exec', args)
        assert not result.failed, (attempt, result)
        assert result['changed'] is False and result['rc'] == 0
        assert result['stdout'] == '7\n' and result['stderr'] == 'oops\n' and result['stdout_lines'] == ['7']


def test_string_command_working_dir_and_report_changed(engine, janitor):
    name = _running(engine, janitor)
    result = run_module('container_exec', {'container': name, 'command': 'ls index.html',
                                           'working_dir': '/usr/share/nginx/html', 'report_changed': True})
    assert result.changed and result['stdout'].strip() == 'index.html'
    assert result['command'] == ['ls', 'index.html']


def test_non_zero_exit_fails_with_output(engine, janitor):
    name = _running(engine, janitor)
    result = run_module('container_exec', {'container': name, 'command': ['sh', '-c', 'echo bad; exit 4']})
    assert result.failed and result['rc'] == 4 and result['stdout'] == 'bad\n'
    assert 'exited with code 4' in result['msg']


def test_check_mode_does_not_run(engine, janitor):
    name = _running(engine, janitor)
    result = run_module('container_exec', {'container': name, 'command': 'touch /tmp/ran'}, check=True)
    assert not result.failed and result['changed'] is False and result['skipped']
    probe = run_module('container_exec', {'container': name, 'command': 'test -e /tmp/ran'})
    assert probe.failed and probe['rc'] == 1


def test_missing_or_stopped_container(engine, janitor):
    missing = run_module('container_exec', {'container': unique('nope'), 'command': 'true'})
    assert missing.failed and missing['msg'].startswith('There is no container')
    engine.pull(WEB, tag='1.0')
    stopped = janitor.container(unique())
    engine.create_container(WEB + ':1.0', name=stopped, labels={TEST_LABEL: janitor.tag})
    result = run_module('container_exec', {'container': stopped, 'command': 'true'})
    assert result.failed and 'is not running (created)' in result['msg']
