"""Opens the shared (L1) store named by the settings."""

from __future__ import annotations

from orchestrator.settings import Settings
from orchestrator.state.base import KVStore


class StateBackendError(RuntimeError):
    """The configured shared store cannot be opened (bad URL, no credentials)."""


def open_store(settings: Settings) -> KVStore:
    """`state_backend`: memory, sqlite (default), redis or firestore; clients are created, not yet connected,
    so a store that is down at start-up is handled like one that goes down later (the cache skips it)."""
    try:
        return _open(settings)
    except StateBackendError:
        raise
    except Exception as exc:
        hint = {
            "redis": "check ORCH_REDIS_URL (e.g. redis://127.0.0.1:6379/0, rediss:// for TLS)",
            "firestore": "set up Application Default Credentials (gcloud auth application-default login, or the "
            "service account on Cloud Run) and ORCH_FIRESTORE_PROJECT, or FIRESTORE_EMULATOR_HOST for an emulator",
            "sqlite": "check ORCH_STATE_PATH (a writable file path)",
        }.get(settings.state_backend, "check the ORCH_STATE_* settings")
        message = f"ORCH_STATE_BACKEND={settings.state_backend} cannot be opened: {type(exc).__name__}; {hint}"
        raise StateBackendError(message) from None


def _open(settings: Settings) -> KVStore:
    if settings.state_backend == "memory":
        from orchestrator.state.memory import MemoryKVStore

        return MemoryKVStore(max_entries=settings.memory_store_max_entries, max_bytes=settings.memory_store_max_bytes)
    if settings.state_backend == "redis":
        from orchestrator.state.redis import RedisKVStore

        return RedisKVStore(
            settings.redis_url.get_secret_value(),
            prefix=settings.state_prefix,
            timeout_s=settings.state_timeout_s,
            max_connections=settings.max_connections,
        )
    if settings.state_backend == "firestore":
        from orchestrator.state.firestore import FirestoreKVStore

        return FirestoreKVStore(
            project=settings.firestore_project,
            database=settings.firestore_database,
            prefix=settings.state_prefix,
            timeout_s=settings.state_timeout_s,
        )
    from orchestrator.state.sqlite import SqliteKVStore

    return SqliteKVStore(settings.state_path)
