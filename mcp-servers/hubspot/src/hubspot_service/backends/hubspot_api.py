"""`HubSpotCrmApi`: the `CrmBackend` over HubSpot's CRM API, with a private app access token.

Calls, all under `https://api.hubapi.com`:

- `POST /crm/v3/objects/contacts/search`: the contact whose `email` EQ the address;
- `GET /crm/v3/owners/{ownerId}`: the contact owner's name;
- `GET /crm/v4/objects/contacts/{id}/associations/{deals|tickets}`: associated ids, paged by
  `paging.next.after`;
- `POST /crm/v3/objects/{deals|tickets}/batch/read`: those records, 100 at a time;
- `GET /crm/v3/pipelines/{deals|tickets}`: stage and pipeline labels, and which stages are closed.

This module is the one place where HTTP and vendor failures become `ServiceError`s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel

from hubspot_service.backends import _hubspot_wire as wire
from hubspot_service.backends.base import contact_not_found
from hubspot_service.models import Contact, Deal, Ticket
from mcp_common.errors import ErrorCode, ServiceError

DEFAULT_BASE_URL = "https://api.hubapi.com"
USER_AGENT = "mcp-hubspot-service/0.1"
_BATCH_SIZE = 100
_ASSOCIATION_PAGE_SIZE = 500
_MAX_ASSOCIATION_PAGES = 20

ModelT = TypeVar("ModelT", bound=BaseModel)
ObjectType = Literal["deals", "tickets"]


class HubSpotCrmApi:
    """A `CrmBackend` reading contacts, deals and tickets from HubSpot over one `aiohttp.ClientSession`.

    The session is opened on the first request (it belongs to the running event loop) and closed by
    `aclose`; a later request opens a new one.
    """

    def __init__(self, *, access_token: str, base_url: str = DEFAULT_BASE_URL, timeout_s: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HubSpotCrmApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    async def contact(self, email: str) -> Contact:
        found = await self._find_contact(email, wire.CONTACT_PROPERTIES)
        owner = await self._owner_name(found.prop("hubspot_owner_id"))
        with _vendor_data("contact"):
            return wire.to_contact(found, owner_name=owner)

    async def deals(self, email: str) -> list[Deal]:
        records, index = await self._associated(email, "deals", wire.DEAL_PROPERTIES)
        with _vendor_data("deal"):
            return [wire.to_deal(record, index) for record in records]

    async def tickets(self, email: str) -> list[Ticket]:
        records, index = await self._associated(email, "tickets", wire.TICKET_PROPERTIES)
        with _vendor_data("ticket"):
            return [wire.to_ticket(record, index) for record in records]

    async def _find_contact(self, email: str, properties: Sequence[str]) -> wire.HsObject:
        wanted = email.strip().lower()
        body = {
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": wanted}]}],
            "properties": list(properties),
            "limit": 1,
        }
        page = await self._call(wire.ObjectPage, "POST", "/crm/v3/objects/contacts/search", json=body)
        # HubSpot's search is trusted to filter, but a record for another address is never returned.
        match = next((r for r in page.results if (r.prop("email") or "").lower() == wanted), None)
        if match is None:
            raise contact_not_found()
        return match

    async def _owner_name(self, owner_id: str | None) -> str | None:
        if owner_id is None:
            return None
        try:
            owner = await self._call(wire.Owner, "GET", f"/crm/v3/owners/{quote(owner_id, safe='')}")
        except ServiceError as exc:
            if exc.code is ErrorCode.NOT_FOUND:  # a deactivated owner leaves a dangling id
                return None
            raise
        return owner.name

    async def _associated(
        self, email: str, object_type: ObjectType, properties: Sequence[str]
    ) -> tuple[list[wire.HsObject], wire.StageIndex]:
        contact = await self._find_contact(email, ("email",))
        ids = await self._association_ids(contact.id, object_type)
        if not ids:
            return [], wire.StageIndex({}, {})
        records = await self._batch_read(object_type, ids, properties)
        pipelines = await self._call(wire.PipelinePage, "GET", f"/crm/v3/pipelines/{object_type}")
        return records, wire.StageIndex.of(pipelines)

    async def _association_ids(self, contact_id: str, object_type: ObjectType) -> list[str]:
        path = f"/crm/v4/objects/contacts/{quote(contact_id, safe='')}/associations/{object_type}"
        ids: list[str] = []
        after: str | None = None
        for _ in range(_MAX_ASSOCIATION_PAGES):
            params: dict[str, str | int] = {"limit": _ASSOCIATION_PAGE_SIZE}
            if after:
                params["after"] = after
            page = await self._call(wire.AssociationPage, "GET", path, params=params)
            ids.extend(a.to_object_id for a in page.results)
            after = page.after
            if after is None:
                return list(dict.fromkeys(ids))
        raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, "HubSpot association paging did not end")

    async def _batch_read(
        self, object_type: ObjectType, ids: list[str], properties: Sequence[str]
    ) -> list[wire.HsObject]:
        records: list[wire.HsObject] = []
        for start in range(0, len(ids), _BATCH_SIZE):
            body = {
                "properties": list(properties),
                "inputs": [{"id": i} for i in ids[start : start + _BATCH_SIZE]],
            }
            path = f"/crm/v3/objects/{object_type}/batch/read"
            records.extend((await self._call(wire.ObjectPage, "POST", path, json=body)).results)
        return records

    async def _call(self, model: type[ModelT], method: str, path: str, **kwargs: Any) -> ModelT:
        """Send one request and parse its body; every failure leaves here as a `ServiceError`."""
        try:
            async with self._http().request(method, self._base_url + path, **kwargs) as response:
                status, content = response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise ServiceError(ErrorCode.SERVICE_TIMEOUT, "HubSpot did not answer in time") from exc
        except aiohttp.ClientError as exc:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "HubSpot could not be reached") from exc
        _raise_for_status(status)
        with _vendor_data("response"):
            return model.model_validate_json(content)


def _raise_for_status(status: int) -> None:
    if 200 <= status < 300:
        return
    if status == 429:
        raise ServiceError(ErrorCode.RATE_LIMITED, "HubSpot rate limit reached; try again shortly")
    if status in (401, 403):
        raise ServiceError(
            ErrorCode.SERVICE_UNAVAILABLE,
            "HubSpot rejected the service's credentials (check the private app token and its scopes)",
        )
    if status == 404:
        raise ServiceError(ErrorCode.NOT_FOUND, "HubSpot has no such record")
    if status >= 500:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"HubSpot is unavailable (HTTP {status})")
    raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"HubSpot refused the request (HTTP {status})")


@contextmanager
def _vendor_data(what: str) -> Iterator[None]:
    """Turn a malformed HubSpot body or property value into `SERVICE_BAD_RESPONSE`."""
    try:
        yield
    except ValueError as exc:  # includes pydantic's ValidationError
        raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"HubSpot sent an unexpected {what}") from exc
