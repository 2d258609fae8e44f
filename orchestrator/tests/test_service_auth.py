"""Service-to-service ID tokens (private Cloud Run services).

The orchestrator runs as its own process "on Cloud Run" (`K_SERVICE` set) with google-auth pointed
at a loopback metadata server that speaks the documented wire format (`GCE_METADATA_HOST`):
`GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=…` with
`Metadata-Flavor: Google` answers a JWT. In front of the chargebee service sits a stand-in for
Cloud Run's front end that records the bearer tokens and, when told to, refuses calls without one.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chargebee_service.app import create_app as billing_app
from chargebee_service.models import SubscriptionList
from chargebee_service.settings import Settings as BillingSettings
from mcp_common.auth import IdTokens, audience_of, wants_id_tokens
from mcp_common.client import ServiceClient
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from mcp_devtools.stack import Stack, run_stack
from mcp_devtools.testing import free_port, serve

ADA = "ada@example.com"
ACCOUNT = "orchestrator@project.iam.gserviceaccount.com"


def jwt(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(payload)}.c2ln"


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


@dataclass
class Metadata:
    """The loopback metadata server: which audiences were asked for."""

    audiences: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/")
        async def ping() -> Response:
            return Response("ok", headers={"Metadata-Flavor": "Google"})

        @app.get("/computeMetadata/v1/instance/service-accounts/default/")
        async def account(request: Request) -> Response:
            if request.headers.get("metadata-flavor") != "Google":
                return Response("Missing Metadata-Flavor header", status_code=403)
            body = {
                "aliases": ["default"],
                "email": ACCOUNT,
                "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            }
            return Response(json.dumps(body), media_type="application/json", headers={"Metadata-Flavor": "Google"})

        @app.get("/computeMetadata/v1/instance/service-accounts/default/identity")
        async def identity(request: Request, audience: str) -> Response:
            if request.headers.get("metadata-flavor") != "Google":
                return Response("Missing Metadata-Flavor header", status_code=403)
            self.audiences.append(audience)
            now = int(time.time())
            token = jwt({"aud": audience, "iss": "https://accounts.google.com", "sub": "1", "iat": now,
                         "exp": now + 3600, "email": ACCOUNT})  # fmt: skip
            return Response(token, media_type="text/html", headers={"Metadata-Flavor": "Google"})

        return app


class FrontEnd:
    """Records the Authorization header of every request; with `require=True`, refuses calls without a bearer
    token the way Cloud Run's front end does (HTML 403), before the service sees them."""

    def __init__(self, app: ASGIApp, *, require: bool) -> None:
        self.app = app
        self.require = require
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        authorization = headers.get("authorization")
        self.seen.append((scope["path"], authorization))
        if self.require and not (authorization or "").startswith("Bearer "):
            body = b"<html><body>Error: Forbidden</body></html>"
            raw = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 403, "headers": raw})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def metadata() -> Iterator[tuple[Metadata, str]]:
    server = Metadata()
    with serve(server.app()) as url:
        yield server, url.removeprefix("http://")


@pytest.fixture(scope="module")
def front_end() -> Iterator[tuple[FrontEnd, str]]:
    guarded = FrontEnd(billing_app(BillingSettings()), require=True)
    with serve(guarded) as url:
        yield guarded, url


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with run_stack(services=(), ports={}, orchestrator=False, env={}, log_dir=tmp_path_factory.mktemp("auth")) as s:
        yield s


def orchestrator_env(service_url: str, metadata_host: str, **extra: str) -> dict[str, str]:
    return {
        "ORCH_SERVICES": json.dumps({"chargebee": service_url}),
        "ORCH_STATE_BACKEND": "memory",
        "ORCH_CATALOG_REFRESH_S": "1",
        "ORCH_MCP_SERVERS": "{}",
        "K_SERVICE": "orchestrator",  # as on Cloud Run
        "ORCH_ALLOW_DEVELOPMENT_MODE": "true",  # the test names its callers in the body
        "GCE_METADATA_HOST": metadata_host,
        "GCE_METADATA_IP": metadata_host,
        "GOOGLE_APPLICATION_CREDENTIALS": "",
        **extra,
    }


