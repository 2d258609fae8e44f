"""What browsers see: CORS without wildcards outside development, the Host allowlist on every route, security
headers on every response, the API docs switch and no server banner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from orch_process import orchestrator_process
from pydantic import ValidationError

from mcp_devtools.testing import serve
from orchestrator.api.surface import HostPatterns
from orchestrator.app import create_app
from orchestrator.settings import Settings

BASE: dict[str, Any] = {"services": {}, "conversations": "none", "state_backend": "memory"}
PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}


@contextmanager
def orchestrator(**settings: Any) -> Iterator[str]:
    with serve(create_app(Settings(**{**BASE, **settings}))) as url:
        yield url


@pytest.fixture(scope="module")
def dev() -> Iterator[str]:
    with orchestrator() as url:
        yield url


@pytest.fixture(scope="module")
def prod() -> Iterator[str]:
    with orchestrator(mode="production", cors_origins=["https://app.example.com"]) as url:
        yield url


def preflight(url: str, origin: str, headers: str = "content-type") -> httpx.Response:
    return httpx.options(
        f"{url}/query",
        headers={**PREFLIGHT, "origin": origin, "access-control-request-headers": headers},
    )


# ---------------------------------------------------------------- CORS


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"])
def test_development_allows_loopback_origins(dev: str, origin: str) -> None:
    response = preflight(dev, origin, "content-type,x-user-email,traceparent")

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example:80", "null"])
def test_a_preflight_from_an_unlisted_origin_is_refused(dev: str, prod: str, origin: str) -> None:
    for url in (dev, prod):
        response = preflight(url, origin)

        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers


def test_a_simple_request_from_an_unlisted_origin_gets_no_allow_origin(dev: str) -> None:
    response = httpx.get(f"{dev}/health", headers={"origin": "https://evil.example"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_production_allows_only_its_listed_origins_and_headers(prod: str) -> None:
    listed = preflight(prod, "https://app.example.com", "content-type,authorization,traceparent")
    loopback = preflight(prod, "http://localhost:5173")
    user_header = preflight(prod, "https://app.example.com", "content-type,x-user-email")

    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in loopback.headers
    assert user_header.status_code == 400


def test_production_refuses_a_wildcard_origin_at_start_up() -> None:
    with pytest.raises(ValidationError, match="ORCH_CORS_ORIGINS"):
        Settings(mode="production", cors_origins=["*"])
    assert Settings().cors_origins == []


# ---------------------------------------------------------------- Host allowlist


@pytest.mark.parametrize("path", ["/health", "/query", "/mcp", "/docs", "/nowhere"])
def test_a_foreign_host_is_refused_on_every_route_with_the_envelope(dev: str, path: str) -> None:
    response = httpx.post(f"{dev}{path}", json={}, headers={"host": "attacker.example:8080"})

    assert response.status_code == 421
    assert response.json()["error"]["code"] == "INVALID_REQUEST"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1:1", "[::1]:8080", "LOCALHOST:9"])
def test_loopback_hosts_are_accepted_by_default(dev: str, host: str) -> None:
    assert httpx.get(f"{dev}/health", headers={"host": host}).status_code == 200


def test_a_wildcard_accepts_any_host_behind_a_trusted_front_end() -> None:
    with orchestrator(allowed_hosts=["*"]) as url:
        response = httpx.get(f"{url}/health", headers={"host": "orchestrator-abc-ew.a.run.app"})

    assert response.status_code == 200


def test_the_old_mcp_setting_still_sets_the_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_MCP_ALLOWED_HOSTS", '["api.example.com:*"]')
    assert Settings().allowed_hosts == ["api.example.com:*"]
    monkeypatch.setenv("ORCH_ALLOWED_HOSTS", '["new.example.com"]')
    assert Settings().allowed_hosts == ["new.example.com"]


@pytest.mark.parametrize(
    ("pattern", "host", "allowed"),
    [
        ("api.example.com:*", "api.example.com", True),
        ("api.example.com:*", "api.example.com:443", True),
        ("api.example.com:443", "api.example.com:8443", False),
        ("api.example.com", "api.example.com:8443", True),
        ("*.example.com", "eu.example.com", True),
        ("*.example.com", "example.com.evil.net", False),
        ("[::1]:*", "[::1]:80", True),
        ("localhost:*", "localhost.evil.net", False),
    ],
)
def test_host_patterns(pattern: str, host: str, allowed: bool) -> None:
    assert HostPatterns([pattern]).allows(host) is allowed


# ---------------------------------------------------------------- headers, docs, banner

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/health", 200), ("GET", "/nowhere", 404), ("POST", "/query", None)]
)
def test_every_response_carries_the_security_headers(
    dev: str, prod: str, method: str, path: str, status: int | None
) -> None:
    for url in (dev, prod):
        response = httpx.request(method, f"{url}{path}", json={"query": "hi", "email": "ada@example.com"})

        assert status is None or response.status_code == status
        assert {k: response.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in httpx.get(f"{dev}/health").headers
    assert httpx.get(f"{prod}/health").headers["strict-transport-security"].startswith("max-age=")


def test_api_docs_are_on_in_development_and_off_in_production(dev: str, prod: str) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert httpx.get(f"{dev}{path}").status_code == 200
        assert httpx.get(f"{prod}{path}").status_code == 404
    with orchestrator(mode="production", api_docs=True) as url:
        assert httpx.get(f"{url}/openapi.json").status_code == 200
    with orchestrator(api_docs=False) as url:
        assert httpx.get(f"{url}/docs").status_code == 404


def test_the_process_sends_no_server_banner(tmp_path: Path) -> None:
    with orchestrator_process(tmp_path) as orch:
        responses = [httpx.get(f"{orch.url}/health"), httpx.get(f"{orch.url}/nowhere")]

    for response in responses:
        assert "server" not in response.headers
        assert response.headers["x-frame-options"] == "DENY"
