"""`DemoBilling`: an embedded, deterministic billing dataset for the shared demo people.

Every person of `mcp_common.demo_people` is a billing customer. Dates follow from fixed start
dates, except trials and future starts, which are placed relative to the injected clock so the
personas stay true (grace's trial always ends within a week).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chargebee_service.backends._amounts import plan_name
from chargebee_service.backends._demo_profiles import MAX_INVOICES, PROFILES, Card, Profile, price
from chargebee_service.backends._demo_timeline import Timeline, fixed_start, timeline
from chargebee_service.backends.base import InvoicePage
from chargebee_service.models import (
    BillingAddress,
    BillingCustomer,
    Invoice,
    InvoiceStatus,
    PaymentMethodSummary,
    Subscription,
)
from mcp_common.demo_people import PEOPLE, DemoPerson, person
from mcp_common.errors import ErrorCode, ServiceError

Clock = Callable[[], datetime]

_CITIES = {"GB": "London", "US": "New York", "FI": "Helsinki", "NL": "Amsterdam", "AT": "Vienna",
           "HU": "Budapest", "JP": "Tokyo"}  # fmt: skip
_NOT_FOUND = "no billing customer with that email"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DemoBilling:
    """A `BillingBackend` over the embedded demo dataset; `clock` returns the current UTC time."""

    def __init__(self, *, clock: Clock = _utc_now) -> None:
        self._clock = clock
        self._by_id = {_customer_id(p): (i, p) for i, p in enumerate(PEOPLE)}

    async def find_customer(self, email: str) -> BillingCustomer:
        found = person(email)
        if found is None:
            raise ServiceError(ErrorCode.NOT_FOUND, _NOT_FOUND)
        return _customer(PEOPLE.index(found), found, self._clock())

    async def subscriptions(self, customer_id: str) -> list[Subscription]:
        index, who = self._lookup(customer_id)
        subscription = _subscription(index, who, self._clock())
        return [] if subscription is None else [subscription]

    async def invoices(self, customer_id: str, *, statuses: Sequence[InvoiceStatus] | None, limit: int) -> InvoicePage:
        index, who = self._lookup(customer_id)
        matching = [i for i in _invoices(index, who, self._clock()) if statuses is None or i.status in statuses]
        return InvoicePage(invoices=matching[:limit], has_more=len(matching) > limit)

    async def aclose(self) -> None:
        return None

    def _lookup(self, customer_id: str) -> tuple[int, DemoPerson]:
        try:
            return self._by_id[customer_id]
        except KeyError:
            raise ServiceError(ErrorCode.NOT_FOUND, "no billing customer with that id") from None


def _customer_id(who: DemoPerson) -> str:
    return "cb_" + who.email.split("@")[0]


def _unit(plan_id: str) -> str:
    return "year" if plan_id.endswith("yearly") else "month"


def _timeline(index: int, who: DemoPerson, now: datetime) -> tuple[Profile, Timeline | None]:
    profile = PROFILES[who.email]
    if profile.plan_id is None:
        return profile, None
    return profile, timeline(index, profile, _unit(profile.plan_id), now)


def _customer(index: int, who: DemoPerson, now: datetime) -> BillingCustomer:
    profile, dates = _timeline(index, who, now)
    created = fixed_start(index) - timedelta(days=2)
    if dates is not None and profile.status == "in_trial":
        created = dates.started_at
    return BillingCustomer(
        id=_customer_id(who),
        name=who.name,
        email=who.email,
        company=who.company,
        billing_address=BillingAddress(
            line1=f"{index + 10} Demo Street",
            city=_CITIES.get(who.country),
            zip=f"{10000 + index * 137}",
            country=who.country,
        ),
        currency=profile.currency,
        created_at=created,
        auto_collection="off" if profile.payment is None else "on",
        payment_method=_payment_method(profile.payment, now),
    )


def _payment_method(payment: Card | str | None, now: datetime) -> PaymentMethodSummary | None:
    if payment is None:
        return None
    if isinstance(payment, str):
        return PaymentMethodSummary(type=payment, status="valid")
    expired = (payment.expiry_year, payment.expiry_month) < (now.year, now.month)
    return PaymentMethodSummary(
        type="card",
        status="expired" if expired else "valid",
        card_brand=payment.brand,
        card_last4=payment.last4,
        card_expiry_month=payment.expiry_month,
        card_expiry_year=payment.expiry_year,
    )


def _subscription(index: int, who: DemoPerson, now: datetime) -> Subscription | None:
    profile, dates = _timeline(index, who, now)
    if dates is None or profile.plan_id is None or profile.status is None:
        return None
    return Subscription(
        id="sub_" + who.email.split("@")[0],
        plan_id=profile.plan_id,
        plan_name=plan_name(profile.plan_id),
        status=profile.status,
        amount=price(profile.plan_id, profile.currency),
        currency=profile.currency,
        billing_period=1,
        billing_period_unit="year" if _unit(profile.plan_id) == "year" else "month",
        started_at=dates.started_at,
        current_term_start=dates.term[0] if dates.term else None,
        current_term_end=dates.term[1] if dates.term else None,
        next_billing_at=dates.next_billing_at,
        trial_start=dates.trial[0] if dates.trial else None,
        trial_end=dates.trial[1] if dates.trial else None,
        cancelled_at=dates.cancelled_at,
    )


def _invoices(index: int, who: DemoPerson, now: datetime) -> list[Invoice]:
    """Newest first, at most `MAX_INVOICES`; numbered by billing period so numbers are stable."""
    profile, dates = _timeline(index, who, now)
    if dates is None or profile.plan_id is None:
        return []
    total = price(profile.plan_id, profile.currency)
    numbered = list(enumerate(dates.billed, start=1))[::-1][:MAX_INVOICES]
    return [
        _invoice(f"INV-{index + 1:02d}{number:03d}", date, _status(profile, n), total, profile.currency, who)
        for n, (number, date) in enumerate(numbered)
    ]


def _status(profile: Profile, newest_rank: int) -> InvoiceStatus:
    return profile.recent[newest_rank] if newest_rank < len(profile.recent) else "paid"


def _invoice(
    number: str, date: datetime, status: InvoiceStatus, total: Decimal, currency: str, who: DemoPerson
) -> Invoice:
    zero = total * 0  # keeps the currency's scale: 0.00, or 0 for JPY
    owed = status in ("payment_due", "not_paid", "posted", "pending")
    due_days = {"payment_due": 14, "not_paid": 14, "posted": 30, "paid": 0}.get(status)
    return Invoice(
        id=number,
        subscription_id="sub_" + who.email.split("@")[0],
        status=status,
        date=date,
        due_date=date + timedelta(days=due_days) if due_days is not None else None,
        paid_at=date + timedelta(minutes=7) if status == "paid" else None,
        total=total,
        amount_due=total if owed else zero,
        amount_paid=total if status == "paid" else zero,
        currency=currency,
    )
