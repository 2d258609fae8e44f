"""`Recommender`: the `recommend` tool's logic, free of any transport.

Reads the profile and the order history (in parallel), then the menu for the customer's diet and
allergies, all over HTTP with the caller's context; ranks with `scoring.rank`; records impressions.

Recording impressions is the one write of this read tool, and it is best-effort: with the database
unavailable or read-only the recommendations are still answered (logged `impressions_skipped`),
only without being remembered for the next answer's variety.

Failure policy: without the profile (allergies!) or the menu there is nothing safe to recommend, so
those errors are raised (SERVICE_UNAVAILABLE when unreachable). Without the order history the
recommendations degrade gracefully to profile + menu + context, and `based_on` says so.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from mcp_common.clock import Clock
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from recommendations_service.downstream import Downstream, History, MenuItemView, ProfileView
from recommendations_service.impressions import ImpressionStore
from recommendations_service.models import BasedOn, RecommendArgs, RecommendedItem, RecommendResponse
from recommendations_service.scoring import Habits, Pick, Taste, eligible, is_safe, rank
from recommendations_service.wants import KNOWN_CUISINES, Wants, read_context

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Policy:
    """How long recommendations are remembered to vary repeat results, and kept at all."""

    variety_window: timedelta = timedelta(hours=24)
    retention: timedelta = timedelta(days=30)


class Recommender:
    """Recommends dishes for the caller from what the other services know about them."""

    def __init__(self, downstream: Downstream, impressions: ImpressionStore, clock: Clock, policy: Policy) -> None:
        self.downstream = downstream
        self.impressions = impressions
        self.clock = clock
        self.policy = policy

    async def recommend(self, args: RecommendArgs, ctx: CallContext) -> RecommendResponse:
        email = str(args.email).lower()
        profile, history = await self._profile_and_history(email, ctx)
        menu = await self.downstream.menu_items(profile, ctx)
        now = self.clock.now()
        seen = await self._recently_seen(ctx.tenant, email, now)
        taste = Taste.of(profile)
        habits = Habits.of(history.orders, menu)
        wants = read_context(args.context, {*KNOWN_CUISINES, *(item.cuisine for item in menu)})
        _warn_about_unsafe_dishes(menu, taste)
        picks = rank(menu, taste, habits, wants, seen=seen, limit=args.limit)
        if picks:
            await self._remember(ctx.tenant, email, picks, now)
        based_on = _based_on(profile, history, habits, wants, considered=len(eligible(menu, taste, wants)))
        return RecommendResponse(email=email, items=[_item(p) for p in picks], based_on=based_on)

    async def _profile_and_history(self, email: str, ctx: CallContext) -> tuple[ProfileView, History]:
        """Both at once; without the profile the history is not waited for."""
        history = asyncio.create_task(self.downstream.history(email, ctx))
        try:
            profile = await self.downstream.profile(email, ctx)
        except BaseException:
            history.cancel()
            raise
        return profile, await history

    async def _remember(self, tenant: str, email: str, picks: list[Pick], now: datetime) -> None:
        """Record the impressions; a database that takes no writes now only costs the variety of the next answer."""
        try:
            await self.impressions.record(
                tenant=tenant,
                email=email,
                item_ids=[p.item.item_id for p in picks],
                served_at=now,
                forget_before=now - self.policy.retention,
            )
        except ServiceError as exc:
            if exc.code is not ErrorCode.SERVICE_UNAVAILABLE:
                raise
            logger.warning("impressions not recorded: %s", exc.message, extra={"event_type": "impressions_skipped"})

    async def _recently_seen(self, tenant: str, email: str, now: datetime) -> dict[str, int]:
        if self.policy.variety_window <= timedelta(0):
            return {}
        return await self.impressions.seen_since(tenant=tenant, email=email, since=now - self.policy.variety_window)


def _warn_about_unsafe_dishes(menu: list[MenuItemView], taste: Taste) -> None:
    unsafe = [item.item_id for item in menu if not is_safe(item, taste)]
    if unsafe:
        logger.warning(
            "menu search returned %d dishes outside the customer's filters, dropped: %s", len(unsafe), unsafe
        )


def _item(pick: Pick) -> RecommendedItem:
    item: MenuItemView = pick.item
    return RecommendedItem(
        item_id=item.item_id,
        name=item.name,
        category=item.category,
        cuisine=item.cuisine,
        price_cents=item.price_cents,
        dietary_tags=item.dietary_tags,
        allergens=item.allergens,
        spicy=item.spicy,
        reason=pick.reason,
        score=pick.score,
    )


def _based_on(profile: ProfileView, history: History, habits: Habits, wants: Wants, *, considered: int) -> BasedOn:
    notes = []
    if history.unavailable_reason is not None:
        notes.append(
            f"Order history was not used: {history.unavailable_reason}. These dishes come from your profile, "
            "the menu and what you asked for."
        )
    if considered == 0:
        notes.append("No available dish on the menu fits your dietary needs, allergies and request.")
    return BasedOn(
        dietary_preferences=profile.dietary_preferences,
        allergens=profile.allergens,
        favourite_cuisines=profile.favourite_cuisines,
        orders_considered=habits.orders,
        order_history_available=history.unavailable_reason is None,
        context=wants.text,
        menu_items_considered=considered,
        notes=notes,
    )
