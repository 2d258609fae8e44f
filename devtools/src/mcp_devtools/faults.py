"""Faults on loopback for tests and benchmarks: a proxy that breaks a real service on demand, a Redis
that survives SIGKILL, a load of concurrent clients keeping every answer, and the figures of a fault.

```python
async with FaultProxy(upstream_port) as proxy:  # 127.0.0.1:<free port> → 127.0.0.1:<upstream_port>
    await proxy.set("http500")                  # pass / freeze / refuse / http500 / delay (delay_s=3.0)
with durable_redis() as redis:                  # appendonly, fsync always: redis.kill(); redis.start()
async with Load(url, body_of).running() as load, BreakerWatch(url, family, label).running() as watch:
    print((await run_fault(load, inject=..., end=..., ...)).figures(budget_s=1.5, ...))
```

The proxy reads HTTP/1.1 messages (framed by Content-Length or chunked, as uvicorn and aiohttp send
them) and applies its mode to each request as it arrives: `pass` forwards it, `freeze` holds it until
the mode changes (then applies the new one, as SIGCONT would), `refuse` closes the port and every
connection (a killed process), `http500` answers 500 at once, `delay` forwards it after `delay_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from mcp_devtools.emulators import EmulatorUnavailableError
from mcp_devtools.testing import free_port

Mode = Literal["pass", "freeze", "refuse", "http500", "delay"]
_Link = tuple[asyncio.StreamReader, asyncio.StreamWriter] | None
_Writers = list[asyncio.StreamWriter]
Check = Callable[["Outcome"], bool]

_HEAD_LIMIT = 1024 * 1024
_INJECTED_500 = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: 28\r\n\r\n"
    b'{"detail": "injected fault"}'
)


class FaultProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 in front of `upstream_port`, whose mode can change at any time."""

    def __init__(self, upstream_port: int, *, port: int | None = None) -> None:
        self.upstream_port = upstream_port
        self.port = port or free_port()
        self.mode: Mode = "pass"
        self.delay_s = 0.0
        self.requests: Counter[str] = Counter()  # by the mode they arrived in
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Event()
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FaultProxy:
        await self._listen()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close_everything()

    async def set(self, mode: Mode, *, delay_s: float = 0.0) -> None:
        """Apply `mode` to every request from now on (and to requests held by `freeze`)."""
        previous, self.mode, self.delay_s = self.mode, mode, delay_s
        self._changed.set()
        self._changed = asyncio.Event()
        if mode == "refuse":
            await self._close_everything()
        elif previous == "refuse":
            await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, limit=_HEAD_LIMIT)

    async def _close_everything(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        tasks = list(self._connections)  # each closes its connections as it ends
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        writers = [writer]
        upstream: _Link = None
        try:
            while (request := await _read_message(reader)) is not None:
                upstream = await self._answer(request, writer, upstream, writers)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # either side went away, or sent what this proxy does not read: the connection ends
        except asyncio.CancelledError:
            pass  # the proxy closed (`refuse`, or its end): a connection's end, not an error to report
        finally:
            self._connections.discard(task)
            for each in writers:
                each.transport.abort()

    async def _answer(self, request: bytes, writer: asyncio.StreamWriter, upstream: _Link, writers: _Writers) -> _Link:
        """Answer one request as the mode says; the upstream connection to use for the next one."""
        mode = self.mode
        self.requests[mode] += 1
        while mode == "freeze":
            await self._changed.wait()
            mode = self.mode
        if mode == "http500":
            writer.write(_INJECTED_500)
            await writer.drain()
            return upstream
        if mode == "delay":
            await asyncio.sleep(self.delay_s)
        if upstream is None or upstream[0].at_eof():  # none yet, or the service closed it while idle
            upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port, limit=_HEAD_LIMIT)
            writers.append(upstream[1])
        upstream[1].write(request)
        await upstream[1].drain()
        response = await _read_message(upstream[0])
        if response is None:
            raise ConnectionError("the upstream closed the connection")
        writer.write(response)
        await writer.drain()
        return upstream


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message (head and body) as received, or None at a clean end of the stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    fields = [line.partition(b":") for line in head.split(b"\r\n")[1:]]
    headers = {name.strip().lower(): value.strip().lower() for name, _, value in fields if name}
    if b"chunked" not in headers.get(b"transfer-encoding", b""):
        return head + await reader.readexactly(int(headers.get(b"content-length", b"0")))
    parts = [head]
    while True:
        line = await reader.readuntil(b"\r\n")
        parts.append(line)
        size = int(line.split(b";")[0], 16)
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                parts.append(trailer)
            return b"".join([*parts, b"\r\n"])
        parts.append(await reader.readexactly(size + 2))


