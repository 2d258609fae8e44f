"""Who pays for what in the demo dataset: one billing profile per `mcp_common.demo_people` person.

The first three are the documented personas: ada (active pro-monthly, one invoice payment_due),
grace (in trial, ending within a week), linus (cancelled, nothing owed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from chargebee_service.models import InvoiceStatus, SubscriptionStatus


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    expiry_month: int
    expiry_year: int


@dataclass(frozen=True)
class Profile:
    """How one demo person is billed.

    `recent` gives the statuses of the newest invoices, newest first; older ones are paid.
    `periods` is how many terms a cancelled subscription ran; `trial_day` is the trial day
    reached today (trials last 14 days).
    """

    plan_id: str | None
    status: SubscriptionStatus | None
    currency: str
    payment: Card | str | None
    recent: tuple[InvoiceStatus, ...] = ()
    periods: int = 6
    trial_day: int = 0


TRIAL_DAYS = 14
MAX_INVOICES = 12
FIRST_START = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
"""Ada's subscription starts here; each following person starts 19 days later."""

# Price per billing period in USD/EUR/GBP, and in JPY.
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "starter-monthly": (Decimal("19.00"), Decimal("2900")),
    "starter-yearly": (Decimal("190.00"), Decimal("29000")),
    "pro-monthly": (Decimal("49.00"), Decimal("7400")),
    "pro-yearly": (Decimal("490.00"), Decimal("74000")),
    "enterprise-monthly": (Decimal("199.00"), Decimal("29800")),
    "enterprise-yearly": (Decimal("1990.00"), Decimal("298000")),
}

PROFILES: dict[str, Profile] = {
    "ada@example.com": Profile("pro-monthly", "active", "GBP", Card("visa", "4242", 8, 2028), ("payment_due",)),
    "grace@example.com": Profile("pro-monthly", "in_trial", "USD", Card("mastercard", "4444", 3, 2029), trial_day=9),
    "linus@example.com": Profile("pro-monthly", "cancelled", "EUR", Card("visa", "1881", 11, 2027), periods=7),
    "alan@example.com": Profile("enterprise-yearly", "active", "GBP", Card("american_express", "0005", 1, 2030)),
    "katherine@example.com": Profile(
        "starter-monthly", "active", "USD", Card("visa", "1111", 5, 2027), ("not_paid", "not_paid")
    ),
    "margaret@example.com": Profile("enterprise-monthly", "active", "USD", None, ("posted",)),
    "edsger@example.com": Profile("pro-yearly", "non_renewing", "EUR", Card("mastercard", "5100", 9, 2028)),
    "barbara@example.com": Profile("starter-monthly", "paused", "USD", Card("visa", "0077", 2, 2027), ("voided",)),
    "donald@example.com": Profile("pro-monthly", "future", "USD", Card("visa", "3333", 12, 2029)),
    "frances@example.com": Profile("starter-yearly", "active", "USD", "paypal_express_checkout"),
    "tim@example.com": Profile("pro-monthly", "non_renewing", "GBP", Card("visa", "9424", 6, 2027), ("payment_due",)),
    "radia@example.com": Profile(
        "enterprise-monthly", "active", "USD", Card("american_express", "8431", 4, 2029), ("pending",)
    ),
    "guido@example.com": Profile("pro-monthly", "active", "EUR", Card("mastercard", "8210", 10, 2028)),
    "hedy@example.com": Profile(
        "starter-monthly", "cancelled", "EUR", Card("visa", "6623", 7, 2026), ("not_paid",), periods=5
    ),
    "john@example.com": Profile("enterprise-yearly", "active", "EUR", "direct_debit"),
    "sophie@example.com": Profile("starter-monthly", "in_trial", "GBP", None, trial_day=3),
    "ken@example.com": Profile("pro-yearly", "active", "USD", Card("visa", "1234", 3, 2028), ("payment_due",)),
    "dennis@example.com": Profile("pro-monthly", "active", "USD", Card("mastercard", "0019", 8, 2027)),
    "annie@example.com": Profile("starter-yearly", "cancelled", "USD", None, periods=1),
    "claude@example.com": Profile(
        "enterprise-monthly", "active", "USD", Card("visa", "5556", 1, 2029), ("payment_due", "not_paid")
    ),
    "karen@example.com": Profile("pro-monthly", "paused", "GBP", Card("mastercard", "3222", 5, 2028)),
    "yukihiro@example.com": Profile("pro-monthly", "active", "JPY", Card("visa", "0341", 9, 2029)),
    "ida@example.com": Profile("starter-monthly", "active", "USD", Card("visa", "7700", 2, 2030)),
    "satoshi@example.com": Profile(
        "enterprise-yearly", "in_trial", "JPY", Card("american_express", "1007", 6, 2030), trial_day=12
    ),
    "evelyn@example.com": Profile(None, None, "USD", None),
}


def price(plan_id: str, currency: str) -> Decimal:
    """The demo price of a plan per billing period in a currency."""
    usd_like, yen = PRICES[plan_id]
    return yen if currency == "JPY" else usd_like
