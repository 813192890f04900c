# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one engine step per item on a thread pool, for the batch, compose and cleanup code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

from ansible_collections.fleet.docker.plugins.module_utils.engine.connection import MAX_POOL_SIZE

MAX_PARALLEL = MAX_POOL_SIZE  # one pooled connection per thread


def run_parallel(function: Callable[[Any], Any], items: Iterable, parallel: int | None) -> list:
    """``[function(item) for item in items]`` on up to ``parallel`` threads, in item order."""
    items = list(items)
    if not items:
        return []
    workers = max(1, min(int(parallel or 1), MAX_PARALLEL, len(items)))
    if workers == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))
