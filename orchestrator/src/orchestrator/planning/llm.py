"""LLMPlanner: one model call turns the question into a plan; the rules take over on any failure.

The prompt lists only tools the caller may use that only read (the retriever's best matches first when
there are more than `max_prompt_tools`). The question is fenced as data. The model's JSON is
parsed into `ModelPlan`; a plan naming a tool outside that list, or arguments that do not fit a
tool's input schema, counts as invalid output: one repair call, then the rules planner. The plan
the engine runs is validated again (catalog, allowlist, identity binding, schema) like any plan.

Plans are cached per tenant under (normalised question, catalog version, prompt version, model,
allowlist): a plan holds only what the question says; whose data it reads is bound later, per
caller, by validation.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mcp_common.errors import ServiceError
from orchestrator.llm.base import LLM
from orchestrator.llm.prompts import PromptSet
from orchestrator.llm.structured import EMAIL, URL, defuse, echoes_prompt, generate_model, new_fence, visible
from orchestrator.planning.base import Plan, Planner, Step, normalise
from orchestrator.planning.rules import rank_tools
from orchestrator.security.caller import Caller
from orchestrator.state.base import scoped_key
from orchestrator.state.cache import TieredCache
from orchestrator.tools.catalog import Catalog, CatalogTool

logger = logging.getLogger(__name__)


class ModelStep(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tool: str = Field(max_length=200)
    arguments: dict[str, Any] = Field(default_factory=dict)


class ModelPlan(BaseModel):
    """The JSON the plan prompt asks for."""

    model_config = ConfigDict(extra="ignore")

    intent: str = Field(default="unknown", max_length=100)
    steps: list[ModelStep] = Field(default_factory=list, max_length=20)
    confidence: float = Field(ge=0.0, le=1.0)
    message: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class LLMPlannerConfig:
    max_prompt_tools: int = 12
    max_steps: int = 5
    max_output_tokens: int = 1024
    plan_cache_ttl_s: float = 3600.0


class LLMPlanner:
    """Plans with a model; falls back to `fallback` (the rules) whenever the model fails."""

    name = "llm"

    def __init__(
        self,
        llm: LLM,
        prompts: PromptSet,
        *,
        fallback: Planner,
        cache: TieredCache | None = None,
        config: LLMPlannerConfig | None = None,
    ) -> None:
        self.llm = llm
        self.prompts = prompts
        self.fallback = fallback
        self.cache = cache
        self.config = config or LLMPlannerConfig()

    async def plan(self, question: str, caller: Caller, catalog: Catalog) -> Plan:
        tools = self._candidates(question, catalog.readable_by(caller))
        if not tools:
            return await self.fallback.plan(question, caller, catalog)
        key = self._cache_key(question, caller, catalog, tools)
        cached = await self._cached(key)
        if cached is not None:
            return cached
        try:
            plan = await self._ask(question, tools)
        except ServiceError as exc:
            extra = {"event_type": "llm_fallback", "purpose": "plan", "error": exc.code.value}
            logger.warning("model planning failed (%s); using the rules", exc.code.value, extra=extra)
            fallback = await self.fallback.plan(question, caller, catalog)
            return fallback.model_copy(update={"fallback": exc.code.value})
        if self.cache is not None and self.config.plan_cache_ttl_s > 0:
            await self.cache.set(key, plan.model_dump_json().encode(), self.config.plan_cache_ttl_s)
        return plan

    async def _ask(self, question: str, tools: list[CatalogTool]) -> Plan:
        fence = new_fence()
        by_name = {tool.name: tool for tool in tools}
        variables = {
            "fence": fence,
            "tools": [_describe(tool, fence) for tool in tools],
            "question": defuse(question, fence),
            "max_steps": self.config.max_steps,
        }
        output = await generate_model(
            self.llm,
            self.prompts,
            "plan",
            variables,
            ModelPlan,
            max_output_tokens=self.config.max_output_tokens,
            check=lambda plan, system: _check(plan, by_name, self.config.max_steps, (fence, system)),
        )
        steps = [Step(tool=s.tool, arguments=s.arguments) for s in output.steps]
        message = output.message if not steps else None
        return Plan(intent=output.intent, steps=steps, confidence=output.confidence, message=message, planner="llm")

    def _candidates(self, question: str, tools: list[CatalogTool]) -> list[CatalogTool]:
        """All readable tools, or the best rule matches when there are too many for one prompt."""
        if len(tools) <= self.config.max_prompt_tools:
            return tools
        ranked = rank_tools(question, tools)  # the rule planner's retriever, its index built once per listing
        return sorted(ranked[: self.config.max_prompt_tools], key=lambda t: t.name)

    def _cache_key(self, question: str, caller: Caller, catalog: Catalog, tools: list[CatalogTool]) -> str:
        parts = (catalog.version, self.prompts["plan"].version, self.llm.name, caller.allowlist_key,
                 ",".join(t.name for t in tools), normalise(question))  # fmt: skip
        return scoped_key("plan", tenant=caller.tenant, user=None, parts=parts)

    async def _cached(self, key: str) -> Plan | None:
        if self.cache is None:
            return None
        hit = await self.cache.get(key)
        if hit is None:
            return None
        return Plan.model_validate_json(hit.value).model_copy(update={"cached": True})


def _describe(tool: CatalogTool, fence: str) -> dict[str, str]:
    """A tool as the prompt shows it; identity arguments left out (validation fills them)."""
    shown = dict(tool.info.input_schema)
    identity = set(tool.info.identity_args)
    shown["properties"] = {k: v for k, v in shown.get("properties", {}).items() if k not in identity}
    shown["required"] = [k for k in shown.get("required", []) if k not in identity]
    schema = json.dumps(shown, separators=(",", ":"), sort_keys=True)
    examples = "; ".join(tool.info.examples[:3])
    return {
        "name": tool.name,
        "description": defuse(" ".join(tool.info.description.split()), fence),
        "input_schema": defuse(schema, fence),
        "examples": defuse(examples, fence),
    }


def _check(plan: ModelPlan, tools: dict[str, CatalogTool], max_steps: int, prompt: tuple[str, str]) -> None:
    """Reject, for repair, a plan that names a tool not offered or arguments outside its schema,
    or whose clarifying message (shown to the user as the answer) holds an email address, a
    link, or these instructions. The message may be cached and shown to other users of the
    tenant, so it may name nobody, not even the caller."""
    if len(plan.steps) > max_steps:
        raise ValueError(f"the plan has {len(plan.steps)} steps; at most {max_steps} are allowed")
    problems: list[str] = []
    if plan.message and not plan.steps:
        fence, system = prompt
        message = visible(plan.message)
        if EMAIL.search(message) or URL.search(message) or echoes_prompt(plan.message, system, fence):
            problems.append("the message may not hold an email address, a link or these instructions")
    for step in plan.steps:
        tool = tools.get(step.tool)
        if tool is None:
            problems.append(f"{step.tool!r} is not one of the listed tools")
            continue
        bound = dict(step.arguments) | dict.fromkeys(tool.info.identity_args, "user@example.com")
        problems += [f"{step.tool}: {error}" for error in tool.input_errors(bound)]
    if problems:
        raise ValueError("; ".join(problems[:10]))
