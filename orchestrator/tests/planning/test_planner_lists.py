"""A question listing several tools' subjects with commas, "and" or "+" plans one call to each."""

from __future__ import annotations

import pytest
from orch_fakes import RegistrySource
from pydantic import BaseModel, Field

from mcp_common.registry import ToolRegistry, ToolSpec
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog


class StatusArgs(BaseModel):
    email: str | None = Field(default=None, description="Whose status (bound to the caller).")


class Status(BaseModel):
    state: str


async def _never(args: StatusArgs, ctx: object) -> Status:
    raise AssertionError("planning calls nothing")


async def status_catalog(*names: str) -> Catalog:
    sources = []
    for name in names:
        registry = ToolRegistry(name)
        registry.add(
            ToolSpec(
                name=f"get_{name}_status",
                description=f"The status of {name}.",
                input_model=StatusArgs,
                output_model=Status,
                handler=_never,
                identity_args=("email",),
                examples=(f"{name} status",),
            )
        )
        sources.append(RegistrySource(registry))
    catalog = Catalog(sources)
    await catalog.refresh()
    return catalog


@pytest.mark.parametrize(
    "question",
    [
        "alpha status, beta status, gamma status",
        "alpha status, beta status and gamma status",
        "alpha status and beta status and gamma status",
        "alpha status + beta status + gamma status",
    ],
)
async def test_three_loosely_joined_parts_plan_one_call_each(question: str) -> None:
    catalog = await status_catalog("alpha", "beta", "gamma")
    plan = await RulePlanner().plan(question, Caller("ada@example.com"), catalog)
    assert sorted(step.tool for step in plan.steps) == [
        "alpha.get_alpha_status",
        "beta.get_beta_status",
        "gamma.get_gamma_status",
    ]
