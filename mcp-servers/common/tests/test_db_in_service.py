"""`Database.in_service`: a service's database is migrated, then seeded, for its lifetime, and closed after."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from mcp_common.db import Database

MIGRATIONS = Path(__file__).parent / "sample_migrations"


async def _count_notes(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(text("SELECT count(*) FROM notes"))).scalar_one())


def _record_closing(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    closed: list[str] = []
    aclose = db.aclose

    async def recording_aclose() -> None:
        closed.append("closed")
        await aclose()

    monkeypatch.setattr(db, "aclose", recording_aclose)
    return closed


async def test_the_seed_runs_on_the_migrated_schema_and_the_database_closes_after(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url)
    closed = _record_closing(db, monkeypatch)

    async def seed(seeded: Database) -> None:
        async with seeded.writing() as session:
            await session.execute(text("INSERT INTO notes (owner, body) VALUES ('ada', 'seeded')"))

    async with db.in_service(MIGRATIONS, seed=seed):
        notes = await _count_notes(db)
        assert closed == []

    assert notes == 1
    assert closed == ["closed"]


async def test_without_a_seed_the_schema_is_there_and_empty(database_url: str) -> None:
    db = Database(database_url)
    async with db.in_service(MIGRATIONS):
        notes = await _count_notes(db)

    assert notes == 0


async def test_a_failing_seed_still_closes_the_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(database_url)
    closed = _record_closing(db, monkeypatch)

    async def seed(_: Database) -> None:
        raise RuntimeError("seed failed")

    with pytest.raises(RuntimeError, match="seed failed"):
        async with db.in_service(MIGRATIONS, seed=seed):
            pytest.fail("the service must not start when its seed fails")

    assert closed == ["closed"]
