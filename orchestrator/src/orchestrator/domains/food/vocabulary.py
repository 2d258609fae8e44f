"""The words people use for the food domain, mapped to the services' vocabulary.

Every phrase maps to a value of `mcp_common.food` (the services' own vocabulary, whose aliases are
understood too; the types make mypy hold the tables to it). Cuisines are that module's list itself.
"""

from __future__ import annotations

from mcp_common.food import ALLERGEN_ALIASES, DIETARY_TAG_ALIASES, Allergen, Category, DietaryTag

_DIETARY_PHRASES: dict[str, DietaryTag] = {
    "vegan": "vegan",
    "plant based": "vegan",
    "plant-based": "vegan",
    "vegetarian": "vegetarian",
    "veggie": "vegetarian",
    "meat free": "vegetarian",
    "meat-free": "vegetarian",
    "gluten free": "gluten-free",
    "gluten-free": "gluten-free",
    "coeliac": "gluten-free",
    "celiac": "gluten-free",
    "dairy free": "dairy-free",
    "dairy-free": "dairy-free",
    "lactose free": "dairy-free",
    "halal": "halal",
}
DIETARY_WORDS: dict[str, DietaryTag] = _DIETARY_PHRASES | {
    word: tag for word, tag in DIETARY_TAG_ALIASES.items() if word not in _DIETARY_PHRASES and len(word) > 3
}
"""Phrases for dietary tags → the tag (the services' aliases included, but for bare "veg")."""
_ALLERGEN_PHRASES: dict[str, Allergen] = {
    "peanut": "peanuts",
    "peanuts": "peanuts",
    "tree nut": "tree-nuts",
    "tree nuts": "tree-nuts",
    "tree-nuts": "tree-nuts",
    "nuts": "tree-nuts",
    "nut": "tree-nuts",
    "milk": "milk",
    "dairy": "milk",
    "lactose": "milk",
    "egg": "eggs",
    "eggs": "eggs",
    "gluten": "gluten",
    "wheat": "gluten",
    "soy": "soy",
    "soya": "soy",
    "fish": "fish",
    "shellfish": "shellfish",
    "prawn": "shellfish",
    "prawns": "shellfish",
    "sesame": "sesame",
}
ALLERGEN_WORDS: dict[str, Allergen] = _ALLERGEN_PHRASES | {
    word: allergen for word, allergen in ALLERGEN_ALIASES.items() if word not in _ALLERGEN_PHRASES
}
"""Phrases for allergens → the allergen ("nuts" means tree nuts; excluding nuts excludes peanuts too)."""
CATEGORY_WORDS: dict[str, Category] = {
    "starter": "starters",
    "starters": "starters",
    "appetiser": "starters",
    "appetisers": "starters",
    "appetizer": "starters",
    "appetizers": "starters",
    "main": "mains",
    "mains": "mains",
    "main course": "mains",
    "main courses": "mains",
    "main dishes": "mains",
    "pizza": "pizza",
    "pizzas": "pizza",
    "burger": "burgers",
    "burgers": "burgers",
    "salad": "salads",
    "salads": "salads",
    "dessert": "desserts",
    "desserts": "desserts",
    "pudding": "desserts",
    "puddings": "desserts",
    "sweets": "desserts",
    "drink": "drinks",
    "drinks": "drinks",
    "beverage": "drinks",
    "beverages": "drinks",
    "side": "sides",
    "sides": "sides",
}
NUMBERS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "a couple of": 2,
    "couple of": 2,
    "pair of": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
ORDINALS: dict[str, int] = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
