#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_exec
short_description: Run a command in a running Docker container
version_added: 0.1.0
description:
  - Like C(docker exec NAME CMD); returns the exit code, standard output and standard error.
  - A non-zero exit code fails the task, like M(ansible.builtin.command); use C(failed_when) to accept others.
  - The module cannot know whether the command changed anything, so it reports C(changed) only when
    O(report_changed=true).
options:
  container:
    description: Name or ID of a running container.
    type: str
    required: true
  command:
    description:
      - The command. A string is split like a shell would split it (no variable expansion or pipes; use
        C(["sh", "-c", "..."]) for those); a list is taken as is.
    type: raw
    required: true
  user:
    description: User (name or UID, optionally C(:group)) to run as.
    type: str
  working_dir:
    description: Absolute working directory for the command.
    type: str
    aliases: [chdir]
  env:
    description: Extra environment variables; numbers and booleans are turned into strings.
    type: dict
  tty:
    description: Allocate a pseudo terminal; standard error is then merged into standard output.
    type: bool
    default: false
  report_changed:
    description: Report C(changed=true) when the command ran (and in check mode, where it does not run).
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: partial
    description: The command is not run; C(changed) is what O(report_changed) says.
    details: A command cannot be simulated, so check mode only checks that the container runs.
  diff_mode:
    support: none
    description: Nothing to diff.
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Read a file
  fleet.docker.container_exec:
    container: web
    command: cat /usr/share/nginx/html/index.html
  register: page

- name: Run a migration and report a change
  fleet.docker.container_exec:
    container: app
    command: ["sh", "-c", "manage migrate && touch /tmp/migrated"]
    user: app
    env:
      DEBUG: false
    report_changed: true
"""

RETURN = r"""
rc:
  description: Exit code of the command.
  returned: when the command ran
  type: int
  sample: 0
stdout:
  description: Standard output.
  returned: when the command ran
  type: str
  sample: "<h1>hello</h1>\n"
stderr:
  description: Standard error (empty with O(tty=true)).
  returned: when the command ran
  type: str
  sample: ""
stdout_lines:
  description: RV(stdout) split into lines.
  returned: when the command ran
  type: list
  elements: str
stderr_lines:
  description: RV(stderr) split into lines.
  returned: when the command ran
  type: list
  elements: str
command:
  description: The command as run (argv).
  returned: always
  type: list
  elements: str
  sample: [cat, /usr/share/nginx/html/index.html]
"""

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule
from ansible_collections.fleet.docker.plugins.module_utils.containers.exec import EXEC_OPTIONS, run_exec


def main():
    module = AnsibleDockerModule(argument_spec=EXEC_OPTIONS, supports_check_mode=True)
    module.run(lambda m: run_exec(m.client, m.params, m.check_mode))


if __name__ == '__main__':
    main()
