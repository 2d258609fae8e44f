"""McpToolSource against a real MCP server process (official SDK), over stdio and over Streamable HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from mcp_devtools.testing import free_port, wait_listening
from orchestrator.tools.mcp import McpToolSource
from orchestrator.tools.mcp_config import HttpServer, StdioServer
from orchestrator.tools.mcp_mapping import TEXT_RESULT_SCHEMA

FIXTURE = str(Path(__file__).with_name("mcp_fixture_server.py"))
CTX = CallContext()


def stdio(mode: str = "auto", **extra: Any) -> StdioServer:
    return StdioServer.model_validate({"transport": "stdio", "command": sys.executable, "args": [FIXTURE],
                                      "mode": mode, **extra})  # fmt: skip


@pytest.fixture(scope="module")
def http_fixture() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, FIXTURE, "--http", str(port)])
    try:
        wait_listening(port)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(params=["legacy", "auto"])
async def source(request: pytest.FixtureRequest) -> AsyncIterator[McpToolSource]:
    changes: list[str] = []

    async def changed(name: str) -> None:
        changes.append(name)

    src = McpToolSource("fx", stdio(request.param), on_tools_changed=changed, call_timeout_s=5.0)
    src.changes = changes  # type: ignore[attr-defined]
    await src.start(wait_s=15)
    yield src
    await src.aclose()


async def test_the_listing_maps_annotations_descriptions_and_output_schemas(source: McpToolSource) -> None:
    tools = {t.name: t for t in await source.list_tools()}
    assert tools["weather"].writes is False and tools["weather"].cache_scope == "fx"
    assert tools["weather"].output_schema["required"] == ["city", "celsius"]
    assert tools["weather"].examples == ["Weather in a city."]  # the description's first sentence
    assert tools["greet"].output_schema == TEXT_RESULT_SCHEMA  # no output schema: text
    # Without readOnlyHint a tool may write: never planned for /query, never retried, not cached.
    assert tools["save_note"].writes is True and tools["save_note"].cache_ttl_s == 0
    assert tools["save_note"].invalidates == ["fx"]


async def test_structured_and_text_results(source: McpToolSource) -> None:
    assert await source.call("weather", {"city": "Oslo"}, CTX) == {"city": "Oslo", "celsius": 21.5}
    assert await source.call("greet", {"name": "Ada"}, CTX) == {"text": "Hello, Ada!"}


async def test_tool_errors_keep_the_tools_message_and_a_known_code(source: McpToolSource) -> None:
    with pytest.raises(ServiceError) as plain:
        await source.call("fail", {"message": "the city is unknown"}, CTX)
    assert (
        plain.value.code is ErrorCode.INVALID_REQUEST and plain.value.message == "fx.fail failed: the city is unknown"
    )
    with pytest.raises(ServiceError) as coded:
        await source.call("fail", {"message": "NOT_FOUND: no order 42"}, CTX)
    assert coded.value.code is ErrorCode.NOT_FOUND and coded.value.message == "no order 42"
    with pytest.raises(ServiceError) as unknown:
        await source.call("no_such_tool", {}, CTX)
    assert unknown.value.code in (ErrorCode.INVALID_REQUEST, ErrorCode.SERVICE_BAD_RESPONSE)
    assert source.state == "up"  # errors the server answered leave the connection alone


async def test_a_changed_tool_list_is_announced_and_listed(source: McpToolSource) -> None:
    assert "extra" not in {t.name for t in await source.list_tools()}
    await source.call("add_extra", {}, CTX)
    for _ in range(100):
        if source.changes:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.05)
    assert source.changes  # type: ignore[attr-defined]
    assert "extra" in {t.name for t in await source.list_tools()}


async def test_a_crashed_server_is_restarted_and_the_next_call_waits_for_it(source: McpToolSource) -> None:
    first_pid = (await source.call("whoami", {"variable": "HOME"}, CTX))["pid"]
    with pytest.raises(ServiceError) as lost:
        await source.call("crash", {}, CTX)
    assert lost.value.code is ErrorCode.SERVICE_TIMEOUT and lost.value.retryable  # it may have run
    again = await source.call("whoami", {"variable": "HOME"}, CTX)  # waits while reconnecting
    assert again["pid"] != first_pid and source.connections == 2 and source.state == "up"
    assert source.changes == ["fx"]  # type: ignore[attr-defined]  # a new process: re-list its tools


async def test_the_child_gets_its_configured_environment_and_none_of_the_orchestrators(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FIXTURE_TOKEN", "t0ken")
    monkeypatch.setenv("ORCH_OPENAI_API_KEY", "sk-not-for-children")
    src = McpToolSource("fx", stdio(env={"TOKEN": "Bearer ${FIXTURE_TOKEN}"}))
    await src.start(wait_s=15)
    try:
        assert (await src.call("whoami", {"variable": "TOKEN"}, CTX))["value"] == "Bearer t0ken"
        assert (await src.call("whoami", {"variable": "ORCH_OPENAI_API_KEY"}, CTX))["value"] is None
        assert (await src.call("whoami", {"variable": "FIXTURE_TOKEN"}, CTX))["value"] is None
    finally:
        await src.aclose()


async def test_an_unset_variable_fails_the_connection_naming_it_not_a_value() -> None:
    src = McpToolSource("fx", stdio(env={"TOKEN": "${SURELY_NOT_SET_ANYWHERE}"}), reconnect_max_s=0.2)
    await src.start(wait_s=0.3)
    try:
        assert src.state in ("down", "connecting")
        assert "SURELY_NOT_SET_ANYWHERE" in (src.last_error or "")
        with pytest.raises(ServiceError) as down:
            await src.call("greet", {"name": "x"}, CTX)
        assert down.value.code in (ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SERVICE_TIMEOUT)
    finally:
        await src.aclose()


async def test_a_server_that_cannot_start_fails_calls_fast_while_it_backs_off() -> None:
    config = StdioServer(transport="stdio", command=sys.executable, args=["-c", "import sys; sys.exit(2)"])
    src = McpToolSource("gone", config, reconnect_max_s=5.0, connect_timeout_s=5.0)
    await src.start()
    try:
        for _ in range(100):
            if src.state == "down":
                break
            await asyncio.sleep(0.05)
        assert src.state == "down" and src.connections == 0
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(ServiceError) as down:
            await src.call("greet", {"name": "x"}, CTX)
        assert down.value.code is ErrorCode.SERVICE_UNAVAILABLE and loop.time() - start < 0.5
        with pytest.raises(ServiceError):
            await src.health()
    finally:
        await src.aclose()
    assert str(src.state) == "closed"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_streamable_http_servers_with_headers_from_the_environment(
    http_fixture: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIXTURE_TOKEN", "t0ken")
    headers = {"Authorization": "Bearer ${FIXTURE_TOKEN}"}
    config = HttpServer.model_validate({"transport": "http", "url": http_fixture, "headers": headers, "mode": mode})
    src = McpToolSource("web", config)
    await src.start(wait_s=10)
    try:
        assert src.state == "up"
        assert "weather" in {t.name for t in await src.list_tools()}
        assert await src.call("weather", {"city": "Lima"}, CTX) == {"city": "Lima", "celsius": 21.5}
        await src.health()
    finally:
        await src.aclose()


async def test_an_http_server_that_goes_away_and_comes_back_is_reconnected() -> None:
    port = free_port()
    command = [sys.executable, FIXTURE, "--http", str(port)]
    server = subprocess.Popen(command)  # noqa: ASYNC220 - the fixture server, started before the client
    try:
        wait_listening(port)
        config = HttpServer(transport="http", url=f"http://127.0.0.1:{port}/mcp")
        src = McpToolSource("web", config, call_timeout_s=2.0, reconnect_max_s=0.5)
        await src.start(wait_s=10)
        assert await src.call("greet", {"name": "a"}, CTX) == {"text": "Hello, a!"}
        server.kill()
        server.wait()
        with pytest.raises(ServiceError) as gone:
            await src.call("greet", {"name": "a"}, CTX)
        assert gone.value.retryable
        for _ in range(40):  # down: calls fail fast, no waiting
            if src.state == "down":
                break
            await asyncio.sleep(0.05)
        assert src.state == "down"
        server = subprocess.Popen(command)  # noqa: ASYNC220
        wait_listening(port)
        for _ in range(100):
            with contextlib.suppress(ServiceError):
                assert await src.call("greet", {"name": "b"}, CTX) == {"text": "Hello, b!"}
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"not reconnected: {src.state} {src.last_error}")
        assert src.connections == 2
        await src.aclose()
    finally:
        server.kill()
        server.wait()


def test_credentials_belong_in_headers_not_in_the_url() -> None:
    with pytest.raises(ValueError, match="headers"):
        HttpServer(transport="http", url="https://user:secret@mcp.example.com/mcp")


def test_children_are_gone_after_close() -> None:
    async def run() -> int:
        src = McpToolSource("fx", stdio())
        await src.start(wait_s=15)
        pid = int((await src.call("whoami", {"variable": "HOME"}, CTX))["pid"])
        await src.aclose()
        return pid

    pid = asyncio.run(run())
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or "Z" in _state(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"child {pid} still running after close")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"
