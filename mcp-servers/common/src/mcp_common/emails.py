"""`Email`: pydantic's `EmailStr`, with the check of an address remembered.

Checking an address (`email-validator`: syntax, IDNA of the domain) costs tens of microseconds, paid
on every request for the same few addresses; the outcome of a valid address is kept in a bounded LRU
(an invalid one is checked again each time, so a flood of bad addresses cannot fill it). Same
normalisation, same errors and the same JSON schema (`format: email`) as `EmailStr`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic.networks import validate_email

REMEMBERED = 4096


@lru_cache(maxsize=REMEMBERED)
def checked_email(value: str) -> str:
    """`value` as `EmailStr` normalises it; raises pydantic's error for an invalid address."""
    return validate_email(value)[1]


Email = Annotated[str, AfterValidator(checked_email), WithJsonSchema({"type": "string", "format": "email"})]

LowerEmail = Annotated[Email, AfterValidator(str.lower)]
"""An email address, validated and lower-cased so that comparisons ignore case."""
