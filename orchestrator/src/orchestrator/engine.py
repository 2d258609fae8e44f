"""Engine: one request through answer cache → plan → validation → execution → synthesis."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from mcp_common import tracing
from orchestrator.api.models import LLMCallInfo, QueryResponse, QueryTrace, Source
from orchestrator.caller import Caller
from orchestrator.execution import Executor, SourceResult
from orchestrator.llm.base import LLMCall, recording_calls
from orchestrator.planning.base import Plan, Planner, normalise
from orchestrator.planning.validation import RejectedStep, ValidatedStep, validate_plan
from orchestrator.state.base import scoped_key
from orchestrator.state.cache import ANSWERS, TieredCache
from orchestrator.state.flight import SingleFlight
from orchestrator.synthesis import Synthesis, Synthesizer
from orchestrator.tools.catalog import Catalog

logger = logging.getLogger("orchestrator.decision")


@dataclass(frozen=True)
class EngineConfig:
    answer_ttl_s: float = 60.0


class Engine:
    """Answers questions for callers; stateless apart from its caches."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        planner: Planner,
        executor: Executor,
        synthesizer: Synthesizer,
        cache: TieredCache,
        config: EngineConfig,
        model: str | None = None,
        prompt_versions: dict[str, str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.planner = planner
        self.executor = executor
        self.synthesizer = synthesizer
        self.cache = cache
        self.config = config
        self.model = model
        self.prompt_versions = dict(prompt_versions or {})
        self._flights: SingleFlight[QueryResponse] = SingleFlight()
        # Answers depend on who planned and wrote them: a new model or prompt never serves old answers.
        self._variant = "|".join([planner.name, synthesizer.name, model or "-", *sorted(self.prompt_versions.values())])

    async def query(self, question: str, caller: Caller) -> QueryResponse:
        start = time.perf_counter()
        trace_id = _trace_id()
        generation = await self.cache.generation(caller.tenant, caller.user, (ANSWERS,))
        key = scoped_key(
            "answer",
            tenant=caller.tenant,
            user=caller.user,
            parts=(generation, self.catalog.version, caller.allowlist_key, self._variant, normalise(question)),
        )
        hit = await self.cache.get(key)
        if hit is not None:
            cached = QueryResponse.model_validate_json(hit.value)
            self._record(trace_id, caller, question, start, cache_layer=hit.layer)
            sources = [source.model_copy(update={"cached": True}) for source in cached.sources]
            return cached.model_copy(
                update={
                    "cached": True,
                    "cache_layer": hit.layer,
                    "sources": sources,
                    "trace_id": trace_id,
                    "timestamp": _now(),
                    "trace": QueryTrace(planner="answer-cache", synthesizer="answer-cache"),
                }
            )
        response, joined = await self._flights.run(key, lambda: self._answer(question, caller, key, trace_id, start))
        if not joined:
            return response
        # Another request of this caller asked the same question at the same time: one answer for both.
        self._record(trace_id, caller, question, start, cache_layer="in-flight")
        trace = (response.trace or QueryTrace(planner="", synthesizer="")).model_copy(update={"shared_flight": True})
        return response.model_copy(update={"trace_id": trace_id, "timestamp": _now(), "trace": trace}, deep=True)

    async def _answer(self, question: str, caller: Caller, key: str, trace_id: str, start: float) -> QueryResponse:
        with recording_calls() as llm_calls:
            plan = await self.planner.plan(question, caller, self.catalog)
            steps, rejected = validate_plan(plan, self.catalog, caller)
            results = await self.executor.run(steps, caller)
            synthesis = await self.synthesizer.synthesize(question, plan, results, rejected, caller)
        trace = self._trace(plan, synthesis, llm_calls)
        response = QueryResponse(
            answer=synthesis.answer,
            sources=[_source(r) for r in results] + [_rejected(r) for r in rejected],
            confidence=synthesis.confidence,
            cached=False,
            timestamp=_now(),
            trace_id=trace_id,
            trace=trace,
        )
        # A degraded answer (the model failed) is not cached: the next request tries the model again.
        ttl = 0.0 if trace.fallbacks else self._answer_ttl(steps, results, rejected)
        if ttl > 0:
            await self.cache.set(key, response.model_dump_json().encode(), ttl)
        self._record(trace_id, caller, question, start, plan=plan, steps=steps, results=results, rejected=rejected,
                     trace=trace)  # fmt: skip
        return response

    def _trace(self, plan: Plan, synthesis: Synthesis, calls: list[LLMCall]) -> QueryTrace:
        fallbacks = []
        if plan.fallback:
            fallbacks.append(f"plan: {plan.fallback}, rules planner used")
        if synthesis.fallback:
            fallbacks.append(f"synthesize: {synthesis.fallback}, templates used")
        return QueryTrace(
            planner=plan.planner,
            plan_cached=plan.cached,
            synthesizer=synthesis.synthesizer,
            fallbacks=fallbacks,
            llm_calls=[LLMCallInfo.model_validate(call, from_attributes=True) for call in calls],
            prompt_versions=self.prompt_versions,
        )

    def _answer_ttl(
        self, steps: list[ValidatedStep], results: list[SourceResult], rejected: list[RejectedStep]
    ) -> float:
        """Only complete answers are cached, never longer than their shortest-lived source."""
        if not steps or rejected or any(r.status != "ok" for r in results):
            return 0.0
        return min([self.config.answer_ttl_s, *(s.tool.info.cache_ttl_s for s in steps)])

    def _record(
        self,
        trace_id: str,
        caller: Caller,
        question: str,
        start: float,
        *,
        cache_layer: str | None = None,
        plan: Plan | None = None,
        steps: list[ValidatedStep] | None = None,
        results: list[SourceResult] | None = None,
        rejected: list[RejectedStep] | None = None,
        trace: QueryTrace | None = None,
    ) -> None:
        """The decision record: one log event per request, keyed by trace id."""
        if not logger.isEnabledFor(logging.INFO):
            return
        record = {
            "event_type": "decision",
            "latency_ms": tracing.elapsed_ms(start),
            "tenant": caller.tenant,
            "question_chars": len(question),
            "answer_cache": cache_layer,
            "catalog_version": self.catalog.version,
            "planner": self.planner.name,
            "model": self.model,
            "prompt_versions": self.prompt_versions,
        }
        if trace is not None:
            record |= {
                "planned_by": trace.planner,
                "plan_cached": trace.plan_cached,
                "synthesized_by": trace.synthesizer,
                "fallbacks": trace.fallbacks,
                "llm_calls": [c.model_dump(exclude_none=True) for c in trace.llm_calls],
                "llm_tokens": sum((c.input_tokens or 0) + (c.output_tokens or 0) for c in trace.llm_calls),
            }
        if plan is not None:
            record |= {
                "intent": plan.intent,
                "plan_confidence": plan.confidence,
                "plan": [s.tool for s in plan.steps],
                "calls": [
                    {"tool": r.name, "status": r.status, "cached": r.cached, "attempts": r.attempts,
                     "latency_ms": r.latency_ms, "error": r.error.code.value if r.error else None}
                    for r in results or []
                ],
                "rejected": [{"tool": r.tool, "error": r.error.code.value} for r in rejected or []],
                "validated_steps": len(steps or []),
            }  # fmt: skip
        logger.info("decision %s", trace_id, extra=record)


def _trace_id() -> str:
    ctx = tracing.current()
    return ctx.trace_id if ctx else tracing.new_trace_id()


def _now() -> datetime:
    return datetime.now(UTC)


def _source(result: SourceResult) -> Source:
    return Source(
        service=result.service,
        tool=result.tool,
        status=result.status,
        cached=result.cached,
        latency_ms=result.latency_ms,
        error=result.error,
    )


def _rejected(step: RejectedStep) -> Source:
    service, _, tool = step.tool.partition(".")
    return Source(service=service, tool=tool or service, status="error", cached=False, latency_ms=0.0, error=step.error)
