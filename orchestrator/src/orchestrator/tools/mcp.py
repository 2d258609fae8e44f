"""McpToolSource: a third-party MCP server (stdio or Streamable HTTP) as a tool source, via `mcp.Client`.

One long-lived client per server, owned by a supervisor task (the SDK's client must be entered
and left in one task):

```
connecting ──ok──▶ up ──call fails on the transport / ping fails / process exits──▶ down
    ▲                                                                                 │
    └─ at once after a connection that worked (once per 2 s); else after 0.1 s, doubling ┘
```

- A call while `connecting` waits for the connection (within its own timeout); a call while
  `down` fails at once with a retryable SERVICE_UNAVAILABLE, so a dead server costs no waiting.
- The tool listing is re-read on every (re)connection and whenever the server says it changed
  (`notifications/tools/list_changed` on 2025 connections, `subscriptions/listen` on 2026 ones);
  `on_tools_changed` then lets the catalog refresh this source at once.
- Results: `structuredContent` when present, else the text blocks as `{"text": …}` (a JSON
  object in the text is used as is when the tool declares an output schema). `isError`
  results become a `ServiceError` carrying the tool's message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal

import httpx2
import mcp_types as types
from mcp import Client
from mcp.client import Transport
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ListenNotSupportedError, ToolsListChanged
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext, ToolInfo
from orchestrator.tools.mcp_config import HttpServer, StdioServer, expand
from orchestrator.tools.mcp_mapping import clip, result_of, tool_infos

logger = logging.getLogger(__name__)

_STABLE_S = 2.0  # at most one reconnection without backoff per this many seconds

State = Literal["connecting", "up", "down", "closed"]
ToolsChanged = Callable[[str], Coroutine[Any, Any, None]]


class McpToolSource:
    """A configured MCP server; `start()` connects in the background, `aclose()` stops it."""

    def __init__(
        self,
        name: str,
        config: StdioServer | HttpServer,
        *,
        call_timeout_s: float = 3.0,
        connect_timeout_s: float = 15.0,
        reconnect_initial_s: float = 0.1,
        reconnect_max_s: float = 30.0,
        ping_interval_s: float = 15.0,
        on_tools_changed: ToolsChanged | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.on_tools_changed = on_tools_changed
        self._call_timeout_s = call_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._reconnect_initial_s = reconnect_initial_s
        self._reconnect_max_s = reconnect_max_s
        self._ping_interval_s = ping_interval_s
        self.state: State = "connecting"
        self.connections = 0
        self.last_error: str | None = None
        self._client: Client | None = None
        self._settled = asyncio.Event()  # set while up or down (not connecting, not broken)
        self._connected_at: float | None = None
        self._broken = asyncio.Event()
        self._closing = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._output_declared: set[str] = set()

    # lifecycle

    async def start(self, *, wait_s: float = 0.0) -> None:
        """Start connecting; wait up to `wait_s` for the first connection (a slow server is not fatal)."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name=f"mcp-source-{self.name}")
        if wait_s > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await self._settled.wait()

    async def aclose(self) -> None:
        """Close the connection (a stdio server's process is stopped) and stop reconnecting."""
        self._closing.set()
        self._broken.set()
        for task in self._background:
            task.cancel()
        if self._supervisor is not None:
            _, pending = await asyncio.wait({self._supervisor}, timeout=10.0)
            for task in pending:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        self._set_state("closed")

    # ToolSource

    async def list_tools(self) -> list[ToolInfo]:
        client = await self._connected()
        tools: list[types.Tool] = []
        cursor: str | None = None
        try:
            for _ in range(100):  # a server that paginates forever cannot hang the catalog
                page = await client.list_tools(cursor=cursor, cache_mode="refresh")
                tools.extend(page.tools)
                cursor = page.next_cursor
                if cursor is None:
                    break
        except Exception as exc:
            raise self._failure(exc, "listing its tools") from exc
        infos, self._output_declared = tool_infos(self.name, self.config, tools)
        return infos

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        client = await self._connected()
        # The SDK client puts the current span's W3C `traceparent` in the request's `_meta` (SEP-414).
        try:
            result = await client.call_tool(tool, arguments)
        except Exception as exc:
            raise self._failure(exc, f"calling {tool}") from exc
        return result_of(self.name, tool, result, self._declares_output(tool))

    async def health(self) -> None:
        if self.state != "up" or self._client is None:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, self._down_message())
        try:
            await _probe(self._client)
        except Exception as exc:
            raise self._failure(exc, "answering a ping") from exc

    # internals

    def _down_message(self) -> str:
        detail = f": {self.last_error}" if self.last_error else ""
        return f"{self.name} is not connected ({self.state}){detail}"

    async def _connected(self) -> Client:
        """The live client; waits while connecting, fails fast while down."""
        if self.state not in ("down", "closed") and self._live() is None:
            try:
                async with asyncio.timeout(self._call_timeout_s):
                    await self._settled.wait()
            except TimeoutError:
                raise ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.name} is still connecting") from None
        client = self._live()
        if client is None:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, self._down_message())
        return client

    def _live(self) -> Client | None:
        """The client while the connection is up and not known to be broken."""
        return self._client if self.state == "up" and not self._broken.is_set() else None

    def _failure(self, exc: Exception, doing: str) -> ServiceError:
        """The `ServiceError` for an exception of the client; transport failures also start a reconnection."""
        if isinstance(exc, ServiceError):
            return exc
        if isinstance(exc, MCPError) and exc.code not in (types.CONNECTION_CLOSED, types.REQUEST_TIMEOUT):
            # The server answered with a JSON-RPC error: the connection is fine.
            code = ErrorCode.INVALID_REQUEST if exc.code == types.INVALID_PARAMS else ErrorCode.SERVICE_BAD_RESPONSE
            return ServiceError(code, f"{self.name} refused {doing}: {clip(str(exc.error.message), 300)}")
        if isinstance(exc, MCPError) and exc.code == types.REQUEST_TIMEOUT:
            return ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.name} did not answer {doing} in time")
        self.last_error = _describe(exc)
        self._mark_broken()
        # Broken mid-request: whether the server did it is unknown, which is what a timeout says too.
        return ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.name} lost its connection while {doing}")

    def _mark_broken(self) -> None:
        self._settled.clear()
        self._broken.set()

    def _set_state(self, state: State) -> None:
        self.state = state
        if state == "connecting":
            self._settled.clear()
        else:
            self._settled.set()

    def _client_for(self) -> AbstractAsyncContextManager[Client]:
        config, handler = self.config, self._on_message
        timeout = max(self._call_timeout_s, 1.0) * 4
        http: httpx2.AsyncClient | None = None
        target: StdioServerParameters | Transport
        if isinstance(config, StdioServer):
            env = expand(config.env, f"{self.name}.env")
            target = StdioServerParameters(command=config.command, args=config.args, env=env, cwd=config.cwd)
        else:
            headers = expand(config.headers, f"{self.name}.headers")
            http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(timeout, connect=self._connect_timeout_s))
            target = streamable_http_client(config.url, http_client=http)
        client = Client(target, mode=config.mode, message_handler=handler, read_timeout_seconds=timeout, cache=None)
        return client if http is None else _closing_http(client, http)

    async def _supervise(self) -> None:
        """Make connections, one child task each, until the source closes.

        Each connection lives in its own task: the client's transport may cancel the task that
        entered it when the transport fails (anyio task groups), and only that task must end.
        """
        loop = asyncio.get_running_loop()
        delay = self._reconnect_initial_s
        last_immediate = -_STABLE_S
        while not self._closing.is_set():
            self._set_state("connecting")
            self._broken.clear()
            self._connected_at = None
            connection = asyncio.create_task(self._connection(), name=f"mcp-connection-{self.name}")
            try:
                await asyncio.wait({connection})
            except asyncio.CancelledError:
                connection.cancel()
                with contextlib.suppress(BaseException):
                    await connection
                raise
            if not connection.cancelled() and connection.exception() is not None:
                self.last_error = _describe(connection.exception())  # type: ignore[arg-type]
            if self._closing.is_set():
                break
            if self._connected_at is not None and loop.time() - last_immediate > _STABLE_S:
                # A connection that worked is re-made at once (calls wait for it); at most once per
                # _STABLE_S, so a server that dies right after each start backs off like one that never starts.
                last_immediate = loop.time()
                delay = self._reconnect_initial_s
                continue
            self._set_state("down")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._closing.wait()
            delay = min(delay * 2, self._reconnect_max_s)

    async def _connection(self) -> None:
        """One connection: enter the client, serve until it breaks or the source closes, leave it."""
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                client_cm = self._client_for()
                client = await client_cm.__aenter__()
        except Exception as exc:
            self.last_error = _describe(exc)
            logger.warning(
                "MCP server %s: connection failed: %s", self.name, self.last_error,
                extra={"event_type": "mcp_source_down", "source": self.name},
            )  # fmt: skip
            return
        self._connected_at = asyncio.get_running_loop().time()
        self._client = client
        self.connections += 1
        self.last_error = None
        self._set_state("up")
        logger.info(
            "MCP server %s connected (protocol %s)", self.name, client.protocol_version,
            extra={"event_type": "mcp_source_up", "source": self.name, "connections": self.connections},
        )  # fmt: skip
        if self.connections > 1:
            self._tools_changed()  # a new process or session may offer other tools
        listener = asyncio.create_task(self._listen(client)) if _listens(client) else None
        try:
            await self._watch(client)
        finally:
            self._mark_broken()
            self._client = None
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(BaseException):
                    await listener
            with contextlib.suppress(BaseException):
                async with asyncio.timeout(5.0):
                    await client_cm.__aexit__(None, None, None)
            if not self._closing.is_set():
                logger.warning(
                    "MCP server %s disconnected: %s", self.name, self.last_error or "the transport ended",
                    extra={"event_type": "mcp_source_down", "source": self.name},
                )  # fmt: skip

    async def _watch(self, client: Client) -> None:
        """Return when the connection is broken: a failed call says so, or a ping while idle."""
        while not self._broken.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping_interval_s):
                    await self._broken.wait()
                    return
            try:
                async with asyncio.timeout(self._call_timeout_s):
                    await _probe(client)
            except Exception as exc:
                self.last_error = f"ping failed: {_describe(exc)}"
                return

    async def _listen(self, client: Client) -> None:
        """2026 connections: tool list changes arrive on a `subscriptions/listen` stream."""
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for event in subscription:
                    if isinstance(event, ToolsListChanged):
                        self._tools_changed()
        except (ListenNotSupportedError, MCPError) as exc:
            logger.info("MCP server %s: no change subscription (%s)", self.name, exc)
        except Exception as exc:
            logger.info("MCP server %s: change subscription ended (%s)", self.name, _describe(exc))

    async def _on_message(self, message: Any) -> None:
        """2025 connections: the server's notifications arrive here."""
        if isinstance(message, types.ToolListChangedNotification):
            self._tools_changed()
        await asyncio.sleep(0)

    def _tools_changed(self) -> None:
        if self.on_tools_changed is None:
            return
        task = asyncio.create_task(self.on_tools_changed(self.name))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _declares_output(self, tool: str) -> bool:
        return tool in self._output_declared


