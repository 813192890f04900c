"""Drive the fleet.docker.api connection plugin outside a play, as Ansible's task executor does.

    python api_connection_driver.py < job.json

job: {"container": NAME, "options": {...}, "ops": [[op, ...], ...]} with ops
["exec", cmd, stdin-or-null, sudoable], ["put", local, remote], ["fetch", remote, local], ["transport"]
(the engine client's class, and whether the Docker SDK or requests got imported so far). Paths may
hold lone surrogates (non-UTF-8 bytes), which JSON carries. Prints one JSON list: per op
{"rc", "stdout", "stderr"} (latin-1 text) or {"error": class name, "msg": text}. Runs in its own
process so Ansible's collection loader never meets the test process's imports.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader, init_plugin_loader
    init_plugin_loader([os.path.join(ROOT, '.cache', 'collections')])
    job = json.load(sys.stdin)
    conn = connection_loader.get('fleet.docker.api', PlayContext(), None)
    conn.set_options(var_options=dict(inventory_hostname=job['container']), direct=job.get('options') or {})
    results = []
    for op in job['ops']:
        try:
            if op[0] == 'exec':
                stdin = op[2].encode('latin-1') if op[2] is not None else None
                rc, out, err = conn.exec_command(op[1], in_data=stdin, sudoable=op[3] if len(op) > 3 else True)
                results.append(dict(rc=rc, stdout=out.decode('latin-1'), stderr=err.decode('latin-1')))
            elif op[0] == 'put':
                conn.put_file(op[1], op[2])
                results.append(dict(rc=0))
            elif op[0] == 'fetch':
                conn.fetch_file(op[1], op[2])
                results.append(dict(rc=0))
            elif op[0] == 'transport':
                results.append(dict(client=type(conn.client).__name__,
                                    sdk=sorted(m for m in ('docker', 'requests', 'urllib3') if m in sys.modules)))
        except Exception as exc:  # pylint: disable=broad-except
            results.append(dict(error=type(exc).__name__, msg=str(getattr(exc, 'message', exc))))
    conn.close()
    print(json.dumps(results))


if __name__ == '__main__':
    main()
