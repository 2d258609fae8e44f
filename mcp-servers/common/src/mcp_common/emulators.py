"""Real state servers on loopback for tests and benchmarks: `redis-server` and a Firestore emulator.

```python
with redis_server() as redis:                    # redis-server from Debian's package, free port
    url = redis.url                              # redis://127.0.0.1:PORT/0
    redis.stop(); redis.start()                  # same port again: "L1 down, then back"

with firestore_emulator(repo / "tools/firestore-emulator") as fs:
    os.environ["FIRESTORE_EMULATOR_HOST"] = fs.host   # 127.0.0.1:PORT
```

Both raise `EmulatorUnavailableError` when their program is not installed (`apt-get install
redis-server`; `npm ci --prefix tools/firestore-emulator`). Nothing is configured system-wide:
each server lives in a temporary directory and dies with the context.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mcp_common.testing import free_port


class EmulatorUnavailableError(RuntimeError):
    """The server program is not installed here."""


class RedisServer:
    """A `redis-server` process without persistence, bound to 127.0.0.1."""

    def __init__(self, binary: str, workdir: Path, port: int) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")]  # fmt: skip
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        _wait_until(lambda: _redis_ping(self.port), what=f"redis-server on port {self.port}", process=self._process)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def flush(self) -> None:
        """Empty every database (between tests sharing one server)."""
        _redis_command(self.port, b"*1\r\n$8\r\nFLUSHALL\r\n")


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        raise EmulatorUnavailableError("redis-server not found (apt-get install redis-server)")
    workdir = Path(tempfile.mkdtemp(prefix="redistest-"))
    server = RedisServer(binary, workdir, free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


class FirestoreEmulator:
    """The npm Firestore emulator (`tools/firestore-emulator/server.js`) on a loopback port."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        """The value for `FIRESTORE_EMULATOR_HOST`."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise EmulatorUnavailableError("node not found (the Firestore emulator runs on Node.js)")
        self._process = subprocess.Popen(  # noqa: S603 (our own argv)
            [node, str(self.directory / "server.js"), str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(lambda: _accepts(self.port), what=f"Firestore emulator on port {self.port}", process=self._process)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


def find_firestore_emulator(start: Path | None = None) -> Path:
    """`tools/firestore-emulator` of this repository (or `FIRESTORE_EMULATOR_DIR`), installed."""
    override = os.environ.get("FIRESTORE_EMULATOR_DIR")
    candidates = [Path(override)] if override else []
    here = (start or Path.cwd()).resolve()
    candidates += [parent / "tools" / "firestore-emulator" for parent in (here, *here.parents)]
    candidates.append(Path(__file__).resolve().parents[4] / "tools" / "firestore-emulator")
    for candidate in candidates:
        if (candidate / "server.js").exists():
            if not (candidate / "node_modules" / "@firestore-emulator" / "server").exists():
                raise EmulatorUnavailableError(f"Firestore emulator not installed (npm ci --prefix {candidate})")
            return candidate
    raise EmulatorUnavailableError("tools/firestore-emulator not found (set FIRESTORE_EMULATOR_DIR)")


@contextmanager
def firestore_emulator(directory: Path | None = None) -> Iterator[FirestoreEmulator]:
    emulator = FirestoreEmulator(directory or find_firestore_emulator(), free_port())
    try:
        emulator.start()
        yield emulator
    finally:
        emulator.stop()


def _wait_until(
    ready: Callable[[], bool], *, what: str, process: subprocess.Popen[bytes], timeout_s: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorUnavailableError(f"{what} exited with status {process.returncode}")
        if ready():
            return
        time.sleep(0.05)
    process.kill()
    raise EmulatorUnavailableError(f"{what} did not start within {timeout_s:.0f} s")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _redis_ping(port: int) -> bool:
    try:
        return _redis_command(port, b"*1\r\n$4\r\nPING\r\n").startswith(b"+PONG")
    except OSError:
        return False


def _redis_command(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(command)
        return sock.recv(64)
