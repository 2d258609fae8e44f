"""Customer profiles on SQLite and a real PostgreSQL: migration, seeding, reads, updates, addresses."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from profile_fixtures import ADA, GRACE, call, profile_registry
from sqlalchemy import func, select

from customer_profile_service.app import MIGRATIONS
from customer_profile_service.db import AddressRow, Base, CustomerRow
from customer_profile_service.demo_profiles import PROFILES
from customer_profile_service.seed import seed_profiles
from mcp_common.clock import ManualClock
from mcp_common.db import Database
from mcp_common.errors import ErrorCode, ServiceError


async def test_the_migration_creates_exactly_the_orm_schema(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)

        assert await db.schema_drift(Base.metadata, version_table="customer_profile_alembic_version") == []
    finally:
        await db.aclose()


async def test_seeding_twice_or_from_two_instances_at_once_leaves_one_copy(database_url: str) -> None:
    clock = ManualClock()
    instances = [Database(database_url) for _ in range(2)]
    try:
        await instances[0].migrate(MIGRATIONS)
        added = await asyncio.gather(*(seed_profiles(db, clock) for db in instances))
        again = await seed_profiles(instances[0], clock)
        async with instances[0].session() as session:
            customers = (await session.execute(select(func.count()).select_from(CustomerRow))).scalar_one()
            addresses = (await session.execute(select(func.count()).select_from(AddressRow))).scalar_one()
    finally:
        for db in instances:
            await db.aclose()
    assert sorted(added) == [0, len(PROFILES)]
    assert again == 0
    assert customers == len(PROFILES)
    assert addresses == sum(len(p.addresses) for p in PROFILES.values())


async def test_ada_is_a_vegetarian_with_a_peanut_allergy_and_two_addresses(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        ada = await call(registry, "get_profile", caller=ADA, email="Ada@Example.com")
    assert ada["email"] == ADA
    assert ada["name"] == "Ada Lovelace"
    assert ada["dietary_preferences"] == ["vegetarian"]
    assert ada["allergens"] == ["peanuts"]
    assert ada["favourite_cuisines"] == ["indian", "italian"]
    assert [(a["address_id"], a["label"], a["is_default"]) for a in ada["addresses"]] == [
        ("addr-ada-home", "home", True),
        ("addr-ada-work", "work", False),
    ]
    assert ada["updated_at"] == "2026-01-05T12:00:00Z"


async def test_grace_has_no_restrictions_and_one_home_address(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        grace = await call(registry, "get_profile", email=GRACE)
    assert (grace["dietary_preferences"], grace["allergens"]) == ([], [])
    assert [a["address_id"] for a in grace["addresses"]] == ["addr-grace-home"]


async def test_an_unknown_email_is_not_found(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        attempts: list[tuple[str, dict[str, Any]]] = [
            ("get_profile", {}),
            ("update_preferences", {"allergens": []}),
            ("add_address", {"label": "home", "line1": "1 A St", "city": "Leeds", "postcode": "LS1 1AA"}),
        ]
        for tool, extra in attempts:
            with pytest.raises(ServiceError) as error:
                await call(registry, tool, email="eve@example.com", **extra)
            assert (error.value.code, error.value.message) == (
                ErrorCode.NOT_FOUND,
                "no customer profile for that email",
            )


async def test_given_lists_replace_the_stored_ones_and_omitted_lists_stay(database_url: str) -> None:
    clock = ManualClock()
    async with profile_registry(database_url, clock) as (registry, _):
        clock.advance(timedelta(minutes=5))
        updated = await call(
            registry, "update_preferences", caller=ADA, email=ADA, allergens=["Peanut", "sesame", "peanuts"]
        )
        again = await call(registry, "get_profile", email=ADA)
    assert updated["allergens"] == ["peanuts", "sesame"]
    assert updated["dietary_preferences"] == ["vegetarian"]
    assert updated["favourite_cuisines"] == ["indian", "italian"]
    assert updated["updated_at"] == "2026-01-05T12:05:00Z"
    assert again == updated


async def test_an_empty_list_clears_and_cuisines_are_normalised(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        updated = await call(
            registry,
            "update_preferences",
            email=ADA,
            dietary_preferences=[],
            favourite_cuisines=["Thai", "Middle Eastern", "thai"],
        )
    assert updated["dietary_preferences"] == []
    assert updated["favourite_cuisines"] == ["thai", "middle-eastern"]
    assert updated["allergens"] == ["peanuts"]


async def test_updating_nothing_is_an_invalid_request(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        with pytest.raises(ServiceError) as error:
            await call(registry, "update_preferences", email=ADA)
        with pytest.raises(ServiceError) as unknown_tag:
            await call(registry, "update_preferences", email=ADA, dietary_preferences=["keto"])
    assert error.value.code == ErrorCode.INVALID_REQUEST
    assert "at least one" in error.value.message
    assert unknown_tag.value.code == ErrorCode.INVALID_REQUEST


async def test_a_new_address_gets_a_readable_id_and_can_become_the_default(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        first = await call(
            registry, "add_address", email=ADA, label="Other", line1=" 1 Gym Road ", city="London", postcode="E1 6AN"
        )
        second = await call(
            registry,
            "add_address",
            email=ADA,
            label="home",
            line1="2 New Street",
            city="Oxford",
            postcode="OX1 1AA",
            country="gb",
            make_default=True,
        )
    assert [(a["address_id"], a["is_default"]) for a in first["addresses"]] == [
        ("addr-ada-home", True),
        ("addr-ada-work", False),
        ("addr-ada-other", False),
    ]
    assert first["addresses"][2]["line1"] == "1 Gym Road"
    assert first["addresses"][2]["country"] == "GB"
    assert [(a["address_id"], a["is_default"]) for a in second["addresses"]] == [
        ("addr-ada-home", False),
        ("addr-ada-work", False),
        ("addr-ada-other", False),
        ("addr-ada-home-2", True),
    ]


async def test_addresses_added_at_once_all_land_with_one_default(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):

        async def add(n: int) -> None:
            await call(
                registry,
                "add_address",
                email=GRACE,
                label="other",
                line1=f"{n} Side Street",
                city="Boston",
                postcode="02139",
                country="US",
                make_default=n % 2 == 0,
            )

        await asyncio.gather(*(add(n) for n in range(8)))
        grace = await call(registry, "get_profile", email=GRACE)
    ids = [a["address_id"] for a in grace["addresses"]]
    assert len(ids) == 9 == len(set(ids))
    assert sum(a["is_default"] for a in grace["addresses"]) == 1


async def test_one_customer_can_neither_read_nor_change_another(database_url: str) -> None:
    async with profile_registry(database_url) as (registry, _):
        attempts: list[tuple[str, dict[str, Any]]] = [
            ("get_profile", {}),
            ("update_preferences", {"allergens": []}),
            ("add_address", {"label": "home", "line1": "1 Evil Lane", "city": "London", "postcode": "N1 1AA"}),
        ]
        for tool, extra in attempts:
            with pytest.raises(ServiceError) as error:
                await call(registry, tool, caller=GRACE, email=ADA, **extra)
            assert error.value.code == ErrorCode.FORBIDDEN
        ada = await call(registry, "get_profile", caller=ADA, email=ADA)
    assert ada["allergens"] == ["peanuts"]
    assert len(ada["addresses"]) == 2
