"""Arguments and result of `recommend`.

Field descriptions become the tool schema the planner and LLMs read, so they say what each value
means, not only its type.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mcp_common.emails import Email


class RecommendArgs(BaseModel):
    """Arguments of `recommend`."""

    email: Email = Field(description="Email address of the customer the dishes are recommended for.")
    limit: int = Field(default=5, ge=1, le=20, description="How many dishes to recommend, 1 to 20.")
    context: str | None = Field(
        default=None,
        max_length=200,
        description="What the customer is in the mood for, in their words: e.g. 'tonight', 'something spicy', "
        "'lunch', 'dessert', 'thai', 'under £12'. Omit for general recommendations.",
    )


class RecommendedItem(BaseModel):
    """One recommended dish, safe for the customer's declared allergies and diet."""

    item_id: str = Field(description="Menu item id, e.g. m-07; pass it to the order service to order it.")
    name: str = Field(description="Dish name.")
    category: str = Field(
        description="Menu category: starters, mains, pizza, burgers, salads, desserts, drinks, sides."
    )
    cuisine: str = Field(description="Cuisine, e.g. indian, italian, thai.")
    price_cents: int = Field(description="Price in pence (integer cents of `currency`).")
    currency: Literal["GBP"] = Field(default="GBP", description="Currency of the price: always GBP.")
    dietary_tags: list[str] = Field(description="Dietary tags of the dish: vegan, vegetarian, gluten-free, …")
    allergens: list[str] = Field(description="Allergens the dish contains; never one the customer declared.")
    spicy: bool = Field(description="True when the dish is spicy.")
    reason: str = Field(description="Why this dish is recommended, in words to show the customer.")
    score: float = Field(description="Relevance score (higher is better); items are ordered by it.")


class BasedOn(BaseModel):
    """What the recommendations were based on, so an answer can explain them (and say what was missing)."""

    dietary_preferences: list[str] = Field(description="Dietary needs every recommended dish satisfies.")
    allergens: list[str] = Field(description="Declared allergens: no recommended dish contains any of them.")
    favourite_cuisines: list[str] = Field(description="The customer's favourite cuisines, favoured in the ranking.")
    orders_considered: int = Field(description="Number of past orders (not cancelled) whose dishes shaped the ranking.")
    order_history_available: bool = Field(
        description="False when the order service could not be reached: the dishes then come from the profile, "
        "the menu and the context only."
    )
    context: str | None = Field(description="The context the ranking used, as given.")
    menu_items_considered: int = Field(description="Available dishes safe for the customer that were ranked.")
    notes: list[str] = Field(description="Anything that limited the recommendations, in words to pass on.")


class RecommendResponse(BaseModel):
    """Dishes recommended for one customer, best first, each with a reason."""

    email: str = Field(description="Email of the customer the dishes are recommended for.")
    items: list[RecommendedItem] = Field(description="Recommended dishes, best first; may be fewer than asked.")
    based_on: BasedOn = Field(description="The profile, history and context the recommendations were based on.")
