"""Engine: every request, from any entry point, down one path.

```
Engine.handle(request, caller)
  1. answer cache (questions): L2 memory → L1 shared; a hit is the answer; one flight per miss
  2. session (conversation messages): the caller's own, loaded
  3. plan: the route's planner proposes a stage of steps (a question planner one stage; a
     conversation's flow several, each planned from the results of the one before)
  4. validate each step against the catalog and the caller (identity bound, schema checked,
     writes only where code allowed them)
  5. execute the valid steps in parallel (timeouts, retries of reads, tool-result cache)
     … 3-5 again until the planner has no further stage
  6. render: synthesizer (questions), the flow's reply (messages), the tool's result (tool calls)
  7. session saved, answer cached, one decision record logged
```

What differs between request kinds is a `Route`: its planner, its renderer, whether answers are
cached and whether a session is kept. Nothing here knows a tool, a flow or a domain.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.core.answers import AnswerCache
from orchestrator.core.record import log_decision
from orchestrator.core.requests import Message, Question, Request, ToolCall
from orchestrator.core.results import Answer, AnswerTrace
from orchestrator.core.routes import Route, Routes
from orchestrator.core.run import Rendered, Run
from orchestrator.execution.executor import Executor
from orchestrator.llm.base import recorded_calls, recording_calls
from orchestrator.observability import spans
from orchestrator.planning.base import Plan
from orchestrator.planning.validation import ValidatedStep, check_plan
from orchestrator.resilience import budget as request_budget
from orchestrator.resilience.budget import GRACE_S, Budget, BudgetConfig
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _refuse_other_people(text: str, caller: Caller) -> None:
    """With authentication on, a request that names another person's email is refused, not narrowed."""
    others = {found.lower() for found in _EMAIL_IN_TEXT.findall(text)} - {caller.user}
    if others:
        raise ServiceError(
            ErrorCode.FORBIDDEN,
            "you can only ask about your own data; the request names another person's email address",
        )


