"""The demo backend's billing periods: counted in one step, the same as counting them one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chargebee_service.backends._demo_timeline import _periods_elapsed, add_periods

STARTS = [datetime(2024, 1, 31, 9, 30, tzinfo=UTC), datetime(2024, 2, 29, 23, 59, tzinfo=UTC),
          datetime(2023, 12, 15, 0, 0, tzinfo=UTC), datetime(2025, 3, 1, 12, 0, tzinfo=UTC)]  # fmt: skip


def counted_one_by_one(start: datetime, unit: str, now: datetime) -> int:
    count = 0
    while add_periods(start, count + 1, unit) <= now:
        count += 1
    return count


@pytest.mark.parametrize("unit", ["month", "year"])
@pytest.mark.parametrize("start", STARTS)
def test_periods_elapsed_matches_counting_each_period(start: datetime, unit: str) -> None:
    moments = [start - timedelta(days=3), start, start + timedelta(hours=1)]
    moments += [start + timedelta(days=days, minutes=minutes) for days in range(0, 1200, 7) for minutes in (-1, 0, 1)]
    for k in range(0, 40):  # on and either side of each period's end
        end = add_periods(start, k, unit)
        moments += [end - timedelta(microseconds=1), end, end + timedelta(microseconds=1)]
    for now in moments:
        assert _periods_elapsed(start, unit, now) == counted_one_by_one(start, unit, now), (start, unit, now)


def test_a_period_keeps_the_day_where_the_month_allows() -> None:
    start = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
    assert add_periods(start, 1, "month") == datetime(2024, 2, 29, 9, 30, tzinfo=UTC)
    assert add_periods(start, 2, "month") == datetime(2024, 3, 31, 9, 30, tzinfo=UTC)
    assert add_periods(datetime(2024, 2, 29, tzinfo=UTC), 1, "year") == datetime(2025, 2, 28, tzinfo=UTC)
