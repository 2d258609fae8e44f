"""A price cap in a question ("under £15", "less than 12 dollars", "under a tenner", "twelve pounds fifty")."""

from __future__ import annotations

import re

PENCE = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}  # fmt: skip  # "twelve pounds fifty": £12.50
_PRICE = re.compile(
    r"\b(?:under|below|less than|cheaper than|no more than|up to|max(?:imum)?|at most|for under|within|budget(?: of)?"
    r"|(?:nothing|not|none|no more|no higher) (?:over|above|more than|higher than|dearer than|pricier than))"
    r"\s+(?:a\s+)?(?:[£$€]\s*)?(\d+(?:\.\d+)?|tenner|fiver|ten|five|twenty|fifteen|twelve)\s*(?:(?:quid|pounds?)"
    rf"(?:\s+(\d\d|{'|'.join(PENCE)})(?:p|\s+pence)?\b)?|gbp|dollars?|bucks|usd|euros?|p\b)?"
)


def price_limit(raw: str) -> re.Match[str] | None:
    """The cap's match: group 1 the amount, group 2 the pence after pounds."""
    text = raw.replace("£", " £").replace("$", " $")
    return _PRICE.search(" ".join(text.split()))


_MONEY_CUE = re.compile(
    r"^(?:under|below|less than|cheaper than)\b|[£$€]|quid|pound|dollar|buck|euro|tenner|fiver|gbp|usd"
)


def names_a_price_limit(text: str) -> bool:
    """Whether `text` caps a price ("under £15", "less than 12 dollars", "under a tenner"): "under" alone
    ("which company have you got me under") is not about money, nor is a bare count ("up to 50 of them")."""
    match = price_limit(text.lower())
    return match is not None and _MONEY_CUE.search(match.group(0)) is not None
