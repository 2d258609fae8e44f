"""Helpers shared by the adapters: money in minor units, plan names from plan ids."""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 currencies without minor units: Chargebee sends their amounts in whole units.
_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


def from_minor_units(amount: int, currency: str) -> Decimal:
    """`4900, "USD"` → `Decimal("49.00")`; `7400, "JPY"` → `Decimal("7400")`."""
    if currency.upper() in _ZERO_DECIMAL:
        return Decimal(amount)
    return Decimal(amount).scaleb(-2)


def plan_name(plan_id: str) -> str:
    """A readable name for a plan id: `pro-monthly` → `Pro Monthly`."""
    return " ".join(word.capitalize() for word in plan_id.replace("_", "-").split("-") if word)
