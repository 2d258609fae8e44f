"""What an order costs: line totals from menu prices, a delivery fee waived on larger orders."""

from __future__ import annotations

CURRENCY = "GBP"
DELIVERY_FEE_CENTS = 299
FREE_DELIVERY_FROM_CENTS = 3000


def delivery_fee_cents(subtotal_cents: int) -> int:
    """299 pence, free from a £30 subtotal."""
    return 0 if subtotal_cents >= FREE_DELIVERY_FROM_CENTS else DELIVERY_FEE_CENTS
