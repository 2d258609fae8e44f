"""Request budgets per user, per API key and per tenant, counted with the `limits` library.

`RateLimits.hit` is called once per request, once its caller is known; over any budget it raises
`RATE_LIMITED` carrying the seconds until that budget's window resets (`retry_after_s`), which the
HTTP boundary sends as `Retry-After` with status 429 (docs/security-surface.md).

Budgets (`ORCH_RATE_LIMIT_USER`, `_KEY`, `_TENANT`) use the `limits` string syntax (`60/minute`,
`10/second;500/hour`; empty: no budget) and fixed windows; a tenant's policy (`ORCH_TENANTS`) may set
its own user and tenant budgets (`rate_limit_user`, `rate_limit_tenant`). Counters live in memory (one instance)
or, with `ORCH_STATE_BACKEND=redis`, in the shared Redis under `<ORCH_STATE_PREFIX>:limits`, so all
instances spend one budget. A counter store that fails or is slow lets the request through (and
logs it): the limits protect capacity, they never take the API down with them.

In memory, a counter is dropped when its window ends (the `limits` library sweeps expired counters on
each hit) and at most `MAX_COUNTERS` are held: past that the oldest counters are dropped first, and the
subjects they counted start their window afresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.observability.metrics import rate_limited
from orchestrator.settings import Settings

logger = logging.getLogger(__name__)

MAX_COUNTERS = 100_000
"""Counters (one per subject, budget and window) the in-memory store holds at most."""


class BoundedMemoryStorage(MemoryStorage):
    """The `limits` in-memory counters, at most `max_counters` of them: the oldest go first."""

    def __init__(self, max_counters: int = MAX_COUNTERS) -> None:
        super().__init__()
        self.max_counters = max_counters

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        count = await super().incr(key, expiry, amount)
        while len(self.storage) > self.max_counters:  # a new counter is last: the first is the oldest
            await self.clear(next(iter(self.storage)))
        return count


@dataclass(frozen=True)
class Budget:
    """One kind of budget: whom it counts (`scope`) and its windows."""

    scope: str
    items: tuple[RateLimitItem, ...]


class RateLimits:
    """The deployment's request budgets (see the module docstring)."""

    def __init__(
        self,
        storage: Storage,
        budgets: list[Budget],
        *,
        timeout_s: float = 1.0,
        tenants: dict[str, list[Budget]] | None = None,
    ) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.budgets = {budget.scope: budget for budget in budgets if budget.items}
        self.tenants = {
            tenant: {budget.scope: budget for budget in own} for tenant, own in (tenants or {}).items() if own
        }
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        budgets = [
            Budget("user", tuple(parse_many(settings.rate_limit_user)) if settings.rate_limit_user else ()),
            Budget("key", tuple(parse_many(settings.rate_limit_key)) if settings.rate_limit_key else ()),
            Budget("tenant", tuple(parse_many(settings.rate_limit_tenant)) if settings.rate_limit_tenant else ()),
        ]
        tenants = {
            name: [
                Budget(scope, tuple(parse_many(value)))
                for scope, value in (("user", policy.rate_limit_user), ("tenant", policy.rate_limit_tenant))
                if value
            ]
            for name, policy in settings.tenants.items()
        }
        storage: Storage
        if settings.state_backend == "redis":
            url = settings.redis_url.get_secret_value()
            storage = RedisStorage(
                "async+" + ("redis+" + url if url.startswith("unix://") else url),
                implementation="redispy",
                key_prefix=f"{settings.state_prefix}:limits",
                socket_timeout=settings.state_timeout_s,
                socket_connect_timeout=settings.state_timeout_s,
            )
        else:
            storage = BoundedMemoryStorage()
        return cls(storage, budgets, timeout_s=settings.state_timeout_s, tenants=tenants)

    @property
    def enabled(self) -> bool:
        return bool(self.budgets or self.tenants)

    async def hit(self, *, tenant: str, user: str, key_id: str | None) -> None:
        """Spend one request of each budget that applies; `RATE_LIMITED` when one is spent."""
        budgets = self.budgets | self.tenants.get(tenant, {})
        if not budgets:
            return
        subjects = {"tenant": tenant, "user": f"{tenant}:{_digest(user)}", "key": key_id}
        for scope, budget in budgets.items():
            subject = subjects[scope]
            if subject is None:
                continue
            for item in budget.items:
                try:
                    allowed = await asyncio.wait_for(self.limiter.hit(item, scope, subject), self.timeout_s)
                    if allowed:
                        continue
                    stats = await asyncio.wait_for(self.limiter.get_window_stats(item, scope, subject), self.timeout_s)
                except Exception as exc:  # the store failed or is slow: let the request through
                    logger.warning("rate limit store unavailable, request let through: %r", exc)
                    return
                rate_limited(scope)
                raise ServiceError(
                    ErrorCode.RATE_LIMITED,
                    f"too many requests for this {scope}: at most {item}",
                    retry_after_s=max(0.0, stats.reset_time - time.time()),
                )


def _digest(user: str) -> str:
    """Users are counted under a digest: the counter store never holds an email address."""
    return hashlib.sha256(user.encode()).hexdigest()[:32]
