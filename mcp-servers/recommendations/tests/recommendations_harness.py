"""Serving the recommendations service against the fakes, and calling it over `/mcp/call`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from recommendations_fakes import Downstreams

from mcp_common.clock import ManualClock
from mcp_devtools.testing import serve
from recommendations_service.app import create_app
from recommendations_service.settings import Settings


@dataclass(frozen=True)
class Served:
    """The recommendations service on loopback, its clock and the fakes it calls."""

    url: str
    clock: ManualClock
    downstreams: Downstreams


def settings_for(downstreams: Downstreams, database_url: str, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        menu_url=downstreams.menu_url,
        customer_profile_url=downstreams.customer_profile_url,
        order_url=downstreams.order_url,
        **overrides,
    )


@contextmanager
def serve_recommendations(downstreams: Downstreams, database_url: str, **overrides: Any) -> Iterator[Served]:
    clock = ManualClock()
    app = create_app(settings_for(downstreams, database_url, **overrides), clock=clock)
    with serve(app) as url:
        yield Served(url=url, clock=clock, downstreams=downstreams)


async def call(
    url: str, arguments: dict[str, Any], *, headers: dict[str, str] | None = None, **context: Any
) -> dict[str, Any]:
    """POST /mcp/call `recommend`; the whole reply body."""
    body = {"tool": "recommend", "arguments": arguments, "context": context}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post("/mcp/call", json=body, headers=headers or {})
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def recommend(url: str, email: str, *, caller: str | None = None, **arguments: Any) -> dict[str, Any]:
    """The `recommend` result for `email`, called as `caller` (default: the same person); fails on error."""
    reply = await call(url, {"email": email, **arguments}, caller=caller or email)
    assert reply["ok"], reply["error"]
    result: dict[str, Any] = reply["result"]
    return result
