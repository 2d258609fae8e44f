"""A database that refuses writes or cannot be reached answers SERVICE_UNAVAILABLE, saying so; reads of a
read-only database still work; a duplicate is still an IntegrityError. On a real PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from mcp_common.db import Database
from mcp_common.errors import ErrorCode, ServiceError
from mcp_devtools.postgres import PostgresServer
from mcp_devtools.testing import free_port

MIGRATIONS = Path(__file__).parent / "sample_migrations"
INSERT = text("INSERT INTO notes (owner, body) VALUES ('ada', 'hi')")
COUNT = text("SELECT count(*) FROM notes")


async def _with_one_note(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate(MIGRATIONS)
        async with db.writing() as session:
            await session.execute(INSERT)
    finally:
        await db.aclose()


async def _read_then_write(db: Database) -> tuple[int, ServiceError]:
    async with db.session() as session:
        count = int((await session.execute(COUNT)).scalar_one())
    with pytest.raises(ServiceError) as refused:
        async with db.writing() as session:
            await session.execute(text("INSERT INTO notes (owner, body) VALUES ('ada', 'again')"))
    return count, refused.value


async def test_a_read_only_postgresql_database_is_read_and_refuses_writes_clearly(postgres: PostgresServer) -> None:
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres.create_database(name)
    await _with_one_note(url)
    db = Database(url)
    try:
        async with db.session() as session:  # a pooled connection opened while it was writable
            await session.execute(COUNT)
        postgres.set_read_only(name)
        count, refused = await _read_then_write(db)
        postgres.set_read_only(name, False)
        async with db.writing() as session:
            await session.execute(text("INSERT INTO notes (owner, body) VALUES ('ada', 'later')"))
    finally:
        await db.aclose()

    assert count == 1
    assert refused.code is ErrorCode.SERVICE_UNAVAILABLE and refused.retryable
    assert "read-only" in refused.message and "nothing was changed" in refused.message


async def test_a_sqlite_file_opened_read_only_is_read_and_refuses_writes_clearly(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    await _with_one_note(f"sqlite+aiosqlite:///{path}")
    db = Database(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        count, refused = await _read_then_write(db)
    finally:
        await db.aclose()

    assert count == 1
    assert refused.code is ErrorCode.SERVICE_UNAVAILABLE and "read-only" in refused.message


async def test_a_postgresql_server_that_cannot_be_reached_is_service_unavailable() -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere")
    try:
        with pytest.raises(ServiceError) as reading:
            async with db.session() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await db.aclose()

    assert reading.value.code is ErrorCode.SERVICE_UNAVAILABLE
    assert reading.value.message.startswith("the database cannot be reached")


async def test_a_duplicate_is_still_an_integrity_error_and_a_bad_statement_is_not_translated(
    database_url: str,
) -> None:
    await _with_one_note(database_url)
    db = Database(database_url)
    try:
        with pytest.raises(IntegrityError):
            async with db.writing() as session:
                await session.execute(INSERT)
        with pytest.raises(DBAPIError) as bad:
            async with db.session() as session:
                await session.execute(text("SELECT * FROM no_such_table"))
    finally:
        await db.aclose()

    assert not isinstance(bad.value, ServiceError)
