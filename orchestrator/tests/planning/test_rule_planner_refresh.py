"""The rule planner works out each tool's example words once per listing, and anew when the catalog changes."""

from __future__ import annotations

from orch_fakes import ScriptedSource, returns, tool_info

from orchestrator.planning.rules import RulePlanner, words_of
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
    before = await planner.plan("which subscription tier do I have?", ADA, catalog)
    listed = words_of(catalog.get("shop.get_plan"))

    source.tools["get_plan"] = (tool_info("get_plan", examples=("which subscription tier do I have",)), returns("pro"))
    await catalog.refresh()
    after = await planner.plan("which subscription tier do I have?", ADA, catalog)

    assert [s.tool for s in before.steps] == [] and [s.tool for s in after.steps] == ["shop.get_plan"]
    assert listed.examples == ("plan",)
    assert words_of(catalog.get("shop.get_plan")).examples == ("subscription tier",)
    assert words_of(catalog.get("shop.get_plan")) is words_of(catalog.get("shop.get_plan"))  # computed once
