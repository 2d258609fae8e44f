"""`Database` on SQLite and a real PostgreSQL: migrations, concurrent migrations, writes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text, UniqueConstraint, text
from sqlalchemy.exc import IntegrityError

from mcp_common.db import Database, async_url, redacted

MIGRATIONS = Path(__file__).parent / "sample_migrations"


def test_async_url_adds_the_async_driver() -> None:
    assert async_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
    assert async_url("postgresql://u:p@h:5432/d") == "postgresql+asyncpg://u:p@h:5432/d"
    assert async_url("postgres://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert async_url("postgresql+asyncpg://u@h/d") == "postgresql+asyncpg://u@h/d"


def test_redacted_hides_the_password() -> None:
    assert "s3cret" not in redacted("postgresql+asyncpg://u:s3cret@h/d")


async def test_migrate_creates_the_schema_and_is_idempotent(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        await db.migrate(MIGRATIONS)  # a restart: nothing to do, no error
        async with db.writing() as session:
            await session.execute(text("INSERT INTO notes (owner, body) VALUES ('ada', 'hi')"))
        async with db.session() as session:
            version = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            count = (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one()
        assert (version, count) == ("0001", 1)
    finally:
        await db.aclose()


async def test_instances_migrating_at_once_do_not_collide(database_url: str) -> None:
    instances = [Database(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(db.migrate(MIGRATIONS) for db in instances))
        async with instances[0].session() as session:
            rows = (await session.execute(text("SELECT count(*) FROM alembic_version"))).scalar_one()
        assert rows == 1
    finally:
        for db in instances:
            await db.aclose()


async def test_concurrent_writers_all_land_and_unique_constraints_hold(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)

        async def insert(n: int) -> bool:
            try:
                async with db.writing() as session:
                    await session.execute(
                        text("INSERT INTO notes (owner, body) VALUES (:o, :b)"), {"o": "ada", "b": f"n{n % 10}"}
                    )
            except IntegrityError:
                return False
            return True

        results = await asyncio.gather(*(insert(n) for n in range(30)))
        assert sum(results) == 10
    finally:
        await db.aclose()


def test_a_missing_migrations_directory_fails_loudly(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(Exception, match=r"(?i)path doesn't exist|not a directory|no such"):
        asyncio.run(db.migrate(tmp_path / "nowhere"))


def _notes(*extra: Column[Any]) -> MetaData:
    """The models of the sample migration's `notes` table, plus `extra` columns."""
    metadata = MetaData()
    Table(
        "notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner", String(200), nullable=False),
        Column("body", Text, nullable=False),
        UniqueConstraint("owner", "body"),
        *extra,
    )
    return metadata


async def test_schema_drift_is_empty_for_matching_models_and_names_what_differs(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        same = await db.schema_drift(_notes(), version_table="alembic_version")
        drift = await db.schema_drift(_notes(Column("pinned", Boolean)), version_table="alembic_version")
    finally:
        await db.aclose()

    assert same == []
    assert [(change[0], change[2]) for change in drift] == [("add_column", "notes")]
    assert drift[0][3].name == "pinned"
