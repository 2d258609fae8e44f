"""A service's own database: SQLAlchemy 2 async engine, Alembic migrations, idempotent seeding.

```python
db = Database("sqlite+aiosqlite:///var/menu.db")
await db.migrate(Path(__file__).parent / "migrations")   # alembic upgrade head, safe to run concurrently
async with db.session() as session, session.begin():
    session.add(Item(...))
await db.aclose()

# or, for a service's lifetime: migrated, seeded if asked, closed at the end
async with db.in_service(Path(__file__).parent / "migrations", seed=seed_menu):
    ...
```

SQLite (`sqlite+aiosqlite:///path`) is the embedded default; PostgreSQL (`postgresql+asyncpg://…`)
in production. A plain `postgresql://` or `sqlite:///` URL gets its async driver added.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, DateTime, Dialect, MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from mcp_common.db_errors import unavailable

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

logger = logging.getLogger(__name__)

# Any constant works; all services share it so that two migrating at once on one database queue up.
_MIGRATION_LOCK_ID = 0x6D6370


def async_url(url: str) -> str:
    """`url` with its async driver: `sqlite` → `sqlite+aiosqlite`, `postgresql` → `postgresql+asyncpg`."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
    if parsed.drivername in driver:
        parsed = parsed.set(drivername=driver[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """`url` without its password, for logs."""
    return make_url(url).render_as_string(hide_password=True)


def dialect_insert(dialect: str) -> Callable[[Any], PostgresqlInsert | SqliteInsert]:
    """The dialect's `insert` (it has `on_conflict_do_nothing`); PostgreSQL's is imported only when used."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


Seed = Callable[["Database"], Awaitable[object]]
"""Inserts a service's demo rows, idempotently (it may run at every start, from several instances)."""


class Database:
    """One async engine and session factory for a service's database."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # One connection per checkout: aiosqlite runs each on its own thread; waits on locks
            # are handled by busy_timeout instead of failing at once.
            kwargs["poolclass"] = NullPool
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; writers queue here rather than on the file lock.
        self.write_lock = asyncio.Lock()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; a database that cannot be reached is `SERVICE_UNAVAILABLE` (`db_errors`)."""
        with _unavailable_as_service_error():
            async with self.sessions() as session:
                yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on success; serialised per process on SQLite. A
        database that is read-only or cannot be reached is `SERVICE_UNAVAILABLE` (`db_errors`)."""
        with _unavailable_as_service_error():
            if self.dialect == "sqlite":
                async with self.write_lock, self.sessions() as session, session.begin():
                    yield session
            else:
                async with self.sessions() as session, session.begin():
                    yield session

    async def migrate(self, script_location: Path) -> None:
        """Upgrade the schema to the newest Alembic revision in `script_location`.

        A database already at the newest revision is left as it is without loading Alembic (a quarter of
        a service's start-up): its version table is read directly (`at_head`).
        """
        if await self.at_head(script_location):
            logger.info("database %s already at head", redacted(self.url))
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(script_location))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        dialect = self.dialect

        def upgrade(connection: Connection) -> None:
            # Instances starting together run the migrations one after the other.
            if dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            elif dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, before reading the version
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        # Alembic's migration context is process-global: one migration at a time per process.
        async with _migration_lock(), self.engine.begin() as connection:
            await connection.run_sync(upgrade)
        logger.info("database %s migrated to head", redacted(self.url))

    @asynccontextmanager
    async def in_service(self, script_location: Path, *, seed: Seed | None = None) -> AsyncIterator[None]:
        """The database for a service's lifetime: migrated (then seeded, given `seed`) on entry, closed on exit."""
        try:
            await self.migrate(script_location)
            if seed is not None:
                await seed(self)
            yield
        finally:
            await self.aclose()

    async def at_head(self, script_location: Path) -> bool:
        """Whether the database's version table holds exactly the head revisions of `script_location`
        (read from its files, see `script_heads`); False when either cannot be read, so Alembic decides."""
        script = script_heads(script_location)
        if script is None:
            return False
        version_table, heads = script
        try:
            async with self.engine.connect() as connection:
                rows = await connection.execute(text(f"SELECT version_num FROM {version_table}"))  # noqa: S608
                return {str(row[0]) for row in rows} == heads
        except DBAPIError:  # no version table yet
            return False

    async def schema_drift(self, metadata: MetaData, *, version_table: str) -> list[Any]:
        """What Alembic's autogenerate finds between the database and `metadata` (the models): empty
        when the migrations made exactly the schema the models describe."""
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        def compare(connection: Connection) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"version_table": version_table})
            return list(compare_metadata(context, metadata))

        async with self.engine.connect() as connection:
            return await connection.run_sync(compare)

    async def aclose(self) -> None:
        await self.engine.dispose()


_VERSION_TABLE = re.compile(r"version_table\s*=\s*[\"'](\w+)[\"']")
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=(.*)$", re.MULTILINE)


def script_heads(script_location: Path) -> tuple[str, set[str]] | None:
    """The version table the service's `env.py` names and the head revisions of its `versions/`, read
    from the files as text (`revision = "…"`, `down_revision = …`); None when they do not read that way."""
    try:
        table = _VERSION_TABLE.search((script_location / "env.py").read_text())
        sources = [path.read_text() for path in sorted((script_location / "versions").glob("*.py"))]
    except OSError:
        return None
    revisions: set[str] = set()
    parents: set[str] = set()
    for source in sources:
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision[1])
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down[1]))
    heads = revisions - parents
    return (table[1], heads) if table and heads else None


@contextmanager
def _unavailable_as_service_error() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        error = unavailable(exc)
        if error is None:
            raise
        logger.warning("database unavailable: %r", exc, extra={"event_type": "database_unavailable"})
        raise error from exc


_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _migration_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC).

    Naive datetimes are refused on the way in; every value comes back timezone-aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
