"""Input and output models of the chargebee tools; their field descriptions become the tool schemas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mcp_common import emails

Email = emails.LowerEmail

SubscriptionStatus = Literal["future", "in_trial", "active", "non_renewing", "paused", "cancelled", "transferred"]
BillingPeriodUnit = Literal["day", "week", "month", "year"]
InvoiceStatus = Literal["paid", "posted", "payment_due", "not_paid", "voided", "pending"]
InvoiceFilter = Literal["paid", "unpaid", "voided", "pending"]

UNPAID_STATUSES: tuple[InvoiceStatus, ...] = ("payment_due", "not_paid")
"""The Chargebee invoice statuses that count as unpaid: payment failed or is overdue."""


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- inputs -----------------------------------------------------------------------------------------


class CustomerArgs(BaseModel):
    """Arguments naming the billing customer by email."""

    email: Email = Field(description="Email address of the customer (the end user), e.g. ada@example.com.")


class InvoiceArgs(CustomerArgs):
    """Arguments of `list_invoices`."""

    status: InvoiceFilter | None = Field(
        default=None,
        description="Only invoices with this status: `paid`; `unpaid` (payment due or not paid, i.e. "
        "money owed); `voided`; `pending` (not yet finalised). Omit for every invoice.",
    )
    limit: int = Field(default=10, ge=1, le=100, description="Most invoices to return, newest first (1-100).")


# --- customer ---------------------------------------------------------------------------------------


class BillingAddress(_Output):
    """The postal address invoices are made out to."""

    line1: str | None = Field(default=None, description="First address line.")
    line2: str | None = Field(default=None, description="Second address line.")
    city: str | None = Field(default=None, description="City.")
    state: str | None = Field(default=None, description="State, county or region.")
    zip: str | None = Field(default=None, description="Postal code.")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country code, e.g. GB.")


class PaymentMethodSummary(_Output):
    """What will be charged, without anything that could be used to charge it."""

    type: str = Field(description="Payment method type: card, paypal_express_checkout, direct_debit, …")
    status: str | None = Field(default=None, description="valid, expiring, expired, invalid or pending_verification.")
    card_brand: str | None = Field(default=None, description="Card brand (visa, mastercard, …) for cards.")
    card_last4: str | None = Field(
        default=None, pattern=r"^\d{4}$", description="Last four digits of the card; never the full number."
    )
    card_expiry_month: int | None = Field(default=None, ge=1, le=12, description="Card expiry month.")
    card_expiry_year: int | None = Field(default=None, description="Card expiry year.")


class BillingCustomer(_Output):
    """The billing customer record of one person."""

    id: str = Field(description="Chargebee customer id.")
    name: str | None = Field(default=None, description="Full name of the customer.")
    email: str = Field(description="Billing email address.")
    company: str | None = Field(default=None, description="Company name, if billed as a business.")
    billing_address: BillingAddress | None = Field(default=None, description="Billing address, if on file.")
    currency: str | None = Field(default=None, description="ISO 4217 currency the customer is billed in.")
    created_at: datetime = Field(description="When the billing account was created (UTC).")
    auto_collection: Literal["on", "off"] = Field(
        description="`on`: invoices are charged to the payment method automatically; `off`: paid manually."
    )
    payment_method: PaymentMethodSummary | None = Field(
        default=None, description="Primary payment method on file; null when there is none."
    )


# --- subscriptions ----------------------------------------------------------------------------------


class Subscription(_Output):
    """One subscription of a customer to a plan."""

    id: str = Field(description="Chargebee subscription id.")
    plan_id: str = Field(description="Plan (item price) id, e.g. pro-monthly.")
    plan_name: str = Field(description="Human-readable plan name, e.g. Pro Monthly.")
    status: SubscriptionStatus = Field(
        description="future (starts later), in_trial, active, non_renewing (ends at term end), paused, "
        "cancelled or transferred."
    )
    amount: Decimal = Field(description="Plan price per billing period, before taxes and discounts.")
    currency: str = Field(description="ISO 4217 currency code of `amount`.")
    billing_period: int | None = Field(default=None, description="Number of units per billing period.")
    billing_period_unit: BillingPeriodUnit | None = Field(
        default=None, description="Unit of the billing period: month for monthly plans, year for yearly."
    )
    started_at: datetime | None = Field(default=None, description="When the subscription started or starts.")
    current_term_start: datetime | None = Field(default=None, description="Start of the current term.")
    current_term_end: datetime | None = Field(default=None, description="End of the current term.")
    next_billing_at: datetime | None = Field(
        default=None, description="Next renewal / charge date; null when it will not renew."
    )
    trial_start: datetime | None = Field(default=None, description="Start of the free trial, if any.")
    trial_end: datetime | None = Field(default=None, description="End of the free trial, if any.")
    cancelled_at: datetime | None = Field(
        default=None, description="When it was (or, for non_renewing, will be) cancelled."
    )


class SubscriptionList(_Output):
    """The subscriptions of one customer."""

    customer_id: str = Field(description="Chargebee customer id.")
    current: Subscription | None = Field(
        default=None,
        description="The subscription that applies now: the newest one not cancelled, else the newest.",
    )
    subscriptions: list[Subscription] = Field(description="Every subscription, newest first.")


# --- invoices ---------------------------------------------------------------------------------------


class Invoice(_Output):
    """One invoice."""

    id: str = Field(description="Invoice number.")
    subscription_id: str | None = Field(default=None, description="Subscription the invoice bills, if any.")
    status: InvoiceStatus = Field(
        description="paid, posted (issued, not yet due), payment_due (unpaid, collection retrying), "
        "not_paid (unpaid, collection stopped), voided or pending (not finalised)."
    )
    date: datetime = Field(description="Invoice date (UTC).")
    due_date: datetime | None = Field(default=None, description="When payment is due.")
    paid_at: datetime | None = Field(default=None, description="When it was paid.")
    total: Decimal = Field(description="Invoice total including taxes.")
    amount_due: Decimal = Field(description="Amount still to be paid.")
    amount_paid: Decimal = Field(description="Amount paid so far.")
    currency: str = Field(description="ISO 4217 currency code of the amounts.")


class InvoiceList(_Output):
    """Some invoices of one customer, plus what the customer owes overall."""

    customer_id: str = Field(description="Chargebee customer id.")
    status_filter: InvoiceFilter | None = Field(default=None, description="The status filter applied.")
    invoices: list[Invoice] = Field(description="Invoices, newest first.")
    has_more: bool = Field(description="True when more invoices match than were returned.")
    unpaid_count: int = Field(description="Number of unpaid (payment_due or not_paid) invoices, in total.")
    total_due: Decimal | None = Field(
        description="Sum still owed on unpaid invoices, in `currency` (0 when nothing is owed); null only "
        "when unpaid invoices use several currencies."
    )
    currency: str | None = Field(default=None, description="ISO 4217 currency of `total_due`.")
