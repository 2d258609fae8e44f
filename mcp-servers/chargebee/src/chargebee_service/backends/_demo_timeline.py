"""When a demo subscription started, renews, was billed and ended, as seen from a given moment."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from chargebee_service.backends._demo_profiles import FIRST_START, TRIAL_DAYS, Profile

FUTURE_START_DAYS = 10
START_SPACING = timedelta(days=19)


@dataclass(frozen=True)
class Timeline:
    """The dates of one demo subscription; `billed` holds the invoice dates, oldest first."""

    started_at: datetime
    billed: list[datetime] = field(default_factory=list)
    term: tuple[datetime, datetime] | None = None
    next_billing_at: datetime | None = None
    trial: tuple[datetime, datetime] | None = None
    cancelled_at: datetime | None = None


def fixed_start(index: int) -> datetime:
    """The clock-independent start date of the `index`-th demo person."""
    return FIRST_START + index * START_SPACING


def timeline(index: int, profile: Profile, unit: str, now: datetime) -> Timeline:
    """The timeline of the `index`-th person's subscription at `now` (which must be UTC)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if profile.status == "in_trial":
        start = today - timedelta(days=profile.trial_day)
        trial = (start, start + timedelta(days=TRIAL_DAYS))
        return Timeline(started_at=start, term=trial, next_billing_at=trial[1], trial=trial)
    if profile.status == "future":
        start = today + timedelta(days=FUTURE_START_DAYS)
        return Timeline(started_at=start, next_billing_at=start)
    start = fixed_start(index)
    if profile.status == "cancelled":
        return _cancelled(start, profile.periods, unit, now)
    current = _periods_elapsed(start, unit, now)
    term = (add_periods(start, current, unit), add_periods(start, current + 1, unit))
    billed = [add_periods(start, k, unit) for k in range(current + 1)]
    if profile.status == "paused":
        return Timeline(started_at=start, billed=billed[:-1])
    if profile.status == "non_renewing":
        return Timeline(started_at=start, billed=billed, term=term, cancelled_at=term[1])
    return Timeline(started_at=start, billed=billed, term=term, next_billing_at=term[1])


def _cancelled(start: datetime, periods: int, unit: str, now: datetime) -> Timeline:
    billed = [d for d in (add_periods(start, k, unit) for k in range(periods)) if d <= now]
    return Timeline(started_at=start, billed=billed, cancelled_at=min(add_periods(start, periods, unit), now))


def _periods_elapsed(start: datetime, unit: str, now: datetime) -> int:
    """How many whole billing periods lie between `start` and `now` (0 before the first ends)."""
    months = (now.year - start.year) * 12 + now.month - start.month
    count = max(0, months // (12 if unit == "year" else 1))  # the calendar months passed: at most one too many
    while count > 0 and add_periods(start, count, unit) > now:
        count -= 1
    return count


@lru_cache(maxsize=8192)  # every call lists a subscription's past periods: the same few hundred dates
def add_periods(start: datetime, count: int, unit: str) -> datetime:
    """`start` moved on by `count` months (or years), keeping the day where the month allows."""
    months = count * (12 if unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)
