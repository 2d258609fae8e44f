"""Fixtures every service's tests share, loaded with `-p mcp_common.pytest_plugin`.

- `postgres` (session): a real PostgreSQL server, or the test is skipped when the binaries are
  missing; with `REQUIRE_POSTGRES=1` (as in CI) a missing server fails instead of skipping.
- `database_url` (parametrised `sqlite` / `postgresql`): a fresh, empty database per test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_common.postgres import PostgresServer, PostgresUnavailableError, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailableError as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {exc}")
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"t_{uuid.uuid4().hex[:16]}")
