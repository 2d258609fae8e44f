"""A loopback fake HubSpot that answers like the documented CRM API: Ada's and Grace's contacts,
deals, tickets, owners and pipelines.

`FakeHubSpot.mode` switches it to misbehave (rate limited, down, garbage, a wrong shape, a sloppy
search answering with every contact, slow: each answer held back a second); it logs the headers and paths it was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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
        if state.mode == "slow":
            await asyncio.sleep(1.0)
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
