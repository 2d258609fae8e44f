"""ORCH_STATE_BACKEND picks the shared store; a store that cannot be opened says why, without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.settings import Settings
from orchestrator.state.factory import StateBackendError, open_store
from orchestrator.state.firestore import FirestoreKVStore
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.redis import RedisKVStore
from orchestrator.state.sqlite import SqliteKVStore


async def test_each_backend_opens_its_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")  # constructed only, never called
    expected = {"memory": MemoryKVStore, "sqlite": SqliteKVStore, "redis": RedisKVStore, "firestore": FirestoreKVStore}
    for backend, adapter in expected.items():
        settings = Settings(state_backend=backend, state_path=str(tmp_path / "s.sqlite3"), firestore_project="p")
        store = open_store(settings)
        assert isinstance(store, adapter)
        await store.close()


def test_state_backend_is_also_read_from_state_backend_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_BACKEND", "redis")
    assert Settings().state_backend == "redis"


def test_an_unusable_redis_url_is_a_clear_error_without_the_password() -> None:
    settings = Settings(state_backend="redis", redis_url="http://user:hunter2@cache:6379")
    with pytest.raises(StateBackendError, match="ORCH_STATE_BACKEND=redis cannot be opened") as caught:
        open_store(settings)
    assert "hunter2" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_firestore_without_credentials_explains_what_to_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")
    with pytest.raises(StateBackendError, match="Application Default Credentials"):
        open_store(Settings(state_backend="firestore"))


def test_redis_url_is_a_secret_in_settings() -> None:
    settings = Settings(state_backend="redis", redis_url="redis://:hunter2@cache:6379/0")
    assert "hunter2" not in repr(settings) and "hunter2" not in settings.model_dump_json()
