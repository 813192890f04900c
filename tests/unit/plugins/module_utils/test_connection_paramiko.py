"""engine.connection defers paramiko (issue #25): ``import docker`` would import it, and invoke, on every module run."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

PROBE = r'''
import json, sys
import ansible_collections.fleet.docker.plugins.module_utils.engine.connection as c
import docker.api.client
out = dict(deferred=type(sys.modules['paramiko']).__name__, invoke='invoke' in sys.modules,
           adapter=hasattr(docker.api.client, 'SSHHTTPAdapter'))
import paramiko
out['client'] = paramiko.SSHClient.__module__
out['real'] = type(sys.modules['paramiko']).__name__
print(json.dumps(out))
'''


@pytest.mark.skipif(importlib.util.find_spec('paramiko') is None, reason='paramiko is not installed')
def test_paramiko_is_imported_on_first_use_only():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, '-c', PROBE], capture_output=True, text=True, env=env, check=True)
    out = json.loads(proc.stdout)
    # Until an ssh:// engine needs it, a stand-in sits in sys.modules and nothing of paramiko (or invoke) ran,
    # yet the SDK still has its ssh:// adapter; the first attribute read imports the real paramiko.
    assert out == dict(deferred='_DeferredModule', invoke=False, adapter=True, client='paramiko.client', real='module')
