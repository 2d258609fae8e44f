"""What every service's Alembic `env.py` runs: one function, so the env files stay two lines.

```python
# <service>/migrations/env.py
from mcp_common.migrations_env import run_migrations
from menu_service.db import Base

run_migrations(Base.metadata, version_table="menu_alembic_version")
```

Each service names its own version table, so two services sharing one PostgreSQL database
(not recommended, but possible) do not read each other's schema version.

Online only: `Database.migrate` hands Alembic an open connection. From a shell,
`alembic -x url=sqlite:///var/menu.db upgrade head` works too (run on the async driver).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from mcp_common.db import async_url


def run_migrations(target_metadata: MetaData, *, version_table: str = "alembic_version") -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata, version_table)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database URL: alembic -x url=<url> upgrade head")
    asyncio.run(_upgrade(url, target_metadata, version_table))


async def _upgrade(url: str, target_metadata: MetaData, version_table: str) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as connection:
        await connection.run_sync(_run, target_metadata, version_table)
    await engine.dispose()


def _run(connection: Connection, target_metadata: MetaData, version_table: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=version_table,
        render_as_batch=True,  # ALTER TABLE on SQLite goes through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
