"""Impressions in the service's own database, on SQLite and a real PostgreSQL: recorded, used to vary
repeat answers within the variety window, forgotten after the retention period, scoped by tenant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from recommendations_fakes import Downstreams, serve_downstreams
from recommendations_harness import recommend, serve_recommendations

from mcp_common.db import Database
from recommendations_service.app import MIGRATIONS
from recommendations_service.db import Base
from recommendations_service.impressions import ImpressionStore


@pytest.fixture(scope="module")
def downstreams() -> Iterator[Downstreams]:
    with serve_downstreams() as served:
        yield served


def _ids(result: dict[str, object]) -> list[str]:
    items = result["items"]
    assert isinstance(items, list)
    return [str(item["item_id"]) for item in items]


async def _history(database_url: str, email: str, tenant: str = "default") -> list[tuple[str, datetime]]:
    db = Database(database_url)
    try:
        return await ImpressionStore(db).history(tenant=tenant, email=email)
    finally:
        await db.aclose()


async def test_served_dishes_are_recorded_as_impressions(downstreams: Downstreams, database_url: str) -> None:
    with serve_recommendations(downstreams, database_url) as app:
        result = await recommend(app.url, "ada@example.com", context="tonight", limit=3)
        served_at = app.clock.now()

    assert await _history(database_url, "ada@example.com") == [(i, served_at) for i in _ids(result)]


async def test_asking_again_varies_the_dishes_until_the_variety_window_has_passed(
    downstreams: Downstreams, database_url: str
) -> None:
    with serve_recommendations(downstreams, database_url, variety_window_hours=24) as app:
        first = _ids(await recommend(app.url, "ada@example.com", context="tonight", limit=3))
        again = _ids(await recommend(app.url, "ada@example.com", context="tonight", limit=3))
        app.clock.advance(timedelta(hours=25))
        next_day = _ids(await recommend(app.url, "ada@example.com", context="tonight", limit=3))

    assert again != first
    assert next_day == first


async def test_impressions_past_the_retention_period_are_forgotten(downstreams: Downstreams, database_url: str) -> None:
    with serve_recommendations(downstreams, database_url, impression_retention_days=30) as app:
        await recommend(app.url, "ada@example.com", limit=2)
        app.clock.advance(timedelta(days=31))
        latest = _ids(await recommend(app.url, "ada@example.com", limit=2))
        now = app.clock.now()

    assert await _history(database_url, "ada@example.com") == [(i, now) for i in latest]


async def test_impressions_are_kept_per_tenant_and_customer(database_url: str) -> None:
    db = Database(database_url)
    store = ImpressionStore(db)
    at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    try:
        await db.migrate(MIGRATIONS)
        await store.record(
            tenant="acme",
            email="Ada@Example.com",
            item_ids=["m-09", "m-09", "m-10"],
            served_at=at,
            forget_before=at - timedelta(days=30),
        )
        since = at - timedelta(hours=1)

        assert await store.seen_since(tenant="acme", email="ada@example.com", since=since) == {"m-09": 2, "m-10": 1}
        assert await store.seen_since(tenant="other", email="ada@example.com", since=since) == {}
        assert await store.seen_since(tenant="acme", email="grace@example.com", since=since) == {}
        assert await store.seen_since(tenant="acme", email="ada@example.com", since=at + timedelta(seconds=1)) == {}
    finally:
        await db.aclose()


async def test_the_migration_builds_exactly_the_orm_schema_and_reruns_harmlessly(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        await db.migrate(MIGRATIONS)

        assert await db.schema_drift(Base.metadata, version_table="recommendations_alembic_version") == []
    finally:
        await db.aclose()


async def test_a_read_only_database_still_answers_recommendations_without_remembering_them(
    downstreams: Downstreams, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "recommendations.db"
    with serve_recommendations(downstreams, f"sqlite+aiosqlite:///{path}") as app:
        first = _ids(await recommend(app.url, "ada@example.com", context="tonight", limit=3))
    with serve_recommendations(downstreams, f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true") as app:
        again = _ids(await recommend(app.url, "ada@example.com", context="tonight", limit=3))
        and_again = _ids(await recommend(app.url, "ada@example.com", context="tonight", limit=3))

    assert again and again != first  # the impressions recorded before still vary the answer
    assert and_again == again  # nothing new was recorded
    assert [item_id for item_id, _ in await _history(f"sqlite+aiosqlite:///{path}", "ada@example.com")] == first
    assert any(getattr(r, "event_type", None) == "impressions_skipped" for r in caplog.records)
