"""AnswerCache: whole answers to questions, per user, in the two-layer cache, one flight per miss.

A key names the tenant, the user, the user's `answers` generation (a write of theirs starts a new
one), the catalog version, the caller's allowlist, who plans and writes answers (planner,
synthesizer, model, prompt versions: a new model or prompt never serves old answers) and the
normalised question. Only complete answers are stored (every planned step ran and answered, no
model fallback), never longer than their shortest-lived source.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pydantic_core import from_json

from orchestrator.core.results import Answer, AnswerTrace
from orchestrator.core.run import Run
from orchestrator.planning.base import normalise
from orchestrator.state.base import scoped_key
from orchestrator.state.cache import ANSWERS, TieredCache
from orchestrator.state.flight import SingleFlight


class AnswerCache:
    """Looks answers up before planning and stores them after; concurrent misses share one flight."""

    def __init__(self, cache: TieredCache, *, ttl_s: float, variant: str) -> None:
        self.cache = cache
        self.ttl_s = ttl_s
        self.variant = variant
        self._flights: SingleFlight[Answer] = SingleFlight()

    async def lookup(self, run: Run, catalog_version: str) -> Answer | None:
        """The cached answer for this run's caller and question, re-stamped for this request."""
        caller = run.caller
        generation = await self.cache.generation(caller.tenant, caller.user, (ANSWERS,))
        parts = (generation, catalog_version, caller.allowlist_key, self.variant, normalise(run.text))
        key = scoped_key("answer", tenant=caller.tenant, user=caller.user, parts=parts)
        run.cache_key = key
        hit = await self.cache.get(key)
        if hit is None:
            return None
        run.cache_layer = hit.layer
        # Re-stamped before it is validated, so the answer is built once (no copies of it or its sources).
        stored = from_json(hit.value)  # pydantic-core's parser: a fraction of json.loads' time
        for source in stored.get("sources", ()):
            source["cached"] = True
        trace = {"planner": "answer-cache", "synthesizer": "answer-cache"}
        stored |= {"cached": True, "cache_layer": hit.layer, "trace_id": run.trace_id,
                   "timestamp": datetime.now(UTC), "trace": trace}  # fmt: skip
        return Answer.model_validate(stored)

    async def flight(self, run: Run, compute: Callable[[], Awaitable[Answer]]) -> tuple[Answer, bool]:
        """`compute()`'s answer, or (joined) the answer another request of this caller is computing."""
        answer, joined = await self._flights.run(run.cache_key or "", compute)
        if not joined:
            return answer, False
        run.cache_layer = "in-flight"
        trace = (answer.trace or AnswerTrace(planner="", synthesizer="")).model_copy(update={"shared_flight": True})
        update = {"trace_id": run.trace_id, "timestamp": datetime.now(UTC), "trace": trace}
        return answer.model_copy(update=update, deep=True), True

    async def store(self, run: Run, answer: Answer) -> str:
        """Keep the answer when it may be kept; what was decided, for the answer's trace (`answer_cache`)."""
        ttl, why_not = self._ttl(run, answer)
        if ttl <= 0 or run.cache_key is None:
            return f"not cached: {why_not or 'the answer cache is off'}"
        await self.cache.set(run.cache_key, answer.model_dump_json().encode(), ttl)
        return f"stored for {ttl:g} s"

    def _ttl(self, run: Run, answer: Answer) -> tuple[float, str | None]:
        """How long the answer may be kept, and why not when it may not. Complete answers only: a degraded
        one (the model failed) is not kept, so the next request tries the model again."""
        if answer.trace is not None and answer.trace.fallbacks:
            return 0.0, "the model failed and the rules stood in"
        if not run.steps:
            return 0.0, "no tool answered it"
        if run.rejected:
            return 0.0, f"{', '.join(r.tool for r in run.rejected)} refused"
        if failed := [r.name for r in run.results if r.status != "ok"]:
            return 0.0, f"{', '.join(failed)} failed"
        if never := [s.tool.name for s in run.steps if s.tool.info.writes or s.tool.info.cache_ttl_s <= 0]:
            return 0.0, f"{', '.join(never)} {'does' if len(never) == 1 else 'do'} not cache"
        if self.ttl_s <= 0:
            return 0.0, None
        return min([self.ttl_s, *(step.tool.info.cache_ttl_s for step in run.steps)]), None
