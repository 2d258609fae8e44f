"""A database already at the newest revision starts without Alembic; any other state still migrates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from mcp_common.db import Database, script_heads

ENV = """from sqlalchemy import MetaData

from mcp_common.migrations_env import run_migrations

raise RuntimeError("Alembic ran the migrations")
run_migrations(MetaData(), version_table="svc_alembic_version")
"""


def _scripts(tmp_path: Path, revisions: dict[str, str]) -> Path:
    """A script directory whose env.py fails when Alembic runs it; `revisions`: revision → down_revision source."""
    location = tmp_path / "migrations"
    (location / "versions").mkdir(parents=True)
    (location / "env.py").write_text(ENV)
    for revision, down in revisions.items():
        source = f'"""{revision}"""\n\nrevision = "{revision}"\ndown_revision = {down}\n'
        (location / "versions" / f"{revision}_step.py").write_text(source)
    return location


def test_script_heads_reads_the_version_table_and_the_heads(tmp_path: Path) -> None:
    location = _scripts(tmp_path, {"0001": "None", "0002": '"0001"', "0003": '"0001"', "0004": '("0002", "0003")'})
    assert script_heads(location) == ("svc_alembic_version", {"0004"})


def test_script_heads_is_none_when_the_files_do_not_say(tmp_path: Path) -> None:
    location = _scripts(tmp_path, {"0001": "None"})
    (location / "env.py").write_text("run_migrations(MetaData())\n")  # the default table: left to Alembic
    assert script_heads(location) is None
    assert script_heads(tmp_path / "missing") is None


async def test_migrate_skips_alembic_only_at_head(tmp_path: Path) -> None:
    location = _scripts(tmp_path, {"0001": "None", "0002": '"0001"'})
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    try:
        assert not await db.at_head(location)  # no version table yet
        with pytest.raises(RuntimeError, match="Alembic ran"):
            await db.migrate(location)
        async with db.writing() as session:
            await session.execute(text("CREATE TABLE svc_alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            await session.execute(text("INSERT INTO svc_alembic_version VALUES ('0001')"))
        assert not await db.at_head(location)  # behind: Alembic upgrades
        with pytest.raises(RuntimeError, match="Alembic ran"):
            await db.migrate(location)
        async with db.writing() as session:
            await session.execute(text("UPDATE svc_alembic_version SET version_num = '0002'"))
        assert await db.at_head(location)
        await db.migrate(location)  # at head: Alembic is not run
    finally:
        await db.aclose()
