"""Secrets in diff mode (issue #10): test_registry_login.py and test_tls.py cover results and -vvv;
here the same secrets go through --diff and --check --diff, and error messages that would quote them."""

import base64
import textwrap

from fleet_testlib import AUTH_PASSWORD, AUTH_REGISTRY, AUTH_USER, PYTHON, run_module, run_playbook


def test_registry_password_never_in_diff_or_check_diff_output(tmp_path):
    config = tmp_path / 'docker'
    config.mkdir()
    playbook = tmp_path / 'login.yml'
    # Passwords come from variables (vault in real life): a failed task's source line, which
    # ansible-core quotes in its error context, then shows the variable, not the password.
    playbook.write_text(textwrap.dedent('''\
        - hosts: localhost
          gather_facts: false
          vars:
            ansible_python_interpreter: %s
            good: "%s"
            bad: "wrong-%s"
          tasks:
            - fleet.docker.registry_login: {registry: "%s", username: %s, password: "{{ good }}", config_path: "%s"}
              register: login
            - ansible.builtin.debug: {var: login}
            - fleet.docker.registry_login: {registry: "%s", username: %s, password: "{{ bad }}", config_path: "%s"}
              ignore_errors: true
        ''' % (PYTHON, AUTH_PASSWORD, AUTH_PASSWORD, AUTH_REGISTRY, AUTH_USER, config / 'config.json',
               AUTH_REGISTRY, AUTH_USER, config / 'config.json')))
    encoded = base64.b64encode(('%s:%s' % (AUTH_USER, AUTH_PASSWORD)).encode()).decode()
    for extra in (['--check', '--diff', '-vvv'], ['--diff', '-vvv']):
        proc = run_playbook(str(playbook), extra_args=extra)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-3000:]
        assert 'changed=' in output
        # The vars block of the playbook itself is not printed; every result, diff and invocation is masked.
        assert AUTH_PASSWORD not in output and encoded not in output, output[-3000:]


def test_registry_password_never_in_module_diff_result(tmp_path):
    args = dict(registry=AUTH_REGISTRY, username=AUTH_USER, password=AUTH_PASSWORD,
                config_path=str(tmp_path / 'config.json'))
    for check in (True, False):
        result = run_module('registry_login', args, check=check, diff=True)
        assert not result.failed and 'diff' in result, result
        assert AUTH_PASSWORD not in result.stdout + result.stderr


def test_tls_key_path_masked_in_error_and_diff(tmp_path):
    """An error that names the client_key (missing file) must not print the secret path."""
    secret = str(tmp_path / 'secret-key-5c1e' / 'key.pem')
    result = run_module('volume', dict(name='fleet-secret-probe', docker_host='tcp://127.0.0.1:1', tls=True,
                                       client_cert=str(tmp_path / 'cert.pem'), client_key=secret), diff=True)
    assert result.failed, result
    assert secret not in result.stdout + result.stderr