@dataclass
class DurableRedis:
    """A `redis-server` on 127.0.0.1 with an append-only file fsynced on every write: a SIGKILL loses
    no acknowledged write, and `start` after `kill` serves the same data on the same port."""

    binary: str
    workdir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the server and wait until it answers PING (its data loaded)."""
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--dir", str(self.workdir), "--logfile", "redis.log"]  # fmt: skip
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + timeout_s
        while not _answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start: {self.workdir}/redis.log")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final save."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def _answers_ping(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        return sock.recv(64).startswith(b"+PONG")
    return False


@contextmanager
def durable_redis() -> Iterator[DurableRedis]:
    """A running `DurableRedis` in a temporary directory on a free port; killed and deleted on exit."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        raise EmulatorUnavailableError("redis-server not found (apt-get install redis-server)")
    server = DurableRedis(binary, Path(tempfile.mkdtemp(prefix="redis-durable-")), free_port())
    try:
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(server.workdir, ignore_errors=True)


@dataclass(frozen=True)
class Outcome:
    """One request of a `Load`: when it was sent, how long its answer took, the answer."""

    sent: float
    latency_s: float
    status: int
    """The HTTP status; 0 when no answer came (the connection failed, or the client's timeout passed)."""
    body: dict[str, Any]

    @property
    def received(self) -> float:
        return self.sent + self.latency_s

    def source(self, service: str) -> dict[str, Any] | None:
        """The first `sources[]` entry of `service` (a /query answer), or None when it needed no such call."""
        return next((s for s in self.body.get("sources", ()) if s.get("service") == service), None)


@dataclass
class Load:
    """`clients` concurrent clients POSTing `body_of(n)` to `url + path` until the block ends, each pausing
    after an answer for a random time of mean `think_s` (so the clients never move in step)."""

    url: str
    body_of: Callable[[int], dict[str, Any]]
    path: str = "/query"
    clients: int = 20
    think_s: float = 0.1
    timeout_s: float = 30.0
    outcomes: list[Outcome] = field(default_factory=list)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        limits = httpx.Limits(max_connections=self.clients, max_keepalive_connections=self.clients)
        async with httpx.AsyncClient(base_url=self.url, limits=limits, timeout=self.timeout_s) as client:
            tasks = [asyncio.create_task(self._client(client, c)) for c in range(self.clients)]
            try:
                yield self
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _client(self, client: httpx.AsyncClient, number: int) -> None:
        pause = random.Random(number)  # noqa: S311 - spreading requests, not secrets
        for n in itertools.count(number, self.clients):
            await asyncio.sleep(pause.uniform(0, 2 * self.think_s))  # the offered load, not a wait for anything
            sent = time.monotonic()
            try:
                response = await client.post(self.path, json=self.body_of(n))
                status, body = response.status_code, response.json()
            except (httpx.HTTPError, ValueError) as exc:
                status, body = 0, {"client_error": repr(exc)}
            self.outcomes.append(Outcome(sent, time.monotonic() - sent, status, body))


