"""The fault proxy of `mcp_devtools.faults` in front of a loopback service: each mode does what it says."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from mcp_devtools.faults import FaultProxy, poll
from mcp_devtools.testing import serve


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"echo": (await request.json())["n"]})


async def stream(request: Request) -> StreamingResponse:
    async def parts() -> AsyncIterator[bytes]:
        for n in range(3):
            yield f"part{n};".encode()

    return StreamingResponse(parts(), media_type="text/plain")


@pytest.fixture(scope="module")
def upstream_port() -> Iterator[int]:
    app = Starlette(routes=[Route("/echo", echo, methods=["POST"]), Route("/stream", stream)])
    with serve(app) as url:
        yield int(url.rsplit(":", 1)[1])


@pytest.fixture
async def proxy(upstream_port: int) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(upstream_port) as running:
        yield running


async def test_pass_forwards_requests_and_answers_on_one_connection(proxy: FaultProxy) -> None:
    async with httpx.AsyncClient(base_url=proxy.url, limits=httpx.Limits(max_connections=1)) as client:
        answers = [(await client.post("/echo", json={"n": n})).json() for n in range(5)]
        streamed = await client.get("/stream")
    assert answers == [{"echo": n} for n in range(5)]
    assert streamed.text == "part0;part1;part2;" and streamed.headers["transfer-encoding"] == "chunked"
    assert proxy.requests == {"pass": 6}


async def test_http500_answers_500_at_once_and_pass_heals_the_same_connection(proxy: FaultProxy) -> None:
    async with httpx.AsyncClient(base_url=proxy.url, limits=httpx.Limits(max_connections=1)) as client:
        await proxy.set("http500")
        failed = await client.post("/echo", json={"n": 1})
        await proxy.set("pass")
        healed = await client.post("/echo", json={"n": 2})
    assert failed.status_code == 500 and failed.json() == {"detail": "injected fault"}
    assert healed.json() == {"echo": 2}


async def test_delay_holds_each_request_that_long(proxy: FaultProxy) -> None:
    await proxy.set("delay", delay_s=0.3)
    async with httpx.AsyncClient(base_url=proxy.url) as client:
        start = time.monotonic()
        answers = await asyncio.gather(*(client.post("/echo", json={"n": n}) for n in range(3)))
        elapsed = time.monotonic() - start
    assert [a.json() for a in answers] == [{"echo": n} for n in range(3)]
    assert 0.3 <= elapsed < 2.0


async def test_freeze_answers_nothing_until_the_mode_changes(proxy: FaultProxy) -> None:
    await proxy.set("freeze")
    async with httpx.AsyncClient(base_url=proxy.url, timeout=10) as client:
        held = asyncio.create_task(client.post("/echo", json={"n": 7}))
        assert await poll(lambda: proxy.requests["freeze"] == 1, within_s=5)
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/echo", json={"n": 8}, timeout=0.3)
        assert not held.done()
        await proxy.set("pass")
        with anyio.fail_after(5):
            answer = await held
    assert answer.json() == {"echo": 7}


async def test_refuse_closes_the_port_and_pass_opens_it_again(proxy: FaultProxy) -> None:
    async with httpx.AsyncClient(base_url=proxy.url) as client:
        assert (await client.post("/echo", json={"n": 1})).json() == {"echo": 1}
        await proxy.set("refuse")
        with pytest.raises(httpx.ConnectError):  # the kept-alive connection is gone, and the port is closed
            await client.post("/echo", json={"n": 2})
        await proxy.set("pass")
        assert (await client.post("/echo", json={"n": 3})).json() == {"echo": 3}
