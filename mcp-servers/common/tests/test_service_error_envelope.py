"""What a service refuses before any tool runs, and its crashes, answer the error envelope with their own status
and a trace id; a tool's own failure stays a `CallResponse` with `ok: false` (test_service_app.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from demo_registry import build_demo_registry
from orch_process import post_body

from mcp_common.app import ServiceConfig, create_service_app
from mcp_devtools.testing import serve

CAP = 2048


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    """The demo service with a 2 KiB body cap, and a route that crashes."""
    app = create_service_app(build_demo_registry(), ServiceConfig(max_body_bytes=CAP))

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a defect")

    with serve(app) as url:
        yield url


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The body, once it is checked to be the envelope of `code` with `status` and the response's trace id."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "trace_id", "timestamp"}
    assert (body["error"]["code"], body["error"]["retryable"]) == (code, False)
    assert body["trace_id"] == response.headers["x-trace-id"]
    return body


def test_an_unknown_route_answers_404_not_found(service: str) -> None:
    envelope(httpx.get(f"{service}/mcp/nothing"), 404, "NOT_FOUND")


def test_a_wrong_method_answers_405_naming_the_allowed_one(service: str) -> None:
    response = httpx.delete(f"{service}/mcp/call")

    envelope(response, 405, "INVALID_REQUEST")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"{not json", "body: JSON decode error"),
        (b"", "body: Field required"),
        (b'{"arguments": {}}', "tool: Field required"),
        (b'{"tool": "list_orders", "arguments": [1, 2]}', "arguments: Input should be a valid dictionary"),
        (b'{"tool": ""}', "tool: String should have at least 1 character"),
    ],
    ids=["unparsable", "empty", "no tool", "arguments not an object", "blank tool"],
)
def test_a_body_that_is_no_call_answers_400_invalid_request(service: str, content: bytes, where: str) -> None:
    response = httpx.post(f"{service}/mcp/call", content=content, headers={"content-type": "application/json"})

    assert envelope(response, 400, "INVALID_REQUEST")["error"]["message"] == where


def test_a_declared_oversize_body_answers_413_before_a_byte_of_it_is_read(service: str) -> None:
    port = int(service.rsplit(":", 1)[1])
    response = post_body(port, CAP + 1, chunked=False, send_body=False, path="/mcp/call")

    assert response.status == 413 and response.sent == 0
    body = json.loads(response.body)
    assert body["error"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "message": f"the request body is larger than {CAP} bytes",
        "retryable": False,
    }
    assert body["trace_id"] == response.headers["x-trace-id"]
    assert response.headers["connection"] == "close"


def test_a_chunked_body_answers_413_once_it_passes_the_cap(service: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"tool": "list_orders", "arguments": {"email": "'
        yield b"x" * CAP
        yield b'"}}'

    response = httpx.post(f"{service}/mcp/call", content=chunks(), headers={"content-type": "application/json"})

    assert "content-length" not in response.request.headers
    envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_a_body_at_the_cap_is_read_and_answered(service: str) -> None:
    empty = json.dumps({"tool": "list_orders", "arguments": {"email": "ada@example.com"}, "pad": ""})
    body = json.dumps(
        {"tool": "list_orders", "arguments": {"email": "ada@example.com"}, "pad": "x" * (CAP - len(empty))}
    )
    assert len(body) == CAP

    response = httpx.post(f"{service}/mcp/call", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 200 and response.json()["ok"] is True


def test_a_crash_answers_500_internal_whose_trace_id_finds_its_log_line(
    service: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = httpx.get(f"{service}/crash")

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == {"code": "INTERNAL", "message": "the demo service failed unexpectedly", "retryable": False}
    assert "a defect" not in response.text
    logged = [record for record in caplog.records if getattr(record, "event_type", None) == "crash"]
    assert [getattr(record, "trace_id", None) for record in logged] == [body["trace_id"]]
    assert logged[0].exc_info is not None


def test_the_openapi_documents_the_envelope_for_what_each_route_may_answer(service: str) -> None:
    schema = httpx.get(f"{service}/openapi.json").json()
    call = schema["paths"]["/mcp/call"]["post"]["responses"]
    tools = schema["paths"]["/mcp/tools"]["get"]["responses"]

    assert sorted(call) == ["200", "400", "413", "500"]  # no 422: a bad body is a 400 with the envelope
    assert sorted(tools) == ["200", "413", "500"]
    for status in ("400", "413", "500"):
        assert call[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]
