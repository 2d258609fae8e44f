"""The demo dataset, through the tool registry: the documented personas and the variety around them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from chargebee_service.backends.demo import DemoBilling
from chargebee_service.models import BillingCustomer, InvoiceList, SubscriptionList
from chargebee_service.tools import build_registry
from mcp_common.demo_people import PEOPLE
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def registry() -> ToolRegistry:
    return build_registry(DemoBilling(clock=lambda: NOW))


async def _call(registry: ToolRegistry, tool: str, **arguments: Any) -> BaseModel:
    return await registry.call(tool, arguments, CallContext())


async def subscriptions(registry: ToolRegistry, email: str) -> SubscriptionList:
    result = await _call(registry, "get_subscription", email=email)
    assert isinstance(result, SubscriptionList)
    return result


async def invoices(registry: ToolRegistry, email: str, **arguments: Any) -> InvoiceList:
    result = await _call(registry, "list_invoices", email=email, **arguments)
    assert isinstance(result, InvoiceList)
    return result


async def customer(registry: ToolRegistry, email: str) -> BillingCustomer:
    result = await _call(registry, "get_customer", email=email)
    assert isinstance(result, BillingCustomer)
    return result


async def test_ada_has_an_active_pro_monthly_subscription_renewing_next_month(registry: ToolRegistry) -> None:
    subs = await subscriptions(registry, "ada@example.com")

    assert subs.current is not None
    assert (subs.current.plan_id, subs.current.status) == ("pro-monthly", "active")
    assert subs.current.plan_name == "Pro Monthly"
    assert (subs.current.amount, subs.current.currency) == (Decimal("49.00"), "GBP")
    assert subs.current.next_billing_at is not None
    assert NOW < subs.current.next_billing_at <= NOW + timedelta(days=31)


async def test_ada_owes_exactly_one_payment_due_invoice_and_has_paid_several(registry: ToolRegistry) -> None:
    listing = await invoices(registry, "ada@example.com", limit=100)

    unpaid = [i for i in listing.invoices if i.amount_due > 0]
    assert [i.status for i in unpaid] == ["payment_due"]
    assert sum(i.status == "paid" for i in listing.invoices) >= 3
    assert (listing.unpaid_count, listing.total_due, listing.currency) == (1, Decimal("49.00"), "GBP")


@pytest.mark.parametrize(
    "now", [NOW, datetime(2027, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC), None]
)
async def test_grace_is_in_trial_and_the_trial_ends_within_seven_days(now: datetime | None) -> None:
    backend = DemoBilling(clock=lambda: now) if now else DemoBilling()
    current = (await subscriptions(build_registry(backend), "grace@example.com")).current
    reference = now or datetime.now(UTC)

    assert current is not None
    assert current.status == "in_trial"
    assert current.trial_end is not None
    assert reference < current.trial_end <= reference + timedelta(days=7)


async def test_linus_subscription_is_cancelled_and_he_owes_nothing(registry: ToolRegistry) -> None:
    current = (await subscriptions(registry, "linus@example.com")).current
    listing = await invoices(registry, "linus@example.com")

    assert current is not None
    assert current.status == "cancelled"
    assert current.cancelled_at is not None
    assert current.cancelled_at < NOW
    assert current.next_billing_at is None
    assert (listing.unpaid_count, listing.total_due) == (0, Decimal(0))
    assert listing.invoices
    assert (await invoices(registry, "linus@example.com", status="unpaid")).invoices == []


async def test_every_demo_person_is_a_billing_customer(registry: ToolRegistry) -> None:
    for person in PEOPLE:
        record = await customer(registry, person.email)
        assert (record.email, record.name, record.company) == (person.email, person.name, person.company)
        assert record.billing_address is not None
        assert record.billing_address.country == person.country


async def test_unknown_email_is_not_found_and_reveals_nobody(registry: ToolRegistry) -> None:
    for tool in ("get_customer", "get_subscription", "list_invoices"):
        with pytest.raises(ServiceError) as caught:
            await _call(registry, tool, email="mallory@example.com")
        assert caught.value.code == ErrorCode.NOT_FOUND
        assert "@" not in caught.value.message
        assert not any(p.last_name in caught.value.message for p in PEOPLE)


async def test_email_lookup_ignores_case(registry: ToolRegistry) -> None:
    assert await customer(registry, "ADA@Example.COM") == await customer(registry, "ada@example.com")


async def test_the_dataset_is_deterministic_for_a_given_clock() -> None:
    first, second = build_registry(DemoBilling(clock=lambda: NOW)), build_registry(DemoBilling(clock=lambda: NOW))
    for person in PEOPLE:
        assert await invoices(first, person.email, limit=100) == await invoices(second, person.email, limit=100)
        assert await subscriptions(first, person.email) == await subscriptions(second, person.email)


async def test_unpaid_filter_returns_only_payment_due_and_not_paid_invoices(registry: ToolRegistry) -> None:
    listing = await invoices(registry, "claude@example.com", status="unpaid")

    assert sorted(i.status for i in listing.invoices) == ["not_paid", "payment_due"]
    assert (listing.status_filter, listing.unpaid_count, listing.total_due) == ("unpaid", 2, Decimal("398.00"))


async def test_owed_totals_cover_all_invoices_even_when_listing_paid_ones(registry: ToolRegistry) -> None:
    listing = await invoices(registry, "ada@example.com", status="paid", limit=2)

    assert [i.status for i in listing.invoices] == ["paid", "paid"]
    assert listing.has_more
    assert (listing.unpaid_count, listing.total_due) == (1, Decimal("49.00"))


async def test_limit_caps_the_invoices_newest_first(registry: ToolRegistry) -> None:
    listing = await invoices(registry, "ada@example.com", limit=3)

    assert len(listing.invoices) == 3
    assert listing.has_more
    dates = [i.date for i in listing.invoices]
    assert dates == sorted(dates, reverse=True)


async def test_the_dataset_varies_plans_statuses_currencies_and_debts(registry: ToolRegistry) -> None:
    plans, statuses, currencies, debtors = set(), set(), set(), 0
    for person in PEOPLE:
        for sub in (await subscriptions(registry, person.email)).subscriptions:
            plans.add(sub.plan_id)
            statuses.add(sub.status)
            currencies.add(sub.currency)
        debtors += (await invoices(registry, person.email)).unpaid_count > 0

    assert {f"{t}-{p}" for t in ("starter", "pro", "enterprise") for p in ("monthly", "yearly")} <= plans
    assert {"active", "in_trial", "non_renewing", "paused", "cancelled", "future"} <= statuses
    assert {"USD", "EUR", "GBP", "JPY"} <= currencies
    assert debtors >= 4


async def test_yen_amounts_have_no_minor_units(registry: ToolRegistry) -> None:
    current = (await subscriptions(registry, "yukihiro@example.com")).current

    assert current is not None
    assert (current.amount, current.currency) == (Decimal("7400"), "JPY")


async def test_payment_methods_show_brand_and_last_four_but_never_a_card_number(registry: ToolRegistry) -> None:
    ada = await customer(registry, "ada@example.com")
    assert ada.payment_method is not None
    assert (ada.payment_method.card_brand, ada.payment_method.card_last4) == ("visa", "4242")

    for person in PEOPLE:
        dumped = json.dumps((await customer(registry, person.email)).model_dump(mode="json"))
        assert not re.search(r"\d{8,}", dumped)


async def test_a_customer_without_subscriptions_gets_an_empty_list(registry: ToolRegistry) -> None:
    subs = await subscriptions(registry, "evelyn@example.com")

    assert (subs.current, subs.subscriptions) == (None, [])
