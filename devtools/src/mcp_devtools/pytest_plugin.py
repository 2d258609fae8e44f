"""Fixtures every service's tests share, loaded with `-p mcp_devtools.pytest_plugin`.

- `postgres` (session): a real PostgreSQL server, or the test is skipped when the binaries are
  missing; with `REQUIRE_POSTGRES=1` (as in CI) a missing server fails instead of skipping.
- `database_url` (parametrised `sqlite` / `postgresql`): a fresh, empty database per test.
- `lockable_database` (parametrised the same way): a fresh database set up through `.url`, then made to
  refuse every write by `.lock()`, which gives the URL to use from then on.
- `redis_server` (session): a real `redis-server` on loopback (`REQUIRE_REDIS=1` fails when missing).
- `firestore_emulator` (session): the npm Firestore emulator on loopback, as `FirestoreEmulator`
  (`.host` is the `FIRESTORE_EMULATOR_HOST` value; `REQUIRE_FIRESTORE=1` fails when missing).
- `firebase_auth_emulator` (session): the Firebase Auth emulator of firebase-tools on loopback, as
  `FirebaseAuthEmulator` (`.host` is the `FIREBASE_AUTH_EMULATOR_HOST` value; it serves any project
  id, so a test using its own `demo-*` id starts with no users; `REQUIRE_FIREBASE_AUTH=1` fails
  when `tools/firebase-emulators` is not installed).
- `mcp_node` (session): `tools/mcp-node` as `McpNodeTools` (Node 22, the reference MCP servers, the
  Inspector CLI, the conformance suite; `REQUIRE_MCP_NODE=1` fails when it is not installed).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcp_devtools import emulators
from mcp_devtools.emulators import (
    EmulatorUnavailableError,
    FirebaseAuthEmulator,
    FirestoreEmulator,
    McpNodeTools,
    RedisServer,
)
from mcp_devtools.postgres import PostgresServer, PostgresUnavailableError, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster for the session."""
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


@dataclass(frozen=True)
class LockableDatabase:
    """A database to set up at `url`, then lock: `lock()` makes it refuse every write and gives the URL to use
    (SQLite: the same file opened read-only; PostgreSQL: `default_transaction_read_only`, the same URL)."""

    url: str
    lock: Callable[[], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def lockable_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LockableDatabase]:
    """A new database on each backend that a test can make read-only."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        yield LockableDatabase(
            f"sqlite+aiosqlite:///{path}", lambda: f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
        )
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)

    def lock() -> str:
        server.set_read_only(name)
        return url

    yield LockableDatabase(url, lock)
    server.set_read_only(name, False)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A `redis-server` for the session."""
    try:
        with emulators.redis_server() as server:
            yield server
    except EmulatorUnavailableError as exc:
        _missing("REQUIRE_REDIS", exc)


@pytest.fixture(scope="session")
def firestore_emulator(request: pytest.FixtureRequest) -> Iterator[FirestoreEmulator]:
    """The Firestore emulator for the session."""
    try:
        directory = emulators.find_firestore_emulator(request.config.rootpath)
        with emulators.firestore_emulator(directory) as emulator:
            yield emulator
    except EmulatorUnavailableError as exc:
        _missing("REQUIRE_FIRESTORE", exc)


@pytest.fixture(scope="session")
def firebase_auth_emulator(request: pytest.FixtureRequest) -> Iterator[FirebaseAuthEmulator]:
    """The Firebase Auth emulator for the session."""
    try:
        directory = emulators.find_firebase_emulators(request.config.rootpath)
        with emulators.firebase_auth_emulator(directory) as emulator:
            yield emulator
    except EmulatorUnavailableError as exc:
        _missing("REQUIRE_FIREBASE_AUTH", exc)


@pytest.fixture(scope="session")
def mcp_node(request: pytest.FixtureRequest) -> McpNodeTools:
    """The installed `tools/mcp-node`."""
    try:
        return emulators.find_mcp_node_tools(request.config.rootpath)
    except EmulatorUnavailableError as exc:
        _missing("REQUIRE_MCP_NODE", exc)
        raise


def _missing(variable: str, exc: Exception) -> None:
    if os.environ.get(variable) == "1":
        pytest.fail(f"{variable}=1 but {exc}")
    pytest.skip(str(exc))
