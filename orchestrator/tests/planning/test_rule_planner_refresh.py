"""The rule planner works out each tool's features once per listing, and anew when the catalog changes."""

from __future__ import annotations

from orch_fakes import ScriptedSource, returns, tool_info
from planning_catalogs import registry_catalog

from orchestrator.planning import retrieval
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


async def test_indexes_in_use_are_kept_when_many_allowlists_plan_over_their_own_tools() -> None:
    # Each allowlist plans over its own subset of the catalog, hence its own index; the one in use stays
    # cached while other subsets come and go, and the oldest unused ones are the ones dropped.
    catalog = await registry_catalog("chargebee", "hubspot", "menu", "order", "recommendations", "customer_profile")
    tools = catalog.readable_by(Caller("ada@example.com"))
    busy = index_for(tools)
    first_other = index_for(tools[1:])
    others = [tools[a:b] for a in range(3) for b in range(a + 2, len(tools))]
    assert len(others) > retrieval.INDEXES_KEPT
    for subset in others:  # more subsets than are kept, the busy one used between them
        index_for(subset)
        assert index_for(tools) is busy
    assert index_for(tools) is busy
    assert index_for(tools[1:]) is not first_other  # dropped: built again
