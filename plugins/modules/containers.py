#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: containers
short_description: Converge many Docker containers idempotently in one task
version_added: 0.1.0
description:
  - Makes a whole list of named containers match the task in one module run, instead of one
    M(fleet.docker.container) run per loop item.
  - Each item takes exactly the options of M(fleet.docker.container) and is converged by the same code, so
    comparison, drift, recreate and in-place updates behave the same way.
  - Every item is validated, with the same type checks as M(fleet.docker.container), before anything on the engine
    changes; one bad item fails the task and nothing is created or removed.
  - Items are converged in parallel on O(parallel) threads. Each image is pulled once, however many items use it.
  - With O(project), every container gets the label C(fleet.docker.project=PROJECT); O(purge) then removes the
    containers that carry this label but are no longer listed. Containers without that exact label are never touched.
options:
  containers:
    description:
      - The containers. Each item is a dict with the options of M(fleet.docker.container), such as C(name),
        C(image), C(ports), C(volumes), C(env), C(restart_policy) and C(state) (V(absent) removes it).
      - C(name) is required and must be unique in the list.
    type: list
    elements: dict
    required: true
  defaults:
    description:
      - Options applied to every item unless the item sets that option itself (option by option; an item's
        C(labels) or C(env) replaces the default dict as a whole).
      - C(name) cannot be a default.
    type: dict
    default: {}
  parallel:
    description: Number of containers converged at the same time.
    type: int
    default: 4
  project:
    description:
      - Marks the containers as owned by this task. The label C(fleet.docker.project) with this value is added to every
        item's labels.
    type: str
  purge:
    description:
      - Remove the containers that carry the label C(fleet.docker.project=PROJECT) and are not in O(containers).
      - Requires O(project). Containers of other projects, and containers without the label, are never removed.
    type: bool
    default: false
extends_documentation_fragment:
  - fleet.docker.docker
attributes:
  check_mode:
    support: full
    description: Reports per container what would change, with the same diff, and changes nothing.
  diff_mode:
    support: full
    description: One before/after diff per changed container, headed with its name.
notes:
  - A failure of one item (for example a host port already in use) does not stop the others; the task fails
    afterwards and RV(results) shows what happened to every item.
seealso:
  - module: fleet.docker.container
author:
  - fleet.docker developers (@fleet-docker)
"""

EXAMPLES = r"""
- name: Web servers sharing image, restart policy and env
  fleet.docker.containers:
    project: shop
    purge: true
    defaults:
      image: registry.example.com/demo/web:1.0
      restart_policy: always
      env:
        TIER: web
    containers:
      - name: shop-web1
        ports: ["8081:80"]
      - name: shop-web2
        ports: ["8082:80"]

- name: Two services written out
  fleet.docker.containers:
    project: blog
    parallel: 8
    containers:
      - name: blog-web
        image: registry.example.com/blog/web:2.1
        ports: ["8080:80"]
        volumes: ["blog-data:/srv/data", "/etc/blog:/etc/blog:ro"]
      - name: blog-worker
        image: registry.example.com/blog/worker:2.1
        env:
          QUEUE: default

- name: Remove every container of the project
  fleet.docker.containers:
    project: blog
    purge: true
    containers: []
"""

RETURN = r"""
results:
  description:
    - One entry per item of O(containers), in order, with what M(fleet.docker.container) returns for it
      (C(changed), C(actions), C(changes), C(container), C(diff) in diff mode) plus C(name) and C(failed)
      (and C(msg) when it failed).
  returned: always
  type: list
  elements: dict
  sample:
    - name: web0
      changed: true
      failed: false
      actions: [created, started]
      changes: []
      container: {id: 3f2a9c0e1b7d..., name: web0, state: running, running: true}
purged:
  description: Names of the containers removed by O(purge) (that would be removed, in check mode).
  returned: always
  type: list
  elements: str
  sample: [web30, web31]
purge_results:
  description: The result of removing each purged container, like an item of RV(results) with C(purged=true).
  returned: always
  type: list
  elements: dict
summary:
  description:
    - Counts over all items, C(total), C(changed), C(unchanged), C(failed), C(purged), and one count per action
      (C(pulled), C(created), C(recreated), C(updated), C(started), C(restarted), C(stopped), C(removed)).
  returned: always
  type: dict
  sample: {total: 30, changed: 1, unchanged: 29, failed: 0, purged: 0, pulled: 0, created: 0, recreated: 1,
           updated: 0, started: 1, restarted: 0, stopped: 0, removed: 0}
"""

from ansible_collections.fleet.docker.plugins.module_utils.containers.batch import converge_batch
from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import AnsibleDockerModule

ARGS = dict(
    containers=dict(type='list', elements='dict', required=True),
    defaults=dict(type='dict', default={}),
    parallel=dict(type='int', default=4),
    project=dict(type='str'),
    purge=dict(type='bool', default=False),
)


def main():
    module = AnsibleDockerModule(argument_spec=ARGS, supports_check_mode=True)
    module.run(lambda m: converge_batch(m.client, m.params['containers'], m.params['defaults'], m.params['parallel'],
                                        m.params['project'], m.params['purge'], m.check_mode, m._diff))


if __name__ == '__main__':
    main()
