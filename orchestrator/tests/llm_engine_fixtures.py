"""An Engine over the real billing and CRM registries (in-process) with a model of the test's choosing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orch_fakes import RegistrySource

from chargebee_service.backends.demo import DemoBilling
from chargebee_service.tools import build_registry as billing_registry
from hubspot_service.backends.demo import DemoCrm
from hubspot_service.tools import build_registry as crm_registry
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from orchestrator.core.answers import AnswerCache
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Question
from orchestrator.core.results import Answer
from orchestrator.core.routes import Routes, question_route, tool_call_route
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.llm.base import LLM
from orchestrator.llm.prompts import PromptSet
from orchestrator.planning.llm import LLMPlanner, LLMPlannerConfig
from orchestrator.planning.rules import RulePlanner
from orchestrator.resilience.budget import BudgetConfig
from orchestrator.security.caller import Caller
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.synthesis.llm import LLMSynthesizer, LLMSynthesizerConfig
from orchestrator.synthesis.templates import TemplateSynthesizer
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
GRACE = Caller("grace@example.com")
PROMPTS = PromptSet.load()
FAST = ExecutorConfig(call_timeout_s=2.0, deadline_s=4.0, retries=0, retry_backoff_s=0.0)


@dataclass
class Call:
    tool: str
    arguments: dict[str, Any]
    caller: str | None


class RecordingSource(RegistrySource):
    """A real service registry in-process that records every call made to it."""

    def __init__(self, registry: ToolRegistry, calls: list[Call]) -> None:
        super().__init__(registry)
        self.calls = calls

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        self.calls.append(Call(f"{self.name}.{tool}", dict(arguments), context.caller))
        return await super().call(tool, arguments, context)


@dataclass
class Setup:
    engine: Engine
    calls: list[Call] = field(default_factory=list)

    async def query(self, question: str, caller: Caller) -> Answer:
        """The answer to `question` for `caller`, as `POST /query` asks it."""
        return await self.engine.handle(Question(question), caller)


async def llm_engine(
    llm: LLM,
    *,
    crm: DemoCrm | None = None,
    synthesis: bool = True,
    max_prompt_tools: int = 12,
    result_budget_chars: int = 6000,
    budget_s: float | None = None,
    budget: BudgetConfig | None = None,
    executor: ExecutorConfig = FAST,
) -> Setup:
    """An Engine planning (and, with `synthesis`, answering) with `llm` over chargebee + hubspot."""
    calls: list[Call] = []
    catalog = Catalog([RecordingSource(billing_registry(DemoBilling()), calls),
                       RecordingSource(crm_registry(crm or DemoCrm()), calls)])  # fmt: skip
    await catalog.refresh()
    cache = TieredCache(MemoryKVStore())
    planner = LLMPlanner(llm, PROMPTS, fallback=RulePlanner(), cache=cache,
                         config=LLMPlannerConfig(max_prompt_tools=max_prompt_tools))  # fmt: skip
    templates = TemplateSynthesizer()
    synthesizer = (
        LLMSynthesizer(
            llm, PROMPTS, fallback=templates, config=LLMSynthesizerConfig(result_budget_chars=result_budget_chars)
        )
        if synthesis
        else templates
    )
    versions = PROMPTS.versions()
    engine = Engine(
        catalog=catalog,
        executor=Executor(catalog, cache, executor),
        routes=Routes(question_route(planner, synthesizer, budget_s=budget_s), tool_call_route(), None),
        answers=AnswerCache(cache, ttl_s=60.0, variant="|".join([planner.name, synthesizer.name, llm.name])),
        model=llm.name,
        prompt_versions=versions,
        budget_config=budget,
    )
    return Setup(engine, calls)


def plan(*steps: tuple[str, dict[str, Any]], confidence: float = 0.9, intent: str = "test") -> dict[str, Any]:
    """A plan as the model would write it."""
    return {"intent": intent, "steps": [{"tool": t, "arguments": a} for t, a in steps], "confidence": confidence}


def answer(text: str, *sources: str, confidence: float = 0.8) -> dict[str, Any]:
    """A synthesis answer as the model would write it."""
    return {"answer": text, "used_sources": list(sources), "confidence": confidence}
