"""Routes: what each kind of request takes from the one path, and the routes of questions and tool calls.

A `Route` is a planner that proposes stages and a renderer that turns results into the reply:

- questions: a `Planner` (rules or a model) proposes one stage; a `Synthesizer` writes the answer;
- tool calls (MCP clients naming a catalog tool): a plan of that one step; its result as data;
- conversation messages: the conversation plug-in's flow planner and reply renderer
  (`orchestrator.conversation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from orchestrator.core.requests import ToolCall
from orchestrator.core.run import Rendered, Run
from orchestrator.planning.base import Plan, Planner, Step
from orchestrator.state.sessions import SessionStore
from orchestrator.synthesis.base import Synthesizer
from orchestrator.tools.catalog import Catalog


class StagePlanner(Protocol):
    """Proposes a run's plan one stage at a time."""

    name: str

    async def plan(self, run: Run, catalog: Catalog) -> Plan | None:
        """The next stage of `run` (the first when `run.plans` is empty), or None when it is done."""
        ...


class Renderer(Protocol):
    """Turns a run's results into what the caller reads."""

    name: str

    async def render(self, run: Run) -> Rendered: ...


@dataclass(frozen=True)
class Route:
    """What one kind of request takes from the path."""

    kind: str
    planner: StagePlanner
    renderer: Renderer
    cache_answers: bool = False
    sessions: SessionStore | None = None
    budget_s: float | None = None
    """The time one request of this kind may take, every stage included (None: only the stages' own limits)."""


@dataclass(frozen=True)
class Routes:
    """The route of each request kind; a deployment without conversations has no `message` route."""

    question: Route
    tool_call: Route
    message: Route | None = None


class OneStage:
    """A question `Planner` as a stage planner: one stage, the plan of the question."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.name = planner.name

    async def plan(self, run: Run, catalog: Catalog) -> Plan | None:
        if run.plans:
            return None
        return await self.planner.plan(run.text, run.caller, catalog)


class Synthesis:
    """A `Synthesizer` as a renderer: the answer to the question from its results."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.synthesizer = synthesizer
        self.name = synthesizer.name

    async def render(self, run: Run) -> Rendered:
        plan = run.plan or Plan(intent="none", confidence=0.0)
        synthesis = await self.synthesizer.synthesize(run.text, plan, run.results, run.rejected, run.caller)
        return Rendered(synthesis.answer, synthesis.confidence, synthesis.synthesizer, fallback=synthesis.fallback)


class NamedTool:
    """Plans a tool call: the one step the client named, with its arguments. It may write: the client
    called that tool itself (which tools a client may call is the entry point's allowlist)."""

    name = "direct"

    async def plan(self, run: Run, catalog: Catalog) -> Plan | None:
        if run.plans or not isinstance(run.request, ToolCall):
            return None
        step = Step(tool=run.request.tool, arguments=run.request.arguments, writes_allowed=True)
        return Plan(intent=run.request.tool, steps=[step], confidence=1.0, planner=self.name)


class ToolResult:
    """Renders a tool call: the tool's result as data (its error is in the answer's one source)."""

    name = "tool"

    async def render(self, run: Run) -> Rendered:
        outcome = run.outcomes[0] if run.outcomes else None
        ok = outcome is not None and outcome.status == "ok"
        return Rendered("", 1.0 if ok else 0.0, self.name, data=outcome.result if ok and outcome else None)


def question_route(planner: Planner, synthesizer: Synthesizer, *, budget_s: float | None = None) -> Route:
    return Route("question", OneStage(planner), Synthesis(synthesizer), cache_answers=True, budget_s=budget_s)


def tool_call_route(*, budget_s: float | None = None) -> Route:
    return Route("tool_call", NamedTool(), ToolResult(), budget_s=budget_s)
