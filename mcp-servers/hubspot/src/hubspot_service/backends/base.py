"""The one protocol every CRM backend implements."""

from __future__ import annotations

from typing import Protocol

from hubspot_service.models import Contact, Deal, Ticket
from mcp_common.errors import ErrorCode, ServiceError

CONTACT_NOT_FOUND = "no CRM contact with that email"


class CrmBackend(Protocol):
    """Read-only access to one CRM contact and the deals and tickets associated with it.

    Every method looks the contact up by email (case-insensitively) and raises
    `ServiceError(NOT_FOUND)` when there is none; it never returns another person's records.
    """

    async def contact(self, email: str) -> Contact: ...

    async def deals(self, email: str) -> list[Deal]: ...

    async def tickets(self, email: str) -> list[Ticket]: ...

    async def aclose(self) -> None:
        """Release connections; called once when the service shuts down."""
        ...


def contact_not_found() -> ServiceError:
    """The error every backend raises for an email with no CRM contact."""
    return ServiceError(ErrorCode.NOT_FOUND, CONTACT_NOT_FOUND)
