"""The rule planner works out each tool's features once per listing, and anew when the catalog changes."""

from __future__ import annotations

from orch_fakes import ScriptedSource, returns, tool_info

from orchestrator.planning.retrieval import index_for
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


async def test_new_examples_after_a_refresh_are_matched_and_old_ones_no_longer() -> None:
    source = ScriptedSource(
        "shop", {"get_plan": (tool_info("get_plan", examples=("what plan am I on",)), returns("pro"))}
    )
    catalog = Catalog([source])
    await catalog.refresh()
    planner = RulePlanner()
    before = await planner.plan("which membership level do I have?", ADA, catalog)
    listed = index_for(catalog.readable_by(ADA))

    source.tools["get_plan"] = (tool_info("get_plan", examples=("which membership level do I have",)), returns("pro"))
    await catalog.refresh()
    after = await planner.plan("which membership level do I have?", ADA, catalog)

    assert [s.tool for s in before.steps] == [] and [s.tool for s in after.steps] == ["shop.get_plan"]
    assert "level" not in listed.idf
    relisted = index_for(catalog.readable_by(ADA))
    assert relisted is not listed and "level" in relisted.idf
    assert index_for(catalog.readable_by(ADA)) is relisted  # computed once per listing, not per request
