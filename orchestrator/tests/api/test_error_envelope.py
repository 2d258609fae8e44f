"""Every error the orchestrator answers is the error envelope with a trace id, in both error modes: refusals
before an answer (unknown route, wrong method, body over the cap) and crashes carry their own status in both;
an unreadable or empty body is 200 by default and 400 with `ORCH_ERRORS_AS_HTTP_STATUS=true`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from orch_process import post_body

from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings

CAP = 2048
MODES = {"errors as 200": False, "errors as HTTP statuses": True}


@pytest.fixture(scope="module", params=list(MODES))
def orch(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    """An orchestrator in one error mode, with a 2 KiB body cap and a route that crashes; its URL and mode."""
    as_status = MODES[request.param]
    settings = Settings(
        services={}, conversations="none", state_backend="memory", errors_as_http_status=as_status, max_body_bytes=CAP
    )
    app = create_app(settings)

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a defect")

    with serve(app) as url:
        yield url, as_status


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The body, once it is checked to be the envelope of `code` with `status` and the response's trace id."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "trace_id", "timestamp"}
    assert (body["error"]["code"], body["error"]["retryable"]) == (code, False)
    assert body["trace_id"] == response.headers["x-trace-id"]
    return body


def test_an_unknown_route_answers_404_not_found(orch: tuple[str, bool]) -> None:
    url, _ = orch
    envelope(httpx.get(f"{url}/nothing/here"), 404, "NOT_FOUND")


def test_a_wrong_method_answers_405_naming_the_allowed_one(orch: tuple[str, bool]) -> None:
    url, _ = orch
    response = httpx.put(f"{url}/query", json={"query": "hi", "email": "ada@example.com"})

    envelope(response, 405, "INVALID_REQUEST")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b'{"query": "hi", ', "body: JSON decode error"), (b"", "body: Field required")],
    ids=["unparsable", "empty"],
)
def test_a_body_that_cannot_be_read_is_an_invalid_request_in_the_mode_s_status(
    orch: tuple[str, bool], content: bytes, message: str
) -> None:
    url, as_status = orch
    response = httpx.post(f"{url}/orchestrate", content=content, headers={"content-type": "application/json"})

    assert envelope(response, 400 if as_status else 200, "INVALID_REQUEST")["error"]["message"] == message


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_cap_answers_413_in_both_modes(orch: tuple[str, bool], chunked: bool) -> None:
    url, _ = orch
    response = post_body(int(url.rsplit(":", 1)[1]), 4 * CAP, chunked=chunked)

    assert response.status == 413
    body = json.loads(response.body)
    assert body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert body["trace_id"] == response.headers["x-trace-id"]


def test_a_crash_answers_500_internal_in_both_modes(orch: tuple[str, bool]) -> None:
    url, _ = orch
    response = httpx.get(f"{url}/crash")

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == {"code": "INTERNAL", "message": "the orchestrator failed unexpectedly", "retryable": False}
    assert len(body["trace_id"]) == 32 and "a defect" not in response.text


def test_the_openapi_documents_every_error_body(orch: tuple[str, bool]) -> None:
    url, _ = orch
    schema = httpx.get(f"{url}/openapi.json").json()
    query = schema["paths"]["/query"]["post"]["responses"]
    health = schema["paths"]["/health"]["get"]["responses"]
    envelope_schema = {"$ref": "#/components/schemas/ErrorResponse"}

    assert query["200"]["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/QueryResponse"},
        envelope_schema,
    ]
    assert {"400", "401", "403", "413", "421", "429", "500", "502", "503", "504"} <= set(query)
    assert "422" not in query and "HTTPValidationError" not in schema["components"]["schemas"]
    assert sorted(health) == ["200", "413", "421", "500"]
    for status in ("400", "413", "429", "500"):
        assert query[status]["content"]["application/json"]["schema"] == envelope_schema
