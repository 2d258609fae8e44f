"""Everyday words for the food vocabulary resolve to its shared names, in arguments and in code."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from mcp_common.food import (
    ALLERGEN_ALIASES,
    ALLERGENS,
    DIETARY_TAG_ALIASES,
    DIETARY_TAGS,
    AllergenArg,
    DietaryTagArg,
    canonical,
)


class Wishes(BaseModel):
    dietary: list[DietaryTagArg] = []
    allergens: list[AllergenArg] = []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Veggie", "vegetarian"),
        ("  Gluten   Free ", "gluten-free"),
        ("GLUTEN_FREE", "gluten-free"),
        ("plant-based", "vegan"),
        ("dairy-free", "dairy-free"),
        ("Halal", "halal"),
        ("plant based", "vegan"),
        ("Meat Free", "vegetarian"),
        ("non-dairy", "dairy-free"),
    ],
)
def test_dietary_words_resolve_to_the_shared_tag(word: str, expected: str) -> None:
    assert Wishes(dietary=[word]).dietary == [expected]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Peanut", "peanuts"),
        ("tree nut", "tree-nuts"),
        ("Sesame Seeds", "sesame"),
        ("soya", "soy"),
        ("Shrimp", "shellfish"),
        ("almonds", "tree-nuts"),
        ("soybeans", "soy"),
    ],
)
def test_allergen_words_resolve_to_the_shared_allergen(word: str, expected: str) -> None:
    assert Wishes(allergens=[word]).allergens == [expected]


def test_a_word_outside_the_vocabulary_is_rejected_not_guessed() -> None:
    with pytest.raises(ValidationError) as raised:
        Wishes(dietary=["pescatarian"])

    assert raised.value.errors()[0]["input"] == "pescatarian"


def test_canonical_leaves_unknown_words_normalised_but_unmapped() -> None:
    assert canonical(" Middle Eastern ", {}) == "middle-eastern"
    assert canonical("Lactose", ALLERGEN_ALIASES) == "milk"


def test_every_alias_points_into_the_vocabulary_and_no_alias_shadows_a_name() -> None:
    assert set(DIETARY_TAG_ALIASES.values()) <= set(DIETARY_TAGS)
    assert set(ALLERGEN_ALIASES.values()) <= set(ALLERGENS)
    assert not set(DIETARY_TAG_ALIASES) & set(DIETARY_TAGS)
    assert not set(ALLERGEN_ALIASES) & set(ALLERGENS)
