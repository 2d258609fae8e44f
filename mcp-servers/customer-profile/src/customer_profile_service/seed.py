"""Seeding the demo profiles, idempotently: run twice, or by two instances at once, it leaves one copy."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from customer_profile_service.db import AddressRow, CustomerRow
from customer_profile_service.demo_profiles import PROFILES, DemoProfile
from mcp_common.clock import Clock
from mcp_common.db import Database, dialect_insert

logger = logging.getLogger(__name__)


async def seed_profiles(db: Database, clock: Clock, profiles: Iterable[DemoProfile] = PROFILES.values()) -> int:
    """Add the demo customers not yet present, with their addresses; returns how many were added.

    A customer already present is left entirely alone (their changed preferences and addresses
    survive restarts); only the instance that inserted a customer adds its addresses. With every
    customer present nothing is written, so the service starts on a read-only database seeded before.
    """
    now = clock.now()
    profiles = list(profiles)
    async with db.session() as session:
        present = set((await session.scalars(select(CustomerRow.email))).all())
    if all(p.email in present for p in profiles):
        return 0
    insert = dialect_insert(db.dialect)
    async with db.writing() as session:
        customers = insert(CustomerRow).values([_customer(p, now) for p in profiles]).on_conflict_do_nothing()
        added = set((await session.scalars(customers.returning(CustomerRow.email))).all())
        addresses = [_address(p, n, now) for p in profiles if p.email in added for n in range(len(p.addresses))]
        if addresses:
            await session.execute(insert(AddressRow).values(addresses).on_conflict_do_nothing())
    if added:
        logger.info("seeded %d demo customer profiles", len(added))
    return len(added)


def _customer(profile: DemoProfile, now: Any) -> dict[str, Any]:
    return {
        "email": profile.email,
        "name": profile.name,
        "dietary_preferences": list(profile.dietary_preferences),
        "allergens": list(profile.allergens),
        "favourite_cuisines": list(profile.favourite_cuisines),
        "loyalty_points": profile.loyalty_points,
        "created_at": now,
        "updated_at": now,
    }


def _address(profile: DemoProfile, position: int, now: Any) -> dict[str, Any]:
    address = profile.addresses[position]
    return {
        "address_id": address.address_id,
        "email": profile.email,
        "position": position,
        "label": address.label,
        "line1": address.line1,
        "city": address.city,
        "postcode": address.postcode,
        "country": address.country,
        "is_default": address.is_default,
        "created_at": now,
    }
