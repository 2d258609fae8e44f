"""The `ask` command prints the answer and its sources; template synthesis and its confidence formula."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from mcp_common.errors import ErrorBody, ErrorCode
from mcp_devtools.testing import free_port, serve
from orchestrator.api.models import OrchestrateResponse, Span, Trace
from orchestrator.app import create_app
from orchestrator.cli import app as cli
from orchestrator.execution.executor import SourceResult
from orchestrator.planning.base import Plan, Step
from orchestrator.settings import Settings
from orchestrator.synthesis.templates import TemplateSynthesizer


@pytest.fixture(scope="module")
def orchestrator_url() -> Iterator[str]:
    with serve(billing_app(BillingSettings())) as billing:
        settings = Settings(services={"chargebee": billing}, state_backend="memory")
        with serve(create_app(settings)) as url:
            yield url


def test_ask_prints_the_answer_and_a_table_of_sources(orchestrator_url: str) -> None:
    result = CliRunner().invoke(
        cli, ["ask", "how much do I owe?", "--email", "ada@example.com", "--url", orchestrator_url]
    )
    assert result.exit_code == 0, result.output
    assert "1 unpaid invoice" in result.output
    assert "chargebee.list_invoices" in result.output and "confidence" in result.output
    assert "planned by rules · written by templates" in result.output


def test_ask_reports_bad_input_with_its_error_code(orchestrator_url: str) -> None:
    result = CliRunner().invoke(cli, ["ask", "hello", "--email", "nope", "--url", orchestrator_url])
    assert result.exit_code == 1 and "INVALID_REQUEST" in result.output


def test_ask_says_when_the_orchestrator_is_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["ask", "hello", "--email", "ada@example.com", "--url", url])
    assert result.exit_code == 2 and "Cannot reach the orchestrator" in result.output
    assert "[Errno 111] Connection refused" in " ".join(result.output.split())


def fake_orchestrate(received: list[dict[str, Any]]) -> Starlette:
    """POST /orchestrate on loopback: a reply that opens session s-1, then an error body with HTTP 422."""

    async def orchestrate(request: Request) -> JSONResponse:
        received.append(await request.json())
        if len(received) > 1:
            return JSONResponse({"error": {"code": "INVALID_REQUEST", "message": "no such dish"}}, status_code=422)
        span = Span(service="menu", tool="search_menu", latency_ms=3.0, status="ok", cached=False)
        reply = OrchestrateResponse(
            reply="We have pho.",
            intent="browse_menu",
            confidence=0.9,
            data=None,
            suggestions=[],
            session_id="s-1",
            trace=Trace(trace_id="t-1", session_id="s-1", spans=[span]),
        )
        return JSONResponse(reply.model_dump(mode="json"))

    return Starlette(routes=[Route("/orchestrate", orchestrate, methods=["POST"])])


def test_chat_carries_the_session_and_prints_replies_calls_and_error_codes() -> None:
    received: list[dict[str, Any]] = []
    with serve(fake_orchestrate(received)) as url:
        result = CliRunner().invoke(
            cli, ["chat", "--email", "ada@example.com", "--url", url, "--calls"], input="soup?\nsushi?\n\n"
        )
    assert result.exit_code == 0, result.output
    assert "bot> We have pho." in result.output and "menu.search_menu ok 3 ms" in result.output
    assert "INVALID_REQUEST: no such dish" in result.output and "session s-1" in result.output
    assert [r.get("session_id") for r in received] == [None, "s-1"]
    assert received[0] == {"channel": "cli", "message": "soup?", "user": {"email": "ada@example.com"}}


def test_chat_says_when_the_orchestrator_is_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["chat", "--email", "ada@example.com", "--url", url], input="hello\n")
    assert result.exit_code == 2 and "Cannot reach the orchestrator" in result.output


def ok(tool: str, result: dict[str, object]) -> SourceResult:
    service, name = tool.split(".")
    return SourceResult(service, name, "ok", 1.0, result=result)


def failed(tool: str, code: ErrorCode) -> SourceResult:
    service, name = tool.split(".")
    error = ErrorBody(code=code, message="it broke", retryable=code.retryable)
    return SourceResult(service, name, "error", 1.0, error=error)


def test_confidence_is_plan_confidence_times_the_share_of_sources_that_answered() -> None:
    plan = Plan(intent="x", steps=[Step(tool="svc.a"), Step(tool="svc.b")], confidence=0.8)
    synthesis = TemplateSynthesizer().compose(
        plan, [ok("svc.a", {"value": "v"}), failed("svc.b", ErrorCode.SERVICE_TIMEOUT)], []
    )
    assert synthesis.confidence == 0.4
    assert "[source: svc.a]" in synthesis.answer
    assert "Missing: svc.b could not be used: it broke (SERVICE_TIMEOUT)." in synthesis.answer


def test_tools_without_a_template_get_a_generic_sentence() -> None:
    plan = Plan(intent="x", steps=[Step(tool="svc.a")], confidence=1.0)
    answer = TemplateSynthesizer().compose(plan, [ok("svc.a", {"plan": "pro", "items": [1, 2]})], []).answer
    assert answer == "svc.a returned plan: pro, items: 2 item(s). [source: svc.a]"


def test_a_plan_without_steps_answers_with_the_planner_message() -> None:
    plan = Plan(intent="unknown", confidence=0.1, message="I can answer billing questions.")
    synthesis = TemplateSynthesizer().compose(plan, [], [])
    assert (synthesis.answer, synthesis.confidence) == ("I can answer billing questions.", 0.1)
