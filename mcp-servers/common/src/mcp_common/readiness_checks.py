"""The readiness checks services share: their own database, and the services they call.

```python
peers = PeerChecks({"menu": settings.menu_url}, auth=settings.id_tokens())   # the lifespan calls peers.aclose()
checks = [database_check(db, MIGRATIONS), *peers.checks()]
```

- `database_check`: reads the migration version table on a fresh connection, so it fails when the server
  is down, the database was dropped, or the SQLite file is gone (its directory, or an empty file put in
  its place).
- `PeerChecks`: `GET <peer>/health/live` with the ID token calls to it carry, one small connection pool
  for all. A peer's liveness, not its readiness: a peer whose own database is down answers with an error
  this service passes on, and readiness does not cascade through the call graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from mcp_common.auth import IdTokens
from mcp_common.readiness import Check, Probe, ProbeError

if TYPE_CHECKING:
    from mcp_common.db import Database

_KEEPALIVE_S = 4.0  # below uvicorn's 5 s keep-alive, as `ServiceClient`'s


def database_check(db: Database, migrations: Path, *, timeout_s: float = 1.0) -> Check:
    """`database`: the service's migration version table answers a read."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from mcp_common.db import script_heads

    heads = script_heads(migrations)
    if heads is None:
        raise ValueError(f"no version table named in {migrations / 'env.py'}")
    query = text(f"SELECT version_num FROM {heads[0]}")  # noqa: S608 (a name from the service's own env.py)

    async def probe() -> str | None:
        try:
            async with db.engine.connect() as connection:
                await connection.execute(query)
        except DBAPIError as exc:
            raise ProbeError(f"the database failed the check ({type(exc.orig).__name__})") from exc
        except OSError as exc:
            raise ProbeError(f"the database cannot be reached ({type(exc).__name__})") from exc
        return None

    return Check("database", probe, timeout_s)


class PeerChecks:
    """One check per service this one calls, named after it: its `/health/live` answers 200."""

    def __init__(self, peers: Mapping[str, str], *, auth: IdTokens | None = None, timeout_s: float = 1.0) -> None:
        self._peers = {name: url.rstrip("/") for name, url in peers.items()}
        self._auth = auth
        self._timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    def checks(self) -> list[Check]:
        return [Check(name, self._probe(name, url), self._timeout_s) for name, url in self._peers.items()]

    async def aclose(self) -> None:
        """Close the pool (a later check opens a new one)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _probe(self, name: str, url: str) -> Probe:
        async def probe() -> str | None:
            headers = await self._auth.headers(url) if self._auth is not None else {}
            try:
                async with self._http().get(f"{url}/health/live", headers=headers) as response:
                    status = response.status
                    await response.read()
            except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
                raise ProbeError(f"{name} did not answer within {self._timeout_s:g}s") from exc
            except aiohttp.ClientError as exc:
                raise ProbeError(f"{name} is unreachable ({type(exc).__name__})") from exc
            if status in (401, 403):
                raise ProbeError(f"{name} refused this service's identity (HTTP {status}; roles/run.invoker?)")
            if status != 200:
                raise ProbeError(f"{name} answered HTTP {status}")
            return None

        return probe

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(keepalive_timeout=_KEEPALIVE_S, limit=max(4, 2 * len(self._peers)))
            timeout = aiohttp.ClientTimeout(total=self._timeout_s)  # a request outliving its check ends on its own
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self._session
