"""The orchestrator's Prometheus metrics, drawn from the decision record's facts (docs/observability-metrics.md).

`observe(run, answer)` is called once per request, where the decision record is logged, whatever the log
level; `rate_limited(scope)` where a budget refuses a request. Both record into the `OrchestratorMetrics`
of the app serving the request (`mcp_common.metrics.CURRENT`) and do nothing without one
(`ORCH_METRICS=off`, or an engine used outside an app).

Labels are bounded: services and tools come from the catalog (validated steps only: a step the planner
invented is counted under `orch_rejected_steps_total{error}` alone), error codes from one enum, purposes
and stages from code, tenants from the configuration (anything else is `other`). Never an email, a trace
id, a session id or the question.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mcp_common.metrics import CURRENT, DURATION_BUCKETS, OTHER, Metrics
from mcp_common.tallies import CounterFamily, HistogramFamily
from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.resilience.guard import SourceGuards

if TYPE_CHECKING:
    from orchestrator.core.results import Answer
    from orchestrator.core.run import Run
    from orchestrator.state.cache import CacheStats

FALLBACK_STAGES = frozenset({"plan", "synthesize", "intent"})
SESSIONS_TRACKED = 100_000
"""At most this many sessions are remembered for `orch_active_sessions` (the oldest are forgotten first)."""


class OrchestratorMetrics(Metrics):
    """The HTTP metrics of `Metrics` plus the orchestrator's own (the module docstring)."""

    def __init__(self, *, tenants: Collection[str], session_ttl_s: float, clock: Callable[[], float] = time.monotonic):
        super().__init__("orchestrator")
        self.tenants = frozenset(tenants)
        r = self.registry
        self.requests_by_kind = CounterFamily(
            "orch_requests_total",
            "Requests answered by the engine, by kind and tenant.",
            ["kind", "tenant"],
            registry=r,
        )
        self.tool_calls = CounterFamily(
            "orch_tool_calls_total",
            "Tool calls of validated steps, by outcome; `cached`: served from the per-user tool-result cache.",
            ["service", "tool", "status", "error", "cached"],
            registry=r,
        )
        self.tool_duration = HistogramFamily(
            "orch_tool_call_duration_seconds",
            "Latency of tool calls that were not served from the tool-result cache (all attempts).",
            ["service", "tool"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.rejected = CounterFamily(
            "orch_rejected_steps_total", "Planned steps refused by validation, by error code.", ["error"], registry=r
        )
        self.answer_cache = CounterFamily(
            "orch_answer_cache_total",
            "Answer-cache lookups of questions by layer: memory (L2), shared (L1), in-flight (joined), miss.",
            ["layer"],
            registry=r,
        )
        self.llm_calls = CounterFamily(
            "orch_llm_calls_total",
            "Model calls by purpose and status (ok, error, skipped).",
            ["purpose", "status"],
            registry=r,
        )
        self.llm_tokens = CounterFamily(
            "orch_llm_tokens_total",
            "Model tokens by purpose and direction (in, out).",
            ["purpose", "direction"],
            registry=r,
        )
        self.fallbacks = CounterFamily(
            "orch_llm_fallbacks_total",
            "Answers where the rules stood in for the model, by stage.",
            ["stage"],
            registry=r,
        )
        self.rate_limited = CounterFamily(
            "orch_rate_limited_total", "Requests refused by a rate limit, by budget scope.", ["scope"], registry=r
        )
        self.sessions = ActiveSessions(session_ttl_s, clock=clock)
        self.state = StateCollector(self.sessions)
        r.register(self.state)

    def tenant(self, tenant: str) -> str:
        return tenant if tenant in self.tenants else OTHER

    def observe(self, run: Run, answer: Answer) -> None:
        """Count one request from its run (what it did) and its answer (what it reported)."""
        tenant = run.caller.tenant
        self.requests_by_kind.inc((run.kind, tenant if tenant in self.tenants else OTHER))
        if run.kind == "question":
            self.answer_cache.inc((run.cache_layer or "miss",))
        if run.session is not None:
            self.sessions.touch(f"{run.caller.tenant}:{run.session.session_id}")
        for result in run.results:
            error = result.error.code.value if result.error else ""
            cached = "true" if result.cached else "false"
            self.tool_calls.inc((result.service, result.tool, result.status, error, cached))
            if not result.cached:
                self.tool_duration.observe((result.service, result.tool), result.latency_ms / 1000)
        for step in run.rejected:
            self.rejected.inc((step.error.code.value,))
        for call in run.llm_calls:
            self.llm_calls.inc((call.purpose, call.status))
            if call.input_tokens:
                self.llm_tokens.inc((call.purpose, "in"), call.input_tokens)
            if call.output_tokens:
                self.llm_tokens.inc((call.purpose, "out"), call.output_tokens)
        if run.cache_layer is None and answer.trace is not None:  # this request's own work, not a shared answer
            for fallback in answer.trace.fallbacks:
                stage = fallback.partition(":")[0].strip()
                self.fallbacks.inc((stage if stage in FALLBACK_STAGES else OTHER,))


class ActiveSessions:
    """Distinct conversation sessions touched on this instance within the session TTL, in bounded memory.

    Sessions are kept as 8-byte digests in least-recently-touched order; past `limit` the oldest is
    forgotten, so the count is exact up to `limit` and saturates there.
    """

    def __init__(self, ttl_s: float, *, limit: int = SESSIONS_TRACKED, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self.limit = limit
        self._clock = clock
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def touch(self, session: str) -> None:
        key = hashlib.blake2b(session.encode(), digest_size=8).digest()
        self._seen[key] = self._clock()
        self._seen.move_to_end(key)
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)

    def count(self) -> int:
        horizon = self._clock() - self.ttl_s
        while self._seen and next(iter(self._seen.values())) < horizon:
            self._seen.popitem(last=False)
        return len(self._seen)


class StateCollector(Collector):
    """Read at scrape time: breaker states and opens, the two-layer cache's counters, active sessions."""

    def __init__(self, sessions: ActiveSessions) -> None:
        self.sessions = sessions
        self.breakers: dict[str, CircuitBreaker] = {}
        self.cache_stats: CacheStats | None = None
        self.sources: SourceGuards | None = None

    def collect(self) -> Iterable[Metric]:
        state = GaugeMetricFamily(
            "orch_breaker_state",
            "1 for the circuit breaker's current state (closed, open, half_open).",
            labels=["breaker", "state"],
        )
        opens = CounterMetricFamily("orch_breaker_opens", "Times the circuit breaker opened.", labels=["breaker"])
        for name, breaker in self.breakers.items():
            for value in ("closed", "open", "half_open"):
                state.add_metric([name, value], 1.0 if breaker.state == value else 0.0)
            opens.add_metric([name], breaker.opens)
        yield state
        yield opens
        yield from self._sources()
        lookups = CounterMetricFamily(
            "orch_cache_lookups",
            "Two-layer cache reads (answers, tool results, plans) by layer: memory, shared, miss.",
            labels=["layer"],
        )
        events = CounterMetricFamily(
            "orch_cache_events",
            "Shared-cache (L1) errors and skipped calls (breaker open), invalidations.",
            labels=["event"],
        )
        stats = self.cache_stats
        if stats is not None:
            counts = stats.as_dict()
            for layer, field in (("memory", "memory_hits"), ("shared", "shared_hits"), ("miss", "misses")):
                lookups.add_metric([layer], counts[field])
            for event in ("l1_errors", "l1_skipped", "invalidations"):
                events.add_metric([event], counts[event])
        yield lookups
        yield events
        yield GaugeMetricFamily(
            "orch_active_sessions",
            "Conversation sessions touched on this instance within ORCH_SESSION_TTL_S.",
            value=self.sessions.count(),
        )

    def _sources(self) -> Iterable[Metric]:
        """Each tool source's breaker and bulkhead (`source`: a configured service or MCP server name)."""
        state = GaugeMetricFamily(
            "orch_source_breaker_state",
            "1 for the state of the source's circuit breaker (closed, open, half_open).",
            labels=["source", "state"],
        )
        opens = CounterMetricFamily(
            "orch_source_breaker_opens", "Times the source's circuit opened.", labels=["source"]
        )
        in_flight = GaugeMetricFamily("orch_source_in_flight", "Calls in flight to the source.", labels=["source"])
        rejected = CounterMetricFamily(
            "orch_source_rejected", "Calls refused without reaching the source (circuit open, bulkhead full).",
            labels=["source"],
        )  # fmt: skip
        for name, guard in (self.sources.states() if self.sources else {}).items():
            for value in ("closed", "open", "half_open"):
                state.add_metric([name, value], 1.0 if guard.circuit == value else 0.0)
            opens.add_metric([name], guard.opens)
            in_flight.add_metric([name], guard.in_flight)
            rejected.add_metric([name], guard.rejected)
        yield from (state, opens, in_flight, rejected)


def observe(run: Run, answer: Answer) -> None:
    """Record one request into the serving app's metrics, if it has any."""
    metrics = CURRENT.get()
    if isinstance(metrics, OrchestratorMetrics):
        metrics.observe(run, answer)


def rate_limited(scope: str) -> None:
    """Count one request refused by the `scope` budget (user, key, tenant)."""
    metrics = CURRENT.get()
    if isinstance(metrics, OrchestratorMetrics):
        metrics.rate_limited.inc((scope,))
