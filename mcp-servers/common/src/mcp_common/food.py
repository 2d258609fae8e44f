"""The food-ordering vocabulary the menu, customer-profile, order and recommendations services share.

Dietary tags, allergens, menu categories, cuisines and address labels are closed sets, so a dish
tagged by the menu and a diet stored in a profile compare as equal strings. Arguments accept
everyday words for them too ("veggie", "peanut", "Gluten Free"): `normalised(aliases)` maps such a
word to the shared name before validation. Prices are integer pence in `CURRENCY`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator

DietaryTag = Literal["vegan", "vegetarian", "gluten-free", "dairy-free", "halal"]
Allergen = Literal["peanuts", "tree-nuts", "milk", "eggs", "gluten", "soy", "fish", "shellfish", "sesame"]
Category = Literal["starters", "mains", "pizza", "burgers", "salads", "desserts", "drinks", "sides"]
Cuisine = Literal[
    "italian",
    "indian",
    "thai",
    "mexican",
    "japanese",
    "british",
    "american",
    "mediterranean",
    "chinese",
    "middle-eastern",
]
AddressLabel = Literal["home", "work", "other"]

DIETARY_TAGS: tuple[DietaryTag, ...] = get_args(DietaryTag)
ALLERGENS: tuple[Allergen, ...] = get_args(Allergen)
CATEGORIES: tuple[Category, ...] = get_args(Category)
"""Menu categories in menu order (the order search results and category lists use)."""
CUISINES: tuple[Cuisine, ...] = get_args(Cuisine)
ADDRESS_LABELS: tuple[AddressLabel, ...] = get_args(AddressLabel)
CURRENCY = "GBP"

DIETARY_TAG_ALIASES: dict[str, DietaryTag] = {
    "veggie": "vegetarian",
    "veg": "vegetarian",
    "plant-based": "vegan",
    "gluten free": "gluten-free",
    "glutenfree": "gluten-free",
    "coeliac": "gluten-free",
    "celiac": "gluten-free",
    "dairy free": "dairy-free",
    "lactose-free": "dairy-free",
    "lactose free": "dairy-free",
    "non-dairy": "dairy-free",
    "meat-free": "vegetarian",
    "meat free": "vegetarian",
    "plant based": "vegan",
}
"""Everyday words for dietary tags, lower-case; services accept them in arguments."""
ALLERGEN_ALIASES: dict[str, Allergen] = {
    "peanut": "peanuts",
    "tree-nut": "tree-nuts",
    "tree nuts": "tree-nuts",
    "tree nut": "tree-nuts",
    "dairy": "milk",
    "lactose": "milk",
    "egg": "eggs",
    "wheat": "gluten",
    "soya": "soy",
    "prawns": "shellfish",
    "crustaceans": "shellfish",
    "sesame seeds": "sesame",
    "sesame seed": "sesame",
    "shrimp": "shellfish",
    "crab": "shellfish",
    "lobster": "shellfish",
    "almonds": "tree-nuts",
    "almond": "tree-nuts",
    "cashews": "tree-nuts",
    "cashew": "tree-nuts",
    "walnuts": "tree-nuts",
    "walnut": "tree-nuts",
    "hazelnuts": "tree-nuts",
    "pistachios": "tree-nuts",
    "soybeans": "soy",
    "soya beans": "soy",
}
"""Everyday words for allergens, lower-case; services accept them in arguments."""


def canonical(word: str, aliases: Mapping[str, str]) -> str:
    """`word` lower-case, single-spaced and hyphenated ('Gluten Free' → 'gluten-free'), aliases resolved."""
    spaced = " ".join(word.strip().lower().replace("_", " ").split())
    hyphenated = spaced.replace(" ", "-")
    return aliases.get(spaced) or aliases.get(hyphenated) or hyphenated


def normalised(aliases: Mapping[str, str]) -> BeforeValidator:
    """A pydantic validator running `canonical` on string input before the field's own validation.

    `Annotated[DietaryTag, normalised(DIETARY_TAG_ALIASES)]` accepts "Veggie" as "vegetarian";
    other input passes through unchanged, for the field to reject.
    """

    def normalise(value: Any) -> Any:
        return canonical(value, aliases) if isinstance(value, str) else value

    return BeforeValidator(normalise)


DietaryTagArg = Annotated[DietaryTag, normalised(DIETARY_TAG_ALIASES)]
"""A dietary tag in tool arguments: any case, spaces for hyphens, everyday words accepted."""
AllergenArg = Annotated[Allergen, normalised(ALLERGEN_ALIASES)]
"""An allergen in tool arguments: any case, spaces for hyphens, everyday words accepted."""
