"""Test helpers: serve an ASGI app on a real loopback port, pick free ports, wait for health."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago (for several at once, `free_ports`)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(names: Iterable[str]) -> dict[str, int]:
    """A distinct TCP port free on 127.0.0.1 a moment ago for each name. Every socket stays bound until all
    are chosen: separate `free_port()` calls can return the same port twice, and the second process
    started on it then fails to bind."""
    with contextlib.ExitStack() as held:
        chosen: dict[str, int] = {}
        for name in names:
            sock = held.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            chosen[name] = sock.getsockname()[1]
        return chosen


@contextmanager
def serve(app: ASGIApp, *, port: int | None = None, timeout_s: float = 10.0) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)


def wait_listening(port: int, *, timeout_s: float = 30.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:`port` (for servers with no health URL)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s}s")


def wait_healthy(url: str, *, timeout_s: float = 30.0) -> None:
    """Poll `url` until it answers 200, or raise after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"{url} not healthy after {timeout_s}s: {last!r}")


def listed_tools_of_module(module: str, env_prefix: str, cwd: Path) -> set[str]:
    """Start `python -m <module>` as a user would (its own `<PREFIX>*` settings cleared, `<PREFIX>PORT`
    free), wait for `/health`, and return the tool names its `/mcp/tools` lists; stopped afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(env_prefix) and k != "PORT"}
    env[f"{env_prefix}PORT"] = str(port)
    process = subprocess.Popen(  # noqa: S603 (our own argv)
        [sys.executable, "-m", module], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health")
        listing = httpx.get(f"http://127.0.0.1:{port}/mcp/tools").json()
    finally:
        process.terminate()
        process.wait(timeout=15)
    return {tool["name"] for tool in listing["tools"]}


def check_person_read_tools(listing: dict[str, Any], service: str, tools: set[str]) -> dict[str, dict[str, Any]]:
    """The checks every read-only connector's `/mcp/tools` passes: the service and tool names, read-only,
    `email` bound to the caller, a cache TTL of at most 5 min, 5–20 examples distinct across tools, and a
    description of more than 200 characters. Returns the tools by name for service-specific checks."""
    by_name = {tool["name"]: tool for tool in listing["tools"]}
    assert listing["service"] == service
    assert set(by_name) == tools
    examples: list[str] = []
    for tool in by_name.values():
        assert tool["writes"] is False
        assert tool["identity_args"] == ["email"]
        assert 0 < tool["cache_ttl_s"] <= 300
        assert 5 <= len(tool["examples"]) <= 20
        assert len(tool["description"]) > 200
        examples += [e.lower() for e in tool["examples"]]
    assert len(examples) == len(set(examples))
    return by_name


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """An OTLP/HTTP collector on loopback: its base URL, and each export received at `/v1/traces` as
    (lower-cased headers, the `ExportTraceServiceRequest` protobuf body), answered as a collector does."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    received: list[tuple[dict[str, str], bytes]] = []
    reply = ExportTraceServiceResponse().SerializeToString()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # exporters keep their connection, as with a real collector

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if self.path != "/v1/traces" or self.headers["content-type"] != "application/x-protobuf":
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        thread.join(5)
