"""A throwaway PostgreSQL server for tests: `initdb` + `pg_ctl` from the Debian packages.

```python
with postgres_server() as server:          # one cluster in a temp dir, on a free loopback port
    url = server.create_database("menu_test")   # postgresql+asyncpg://postgres@127.0.0.1:PORT/menu_test
    server.set_read_only("menu_test")           # every write refused from now on; False: writable again
```

Runs as the `postgres` user when started as root (PostgreSQL refuses root). Raises
`PostgresUnavailableError` when the server binaries are not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mcp_devtools.testing import free_port


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server binaries are not installed (apt-get install postgresql)."""


def find_bindir() -> Path:
    """The directory holding `initdb` and `pg_ctl`, newest major version first."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PostgresUnavailableError("PostgreSQL server binaries not found (apt-get install postgresql)")


def _major(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


@dataclass(frozen=True)
class PostgresServer:
    """A running cluster: its binaries, loopback port and the user it runs as (`None`: this one)."""

    bindir: Path
    port: int
    user: str | None

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy async URL of `database`."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database `name` and return its async URL."""
        self._run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name])
        return self.url(name)

    def set_read_only(self, database: str, read_only: bool = True) -> None:
        """Make `database` refuse (or accept again) every write, as a standby or a locked-down database
        does: `default_transaction_read_only` for it, and its open connections ended so that the pools
        of the services using it reconnect with the new setting."""
        value = "on" if read_only else "off"
        alter = f"ALTER DATABASE {database} SET default_transaction_read_only = {value}"
        where = f"datname = '{database}' AND pid <> pg_backend_pid()"
        end = f"SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE {where}"  # noqa: S608 (our name)
        psql = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        self._run([*psql, "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", alter, "-c", end])

    def _run(self, argv: list[str]) -> None:
        subprocess.run(_as(self.user, argv), check=True, capture_output=True, timeout=60)  # noqa: S603 (our own argv)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a PostgreSQL cluster in a temporary directory; stopped and deleted on exit."""
    bindir = find_bindir()
    user = "postgres" if os.geteuid() == 0 else None
    workdir = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data, sockets = workdir / "data", workdir / "sock"
    sockets.mkdir()
    if user is not None:
        shutil.chown(workdir, user)
        shutil.chown(sockets, user)
    server = PostgresServer(bindir, free_port(), user)
    try:
        server._run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        options = f"-p {server.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        server._run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"])
        yield server
    finally:
        if data.exists():
            subprocess.run(  # noqa: S603 (our own argv)
                _as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(workdir, ignore_errors=True)


def _as(user: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *argv] if user else argv
