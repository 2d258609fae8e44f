"""A service's GET /metrics: requests per route template, method and status, in its own registry."""

from __future__ import annotations

import httpx
from demo_registry import build_demo_registry
from prometheus_client.parser import text_string_to_metric_families

from mcp_common.app import create_service_app
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
