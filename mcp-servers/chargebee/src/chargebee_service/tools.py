"""The chargebee tools: thin, read-only adapters from the registry onto `BillingService`."""

from __future__ import annotations

from chargebee_service.backends.base import BillingBackend
from chargebee_service.models import BillingCustomer, CustomerArgs, InvoiceArgs, InvoiceList, SubscriptionList
from chargebee_service.service import BillingService
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

CUSTOMER_EXAMPLES = (
    "what billing details do you have for me?",
    "what card is on file?",
    "which payment method will you charge?",
    "what is my billing address?",
    "which currency am I billed in?",
    "is automatic payment turned on for my account?",
    "what company name is on my billing account?",
    "when does the card on my account expire?",
    "what are the last four digits of the card you charge?",
    "is my payment card expired or still valid?",
    "do I pay by card, PayPal or direct debit?",
    "is it a Visa or a Mastercard you have on file for me?",
    "are my bills in pounds, dollars or euros?",
    "is auto-collection switched on, or do I have to pay manually?",
    "when did I open my billing account?",
    "what's my Chargebee customer id?",
    "which postcode and country are on my billing address?",
    "what billing email do you send things to?",
    "have I got a valid payment method set up?",
    "please confirm the name and company my account is billed under",
)
SUBSCRIPTION_EXAMPLES = (
    "what plan am I on?",
    "when does my trial end?",
    "is my subscription active?",
    "when is my next renewal?",
    "how much does my plan cost?",
    "was my subscription cancelled?",
    "am I on a monthly or yearly plan?",
    "which plan am I subscribed to, starter, pro or enterprise?",
    "is my membership still active?",
    "how much is my subscription per month?",
    "what do I pay per year for the pro plan?",
    "when will I next be charged for my plan?",
    "what date does my plan renew on?",
    "am I still on the free trial?",
    "how long is left on my trial?",
    "is my sub set to stop at the end of this term?",
    "when did my subscription start?",
    "is my plan paused?",
    "when does my current billing term end?",
    "what tier am I on?",
)
INVOICE_EXAMPLES = (
    "do I have unpaid invoices?",
    "how much do I owe?",
    "show my last invoices",
    "list my paid invoices",
    "is any payment overdue?",
    "when was I last invoiced?",
    "how much was my latest invoice?",
    "what's my outstanding balance?",
    "have I paid my last bill?",
    "show me my billing history",
    "any overdue bills?",
    "how much is due and by when?",
    "do I owe you any money?",
    "how much have I paid on my invoices so far?",
    "are there any voided invoices?",
    "what's the due date on my unpaid invoice?",
    "show my last 5 invoices",
    "has my latest invoice been settled?",
    "is anything pending on my bill?",
    "I'd like a list of every invoice you've sent me",
)


def build_registry(backend: BillingBackend) -> ToolRegistry:
    """The registry of the `chargebee` service, answering from `backend`."""
    registry = ToolRegistry("chargebee")
    billing = BillingService(backend)

    @registry.tool(identity_args=("email",), cache_ttl_s=300, examples=CUSTOMER_EXAMPLES)
    async def get_customer(args: CustomerArgs, ctx: CallContext) -> BillingCustomer:
        """Billing customer account details from Chargebee for an email: customer id, name, company,
        billing email, billing address and country, billing currency, account creation date,
        auto-collection (automatic payment) setting, and the payment method on file — card brand,
        last 4 digits and expiry, never the full card number. Use for questions about billing
        details, billing address, the credit card or payment method on file."""
        return await billing.customer(args.email)

    @registry.tool(identity_args=("email",), cache_ttl_s=120, examples=SUBSCRIPTION_EXAMPLES)
    async def get_subscription(args: CustomerArgs, ctx: CallContext) -> SubscriptionList:
        """Current subscription plan of a customer from Chargebee, by email: plan id and name
        (starter, pro, enterprise; monthly or yearly), status (active, in_trial, non_renewing,
        paused, cancelled, future), price per billing period and currency, current term end,
        next billing / renewal date, trial end date and cancellation date. Use for questions
        about the plan, trial, renewal, subscription status, price or cancellation."""
        return await billing.subscriptions(args.email)

    @registry.tool(identity_args=("email",), cache_ttl_s=60, examples=INVOICE_EXAMPLES)
    async def list_invoices(args: InvoiceArgs, ctx: CallContext) -> InvoiceList:
        """Invoices and billing history of a customer from Chargebee, by email, newest first:
        invoice number, date, due date, total, amount due, amount paid, currency and status
        (paid, posted, payment_due, not_paid, voided, pending), optionally filtered by status
        (`unpaid` = payment due or not paid). Always includes unpaid_count and total_due: how many
        invoices are unpaid and how much money is owed or overdue. Use for questions about
        invoices, bills, payments, outstanding balance or debt."""
        return await billing.invoices(args.email, status=args.status, limit=args.limit)

    return registry