def test_on_cloud_run_every_service_call_carries_an_id_token_for_the_services_url(
    stack: Stack, metadata: tuple[Metadata, str], front_end: tuple[FrontEnd, str]
) -> None:
    server, host = metadata
    guarded, service_url = front_end
    url = stack.start_orchestrator("orchestrator-auth", free_port(), orchestrator_env(service_url, host))
    for _ in range(3):
        body = httpx.post(f"{url}/query", json={"query": "what plan am I on?", "email": ADA}, timeout=15).json()
        assert "pro-monthly" in body["answer"], body
    calls = [(path, auth) for path, auth in guarded.seen if path.startswith("/mcp/")]
    assert {path for path, _ in calls} == {"/mcp/tools", "/mcp/call"}
    tokens = {auth.removeprefix("Bearer ") for _, auth in calls if auth}
    assert len(calls) == sum(1 for _, auth in calls if auth)  # every call, listing included
    assert [claims(token)["aud"] for token in tokens] == [service_url]
    assert server.audiences.count(service_url) == 1  # one token, reused until it nears expiry


def test_without_tokens_the_refusal_names_the_missing_role(
    stack: Stack, metadata: tuple[Metadata, str], front_end: tuple[FrontEnd, str]
) -> None:
    _, host = metadata
    _, service_url = front_end
    env = orchestrator_env(service_url, host, ORCH_SERVICE_AUTH="none")
    # Its only service refuses it: it never becomes ready, it only answers.
    url = stack.start_orchestrator("orchestrator-no-auth", free_port(), env, ready=False)
    health = httpx.get(f"{url}/health", timeout=15).json()
    assert health["services"]["chargebee"]["status"] == "down"
    assert "roles/run.invoker" in health["services"]["chargebee"]["error"]


async def test_services_calling_services_send_tokens_too(front_end: tuple[FrontEnd, str]) -> None:
    guarded, service_url = front_end
    asked: list[str] = []

    def fetch(audience: str) -> tuple[str, datetime.datetime]:
        asked.append(audience)
        expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        return jwt({"aud": audience, "exp": int(expiry.timestamp())}), expiry

    client = ServiceClient("chargebee", service_url, auth=IdTokens(fetch=fetch))
    try:
        result = await client.call("get_subscription", {"email": ADA}, CallContext(caller=ADA), SubscriptionList)
        assert "pro-monthly" in result.model_dump_json()
    finally:
        await client.aclose()
    assert asked == [service_url]
    assert guarded.seen[-1][1] is not None and claims(guarded.seen[-1][1].split()[1])["aud"] == service_url

    refused = ServiceClient("chargebee", service_url)
    try:
        with pytest.raises(ServiceError) as exc:
            await refused.call("get_subscription", {"email": ADA}, CallContext(caller=ADA), SubscriptionList)
    finally:
        await refused.aclose()
    assert exc.value.code is ErrorCode.SERVICE_BAD_RESPONSE and "roles/run.invoker" in exc.value.message


async def test_tokens_are_cached_per_audience_refreshed_near_expiry_and_fetched_once_under_load() -> None:
    fetched: list[str] = []
    lifetime = [datetime.timedelta(hours=1)]

    def fetch(audience: str) -> tuple[str, datetime.datetime]:
        fetched.append(audience)
        time.sleep(0.05)  # a slow metadata server: concurrent callers must share one fetch
        return f"token-{len(fetched)}", datetime.datetime.now(datetime.UTC) + lifetime[0]

    tokens = IdTokens(fetch=fetch, margin_s=300)
    first = await asyncio.gather(*(tokens.headers("https://menu-x.a.run.app/mcp/call") for _ in range(10)))
    assert {h["Authorization"] for h in first} == {"Bearer token-1"} and fetched == ["https://menu-x.a.run.app"]
    await tokens.headers("https://order-x.a.run.app")
    assert fetched[-1] == "https://order-x.a.run.app"
    lifetime[0] = datetime.timedelta(minutes=4)  # inside the refresh margin: every call refreshes
    await tokens.token("https://tracking-x.a.run.app")
    await tokens.token("https://tracking-x.a.run.app")
    assert fetched.count("https://tracking-x.a.run.app") == 2


async def test_a_failed_fetch_is_a_retryable_error_without_details_of_the_credentials() -> None:
    def fetch(audience: str) -> tuple[str, datetime.datetime]:
        raise RuntimeError("secret-path /var/run/key.json")

    with pytest.raises(ServiceError) as exc:
        await IdTokens(fetch=fetch).token("https://menu-x.a.run.app")
    assert exc.value.retryable and "secret-path" not in exc.value.message


def test_auto_means_on_cloud_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("K_SERVICE", raising=False)
    assert not wants_id_tokens("auto") and wants_id_tokens("id-token") and not wants_id_tokens("none")
    monkeypatch.setenv("K_SERVICE", "orchestrator")
    assert wants_id_tokens("auto") and not wants_id_tokens("none")
    assert audience_of("https://menu-abc-uc.a.run.app/mcp/call?x=1") == "https://menu-abc-uc.a.run.app"