class Engine:
    """Answers requests for callers; stateless apart from its caches."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        executor: Executor,
        routes: Routes,
        answers: AnswerCache,
        model: str | None = None,
        prompt_versions: dict[str, str] | None = None,
        refuse_other_people: bool = False,
        budget_config: BudgetConfig | None = None,
    ) -> None:
        self.refuse_other_people = refuse_other_people
        self.budget_config = budget_config or BudgetConfig()
        self.catalog = catalog
        self.executor = executor
        self.routes = routes
        self.answers = answers
        self.model = model
        self.prompt_versions = dict(prompt_versions or {})

    async def handle(self, request: Request, caller: Caller) -> Answer:
        """The answer to `request` for `caller` (`ServiceError` when it cannot be answered at all)."""
        route = self._route(request)
        if self.refuse_other_people and isinstance(request, Question | Message):
            _refuse_other_people(request.text, caller)
        run = Run(request, caller, kind=route.kind, trace_id=_trace_id(), started=time.perf_counter())
        if route.budget_s is not None:
            run.budget = Budget.start(route.budget_s, self.budget_config)
        if not route.cache_answers or self.answers.ttl_s <= 0:
            # Answers are never kept with the cache off: nothing to look up, no request waits on another's.
            return await self._bounded(route, run)
        started = spans.now()
        # Bounded by the shared cache's own timeout; a hit costs nothing more (the budget's clock already runs).
        hit = await self.answers.lookup(run, self.catalog.version)
        spans.cache_lookup(started, hit.cache_layer if hit is not None else None)
        if hit is not None:
            self._record(run, hit)
            return hit
        answer, joined = await self.answers.flight(run, lambda: self._bounded(route, run))
        if joined:
            self._record(run, answer)
        return answer

    async def _bounded(self, route: Route, run: Run) -> Answer:
        """The run's answer within its time budget, when its route has one; past it + `GRACE_S`, SERVICE_TIMEOUT."""
        budget = run.budget
        if budget is None:
            return await self._run(route, run)
        with request_budget.within(budget):
            limit = asyncio.timeout_at(budget.deadline + GRACE_S)
            try:
                async with limit:
                    return await self._run(route, run)
            except TimeoutError:
                if not limit.expired():
                    raise
                raise ServiceError(
                    ErrorCode.SERVICE_TIMEOUT,
                    f"the request did not finish within its {budget.total_s:g}s time budget "
                    f"(it was at the {budget.stage} stage)",
                ) from None

    def _route(self, request: Request) -> Route:
        if isinstance(request, Question):
            return self.routes.question
        if isinstance(request, ToolCall):
            return self.routes.tool_call
        if self.routes.message is None:
            raise ServiceError(ErrorCode.INVALID_REQUEST, "conversations are not enabled on this orchestrator")
        return self.routes.message

    async def _run(self, route: Route, run: Run) -> Answer:
        with recording_calls() as calls:
            if route.sessions is not None and isinstance(run.request, Message):
                message = run.request
                with run.timed("session"), spans.step("session load"):
                    run.session = await route.sessions.load(message.session_id, run.caller, message.channel)
            with self._session_trace(run):
                while (plan := await self._plan(route, run)) is not None:
                    await self._execute(run, plan)
                with run.timed("render"), spans.step("render") as span:
                    mark = len(calls)
                    rendered = await route.renderer.render(run)
                    spans.rendered(span, rendered.renderer, rendered.fallback, calls[mark:])
            run.llm_calls = calls
        if route.sessions is not None and run.session is not None:
            run.session.turns += 1
            if run.budget is not None:
                run.budget.stage = "session save"
            try:
                with spans.step("session save"):
                    await route.sessions.save(run.session, run.caller)
            except ServiceError:
                self._record(run, self._answer(run, rendered))  # what was done stays on record
                raise
        answer = self._answer(run, rendered)
        if route.cache_answers:
            decided = await self.answers.store(run, answer)
            if answer.trace is not None:
                answer.trace.answer_cache = decided
        self._record(run, answer)
        return answer

    async def _plan(self, route: Route, run: Run) -> Plan | None:
        with run.timed("plan"), spans.step("plan") as span:
            mark = len(calls := recorded_calls())
            plan = await route.planner.plan(run, self.catalog)
            spans.planned(span, plan, calls[mark:])
            return plan

    async def _execute(self, run: Run, plan: Plan) -> None:
        with run.timed("execute"):
            await self._validate_and_run(run, plan)

    async def _validate_and_run(self, run: Run, plan: Plan) -> None:
        with spans.step("validate"):
            checked = check_plan(plan, self.catalog, run.caller)
        distinct: dict[str, ValidatedStep] = {}
        for step in checked:
            if isinstance(step, ValidatedStep):
                distinct.setdefault(step.key, step)
        with spans.step("execute"):
            results = await self.executor.run(list(distinct.values()), run.caller)
        run.add_stage(plan, checked, results)

    @contextlib.contextmanager
    def _session_trace(self, run: Run) -> Iterator[None]:
        """Every downstream call of a conversation turn carries its session id with the trace."""
        if run.session is None:
            yield
            return
        with tracing.session(run.session.session_id):
            yield

    def _answer(self, run: Run, rendered: Rendered) -> Answer:
        plan = run.plan
        fallbacks = []
        if plan is not None and plan.fallback:
            fallbacks.append(f"plan: {plan.fallback}, rules planner used")
        if rendered.fallback:
            fallbacks.append(f"synthesize: {rendered.fallback}, templates used")
        trace = AnswerTrace(
            planner=plan.planner if plan is not None else "none",
            plan_cached=plan.cached if plan is not None else False,
            synthesizer=rendered.renderer,
            fallbacks=fallbacks,
            llm_calls=run.llm_call_infos(),
            prompt_versions=self.prompt_versions,
            budget=run.budget_trace(),
        )
        return Answer(
            answer=rendered.text,
            sources=run.sources(),
            confidence=rendered.confidence,
            cached=False,
            timestamp=datetime.now(UTC),
            trace_id=run.trace_id,
            trace=trace,
            intent=rendered.intent,
            intent_source=run.notes.get("intent_source") or (plan.planner if plan is not None else None),
            data=rendered.data,
            suggestions=list(rendered.suggestions),
            session_id=run.session.session_id if run.session is not None else None,
        )

    def _record(self, run: Run, answer: Answer) -> None:
        log_decision(run, answer, catalog_version=self.catalog.version, model=self.model,
                     prompt_versions=self.prompt_versions)  # fmt: skip


def _trace_id() -> str:
    ctx = tracing.current()
    return ctx.trace_id if ctx else tracing.new_trace_id()
