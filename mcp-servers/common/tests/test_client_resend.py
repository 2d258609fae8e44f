"""ServiceClient against raw loopback servers: one that drops a request without answering (a closed
keep-alive race), one that never answers, and one that answers with something other than a reply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import BaseModel

from mcp_common.client import ServiceClient
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext


class Echo(BaseModel):
    value: str


REPLY = json.dumps({"ok": True, "result": {"value": "hi"}, "service": "echo", "tool": "say", "latency_ms": 1})


class DroppingServer:
    """Raw HTTP/1.1 on loopback: closes the first `drops` requests without a byte, holds the next
    `holds` without an answer, then answers the rest with `status` and `body`."""

    def __init__(self, drops: int, *, holds: int = 0, status: int = 200, body: str = REPLY) -> None:
        self.drops, self.holds, self.status, self.body = drops, holds, status, body
        self.requests = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        self.requests += 1
        if self.requests <= self.drops:
            writer.close()
            return
        if self.requests <= self.drops + self.holds:
            await reader.read()  # until the client gives up and closes
            writer.close()
            return
        writer.write(
            f"HTTP/1.1 {self.status} X\r\ncontent-type: application/json\r\ncontent-length: {len(self.body)}\r\n"
            f"connection: close\r\n\r\n{self.body}".encode()
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def dropping() -> AsyncIterator[DroppingServer]:
    server = DroppingServer(drops=1)
    await server.start()
    yield server
    await server.stop()


async def test_a_read_dropped_without_an_answer_is_sent_once_more(dropping: DroppingServer) -> None:
    client = ServiceClient("echo", f"http://127.0.0.1:{dropping.port}")
    result = await client.call("say", {}, CallContext(caller="ada@example.com"), Echo)
    await client.aclose()
    assert result.value == "hi" and dropping.requests == 2


async def test_a_write_dropped_without_an_answer_is_never_sent_again(dropping: DroppingServer) -> None:
    client = ServiceClient("echo", f"http://127.0.0.1:{dropping.port}")
    with pytest.raises(ServiceError) as caught:
        await client.call("say", {}, CallContext(caller="ada@example.com"), Echo, writes=True)
    await client.aclose()
    assert caught.value.code == ErrorCode.SERVICE_UNAVAILABLE and dropping.requests == 1


async def test_a_read_dropped_twice_is_reported_unavailable() -> None:
    server = DroppingServer(drops=2)
    await server.start()
    client = ServiceClient("echo", f"http://127.0.0.1:{server.port}")
    with pytest.raises(ServiceError) as caught:
        await client.call("say", {}, CallContext(caller="ada@example.com"), Echo)
    await client.aclose()
    await server.stop()
    assert caught.value.code == ErrorCode.SERVICE_UNAVAILABLE and server.requests == 2


async def test_a_call_not_answered_in_time_is_a_service_timeout() -> None:
    server = DroppingServer(drops=0, holds=1)
    await server.start()
    client = ServiceClient("echo", f"http://127.0.0.1:{server.port}", timeout_s=0.2)
    with pytest.raises(ServiceError) as caught:
        await client.call("say", {}, CallContext(caller="ada@example.com"), Echo)
    await client.aclose()
    await server.stop()
    assert caught.value.code == ErrorCode.SERVICE_TIMEOUT and server.requests == 1


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        (502, ErrorCode.SERVICE_UNAVAILABLE, "answered HTTP 502"),
        (403, ErrorCode.SERVICE_BAD_RESPONSE, "roles/run.invoker"),
        (200, ErrorCode.SERVICE_BAD_RESPONSE, "answered HTTP 200"),
    ],
)
async def test_an_answer_that_is_not_a_reply_is_reported_with_its_status(
    status: int, code: ErrorCode, words: str
) -> None:
    server = DroppingServer(drops=0, status=status, body="<html>no</html>")
    await server.start()
    client = ServiceClient("echo", f"http://127.0.0.1:{server.port}")
    with pytest.raises(ServiceError) as caught:
        await client.call("say", {}, CallContext(caller="ada@example.com"), Echo)
    await client.aclose()
    await server.stop()
    assert caught.value.code == code and words in caught.value.message


async def test_a_session_passed_in_is_used_and_left_open(dropping: DroppingServer) -> None:
    dropping.drops = 0
    async with aiohttp.ClientSession() as session:
        client = ServiceClient("echo", f"http://127.0.0.1:{dropping.port}", session=session)
        result = await client.call("say", {}, CallContext(caller="ada@example.com"), Echo)
        await client.aclose()
        assert result.value == "hi" and dropping.requests == 1 and not session.closed
