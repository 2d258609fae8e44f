"""Opens the shared (L1) store named by the settings."""

from __future__ import annotations

from orchestrator.settings import Settings
from orchestrator.state.base import KVStore


def open_store(settings: Settings) -> KVStore:
    """`state_backend`: memory, sqlite (default), redis or firestore; clients are created, not yet connected."""
    if settings.state_backend == "memory":
        from orchestrator.state.memory import MemoryKVStore

        return MemoryKVStore()
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
