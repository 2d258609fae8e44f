"""`HubSpotCrmApi` against a loopback fake HubSpot that answers like the documented CRM API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hubspot_service.app import create_app
from hubspot_service.backends.hubspot_api import HubSpotCrmApi
from hubspot_service.settings import Settings
from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.testing import free_port, serve

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
ASSOCIATION_PAGE = 2  # small, so that Ada's three deals span two pages

CONTACTS: dict[str, dict[str, str | None]] = {
    "501": {
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "company": "Analytical Engines Ltd",
        "jobtitle": "Head of Analysis",
        "lifecyclestage": "customer",
        "hs_lead_status": "CONNECTED",
        "hubspot_owner_id": "77",
        "createdate": "2024-03-04T09:30:00.000Z",
        "notes_last_updated": "2026-01-12T10:15:00Z",
    },
    "502": {
        "email": "grace@example.com",
        "firstname": "Grace",
        "lastname": "Hopper",
        "company": "Cobol Compilers Inc",
        "jobtitle": None,
        "lifecyclestage": "1293847",  # a portal's custom lifecycle stage id
        "hs_lead_status": "",
        "hubspot_owner_id": "404",  # an owner who no longer exists
        "createdate": "2024-03-15T10:30:00Z",
        "notes_last_updated": None,
    },
}
OWNERS = {"77": {"id": "77", "email": "morgan@vendor.example", "firstName": "Morgan", "lastName": "Reyes"}}


def _deal(name: str, stage: str, amount: str, closes: str, *, closed: bool, won: bool) -> dict[str, str | None]:
    return {
        "dealname": name,
        "dealstage": stage,
        "pipeline": "default",
        "amount": amount,
        "deal_currency_code": "GBP",
        "closedate": f"{closes}T00:00:00Z",
        "hs_is_closed": str(closed).lower(),
        "hs_is_closed_won": str(won).lower(),
    }


def _ticket(subject: str, stage: str, priority: str, opened: str, closed: str | None) -> dict[str, str | None]:
    return {
        "subject": subject,
        "hs_pipeline": "0",
        "hs_pipeline_stage": stage,
        "hs_ticket_priority": priority,
        "createdate": opened,
        "closed_date": closed,
    }


DEALS = {
    "9001": _deal("Engine No. 2 licence", "contractsent", "48000", "2026-02-27", closed=False, won=False),
    "9002": _deal("Support renewal 2026", "decisionmakerboughtin", "12500.50", "2026-03-31", closed=False, won=False),
    "9003": _deal("Pilot", "closedwon", "9600", "2025-10-15", closed=True, won=True),
}
TICKETS = {
    "7001": _ticket("Bernoulli numbers report returns wrong values", "3", "HIGH", "2026-01-12T10:15:00Z", None),
    "7002": _ticket("Update billing contact", "4", "LOW", "2025-11-03T14:00:00Z", "2025-11-04T10:00:00Z"),
    "7003": _ticket("Compiler download link is broken", "4", "MEDIUM", "2025-12-09T16:45:00Z", "2025-12-09T22:45:00Z"),
}
ASSOCIATIONS = {
    ("501", "deals"): ["9001", "9002", "9003"],
    ("501", "tickets"): ["7001", "7002"],
    ("502", "deals"): [],
    ("502", "tickets"): ["7003"],
}
PIPELINES = {
    "deals": [
        {
            "id": "default",
            "label": "Sales Pipeline",
            "stages": [
                {"id": "contractsent", "label": "Contract sent", "metadata": {"isClosed": "false"}},
                {"id": "decisionmakerboughtin", "label": "Decision maker bought-in", "metadata": {}},
                {"id": "closedwon", "label": "Closed won", "metadata": {"isClosed": "true", "probability": "1.0"}},
            ],
        }
    ],
    "tickets": [
        {
            "id": "0",
            "label": "Support Pipeline",
            "stages": [
                {"id": "1", "label": "New", "metadata": {"ticketState": "OPEN"}},
                {"id": "3", "label": "Waiting on us", "metadata": {"ticketState": "OPEN"}},
                {"id": "4", "label": "Closed", "metadata": {"ticketState": "CLOSED"}},
            ],
        }
    ],
}


class _Filter(BaseModel):
    property_name: str = Field(alias="propertyName")
    operator: str
    value: str


class _FilterGroup(BaseModel):
    filters: list[_Filter]


class _SearchBody(BaseModel):
    filter_groups: list[_FilterGroup] = Field(alias="filterGroups")
    properties: list[str]
    limit: int


class _Input(BaseModel):
    id: str


class _BatchReadBody(BaseModel):
    properties: list[str]
    inputs: list[_Input]


@dataclass
class FakeHubSpot:
    """What the fake answers with (`mode`), and what it was sent."""

    mode: str = "normal"
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def _record(record_id: str, properties: dict[str, str | None], wanted: list[str]) -> dict[str, Any]:
    """A `SimplePublicObject`: like HubSpot, only the requested properties, all strings or null."""
    return {
        "id": record_id,
        "properties": {name: properties.get(name) for name in wanted},
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "archived": False,
    }


def _error(status: int, message: str, category: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message, "category": category}, status_code=status)


def fake_hubspot_app(state: FakeHubSpot) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def vendor_behaviour(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        state.headers.append(dict(request.headers))
        state.paths.append(request.url.path)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        if state.mode == "rate_limited":
            return _error(429, "You have reached your secondly limit.", "RATE_LIMITS")
        if state.mode == "down":
            return _error(500, "internal error", "INTERNAL_ERROR")
        if state.mode == "garbage":
            return Response("<html>Bad gateway</html>", media_type="text/html")
        if state.mode == "wrong_shape":
            return JSONResponse({"unexpected": ["shape"]})
        return await call_next(request)

    @app.post("/crm/v3/objects/contacts/search")
    async def search(body: _SearchBody) -> dict[str, Any]:
        assert len(body.filter_groups) == 1 and len(body.filter_groups[0].filters) == 1
        wanted = body.filter_groups[0].filters[0]
        assert (wanted.property_name, wanted.operator, body.limit) == ("email", "EQ", 1)
        found = [
            _record(cid, props, body.properties)
            for cid, props in CONTACTS.items()
            if state.mode == "sloppy_search" or (props["email"] or "") == wanted.value.lower()
        ]
        return {"total": len(found), "results": found[: body.limit]}

    @app.get("/crm/v3/owners/{owner_id}", response_model=None)
    async def owner(owner_id: str) -> dict[str, Any] | JSONResponse:
        if owner_id not in OWNERS:
            return _error(404, "Owner not found", "OBJECT_NOT_FOUND")
        return OWNERS[owner_id]

    @app.get("/crm/v4/objects/contacts/{contact_id}/associations/{to_type}")
    async def associations(contact_id: str, to_type: str, limit: int, after: int = 0) -> dict[str, Any]:
        assert limit > 0
        ids = ASSOCIATIONS[(contact_id, to_type)]
        page = ids[after : after + ASSOCIATION_PAGE]
        body: dict[str, Any] = {
            "results": [
                {"toObjectId": int(i), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 4}]} for i in page
            ]
        }
        if after + ASSOCIATION_PAGE < len(ids):
            nxt = str(after + ASSOCIATION_PAGE)
            body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return body

    @app.post("/crm/v3/objects/{object_type}/batch/read")
    async def batch_read(object_type: str, body: _BatchReadBody) -> dict[str, Any]:
        table = {"deals": DEALS, "tickets": TICKETS}[object_type]
        results = [_record(i.id, table[i.id], body.properties) for i in body.inputs]
        return {"status": "COMPLETE", "results": results, "startedAt": "x", "completedAt": "y"}

    @app.get("/crm/v3/pipelines/{object_type}")
    async def pipelines(object_type: str) -> dict[str, Any]:
        return {"results": PIPELINES[object_type]}

    return app


@pytest.fixture(scope="module")
def fake_hubspot() -> Iterator[tuple[FakeHubSpot, str]]:
    state = FakeHubSpot()
    with serve(fake_hubspot_app(state)) as url:
        yield state, url


@pytest.fixture
def fake(fake_hubspot: tuple[FakeHubSpot, str]) -> FakeHubSpot:
    state, _ = fake_hubspot
    state.mode = "normal"
    state.headers.clear()
    state.paths.clear()
    return state


@pytest.fixture
async def crm(fake: FakeHubSpot, fake_hubspot: tuple[FakeHubSpot, str]) -> AsyncIterator[HubSpotCrmApi]:
    async with HubSpotCrmApi(access_token=TOKEN, base_url=fake_hubspot[1], timeout_s=5) as api:
        yield api


async def _error_of(call: Awaitable[object]) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await call
    return caught.value


async def test_contact_is_mapped_from_string_properties_with_the_owners_name(crm: HubSpotCrmApi) -> None:
    contact = await crm.contact("Ada@Example.com")

    assert contact.id == "501"
    assert (contact.first_name, contact.last_name, contact.email) == ("Ada", "Lovelace", "ada@example.com")
    assert (contact.company, contact.job_title) == ("Analytical Engines Ltd", "Head of Analysis")
    assert (contact.lifecycle_stage, contact.lead_status) == ("customer", "CONNECTED")
    assert contact.owner_name == "Morgan Reyes"
    assert contact.created_at == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert contact.last_activity_at == datetime(2026, 1, 12, 10, 15, tzinfo=UTC)


async def test_custom_lifecycle_stage_is_other_and_a_vanished_owner_is_no_owner(crm: HubSpotCrmApi) -> None:
    contact = await crm.contact("grace@example.com")

    assert contact.lifecycle_stage == "other"
    assert contact.owner_name is None
    assert contact.lead_status is None and contact.job_title is None and contact.last_activity_at is None


async def test_deals_follow_association_pages_and_carry_stage_labels(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    deals = {d.id: d for d in await crm.deals("ada@example.com")}

    assert set(deals) == {"9001", "9002", "9003"}
    assert sum("/associations/deals" in p for p in fake.paths) == 2
    renewal = deals["9002"]
    assert (renewal.stage, renewal.pipeline, renewal.amount, renewal.currency) == (
        "Decision maker bought-in",
        "Sales Pipeline",
        12500.5,
        "GBP",
    )
    assert renewal.close_date == date(2026, 3, 31)
    assert not renewal.is_closed and not renewal.is_won
    assert deals["9003"].is_closed and deals["9003"].is_won and deals["9003"].stage == "Closed won"


async def test_tickets_are_open_or_closed_by_their_pipeline_stage(crm: HubSpotCrmApi) -> None:
    tickets = {t.id: t for t in await crm.tickets("ada@example.com")}

    assert (tickets["7001"].status, tickets["7001"].stage, tickets["7001"].priority) == (
        "open",
        "Waiting on us",
        "HIGH",
    )
    assert tickets["7001"].closed_at is None
    assert (tickets["7002"].status, tickets["7002"].stage) == ("closed", "Closed")
    assert tickets["7002"].closed_at == datetime(2025, 11, 4, 10, 0, tzinfo=UTC)


async def test_contact_without_deals_skips_the_batch_read(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    assert await crm.deals("grace@example.com") == []
    assert not any("batch/read" in p for p in fake.paths)


async def test_unknown_email_is_not_found(crm: HubSpotCrmApi) -> None:
    error = await _error_of(crm.contact("nobody@example.com"))

    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, "no CRM contact with that email")


async def test_a_search_hit_for_another_address_is_never_returned(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    fake.mode = "sloppy_search"  # answers with every contact, Ada first

    error = await _error_of(crm.contact("grace.hopper@example.com"))

    assert error.code is ErrorCode.NOT_FOUND


async def test_rate_limit_is_rate_limited_and_retryable(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    fake.mode = "rate_limited"

    error = await _error_of(crm.deals("ada@example.com"))

    assert error.code is ErrorCode.RATE_LIMITED
    assert error.retryable


async def test_server_error_is_service_unavailable(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    fake.mode = "down"

    error = await _error_of(crm.tickets("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE
    assert error.retryable


async def test_rejected_token_says_credentials_and_never_echoes_the_token(
    fake_hubspot: tuple[FakeHubSpot, str],
) -> None:
    wrong = "pat-na1-wrong-0000-secret"
    async with HubSpotCrmApi(access_token=wrong, base_url=fake_hubspot[1]) as api:
        error = await _error_of(api.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE
    assert "credentials" in error.message
    assert wrong not in error.message and wrong not in repr(error)
    assert error.__cause__ is None or wrong not in str(error.__cause__)


@pytest.mark.parametrize("mode", ["garbage", "wrong_shape"])
async def test_unexpected_body_is_a_bad_response(crm: HubSpotCrmApi, fake: FakeHubSpot, mode: str) -> None:
    fake.mode = mode

    error = await _error_of(crm.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_BAD_RESPONSE
    assert not error.retryable


async def test_requests_carry_token_and_user_agent_but_no_trace_headers(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    with tracing.use(tracing.TraceContext(tracing.new_trace_id(), tracing.new_span_id(), None, "session-1")):
        await crm.contact("ada@example.com")

    for headers in fake.headers:
        assert headers["authorization"] == f"Bearer {TOKEN}"
        assert headers["user-agent"].startswith("mcp-hubspot-service/")
        assert not {"traceparent", "x-session-id", "x-cloud-trace-context"} & set(headers)


async def test_unreachable_hubspot_is_service_unavailable() -> None:
    async with HubSpotCrmApi(access_token=TOKEN, base_url=f"http://127.0.0.1:{free_port()}") as api:
        error = await _error_of(api.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE


async def test_slow_hubspot_is_a_service_timeout() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    transport = httpx.MockTransport(time_out)
    async with HubSpotCrmApi(access_token=TOKEN, transport=transport) as api:
        error = await _error_of(api.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_TIMEOUT
    assert error.retryable


def test_service_with_the_hubspot_backend_answers_mcp_call_end_to_end(
    fake_hubspot: tuple[FakeHubSpot, str],
) -> None:
    settings = Settings(_env_file=None, backend="hubspot", access_token=TOKEN, base_url=fake_hubspot[1])
    request = {
        "tool": "list_deals",
        "arguments": {"email": "ada@example.com"},
        "context": {"caller": "ada@example.com"},
    }

    with serve(create_app(settings)) as url:
        body = httpx.post(f"{url}/mcp/call", json=request, timeout=10).json()

    assert body["ok"] is True
    assert (body["result"]["open_count"], body["result"]["won_count"]) == (2, 1)
    assert body["result"]["open_pipeline_total"] == 60500.5
    assert body["result"]["open_pipeline_currency"] == "GBP"
