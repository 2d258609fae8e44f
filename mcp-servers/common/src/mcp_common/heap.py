"""What a serving process has built by the end of its start-up is kept out of the garbage collector's work.

A full collection scans every tracked object: in the orchestrator, after start-up (modules, the
catalog, compiled schemas, pydantic models), that is ≈80-90 ms of one core, and under load one
comes every few seconds, a stall for every request in flight (the p99 in docs/performance.md).
`gc.freeze()` moves the objects alive once start-up is done to a permanent generation the collector
no longer scans; what requests allocate is collected as before.

Only serving processes do it (`enable()` from `python -m orchestrator` / a service's `serve`): a
test process starts many apps, and objects frozen there are never scanned again.
"""

from __future__ import annotations

import gc

_enabled = False


def enable() -> None:
    """This process serves one app: `settle()` at the end of its start-up freezes the heap."""
    global _enabled
    _enabled = True


def settle() -> int:
    """Collect once, then freeze what survives (if `enable()` was called); the number of objects frozen."""
    if not _enabled:
        return 0
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
