"""Over real HTTP: each service times its own handling of `/mcp/call` (`Server-Timing: app;dur=`), and every
source of a `/query` answer reports that time (`service_ms`) next to the round trip (`latency_ms`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_common.wire import service_ms
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    with (
        serve(billing_app(BillingSettings(_env_file=None))) as billing,
        serve(crm_app(CrmSettings(_env_file=None))) as crm,
    ):
        yield {"chargebee": billing, "hubspot": crm}


def test_a_service_reports_its_own_time_for_each_call(services: dict[str, str]) -> None:
    body = {"tool": "get_subscription", "arguments": {"email": "ada@example.com"}}
    reply = httpx.post(f"{services['chargebee']}/mcp/call", json=body, timeout=10)
    own = service_ms(reply.headers.get("server-timing"))
    assert reply.json()["ok"] is True
    assert own is not None and 0 < own < 1000


def test_every_source_of_an_answer_carries_the_services_time_within_its_round_trip(
    services: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(services=services, state_path=str(tmp_path / "s.sqlite3"), answer_ttl_s=0, tool_cache=False)
    with serve(create_app(settings)) as url:
        question = {"query": "what plan am I on and do I have open tickets?", "email": "ada@example.com"}
        body = httpx.post(f"{url}/query", json=question, timeout=15).json()
    sources = body["sources"]
    assert [(s["service"], s["status"], s["cached"]) for s in sources] == [
        ("chargebee", "ok", False),
        ("hubspot", "ok", False),
    ]
    for source in sources:
        assert source["service_ms"] is not None and 0 < source["service_ms"] <= source["latency_ms"]
    assert body["trace"]["answer_cache"] == "not cached: the answer cache is off"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("app;dur=1.25", 1.25),
        ('db;dur=3, app;desc="handler";dur=0.5', 0.5),
        ("app", None),
        ("app;dur=soon", None),
        ("db;dur=3", None),
        (None, None),
    ],
)
def test_the_server_timing_header_is_read_for_the_app_metric_only(header: str | None, expected: float | None) -> None:
    assert service_ms(header) == expected
