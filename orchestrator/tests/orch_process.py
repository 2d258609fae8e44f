"""The orchestrator as a user runs it (`python -m orchestrator`), and a raw HTTP/1.1 client for large bodies."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mcp_devtools.testing import free_port, wait_healthy

MIB = 1024 * 1024


@dataclass
class OrchestratorProcess:
    url: str
    port: int
    pid: int

    def rss_bytes(self) -> int:
        """The process's resident set size, from /proc/<pid>/status."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS line")


@contextmanager
def orchestrator_process(cwd: Path, **env: str) -> Iterator[OrchestratorProcess]:
    """Start `python -m orchestrator` with no services, no conversations, memory state and `env` (`ORCH_*`
    variables of this process cleared; `cwd` has no `.env`); stopped afterwards."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_") and k not in ("PORT", "K_SERVICE")}
    environ |= {
        "ORCH_PORT": str(port),
        "ORCH_SERVICES": "{}",
        "ORCH_CONVERSATIONS": "none",
        "ORCH_STATE_BACKEND": "memory",
        "ORCH_LOG_LEVEL": "WARNING",
        **env,
    }
    process = subprocess.Popen([sys.executable, "-m", "orchestrator"], cwd=cwd, env=environ, stdout=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health")
        yield OrchestratorProcess(f"http://127.0.0.1:{port}", port, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the server let the client send before it answered


def post_body(port: int, size: int, *, chunked: bool, send_body: bool = True, path: str = "/query") -> RawResponse:
    """POST `size` bytes (declared by Content-Length, or chunked), watching for the answer between writes:
    sending stops as soon as it arrives, as a browser's would. With `send_body=False` only headers are sent."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    piece = b"x" * (64 * 1024)
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        while send_body and sent < size:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break
            if writable:
                n = min(len(piece), size - sent)
                try:
                    sock.sendall(f"{n:x}\r\n".encode() + piece[:n] + b"\r\n" if chunked else piece[:n])
                except OSError:
                    break
                sent += n
        return RawResponse(*read_response(sock), sent)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body
