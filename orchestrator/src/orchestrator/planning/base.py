"""Plans and the Planner protocol. A plan is a proposal: it is validated before anything runs."""

from __future__ import annotations

import re
from typing import Any, Protocol

from pydantic import BaseModel, Field

from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog


class Step(BaseModel):
    """One tool call the planner proposes."""

    tool: str = Field(description="Namespaced tool name, `service.tool`.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Arguments for the tool.")
    writes_allowed: bool = Field(
        default=False,
        exclude=True,
        description="Set by code, never read from a model or a cache: the step may call a tool that changes "
        "data (a conversation flow's declared write, a tool an MCP client called by name).",
    )


class Plan(BaseModel):
    """What to call (one stage: the steps run in parallel), and how sure the planner is."""

    intent: str = Field(description="Short label of what the user wants, e.g. `billing.subscription`.")
    steps: list[Step] = Field(default_factory=list, description="Tool calls, run in parallel.")
    confidence: float = Field(ge=0.0, le=1.0, description="How well the question matched the chosen tools.")
    message: str | None = Field(default=None, description="What to tell the user when no tool fits.")
    planner: str = Field(default="rules", description="Which planner made the plan: `rules` or `llm`.")
    fallback: str | None = Field(
        default=None, description="Why the model's plan was not used (an error code), when the rules took over."
    )
    cached: bool = Field(default=False, description="Whether the plan was reused from the plan cache.")


class Planner(Protocol):
    """Turns a question into a plan over the tools of the catalog."""

    name: str

    async def plan(self, question: str, caller: Caller, catalog: Catalog) -> Plan: ...


def normalise(question: str) -> str:
    """Case, spacing and trailing punctuation do not change what is asked."""
    return re.sub(r"\s+", " ", question.strip().lower()).rstrip("?!. ")
