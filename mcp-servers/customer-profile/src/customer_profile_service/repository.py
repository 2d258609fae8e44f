"""`ProfileRepository`: reads and writes of customer profiles, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from customer_profile_service.db import AddressRow, CustomerRow
from customer_profile_service.models import Address, UserProfileResponse
from mcp_common.clock import Clock
from mcp_common.db import Database
from mcp_common.food import AddressLabel

_ID_ATTEMPTS = 3


@dataclass(frozen=True, kw_only=True)
class NewAddress:
    """An address to add to a profile."""

    label: AddressLabel
    line1: str
    city: str
    postcode: str
    country: str
    make_default: bool = False


class ProfileRepository:
    """Customer profiles in the service's database; emails are matched lower-case."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, email: str) -> UserProfileResponse | None:
        """The customer's profile, if there is one."""
        async with self._db.session() as session:
            customer = await session.get(CustomerRow, email.lower())
            return to_profile(customer) if customer else None

    async def update_preferences(
        self,
        email: str,
        *,
        dietary_preferences: Sequence[str] | None = None,
        allergens: Sequence[str] | None = None,
        favourite_cuisines: Sequence[str] | None = None,
    ) -> UserProfileResponse | None:
        """Replace each list given (deduplicated, order kept); None if there is no such customer."""
        changes = {
            "dietary_preferences": dietary_preferences,
            "allergens": allergens,
            "favourite_cuisines": favourite_cuisines,
        }
        values: dict[str, object] = {k: list(dict.fromkeys(v)) for k, v in changes.items() if v is not None}
        async with self._db.writing() as session:
            if not await self._touch(session, email, **values):
                return None
            customer = await session.get(CustomerRow, email.lower(), populate_existing=True)
            return to_profile(customer) if customer else None

    async def add_address(self, email: str, address: NewAddress) -> UserProfileResponse | None:
        """Add a delivery address (the default when asked, or when it is the first); None if no such customer."""
        for _ in range(_ID_ATTEMPTS - 1):
            try:
                return await self._add_address(email, address)
            except IntegrityError:
                continue  # another customer with the same email local part took the id: pick the next
        return await self._add_address(email, address)

    async def _add_address(self, email: str, address: NewAddress) -> UserProfileResponse | None:
        async with self._db.writing() as session:
            # Touching the customer first takes its row lock: one address change per customer at a time.
            if not await self._touch(session, email):
                return None
            customer = await session.get(CustomerRow, email.lower(), populate_existing=True)
            assert customer is not None
            is_default = address.make_default or not customer.addresses
            if is_default:
                for existing in customer.addresses:
                    existing.is_default = False
                await session.flush()
            customer.addresses.append(
                AddressRow(
                    address_id=await _free_address_id(session, customer.email, address.label),
                    position=max((a.position for a in customer.addresses), default=-1) + 1,
                    label=address.label,
                    line1=address.line1,
                    city=address.city,
                    postcode=address.postcode,
                    country=address.country,
                    is_default=is_default,
                    created_at=self._clock.now(),
                )
            )
            await session.flush()
            return to_profile(customer)

    async def _touch(self, session: AsyncSession, email: str, **values: object) -> bool:
        """Stamp `updated_at` (and set `values`) on the customer's row; False when there is none."""
        statement = (
            update(CustomerRow)
            .where(CustomerRow.email == email.lower())
            .values(updated_at=self._clock.now(), **values)
            .returning(CustomerRow.email)
        )
        return (await session.execute(statement)).scalar_one_or_none() is not None


async def _free_address_id(session: AsyncSession, email: str, label: str) -> str:
    """`addr-<local part>-<label>`, or with `-2`, `-3`… when taken."""
    base = f"addr-{_slug(email.split('@')[0])}-{label}"
    taken = set(
        (
            await session.scalars(
                select(AddressRow.address_id).where(AddressRow.address_id.startswith(base, autoescape=True))
            )
        ).all()
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "customer"


def to_profile(customer: CustomerRow) -> UserProfileResponse:
    """The tool model of a customer row (validated against the shared vocabulary)."""
    addresses = [
        Address.model_validate(
            {
                "address_id": a.address_id,
                "label": a.label,
                "line1": a.line1,
                "city": a.city,
                "postcode": a.postcode,
                "country": a.country,
                "is_default": a.is_default,
            }
        )
        for a in customer.addresses
    ]
    return UserProfileResponse.model_validate(
        {
            "email": customer.email,
            "name": customer.name,
            "addresses": addresses,
            "dietary_preferences": customer.dietary_preferences,
            "allergens": customer.allergens,
            "favourite_cuisines": customer.favourite_cuisines,
            "loyalty_points": customer.loyalty_points,
            "updated_at": customer.updated_at,
        }
    )
