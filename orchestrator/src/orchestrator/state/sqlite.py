"""SQLite KV store: the embedded default; survives restarts, shared by processes on one host."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    expires_at REAL
)
"""

_ADD = """
INSERT INTO kv VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE
SET value = excluded.value, expires_at = excluded.expires_at
WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?
"""
"""Set if absent, in one statement: a live row is left alone (no row changed), an expired one is replaced."""


class SqliteKVStore:
    """One SQLite file in WAL mode; blocking calls run in a worker thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)
        self._lock = threading.Lock()

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, key)

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        expires_at = time.time() + ttl_s if ttl_s is not None else None
        await asyncio.to_thread(self._run, "INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", (key, value, expires_at))

    async def add(self, key: str, value: bytes, ttl_s: float | None = None) -> bool:
        now = time.time()
        expires_at = now + ttl_s if ttl_s is not None else None
        return await asyncio.to_thread(self._change, _ADD, (key, value, expires_at, now)) == 1

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._run, "DELETE FROM kv WHERE key = ?", (key,))

    async def purge_expired(self) -> None:
        await asyncio.to_thread(self._run, "DELETE FROM kv WHERE expires_at <= ?", (time.time(),))

    async def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _get(self, key: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute("SELECT value, expires_at FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        value, expires_at = row
        if expires_at is not None and expires_at <= time.time():
            self._run("DELETE FROM kv WHERE key = ? AND expires_at <= ?", (key, time.time()))
            return None
        return bytes(value)

    def _run(self, sql: str, params: tuple[object, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, params)

    def _change(self, sql: str, params: tuple[object, ...]) -> int:
        """Rows one statement changed (a statement is atomic: SQLite's write lock spans processes)."""
        with self._lock:
            return self._conn.execute(sql, params).rowcount
