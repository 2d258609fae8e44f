"""The recommendations service's tool, declared once and served on `/mcp/call` and `/mcp`."""

from __future__ import annotations

from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from recommendations_service.models import RecommendArgs, RecommendResponse
from recommendations_service.service import Recommender

RECOMMEND_EXAMPLES = (
    "what should I eat tonight?",
    "recommend something spicy",
    "any ideas for lunch?",
    "suggest a dessert I'd like",
    "what would you recommend for me?",
    "I'm hungry, what should I order?",
    "pick a dinner for me that's safe for my allergies",
    "surprise me",
    "what should I have from the menu?",
    "what do you suggest for a vegan dinner?",
    "fancy something Thai tonight, any ideas?",
    "suggest a dish under £12",
    "recommend a starter for me",
    "what would suit a quick lunch?",
    "give me a few suggestions based on what I usually have",
    "can't decide what to have, help me choose",
    "suggest something new I haven't tried",
    "what do you reckon I'd like?",
    "top picks for me today",
)


def build_registry(recommender: Recommender) -> ToolRegistry:
    """The `recommendations` registry: one identity-bound tool."""
    registry = ToolRegistry("recommendations")

    # Not cached: each answer is remembered (impressions) so that asking again suggests other dishes.
    @registry.tool(identity_args=("email",), cache_ttl_s=0, examples=RECOMMEND_EXAMPLES)
    async def recommend(args: RecommendArgs, ctx: CallContext) -> RecommendResponse:
        """Personalised dish recommendations (suggestions of what to eat or order) for the user from the
        food menu: each dish with name, category, cuisine, price in pence (GBP), dietary tags, allergens,
        a human reason ("You often order Indian", "A main for tonight") and a score, best first. Every
        dish is available, contains none of the user's declared allergens and carries all of their
        dietary tags (vegetarian, vegan, gluten-free, ...). Ranked by favourite cuisines, past orders and
        an optional context ("tonight", "lunch", "something spicy", "dessert", "thai", "under £12");
        asking again suggests other dishes. `based_on` lists the diet, allergies, favourite cuisines and
        number of past orders used, and notes anything missing (e.g. order history unavailable)."""
        return await recommender.recommend(args, ctx)

    return registry