@dataclass
class BreakerWatch:
    """A circuit's state read from the orchestrator's /metrics every `every_s`: `family` is
    `orch_source_breaker` (`label` `source="chargebee"`) or `orch_breaker` (`breaker="l1"`)."""

    url: str
    family: str
    label: str
    every_s: float = 0.05
    states: list[tuple[float, str, float]] = field(default_factory=list)
    """(when read, state, openings so far) at every scrape."""

    @asynccontextmanager
    async def running(self) -> AsyncIterator[BreakerWatch]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            task = asyncio.create_task(self._poll(client))
            try:
                yield self
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def state_at(self, when: float) -> str | None:
        """The state last read at or before `when`."""
        return next((state for t, state, _ in reversed(self.states) if t <= when), None)

    def last_opened(self, before: float) -> float | None:
        """When the last opening before `before` was seen (at most `every_s` and a scrape after it)."""
        seen = [t for (t, _, n), (_, _, m) in zip(self.states[1:], self.states, strict=False) if n > m and t <= before]
        return seen[-1] if seen else None

    async def _poll(self, client: httpx.AsyncClient) -> None:
        state_prefix = f'{self.family}_state{{{self.label},state="'
        opens_prefix = f"{self.family}_opens_total{{{self.label}}} "
        while True:
            with contextlib.suppress(httpx.HTTPError):
                lines = (await client.get("/metrics")).text.splitlines()
                state = next((ln[len(state_prefix) :].split('"')[0] for ln in lines
                              if ln.startswith(state_prefix) and ln.endswith(" 1.0")), "closed")  # fmt: skip
                opens = next((float(ln.split()[-1]) for ln in lines if ln.startswith(opens_prefix)), 0.0)
                self.states.append((time.monotonic(), state, opens))
            await asyncio.sleep(self.every_s)


@dataclass(frozen=True)
class Figures:
    """What a fault did to the requests of a load, from their answers alone: `answered` within the
    budget; `p50_open_s`, the median latency of those that met the open circuit; `recovery_s`, from the
    fault's end to the first healthy answer (`after_cooldown_s`: from the end of the cooldown that
    followed the circuit's last opening, when later; 0 when that opening was seen late). None: none."""

    requests: int
    answered: int
    max_latency_s: float
    budget_s: float
    p50_open_s: float | None
    recovery_s: float | None
    after_cooldown_s: float | None


@dataclass(frozen=True)
class FaultRun:
    """A load through one fault: its outcomes from the fault's start on, and when things happened."""

    outcomes: list[Outcome]
    started: float
    ended: float
    recovered: float | None  # when service came back (`run_fault`'s `recovered`); None: it did not

    def figures(self, *, budget_s: float, answered: Check, met_open: Check, cooled: float) -> Figures:
        """`answered`, `met_open`: what counts as an answer, as a request that met the open circuit;
        `cooled`: when the cooldown after the circuit's last opening (before the fault's end) ended."""
        opened = [o.latency_s for o in self.outcomes if met_open(o)]
        back = self.recovered
        return Figures(
            len(self.outcomes),
            sum(1 for o in self.outcomes if answered(o) and o.latency_s <= budget_s),
            max((o.latency_s for o in self.outcomes), default=0.0),
            budget_s,
            statistics.median(opened) if opened else None,
            None if back is None else back - self.ended,
            None if back is None else max(0.0, back - max(self.ended, cooled)),
        )


async def run_fault(
    load: Load,
    *,
    inject: Callable[[], Awaitable[None]],
    end: Callable[[], Awaitable[None]],
    fault_s: float,
    recovered: Callable[[float], float | None],
    within_s: float,
) -> FaultRun:
    """Once `load` (running) has had an answer per client: `inject`, hold the fault `fault_s`, `end` it (it
    returns once the fault is over), then wait up to `within_s` for `recovered(ended)` to give the time
    service came back, and for one more answer per client after it."""
    if not await poll(lambda: len(load.outcomes) >= load.clients, within_s=30):
        raise TimeoutError(f"the load got {len(load.outcomes)} answers before any fault")
    started = time.monotonic()
    await inject()
    await asyncio.sleep(fault_s)  # the fault lasts this long
    await end()
    ended = time.monotonic()
    await poll(lambda: recovered(ended) is not None, within_s=within_s)
    back = recovered(ended)
    if back is not None:
        await poll(lambda: len([o for o in load.outcomes if o.sent > back]) >= load.clients, within_s=10)
    return FaultRun([o for o in load.outcomes if o.sent >= started], started, ended, back)


async def poll(condition: Callable[[], bool], *, within_s: float, every_s: float = 0.05) -> bool:
    """Whether `condition` held within `within_s`, checked every `every_s`."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every_s)
    return True
