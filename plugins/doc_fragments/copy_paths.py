# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Where src lands, shared by container_copy and container_fetch so the two cannot drift apart.
    # ansible-core wants options in every fragment; this one only adds notes.
    DOCUMENTATION = r"""
options: {}
notes:
  - "Where O(src) lands never depends on whether O(dest) existed before the run, so every run gives the same tree.
    A directory O(src) without a trailing slash is copied into O(dest) under its own name (C(DEST/NAME)), and
    O(dest) is created when missing. A directory O(src) with a trailing slash (or C(/.)) has its contents copied
    into O(dest). A file O(src) goes into O(dest) under its own name when O(dest) is an existing directory or ends
    with C(/), and to O(dest) itself otherwise. A directory O(src) onto an existing file fails."
  - "This is C(docker cp)'s rule except in one case, where C(docker cp) is not repeatable: a directory without a
    trailing slash copied to a missing O(dest) becomes O(dest) itself with C(docker cp) on the first run, and
    C(DEST/NAME) on the next. Here it is C(DEST/NAME) from the first run on, which is also what C(docker cp)
    gives whenever O(dest) exists."
"""
