"""Open KV stores on every backend for the contract suite and the multi-instance tests.

`kv_factory` (parametrised memory / sqlite / redis / firestore) returns a function that opens a
new store on one fresh, shared key space per test: two stores from the same factory are two
instances of one deployment (except `memory`, which is per process by nature).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from mcp_devtools.emulators import FirestoreEmulator, RedisServer
from orchestrator.state.base import KVStore
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.sqlite import SqliteKVStore

BACKENDS = ["memory", "sqlite", "redis", "firestore"]
SHARED_BACKENDS = ["sqlite", "redis", "firestore"]

KVFactory = Callable[[], KVStore]

FIRESTORE_EMULATOR_PRECONDITION = (
    "the Firestore emulator ignores update_time preconditions, which make the delete of an expired "
    "document conditional (Firestore enforces them): concurrent adds over an expired document can both win there"
)


def make_factory(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> KVFactory:
    if backend == "memory":
        shared = MemoryKVStore()
        return lambda: shared
    if backend == "sqlite":
        path = tmp_path / "state.sqlite3"
        return lambda: SqliteKVStore(path)
    if backend == "redis":
        from orchestrator.state.redis import RedisKVStore

        server: RedisServer = request.getfixturevalue("redis_server")
        prefix = f"t{uuid.uuid4().hex[:12]}"
        return lambda: RedisKVStore(server.url, prefix=prefix)
    if backend == "firestore":
        from orchestrator.state.firestore import FirestoreKVStore

        emulator: FirestoreEmulator = request.getfixturevalue("firestore_emulator")
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", emulator.host)
        project = f"test-{uuid.uuid4().hex[:12]}"
        return lambda: FirestoreKVStore(project=project)
    raise ValueError(backend)


@pytest.fixture(name="kv_factory", params=BACKENDS)
async def kv_factory_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[KVFactory]:
    opened: list[KVStore] = []
    factory = make_factory(request, request.param, tmp_path)

    def open_store() -> KVStore:
        store = factory()
        opened.append(store)
        return store

    yield open_store
    for store in {id(s): s for s in opened}.values():
        await store.close()
