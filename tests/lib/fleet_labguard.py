"""Leave the lab fleet as the test session found it (pytest plugin, registered by tests/conftest.py).

The lab's test files bring the lab up (make lab, scripts/lab.sh up) and share it from file to file, so
none of them takes it down on its own: that would cost a fresh `make lab` per file. Instead, the
session records the lab's state before any test runs and, once the session has run a lab test, puts
it back: a lab that was not there is taken down (scripts/lab.sh down); a lab that was there and is
gone or has other hosts or engines now (test_lab.py and molecule take it down on purpose) is brought
back with its host count and engines. The next `make demo` or benchmark then finds what it left.

The lab is the one scripts/lab.sh addresses with the same environment (FLEET_LAB_DIR, LAB_NAME);
FLEET_LAB_SCRIPT replaces scripts/lab.sh (tests/integration/test_fixtures.py uses a stand-in).
Under pytest-xdist only the controller acts; the workers only run tests.
"""

import fnmatch
import glob
import os
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The files that drive the lab (tests/conftest.py LAB_FILES); any test marked `lab` counts too.
LAB_FILES = ('test_lab.py', 'test_playbooks.py', 'test_roles.py', 'test_faults.py', 'test_release.py',
             'test_load.py', 'test_compose_fleet.py')


def lab_dir():
    return os.environ.get('FLEET_LAB_DIR') or os.path.join(ROOT, '.lab')


def lab_name():
    return os.environ.get('LAB_NAME') or 'fleetlab'


def snapshot():
    """The lab's state: dict(present, hosts, engines). Only files and links are read: no lab command runs.

    present: anything of the lab exists (its directory, bridge or a host's namespace), so a half-built
    lab counts. hosts, engines: from its inventory (engines as an ENGINES list, one item per host, which
    `lab.sh up N` reproduces host by host), else 0 and ''.
    """
    name = lab_name()
    present = (os.path.isdir(lab_dir()) or os.path.exists('/sys/class/net/%s0' % name)
               or bool(glob.glob('/run/netns/%s[0-9]*' % name)))
    hosts, engines = 0, ''
    try:
        with open(os.path.join(lab_dir(), 'inventory.yml')) as handle:
            specs = (yaml.safe_load(handle) or {})['lab']['hosts']
        order = sorted(specs, key=lambda host: int(host.replace('lab', '') or 0))
        hosts = len(order)
        engines = ','.join(str(specs[h].get('lab_engine_requested') or specs[h].get('lab_engine') or '') for h in order)
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        pass
    return dict(present=present, hosts=hosts, engines=engines)


def restore_action(before, after):
    """What puts the lab back as ``before`` found it: None, ('down',) or ('up', hosts, engines)."""
    if not before['present']:
        return ('down',) if after['present'] else None
    if not before['hosts']:
        return None    # it was there but had no inventory (half built or broken): nothing to restore to
    if after['present'] and (after['hosts'], after['engines']) == (before['hosts'], before['engines']):
        return None
    return ('up', before['hosts'], before['engines'])


def run_action(action):
    script = os.environ.get('FLEET_LAB_SCRIPT') or os.path.join(ROOT, 'scripts', 'lab.sh')
    env = dict(os.environ)
    argv = ['bash', script, action[0]]
    if action[0] == 'up':
        argv.append(str(action[1]))
        if action[2]:
            env['ENGINES'] = action[2]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def is_lab_test(nodeid, keywords):
    path = nodeid.split('::', 1)[0]
    return 'lab' in keywords or any(fnmatch.fnmatch(os.path.basename(path), pat) for pat in LAB_FILES)


class LabGuard:
    """The plugin object: records the state at session start, restores it at session finish."""

    def __init__(self):
        self.before = None
        self.ran_lab_test = False
        self.outcome = None

    def pytest_sessionstart(self, session):
        if hasattr(session.config, 'workerinput'):
            return
        self.before = snapshot()

    def pytest_runtest_logreport(self, report):
        # On the controller under xdist too: the workers' reports come back through this hook.
        if report.when == 'setup' and not self.ran_lab_test and is_lab_test(report.nodeid, report.keywords):
            self.ran_lab_test = True

    def pytest_sessionfinish(self, session):
        if self.before is None or not self.ran_lab_test:
            return
        action = restore_action(self.before, snapshot())
        if action is None:
            return
        proc = run_action(action)
        self.outcome = (action, proc.returncode, (proc.stdout + proc.stderr).strip()[-2000:])
        if proc.returncode != 0 and session.exitstatus == 0:
            session.exitstatus = 1    # a lab left other than it was found fails the run

    def pytest_terminal_summary(self, terminalreporter):
        if self.outcome is None:
            return
        action, code, output = self.outcome
        words = 'lab.sh %s' % ' '.join(str(a) for a in action if a)
        if code == 0:
            terminalreporter.write_line('lab: put back as the session found it (%s)' % words)
        else:
            terminalreporter.write_line('lab: %s failed (exit %d), the lab is NOT as the session found it:\n%s'
                                        % (words, code, output), red=True)
