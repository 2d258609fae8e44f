"""Requests for a change asked politely, spelling variants and everyday enum words (the generalisation round)."""

from __future__ import annotations

import pytest
from planning_catalogs import registry_catalog

from orchestrator.planning import lexicon
from orchestrator.planning.rules import RulePlanner, _asks_for_a_change
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def catalog() -> Catalog:
    return await registry_catalog("chargebee", "hubspot")


@pytest.mark.parametrize(
    "clause",
    [
        "can you refund my last invoice",
        "will you switch me to the yearly plan",
        "would you upgrade my subscription please",
        "can I make my work address the default",
        "could you please mark my ticket as closed",
        "please take me off the newsletter",
        "write me a song about invoices",
    ],
)
def test_a_polite_request_for_a_change_is_a_change(clause: str) -> None:
    assert _asks_for_a_change(clause)


@pytest.mark.parametrize(
    "clause",
    ["I'd like thai saved as a favourite cuisine", "I want my delivery address updated", "i need my order cancelled",
     "please get my diet changed to vegan", "I would like the reminder emails turned off",
     "I need to update my card", "I have to change my address", "hi, cancel my order", "ok, add my work address"],
)  # fmt: skip
def test_a_change_wished_for_is_a_change(clause: str) -> None:
    assert _asks_for_a_change(clause)


@pytest.mark.parametrize(
    "clause",
    ["can you tell me my plan", "will my plan renew", "what would my switch cost", "is my ticket marked closed",
     "I want to know what changed on my account", "I'd like to see the addresses I saved", "I want something spicy",
     "i need to know if my plan was upgraded", "I need to know my plan"],
)  # fmt: skip
def test_a_question_is_not_a_change(clause: str) -> None:
    assert not _asks_for_a_change(clause)


async def test_a_polite_request_for_a_change_asks_back_instead_of_planning(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("can you refund my last invoice", ADA, catalog)
    assert not plan.steps and plan.intent == "unknown"
    assert plan.message is not None and "not change" in plan.message


def test_spelling_variants_read_as_the_british_words() -> None:
    table = lexicon.synonyms()
    assert table[("favorite",)] == [lexicon.stem("favourite")]
    assert table[("call", "off")] == [lexicon.stem("cancel")]


async def test_unsolved_reads_as_the_open_status(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("how many unsolved support tickets do I have", ADA, catalog)
    assert [(s.tool, s.arguments.get("status")) for s in plan.steps] == [("hubspot.list_tickets", "open")]
