"""In-memory rate-limit counters stay bounded: capped in number (oldest first) and gone when their window ends."""

from __future__ import annotations

import asyncio

import pytest
from limits import parse_many

from mcp_common.errors import ServiceError
from orchestrator.security.limits import MAX_COUNTERS, BoundedMemoryStorage, Budget, RateLimits
from orchestrator.settings import Settings


def limits_for(budget: str, storage: BoundedMemoryStorage) -> RateLimits:
    return RateLimits(storage, [Budget("user", tuple(parse_many(budget)))])


async def test_more_users_than_the_bound_keeps_the_newest_counters() -> None:
    storage = BoundedMemoryStorage(max_counters=50)
    limits = limits_for("3/minute", storage)
    for n in range(200):
        await limits.hit(tenant="t", user=f"user{n}@example.com", key_id=None)
    assert len(storage.storage) == 50 and len(storage.expirations) == 50

    for _ in range(2):  # the newest user's count was kept: two more, then refused
        await limits.hit(tenant="t", user="user199@example.com", key_id=None)
    with pytest.raises(ServiceError, match="user"):
        await limits.hit(tenant="t", user="user199@example.com", key_id=None)
    for _ in range(3):  # the oldest user's counter was dropped: a fresh window
        await limits.hit(tenant="t", user="user0@example.com", key_id=None)
    assert len(storage.storage) == 50


async def test_counters_are_dropped_when_their_window_ends() -> None:
    storage = BoundedMemoryStorage()
    limits = limits_for("5/second", storage)
    for n in range(20):
        await limits.hit(tenant="t", user=f"user{n}@example.com", key_id=None)
    assert len(storage.storage) == 20
    await asyncio.sleep(1.1)
    await limits.hit(tenant="t", user="late@example.com", key_id=None)
    for _ in range(5):  # the library's sweep runs as a task after the hit
        await asyncio.sleep(0)
    assert len(storage.storage) == 1 and len(storage.expirations) == 1


def test_a_single_instance_counts_in_the_bounded_store() -> None:
    limits = RateLimits.from_settings(Settings(rate_limit_user="3/minute", state_backend="memory"))
    assert isinstance(limits.storage, BoundedMemoryStorage) and limits.storage.max_counters == MAX_COUNTERS
