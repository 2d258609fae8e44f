"""The demo dataset, through the tool registry: the documented personas and the variety around them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from firebase_service.backends.demo import DemoAppUsers
from firebase_service.models import AppUsage, AuthUser
from firebase_service.tools import build_registry
from mcp_common.clock import ManualClock
from mcp_common.demo_people import PEOPLE
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WITH_USAGE = [p for p in PEOPLE if p.email != "evelyn@example.com"]


def _registry(now: datetime = NOW) -> ToolRegistry:
    clock = ManualClock(now)
    return build_registry(DemoAppUsers(clock=clock), clock=clock)


@pytest.fixture
def registry() -> ToolRegistry:
    return _registry()


async def _call(registry: ToolRegistry, tool: str, **arguments: Any) -> BaseModel:
    return await registry.call(tool, arguments, CallContext())


async def user(registry: ToolRegistry, email: str) -> AuthUser:
    result = await _call(registry, "get_user", email=email)
    assert isinstance(result, AuthUser)
    return result


async def usage(registry: ToolRegistry, email: str) -> AppUsage:
    result = await _call(registry, "get_app_usage", email=email)
    assert isinstance(result, AppUsage)
    return result


async def test_ada_is_verified_signs_in_with_google_or_a_password_and_was_active_today(
    registry: ToolRegistry,
) -> None:
    ada = await user(registry, "ada@example.com")
    activity = await usage(registry, "ada@example.com")

    assert (ada.email_verified, ada.disabled, ada.providers) == (True, False, ["google.com", "password"])
    assert ada.last_sign_in_at is not None and NOW - timedelta(days=7) < ada.last_sign_in_at < NOW
    assert activity.last_active_at == NOW - timedelta(hours=2)
    assert (activity.month, activity.sessions_this_month) == ("2026-03", 18)
    assert [(f.feature, f.count) for f in activity.top_features[:2]] == [("dashboard", 42), ("reports", 31)]


async def test_grace_is_new_and_has_not_verified_her_email(registry: ToolRegistry) -> None:
    grace = await user(registry, "grace@example.com")

    assert (grace.email_verified, grace.providers) == (False, ["password"])
    assert grace.created_at is not None and NOW - timedelta(days=10) < grace.created_at < NOW
    assert (await usage(registry, "grace@example.com")).sessions_this_month == 3


async def test_linus_is_disabled_and_had_no_sessions_this_month(registry: ToolRegistry) -> None:
    linus = await user(registry, "linus@example.com")
    activity = await usage(registry, "linus@example.com")

    assert linus.disabled
    assert activity.sessions_this_month == 0
    assert activity.last_active_at is not None and activity.last_active_at < NOW - timedelta(days=90)
    assert activity.feature_counts["reports"] == 57


async def test_every_demo_person_has_an_account_in_their_own_name(registry: ToolRegistry) -> None:
    uids = set()
    for person in PEOPLE:
        account = await user(registry, person.email)
        assert (account.email, account.display_name) == (person.email, person.name)
        assert account.providers == sorted(account.providers) and account.providers
        assert account.created_at is not None and account.created_at < NOW
        uids.add(account.uid)
    assert len(uids) == len(PEOPLE)


async def test_a_person_who_never_used_the_app_has_no_usage_and_no_sign_in(registry: ToolRegistry) -> None:
    evelyn = await user(registry, "evelyn@example.com")

    assert evelyn.last_sign_in_at is None
    with pytest.raises(ServiceError) as caught:
        await usage(registry, "evelyn@example.com")
    assert caught.value.code == ErrorCode.NOT_FOUND


async def test_unknown_email_is_not_found_and_reveals_nobody(registry: ToolRegistry) -> None:
    for tool in ("get_user", "get_app_usage"):
        with pytest.raises(ServiceError) as caught:
            await _call(registry, tool, email="mallory@example.com")
        assert caught.value.code == ErrorCode.NOT_FOUND
        assert "@" not in caught.value.message
        assert not any(p.last_name in caught.value.message for p in PEOPLE)


async def test_email_lookup_ignores_case(registry: ToolRegistry) -> None:
    assert await user(registry, "ADA@Example.COM") == await user(registry, "ada@example.com")
    assert await usage(registry, "Grace@EXAMPLE.com") == await usage(registry, "grace@example.com")


async def test_top_features_are_the_five_most_used_most_used_first() -> None:
    for person in WITH_USAGE:
        activity = await usage(_registry(), person.email)
        counts = [f.count for f in activity.top_features]
        assert counts == sorted(counts, reverse=True) and 0 < len(counts) <= 5
        assert all(activity.feature_counts[f.feature] == f.count for f in activity.top_features)


@pytest.mark.parametrize("now", [NOW, datetime(2026, 4, 1, 0, 30, tzinfo=UTC), datetime(2027, 1, 1, 1, tzinfo=UTC)])
async def test_sessions_this_month_never_count_a_previous_month(now: datetime) -> None:
    registry = _registry(now)
    for person in WITH_USAGE:
        activity = await usage(registry, person.email)
        assert activity.month == f"{now:%Y-%m}"
        assert activity.last_active_at is not None
        if (activity.last_active_at.year, activity.last_active_at.month) != (now.year, now.month):
            assert activity.sessions_this_month == 0
        else:
            assert activity.sessions_this_month <= 3 * now.day


async def test_the_dataset_is_deterministic_for_a_given_clock() -> None:
    first, second = _registry(), _registry()
    for person in PEOPLE:
        assert await user(first, person.email) == await user(second, person.email)


async def test_the_dataset_varies_providers_verification_and_activity(registry: ToolRegistry) -> None:
    accounts = [await user(registry, p.email) for p in PEOPLE]

    assert {"password", "google.com", "apple.com", "github.com", "microsoft.com"} <= {
        provider for a in accounts for provider in a.providers
    }
    assert sum(not a.email_verified for a in accounts) >= 2
    assert sum(a.disabled for a in accounts) == 1
