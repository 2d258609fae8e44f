"""When RulePlanner asks back instead of planning: a request for a change the catalog's writing tools are asked
with, an id-taking tool only narrowly ahead with no id named, a real word that is not a misspelling of a
catalog word; and how misspellings and ids in odd formats are still read."""

from __future__ import annotations

import pytest
from planning_catalogs import registry_catalog

from orchestrator.planning import actions, retrieval, slots
from orchestrator.planning.rules import RulePlanner, split_clauses
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def catalog() -> Catalog:
    return await registry_catalog("menu", "order", "tracking", "customer_profile", "chargebee", "hubspot")


def test_the_verbs_of_writing_tools_are_learnt_from_the_catalog(catalog: Catalog) -> None:
    learnt = actions.learnt_verbs(catalog.tools())
    assert {"order", "save"} <= learnt
    assert not learnt & {"show", "track", "get", "what"}  # reading tools open with these, or they never decide


def test_a_learnt_verb_asks_for_a_change_only_with_an_object(catalog: Catalog) -> None:
    learnt = actions.learnt_verbs(catalog.tools())
    assert actions.asks_for_a_change("please order a pepperoni pizza to my office", learnt)
    assert not actions.asks_for_a_change("order history for this year", learnt)


async def test_an_order_asked_for_in_one_shot_is_answered_with_a_question(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("please order a pepperoni pizza to my office", ADA, catalog)
    assert not plan.steps and plan.message is not None and "not change" in plan.message


async def test_a_bare_word_several_id_taking_tools_share_asks_back(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("status?", ADA, catalog)
    assert not plan.steps and plan.intent == "unknown"


async def test_a_delivery_question_without_an_id_is_still_tracked(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("is my pizza out for delivery", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["tracking.track_order"]


async def test_a_real_word_two_edits_from_a_catalog_word_is_not_corrected(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("what's the weather like in manchester", ADA, catalog)
    assert not plan.steps


def test_typos_allow_one_edit_in_short_words_and_two_in_long_ones() -> None:
    assert retrieval.typo_edits("weather") == 1
    assert retrieval.typo_edits("subscrption") == 2


async def test_a_misspelt_word_of_the_synonym_lexicon_is_read_as_that_word(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("whats the anual fee on my acount", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["chargebee.get_subscription"]


@pytest.mark.parametrize("written", ["m12", "M_12", "m 12", "m-12"])
def test_an_id_is_read_with_any_separator_or_none(written: str) -> None:
    assert slots.find_ids("m", f"how much is {written} now") == ["m-12"]


def test_a_second_part_that_is_only_an_id_joins_the_question_before_it() -> None:
    assert split_clauses("is m-50 vegan? and m-51?") == ["is m-50 vegan and m-51"]
