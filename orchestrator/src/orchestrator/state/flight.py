"""Single-flight: concurrent identical cache misses within one instance compute once.

The first caller of a key starts the computation as its own task; callers arriving while it runs
await the same task. The task is shielded: a caller that gives up (a client disconnect, a deadline)
does not cancel the work the others wait for. Keys are the scoped cache keys, so two users, or
one user before and after a write, never share a flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Deduplicates concurrent computations by key (one event loop; not thread-safe)."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[T]] = {}
        self.joined = 0

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: str, compute: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """`compute()`'s result, and whether this call joined a computation already running."""
        task = self._running.get(key)
        joined = task is not None
        if task is None:
            task = asyncio.ensure_future(compute())
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        else:
            self.joined += 1
        return await asyncio.shield(task), joined

    def _finished(self, key: str, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have gone; never "exception was never retrieved"
