"""Couriers, the schema, the settings and the tool declaration of the tracking service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from mcp_common.app import Running
from mcp_common.db import Database
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from tracking_service.app import MIGRATIONS
from tracking_service.couriers import DEMO_COURIERS, CourierStore, mask_phone, seed_couriers
from tracking_service.db import AssignmentRow, Base, CourierRow
from tracking_service.service import TrackingService
from tracking_service.settings import Settings
from tracking_service.tools import build_registry

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


_not_running: Running[TrackingService] = Running("tracking")  # as before the app's lifespan starts


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+44 7700 900101", "+44 **** ***101"), ("07700 900214", "***** ***214"), ("123", "123")],
)
def test_a_phone_number_shows_only_its_country_code_and_last_three_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


async def test_couriers_are_seeded_once_even_from_two_instances_at_once(database_url: str) -> None:
    instances = [Database(database_url) for _ in range(2)]
    try:
        await instances[0].migrate(MIGRATIONS)
        await asyncio.gather(*(seed_couriers(db) for db in instances))
        await seed_couriers(instances[0])
        async with instances[0].session() as session:
            count = (await session.execute(select(func.count()).select_from(CourierRow))).scalar_one()
    finally:
        for db in instances:
            await db.aclose()

    assert count == len(DEMO_COURIERS)


async def test_every_read_answers_the_same_courier_for_an_order_and_records_nothing(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        await seed_couriers(db)
        store = CourierStore(db)
        chosen = await asyncio.gather(*(store.courier_for("ord-0123456789ab") for _ in range(10)))
        other = await store.courier_for("ord-ba9876543210")
        async with db.session() as session:
            recorded = (await session.execute(select(func.count()).select_from(AssignmentRow))).scalar_one()
    finally:
        await db.aclose()

    assert len({c.courier_id for c in chosen if c is not None}) == 1
    assert other is not None
    assert recorded == 0


async def test_an_assignment_recorded_earlier_is_still_the_orders_courier(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        await seed_couriers(db)
        picked = await CourierStore(db).courier_for("ord-0123456789ab")
        assert picked is not None
        earlier = next(c for c, _, _, _ in DEMO_COURIERS if c != picked.courier_id)
        async with db.writing() as session:
            session.add(AssignmentRow(order_id="ord-0123456789ab", courier_id=earlier, assigned_at=T0))
        courier = await CourierStore(db).courier_for("ord-0123456789ab")
    finally:
        await db.aclose()

    assert courier is not None and courier.courier_id == earlier


async def test_the_migrations_create_exactly_the_schema_of_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)

        differences = await db.schema_drift(Base.metadata, version_table="tracking_alembic_version")
    finally:
        await db.aclose()

    assert differences == []
    assert (MIGRATIONS / "script.py.mako").is_file()


def test_every_field_of_the_tool_schema_is_described() -> None:
    for spec in build_registry(_not_running):
        for schema in (spec.input_model.model_json_schema(), spec.output_model.model_json_schema()):
            for name, model in [("", schema), *schema.get("$defs", {}).items()]:
                undescribed = [f for f, p in model.get("properties", {}).items() if not p.get("description")]
                assert undescribed == [], f"{spec.name}: {name or 'top'} {undescribed}"


def test_track_order_is_a_read_only_tool_with_examples() -> None:
    (spec,) = list(build_registry(_not_running))

    assert (spec.name, spec.writes, spec.identity_args) == ("track_order", False, ())
    assert 5 <= len(spec.examples) <= 20


async def test_a_call_before_the_app_started_is_service_unavailable() -> None:
    registry = build_registry(_not_running)

    with pytest.raises(ServiceError) as caught:
        await registry.call("track_order", {"order_id": "ord-1"}, CallContext(caller="ada@example.com"))

    assert caught.value.code is ErrorCode.SERVICE_UNAVAILABLE
    assert caught.value.message == "the tracking service is not running"


def test_settings_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRACKING_PORT", "TRACKING_DATABASE_URL", "TRACKING_ORDER_URL", "TRACKING_SEED_DEMO"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)

    assert (settings.port, settings.order_url, settings.seed_demo) == (8106, "http://127.0.0.1:8105", True)
    assert settings.database_url == "sqlite+aiosqlite:///var/tracking.db"


def test_settings_read_the_tracking_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKING_ORDER_URL", "http://order.internal:9000")
    monkeypatch.setenv("TRACKING_SEED_DEMO", "false")

    settings = Settings(_env_file=None)

    assert (settings.order_url, settings.seed_demo) == ("http://order.internal:9000", False)