async def _probe(client: Client) -> None:
    """One cheap round trip: `ping` on 2025 connections, `server/discover` on 2026 ones (which have no ping)."""
    if client.protocol_version in MODERN_PROTOCOL_VERSIONS:
        await client.session.send_discover(client.protocol_version)
    else:
        with warnings.catch_warnings():  # deprecated for 2026 connections only, which do not come here
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.send_ping()


def _listens(client: Client) -> bool:
    capabilities = client.server_capabilities
    return (
        client.protocol_version in MODERN_PROTOCOL_VERSIONS
        and capabilities.tools is not None
        and bool(capabilities.tools.list_changed)
    )


def _describe(exc: BaseException) -> str:
    """One line about a failure, from the innermost exception of a group."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    message = str(exc).splitlines()[0] if str(exc) else ""
    return clip(f"{type(exc).__name__}: {message}" if message else type(exc).__name__, 300)


class _closing_http(AbstractAsyncContextManager[Client]):  # noqa: N801 - used like a function
    """A client whose HTTP connection pool is closed with it."""

    def __init__(self, client: Client, http: httpx2.AsyncClient) -> None:
        self._client = client
        self._http = http

    async def __aenter__(self) -> Client:
        try:
            return await self._client.__aenter__()
        except BaseException:
            await self._http.aclose()
            raise

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            await self._client.__aexit__(*exc_info)
        finally:
            await self._http.aclose()
