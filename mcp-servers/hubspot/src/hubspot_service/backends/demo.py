"""`DemoCrm`: an embedded, deterministic CRM built from `mcp_common.demo_people.PEOPLE`.

Documented personas:

- `ada@example.com`: Ada Lovelace, customer, two open deals, one open HIGH-priority ticket
  (and one closed ticket).
- `grace@example.com`: Grace Hopper, lead, no deals, one closed ticket.
- `linus@example.com`: Linus Torvalds, customer, one deal, closed won; no tickets.

Everyone else gets a contact and a varied, index-derived mix of deals and tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hubspot_service.backends.base import contact_not_found
from hubspot_service.models import Contact, Deal, LifecycleStage, Ticket, TicketPriority
from mcp_common.demo_people import PEOPLE, DemoPerson

_BASE = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
_SALES_PIPELINE = "Sales Pipeline"
_OPEN_STAGES = ("Appointment scheduled", "Qualified to buy", "Presentation scheduled", "Contract sent")
_OWNERS = ("Morgan Reyes", "Priya Natarajan", "Sam O'Connell", "Lena Fischer")
_TITLES = ("CTO", "Head of Engineering", "VP Operations", "Procurement Manager", "Founder", "IT Director")
_PRODUCTS = ("Platform licence", "Support renewal", "Analytics add-on", "Onboarding package", "Seat expansion")
_SUBJECTS = (
    "Cannot export report to CSV",
    "SSO login loops back to sign-in page",
    "Change invoice billing address",
    "API rate limit question",
    "Dashboard loads slowly",
    "Webhook deliveries delayed",
)
_OTHER_STAGES: tuple[LifecycleStage, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "evangelist",
    "other",
)
_CURRENCIES = {"GB": "GBP", "US": "USD", "JP": "JPY", "HU": "HUF"}


@dataclass(frozen=True)
class _Record:
    contact: Contact
    deals: tuple[Deal, ...]
    tickets: tuple[Ticket, ...]


class DemoCrm:
    """A `CrmBackend` over the embedded demo dataset; identical on every run."""

    def __init__(self) -> None:
        self._records = {p.email.lower(): _record(i, p) for i, p in enumerate(PEOPLE)}

    async def contact(self, email: str) -> Contact:
        return self._find(email).contact

    async def deals(self, email: str) -> list[Deal]:
        return list(self._find(email).deals)

    async def tickets(self, email: str) -> list[Ticket]:
        return list(self._find(email).tickets)

    async def aclose(self) -> None:
        return None

    def _find(self, email: str) -> _Record:
        record = self._records.get(email.strip().lower())
        if record is None:
            raise contact_not_found()
        return record


def _record(index: int, person: DemoPerson) -> _Record:
    deals = _PERSONA_DEALS[person.email](person) if person.email in _PERSONA_DEALS else _deals(index, person)
    tickets = _PERSONA_TICKETS[person.email](person) if person.email in _PERSONA_TICKETS else _tickets(index)
    return _Record(_contact(index, person, deals, tickets), deals, tickets)


def _contact(index: int, person: DemoPerson, deals: tuple[Deal, ...], tickets: tuple[Ticket, ...]) -> Contact:
    created = _BASE + timedelta(days=11 * index, hours=index % 7)
    activity = [created + timedelta(days=30 + (index * 37) % 300, minutes=15 * index)]
    activity += [t.created_at for t in tickets if t.created_at]
    stage, lead_status = _PERSONA_STAGES.get(person.email) or _stage_for(index, deals)
    return Contact(
        id=str(1001 + index),
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        company=person.company,
        job_title=_TITLES[index % len(_TITLES)],
        lifecycle_stage=stage,
        lead_status=lead_status,
        owner_name=_OWNERS[index % len(_OWNERS)],
        created_at=created,
        last_activity_at=max(activity),
    )


def _stage_for(index: int, deals: tuple[Deal, ...]) -> tuple[LifecycleStage, str | None]:
    if any(d.is_won for d in deals):
        return "customer", None
    if any(not d.is_closed for d in deals):
        return "opportunity", "OPEN_DEAL"
    return _OTHER_STAGES[index % len(_OTHER_STAGES)], ("NEW", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT")[index % 3]


def _deal(person: DemoPerson, number: int, name: str, amount: float, closes: date, *, stage: str) -> Deal:
    closed = stage in ("Closed won", "Closed lost")
    return Deal(
        id=f"{9000 + PEOPLE.index(person)}{number:02d}",
        name=f"{person.company} - {name}",
        stage=stage,
        pipeline=_SALES_PIPELINE,
        amount=amount,
        currency=_CURRENCIES.get(person.country, "EUR"),
        close_date=closes,
        is_closed=closed,
        is_won=stage == "Closed won",
    )


def _deals(index: int, person: DemoPerson) -> tuple[Deal, ...]:
    """Varied deals: none, one open, one won, open plus lost, or two won plus one open."""
    product = _PRODUCTS[index % len(_PRODUCTS)]
    amount = float(2500 + 1750 * (index % 9))
    opens = date(2026, 1, 30) + timedelta(days=(17 * index) % 120)
    closed = date(2025, 9, 30) - timedelta(days=(23 * index) % 200)
    stage = _OPEN_STAGES[index % len(_OPEN_STAGES)]
    patterns: dict[int, tuple[Deal, ...]] = {
        0: (),
        1: (_deal(person, 1, product, amount, opens, stage=stage),),
        2: (_deal(person, 1, product, amount, closed, stage="Closed won"),),
        3: (
            _deal(person, 1, product, amount, opens, stage=stage),
            _deal(person, 2, "Pilot", amount / 5, closed, stage="Closed lost"),
        ),
        4: (
            _deal(person, 1, "Pilot", amount / 4, closed - timedelta(days=180), stage="Closed won"),
            _deal(person, 2, product, amount, closed, stage="Closed won"),
            _deal(person, 3, "Seat expansion", amount / 2, opens, stage=stage),
        ),
    }
    return patterns[index % 5]


def _ticket(
    key: str, subject: str, priority: TicketPriority, opened: datetime, *, stage: str, closed_after_h: int = 0
) -> Ticket:
    closed = stage == "Closed"
    return Ticket(
        id=key,
        subject=subject,
        status="closed" if closed else "open",
        stage=stage,
        priority=priority,
        created_at=opened,
        closed_at=opened + timedelta(hours=closed_after_h) if closed else None,
    )


def _tickets(index: int) -> tuple[Ticket, ...]:
    """Varied tickets: none, one open, one closed, or one urgent open plus one closed."""
    subject = _SUBJECTS[index % len(_SUBJECTS)]
    older = _SUBJECTS[(index + 3) % len(_SUBJECTS)]
    opened = datetime(2026, 1, 5, 8, 0, tzinfo=UTC) + timedelta(days=(5 * index) % 40, hours=index)
    key = str(7000 + 10 * index)
    patterns: dict[int, tuple[Ticket, ...]] = {
        0: (),
        1: (_ticket(f"{key}1", subject, "MEDIUM", opened, stage="Waiting on us"),),
        2: (_ticket(f"{key}1", subject, "LOW", opened, stage="Closed", closed_after_h=30),),
        3: (
            _ticket(f"{key}1", subject, "URGENT", opened, stage="New"),
            _ticket(f"{key}2", older, "MEDIUM", opened - timedelta(days=60), stage="Closed", closed_after_h=52),
        ),
    }
    return patterns[index % 4]


def _ada_deals(ada: DemoPerson) -> tuple[Deal, ...]:
    return (
        _deal(ada, 1, "Engine No. 2 licence", 48000.0, date(2026, 2, 27), stage="Contract sent"),
        _deal(ada, 2, "Support renewal 2026", 12500.5, date(2026, 3, 31), stage="Decision maker bought-in"),
    )


def _ada_tickets(_: DemoPerson) -> tuple[Ticket, ...]:
    return (
        _ticket(
            "7000011",
            "Bernoulli numbers report returns wrong values",
            "HIGH",
            datetime(2026, 1, 12, 10, 15, tzinfo=UTC),
            stage="Waiting on us",
        ),
        _ticket(
            "7000012",
            "Update billing contact",
            "LOW",
            datetime(2025, 11, 3, 14, 0, tzinfo=UTC),
            stage="Closed",
            closed_after_h=20,
        ),
    )


def _grace_tickets(_: DemoPerson) -> tuple[Ticket, ...]:
    return (
        _ticket(
            "7000021",
            "Compiler download link is broken",
            "MEDIUM",
            datetime(2025, 12, 9, 16, 45, tzinfo=UTC),
            stage="Closed",
            closed_after_h=6,
        ),
    )


def _linus_deals(linus: DemoPerson) -> tuple[Deal, ...]:
    return (_deal(linus, 1, "Git hosting plan", 9600.0, date(2025, 10, 15), stage="Closed won"),)


_PERSONA_STAGES: dict[str, tuple[LifecycleStage, str | None]] = {
    "ada@example.com": ("customer", "CONNECTED"),
    "grace@example.com": ("lead", "ATTEMPTED_TO_CONTACT"),
    "linus@example.com": ("customer", None),
}
_PERSONA_DEALS: dict[str, Callable[[DemoPerson], tuple[Deal, ...]]] = {
    "ada@example.com": _ada_deals,
    "grace@example.com": lambda _: (),
    "linus@example.com": _linus_deals,
}
_PERSONA_TICKETS: dict[str, Callable[[DemoPerson], tuple[Ticket, ...]]] = {
    "ada@example.com": _ada_tickets,
    "grace@example.com": _grace_tickets,
    "linus@example.com": lambda _: (),
}
