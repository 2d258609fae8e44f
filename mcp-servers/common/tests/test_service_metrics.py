"""A service's GET /metrics: requests per route template, method and status, in its own registry."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from demo_registry import build_demo_registry
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from mcp_common.app import create_service_app
from mcp_common.metrics import Metrics
from mcp_devtools.testing import serve


def samples(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests(route: str, method: str, status: str) -> tuple[str, frozenset[tuple[str, str]]]:
    labels = {"service": "demo", "route": route, "method": method, "status": status}
    return "http_requests_total", frozenset(labels.items())


def test_metrics_count_tool_calls_by_route_template_and_unmatched_paths_as_other() -> None:
    with serve(create_service_app(build_demo_registry())) as url:
        before = samples(url)
        for _ in range(2):
            body = {"tool": "list_orders", "arguments": {"email": "ada@example.com"}}
            assert httpx.post(f"{url}/mcp/call", json=body, timeout=5).status_code == 200
        assert httpx.post(f"{url}/mcp/call", json={"tool": 3}, timeout=5).status_code == 400
        assert httpx.get(f"{url}/no/such/ada@example.com", timeout=5).status_code == 404
        after = samples(url)
    moved = {key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key, 0.0)}
    assert moved[requests("/mcp/call", "POST", "200")] == 2
    assert moved[requests("/mcp/call", "POST", "400")] == 1
    assert moved[requests("other", "GET", "404")] == 1
    assert moved[requests("/metrics", "GET", "200")] == 1  # the first scrape, counted once it was answered
    duration = ("http_request_duration_seconds_count", frozenset({"service": "demo", "route": "/mcp/call",
                                                                   "method": "POST"}.items()))  # fmt: skip
    assert moved[duration] == 3
    assert not any("ada@example.com" in value for _, labels in after for _, value in labels)


def test_each_app_keeps_its_own_registry() -> None:
    with (
        serve(create_service_app(build_demo_registry())) as first,
        serve(create_service_app(build_demo_registry())) as second,
    ):
        httpx.get(f"{first}/health", timeout=5)
        assert samples(first).get(requests("/health", "GET", "200")) == 1
        assert requests("/health", "GET", "200") not in samples(second)


def test_labels_worked_out_once_per_route_stay_bounded_and_right() -> None:
    """The labels of a route's requests are remembered per (route, method, status): never for an unmatched
    path or a method outside the known ones, so a scanner cannot grow the memo, and a remembered row is the
    row the request belongs to."""
    app = create_service_app(build_demo_registry())
    odd_methods = ("PROPFIND", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "PURGE", "REPORT", "LINK")
    with serve(app) as url:
        for _ in range(3):
            assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        for n in range(20):
            httpx.get(f"{url}/probe/{n}", timeout=5)
            httpx.request(odd_methods[n % len(odd_methods)], f"{url}/health", timeout=5)
        after = samples(url)
    memo = app.state.metrics._labels
    assert len(memo) <= 3, memo  # /health GET 200, and whatever the scrape and its first answer add
    assert after[requests("/health", "GET", "200")] == 3
    assert after[requests("other", "GET", "404")] == 20
    odd = [v for (name, labels), v in after.items() if name == "http_requests_total" and ("method", "other") in labels]
    assert sum(odd) == 20


def test_plain_routes_are_matched_for_every_request_not_remembered() -> None:
    """Two plain Starlette routes (no `scope["route"]`) answering the same method and status keep their own
    rows: only a route named in the scope is remembered."""

    async def ok(_: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = SimpleNamespace(routes=[Route("/first", ok), Route("/second", ok)])
    metrics = Metrics("demo")
    for path in ("/first", "/second", "/second"):
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET", "app": app}
        metrics.record(scope, "GET", path, "", 200, 0.001)
    assert metrics.http.count(("demo", "/first", "GET", "200")) == 1
    assert metrics.http.count(("demo", "/second", "GET", "200")) == 2
