"""`/mcp` served by an MCP server that is built on its first request.

Importing the MCP SDK is a third to a half of a service's start-up, and most processes are only
called over the plain HTTP contract (`/mcp/tools`, `/mcp/call`). `LazyMcp` gives the app its `/mcp`
route at once; the first request to it builds the server (`build`), starts its session manager in a
task of its own (the SDK's task group must be entered and left in one task) and is then served as
every later one is. `running()` is entered by the app's lifespan and stops the session manager.

```python
mcp = LazyMcp(lambda: build_mcp_server(registry), ["127.0.0.1:*"])
app.router.routes.extend(mcp.routes())
async with mcp.running():  # in the lifespan
    yield
```
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

PATH = "/mcp"


class LazyMcp:
    """An ASGI app for `/mcp` that builds its MCP server on first use (see the module docstring)."""

    def __init__(self, build: Callable[[], MCPServer[Any]], allowed_hosts: Sequence[str]) -> None:
        self._build = build
        self._allowed_hosts = list(allowed_hosts)
        self.server: MCPServer[Any] | None = None
        self._router: Router | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._starting: asyncio.Lock | None = None

    def routes(self) -> list[BaseRoute]:
        """The `/mcp` route (every method, as the SDK's), answered by this object."""
        return [Route(PATH, endpoint=self)]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """While the app runs: `/mcp` may start the server; on exit its session manager stops."""
        self._stopping = asyncio.Event()
        self._starting = asyncio.Lock()
        try:
            yield
        finally:
            self._stopping.set()
            runner, self._runner = self._runner, None
            self._router, self.server, self._stopping = None, None, None
            if runner is not None:
                await runner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self._router or await self._start()
        await router(scope, receive, send)

    async def _start(self) -> Router:
        if self._starting is None or self._stopping is None:
            raise RuntimeError("the MCP endpoint is not running: enter LazyMcp.running() in the app's lifespan")
        async with self._starting:
            if self._router is not None:
                return self._router
            from mcp_common.mcp_server import mcp_routes

            server = self._build()
            routes = mcp_routes(server, self._allowed_hosts)  # also creates the session manager
            ready = asyncio.Event()
            # A context of its own: the tasks the session manager spawns must not carry this request's.
            runner = asyncio.create_task(self._run(server, ready, self._stopping), context=contextvars.Context())
            waiting = asyncio.create_task(ready.wait())
            await asyncio.wait({runner, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.is_set():
                waiting.cancel()
                await runner  # raises what stopped the session manager
                raise RuntimeError("the MCP session manager stopped while starting")
            self.server, self._runner, self._router = server, runner, Router(routes)
            return self._router

    @staticmethod
    async def _run(server: MCPServer[Any], ready: asyncio.Event, stopping: asyncio.Event) -> None:
        async with server.session_manager.run():
            ready.set()
            await stopping.wait()
