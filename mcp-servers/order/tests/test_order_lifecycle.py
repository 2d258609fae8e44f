"""The order state machine: its transition table and the time-based steps along the delivery path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_service.lifecycle import (
    CANCELLABLE,
    DELIVERY_PATH,
    ORDER_STATUSES,
    TRANSITIONS,
    OrderTimings,
    can_transition,
    due_steps,
    scheduled_next,
)
from order_service.settings import Settings

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_the_table_covers_every_status_and_leads_along_the_delivery_path() -> None:
    assert set(TRANSITIONS) == set(ORDER_STATUSES)
    assert [scheduled_next(s) for s in DELIVERY_PATH] == [*DELIVERY_PATH[1:], None]
    assert scheduled_next("cancelled") is None


def test_only_orders_not_yet_out_for_delivery_can_be_cancelled() -> None:
    assert sorted(CANCELLABLE) == ["confirmed", "placed", "preparing"]
    assert not can_transition("out_for_delivery", "cancelled")
    assert not can_transition("delivered", "cancelled")
    assert not can_transition("cancelled", "placed")
    assert not can_transition("placed", "preparing")  # no skipping a step


def test_due_steps_are_stamped_at_their_scheduled_times_not_when_read() -> None:
    steps = due_steps("placed", T0, T0 + timedelta(minutes=20), OrderTimings())

    assert steps == [
        ("confirmed", T0 + timedelta(seconds=30)),
        ("preparing", T0 + timedelta(seconds=150)),
        ("out_for_delivery", T0 + timedelta(seconds=750)),
    ]


def test_a_step_is_due_exactly_at_its_scheduled_time() -> None:
    timings = OrderTimings()

    assert due_steps("placed", T0, T0 + timedelta(seconds=29.999), timings) == []
    assert due_steps("placed", T0, T0 + timedelta(seconds=30), timings) == [("confirmed", T0 + timedelta(seconds=30))]


def test_finished_orders_never_move() -> None:
    later = T0 + timedelta(days=30)

    assert due_steps("delivered", T0, later, OrderTimings()) == []
    assert due_steps("cancelled", T0, later, OrderTimings()) == []


def test_delivery_is_due_after_the_sum_of_the_timings() -> None:
    timings = OrderTimings(confirmed=1, preparing=2, out_for_delivery=3, delivered=4)

    assert timings.until_delivered() == timedelta(seconds=10)
    assert due_steps("placed", T0, T0 + timedelta(seconds=10), timings)[-1] == ("delivered", T0 + timedelta(seconds=10))


def test_timings_come_from_order_timings_json_and_keep_unset_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_TIMINGS", '{"confirmed": 5, "delivered": 60}')

    timings = Settings(_env_file=None).timings

    assert (timings.confirmed, timings.preparing, timings.out_for_delivery, timings.delivered) == (5, 120, 600, 60)


def test_settings_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ORDER_PORT", "ORDER_DATABASE_URL", "ORDER_MENU_URL", "ORDER_CUSTOMER_PROFILE_URL", "ORDER_TIMINGS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)

    assert settings.port == 8105
    assert settings.database_url == "sqlite+aiosqlite:///var/order.db"
    assert (settings.menu_url, settings.customer_profile_url) == ("http://127.0.0.1:8103", "http://127.0.0.1:8104")
    assert settings.seed_demo is True
    assert settings.timings == OrderTimings(confirmed=30, preparing=120, out_for_delivery=600, delivered=900)


def test_negative_timings_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_TIMINGS", '{"confirmed": -1}')

    with pytest.raises(ValueError, match="confirmed"):
        Settings(_env_file=None)
