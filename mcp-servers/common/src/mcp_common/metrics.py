"""Prometheus metrics of one app: its own registry, RED metrics per route, and `GET /metrics`.

Every app (a service, the orchestrator) owns a `Metrics` with its own `CollectorRegistry`, never the
process-wide default one, so several apps in one process (tests, `bench/`) keep separate counts.
`mcp_common.middleware.TelemetryMiddleware` records every HTTP request through `Metrics.record`:

- `http_requests_total{service, route, method, status}`
- `http_request_duration_seconds{service, route, method}` (histogram)

`route` is the matched route's template (`/mcp/call`, `/mcp`), never the raw path; a request no route
matched is `other`, so a scanner probing random paths cannot grow the label set. While a request is
served, `CURRENT.get()` is the app's `Metrics`: code deep in the request (the orchestrator's decision record,
its rate limits) records into the app that serves it without being handed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from mcp_common.tallies import SplitHistogram

OTHER = "other"
"""The label value of anything outside a bounded set: an unmatched route, an unknown tenant."""

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CURRENT: ContextVar[Metrics | None] = ContextVar("metrics", default=None)
"""The metrics of the app serving the current request (set by `TelemetryMiddleware` around each request)."""


class Metrics:
    """One app's registry and its HTTP instruments; subclasses add their own instruments to `registry`."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        # One row per (route, method, status) for both: one write per request.
        self.http = SplitHistogram(
            "http_request_duration_seconds",
            "Time to serve an HTTP request (to the end of its response), by route template and method.",
            ["service", "route", "method", "status"],
            counter=("http_requests_total", "HTTP requests served, by route template, method and status code."),
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._labels: dict[tuple[int, str, int], tuple[object, tuple[str, str, str, str]]] = {}

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)

    def record(self, scope: Scope, method: str, path: str, root_path: str, status: int, seconds: float) -> None:
        """Count and time one served request; `method`, `path` and `root_path` as it arrived (a mount changes
        the scope). The labels of a FastAPI route's requests are worked out once per route, method and status."""
        route = scope.get("route")
        key = (id(route), method, status)
        known = self._labels.get(key)
        if known is not None and known[0] is route:
            labels = known[1]
        else:
            arrived = {"type": "http", "path": path, "root_path": root_path, "method": method}
            labels = (self.service, route_template(scope, arrived), _method(method), _STATUS.get(status) or str(status))
            if route is not None and method in _METHODS and status in _STATUS:  # a bounded set of keys
                self._labels[key] = (route, labels)
        self.http.observe(labels, seconds)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this the `CURRENT` metrics inside the block (a request, a lifespan)."""
        token = CURRENT.set(self)
        try:
            yield
        finally:
            CURRENT.reset(token)


_STATUS = {code: str(code) for code in range(100, 600)}
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _method(method: str) -> str:
    return method if method in _METHODS else OTHER


def route_template(scope: Scope, request: Scope) -> str:
    """The template of the route that served the request, else `other`.

    FastAPI names its own routes in `scope["route"]`; a plain Starlette route (`/mcp`, `/metrics`) is
    found by matching `request` (the request's type, path and method as they arrived) against the app's.
    """
    route = scope.get("route")
    if route is None:
        app = scope.get("app")
        for candidate in getattr(app, "routes", ()):
            if isinstance(candidate, BaseRoute) and candidate.matches(request)[0] is Match.FULL:
                route = candidate
                break
    if isinstance(route, Route | Mount):
        return route.path or "/"
    return OTHER


def metrics_response(metrics: Metrics) -> Response:
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def metrics_route(metrics: Metrics) -> Route:
    """`GET /metrics`, open to whoever reaches the app (services are internal: loopback or IAM-only)."""

    async def endpoint(_: Request) -> Response:
        return metrics_response(metrics)

    return Route("/metrics", endpoint, methods=["GET"], include_in_schema=False)
