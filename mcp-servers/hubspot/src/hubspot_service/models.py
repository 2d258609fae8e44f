"""Tool arguments and results: the CRM contact, its deals and its support tickets.

Field descriptions become the tool schemas the planner and LLMs read, so they say what each
value means, not only its type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

from mcp_common.emails import Email

LifecycleStage = Literal[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
]
LIFECYCLE_STAGES: tuple[LifecycleStage, ...] = get_args(LifecycleStage)
TicketStatus = Literal["open", "closed"]
TicketPriority = Literal["LOW", "MEDIUM", "HIGH", "URGENT"]
TICKET_PRIORITIES: tuple[TicketPriority, ...] = get_args(TicketPriority)


class EmailArgs(BaseModel):
    """Arguments naming one CRM contact by email."""

    email: Email = Field(
        description="Email address of the end user whose CRM records are wanted (matched case-insensitively)."
    )


class TicketArgs(EmailArgs):
    """Arguments of `list_tickets`."""

    status: TicketStatus | None = Field(
        default=None, description="Only tickets in this state: `open` or `closed`. Omit for all tickets."
    )


class Contact(BaseModel):
    """A HubSpot CRM contact: who the person is to sales and marketing."""

    id: str = Field(description="HubSpot contact record id.")
    first_name: str | None = Field(description="First name.")
    last_name: str | None = Field(description="Last name.")
    email: str = Field(description="Primary email address of the contact.")
    company: str | None = Field(description="Company name recorded on the contact.")
    job_title: str | None = Field(description="Job title.")
    lifecycle_stage: LifecycleStage | None = Field(
        description="Marketing/sales lifecycle stage: subscriber, lead, marketingqualifiedlead (MQL), "
        "salesqualifiedlead (SQL), opportunity, customer, evangelist or other."
    )
    lead_status: str | None = Field(
        description="Sales lead status, e.g. NEW, OPEN, IN_PROGRESS, OPEN_DEAL, CONNECTED, UNQUALIFIED."
    )
    owner_name: str | None = Field(description="Name of the contact owner: the account owner or sales rep.")
    created_at: datetime | None = Field(description="When the contact record was created.")
    last_activity_at: datetime | None = Field(
        description="Last activity date: the latest call, email, meeting or note logged with this contact."
    )


class Deal(BaseModel):
    """One sales deal (opportunity) associated with the contact."""

    id: str = Field(description="HubSpot deal record id.")
    name: str = Field(description="Deal name.")
    stage: str | None = Field(description="Deal stage label in its pipeline, e.g. 'Contract sent', 'Closed won'.")
    pipeline: str | None = Field(description="Name of the sales pipeline the deal is in.")
    amount: float | None = Field(description="Deal amount (value) in `currency`.")
    currency: str | None = Field(description="ISO 4217 currency code of the amount, e.g. USD, EUR, GBP.")
    close_date: date | None = Field(description="Expected (open deals) or actual (closed deals) close date.")
    is_closed: bool = Field(description="True once the deal is closed, won or lost.")
    is_won: bool = Field(description="True when the deal closed won.")


class DealList(BaseModel):
    """The deals associated with a contact, open deals first, with pipeline totals."""

    email: str = Field(description="Email of the contact the deals belong to.")
    deals: list[Deal] = Field(description="Associated deals: open ones first (soonest close date first).")
    open_count: int = Field(description="Number of open deals (not yet won or lost).")
    won_count: int = Field(description="Number of deals closed won.")
    open_pipeline_total: float = Field(description="Sum of the amounts of the open deals.")
    open_pipeline_currency: str | None = Field(
        description="Currency of `open_pipeline_total` when all open deals share one; null when mixed or none."
    )

    @classmethod
    def summarize(cls, email: str, deals: Iterable[Deal]) -> DealList:
        """Order the deals and count them; totals cover open deals only."""
        ordered = sorted(deals, key=lambda d: (d.is_closed, d.close_date or date.max, d.id))
        open_deals = [d for d in ordered if not d.is_closed]
        currencies = {d.currency for d in open_deals}
        return cls(
            email=email,
            deals=ordered,
            open_count=len(open_deals),
            won_count=sum(d.is_won for d in ordered),
            open_pipeline_total=round(sum(d.amount or 0.0 for d in open_deals), 2),
            open_pipeline_currency=currencies.pop() if len(currencies) == 1 else None,
        )


class Ticket(BaseModel):
    """One customer support ticket associated with the contact."""

    id: str = Field(description="HubSpot ticket record id.")
    subject: str = Field(description="Ticket subject: what the support request is about.")
    status: TicketStatus = Field(description="`open` while support is working on it, `closed` once resolved.")
    stage: str | None = Field(
        description="Ticket pipeline stage label, e.g. 'New', 'Waiting on contact', 'Waiting on us', 'Closed'."
    )
    priority: TicketPriority | None = Field(description="Ticket priority: LOW, MEDIUM, HIGH or URGENT.")
    created_at: datetime | None = Field(description="When the ticket was opened.")
    closed_at: datetime | None = Field(description="When the ticket was closed; null while open.")


class TicketList(BaseModel):
    """The support tickets associated with a contact, newest first."""

    email: str = Field(description="Email of the contact the tickets belong to.")
    status_filter: TicketStatus | None = Field(description="The status filter applied, if any.")
    tickets: list[Ticket] = Field(description="Matching tickets, newest first.")
    open_count: int = Field(description="Number of open tickets of the contact, whatever the filter.")

    @classmethod
    def summarize(cls, email: str, tickets: Iterable[Ticket], status: TicketStatus | None) -> TicketList:
        """Filter by `status`, newest first; `open_count` counts all of the contact's open tickets."""
        every = sorted(tickets, key=lambda t: (t.created_at is None, _newest_first(t.created_at), t.id))
        return cls(
            email=email,
            status_filter=status,
            tickets=[t for t in every if status is None or t.status == status],
            open_count=sum(t.status == "open" for t in every),
        )


def _newest_first(moment: datetime | None) -> float:
    return -moment.timestamp() if moment else 0.0
