"""`orchestrator trace` and `orchestrator errors` over the logs of real requests: an orchestrator and the
chargebee service as processes writing JSON log files and pushing to a loopback Loki; the documented
LogQL for one request and one session against that Loki's `query_range`."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from mcp_common import tracing
from mcp_common.loki import LokiHandler
from mcp_devtools.fake_loki import FakeLoki
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, serve
from orchestrator.cli import app
from orchestrator.observability.log_source import loki_entries, session_query, trace_query

runner = CliRunner()


@dataclass
class Requests:
    logs: Path
    loki: FakeLoki
    loki_url: str
    ok: str  # trace id of an answered question
    failed: str  # trace id of a question whose call failed (chargebee stopped)


def ask(stack: Stack, text: str) -> str:
    body = httpx.post(f"{stack.urls['orchestrator']}/query", json={"query": text, "email": "ada@example.com"}).json()
    trace_id: str = body["trace_id"]
    return trace_id


def wait_for(predicate: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def requests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Requests]:
    logs = tmp_path_factory.mktemp("logs")
    loki = FakeLoki()
    with serve(loki.app) as loki_url:
        services = tuple(s for s in DEFAULT_SERVICES if s.name == "chargebee")
        env = {
            "ORCH_STATE_BACKEND": "memory",
            "ORCH_CONVERSATIONS": "none",
            "ORCH_CATALOG_REFRESH_S": "3600",
            "ORCH_RETRIES": "0",
            "ORCH_LOKI_URL": loki_url,
            "CHARGEBEE_LOKI_URL": loki_url,
        }
        ports = {"chargebee": free_port()}
        with run_stack(services=services, ports=ports, orchestrator_port=free_port(), env=env, log_dir=logs) as stack:
            ok = ask(stack, "what plan am I on?")
            ask(stack, "do I have unpaid invoices?")
            # chargebee is killed abruptly below: first its lines of the answered question reach Loki
            wait_for(
                lambda: any(s.metadata.get("trace_id") == ok for s in loki.stored if s.labels["service"] == "chargebee")
            )
            stack.stop("chargebee")
            failed = ask(stack, "show my invoices")
            decisions = {ok, failed}
            wait_for(lambda: decisions <= {s.metadata.get("trace_id") for s in loki.stored if "decision" in s.line})
        yield Requests(logs, loki, loki_url, ok, failed)


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    return result.output


def test_each_process_writes_its_json_log_file(requests: Requests) -> None:
    assert {p.name for p in requests.logs.glob("*.jsonl")} == {"orchestrator.jsonl", "chargebee.jsonl"}


@pytest.mark.parametrize("source", ["logs", "loki"])
def test_trace_draws_the_stages_calls_and_the_services_side(requests: Requests, source: str) -> None:
    where = ["--logs", str(requests.logs)] if source == "logs" else ["--loki", requests.loki_url]
    output = invoke("trace", requests.ok, *where)

    assert f"trace {requests.ok} · question · tenant default" in output
    assert "intent chargebee.get_subscription (decided by rules)" in output
    for row in ("request (question)", "plan", "execute", "render", "chargebee.get_subscription"):
        assert row in output
    assert "↳ chargebee handled get_subscription" in output
    assert "█" in output
    if source == "loki":
        assert requests.loki.queries[-1] == f'{{service=~".+"}} | trace_id="{requests.ok}"'


def test_trace_of_a_failed_call_names_its_error_code(requests: Requests) -> None:
    output = invoke("trace", requests.failed, "--logs", str(requests.logs))
    assert "chargebee.list_invoices" in output and "SERVICE_UNAVAILABLE" in output


@pytest.mark.parametrize("source", ["logs", "loki"])
def test_errors_counts_failures_by_code_service_tool_and_tenant(requests: Requests, source: str) -> None:
    where = ["--logs", str(requests.logs)] if source == "logs" else ["--loki", requests.loki_url]
    output = invoke("errors", "--since", "1h", *where)
    (row,) = [line for line in output.splitlines() if "SERVICE_UNAVAILABLE" in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["SERVICE_UNAVAILABLE", "chargebee", "list_invoices", "default", "1", requests.failed]


def test_an_unknown_trace_and_a_bad_id_are_reported(requests: Requests) -> None:
    missing = runner.invoke(app, ["trace", "0" * 31 + "1", "--logs", str(requests.logs)])
    assert missing.exit_code == 1 and "No decision record" in missing.output
    bad = runner.invoke(app, ["trace", 'x"} or {a="', "--logs", str(requests.logs)])
    assert bad.exit_code == 2 and "not a trace id" in bad.output


def test_the_metadata_filter_and_the_line_filter_find_the_same_request(requests: Requests) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    by_metadata = loki_entries(requests.loki_url, trace_query(requests.ok), since=since)
    by_text = loki_entries(requests.loki_url, f'{{service=~".+"}} |= "{requests.ok}"', since=since)
    assert by_metadata == by_text
    assert {e["service"] for e in by_metadata} == {"orchestrator", "chargebee"}
    ours = loki_entries(requests.loki_url, trace_query(requests.ok, "orchestrator"), since=since)
    assert {e["service"] for e in ours} == {"orchestrator"} and any(e.get("event_type") == "decision" for e in ours)
    assert all(s.labels.keys() == {"service", "env", "level"} for s in requests.loki.stored)


def test_the_session_query_finds_one_conversation() -> None:
    loki = FakeLoki()
    with serve(loki.app) as url:
        handler = LokiHandler(url, service="orchestrator", env="test", close_timeout_s=2)
        log = logging.getLogger("test.cli_trace.session")
        log.propagate, log.level = False, logging.INFO
        log.addHandler(handler)
        try:
            for session in ("sess-aaaa-1", "sess-bbbb-2", "sess-aaaa-1"):
                with tracing.use(tracing.TraceContext(tracing.new_trace_id(), tracing.new_span_id(), None, session)):
                    log.info("turn of %s", session)
            handler.flush()
        finally:
            log.removeHandler(handler)
            handler.close()
        since = datetime.now(UTC) - timedelta(minutes=5)
        found = loki_entries(url, session_query("sess-aaaa-1"), since=since)
    assert [e["message"] for e in found] == ["turn of sess-aaaa-1", "turn of sess-aaaa-1"]
    assert loki.queries == ['{service=~".+"} | session_id="sess-aaaa-1"']
