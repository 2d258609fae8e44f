"""The engine's spans: thin context managers over `mcp_common.tracing`, so the engine and executor
name a step in one line. Attributes are set only on spans that record (sampled out: no work).

Nothing here records an email, a question or tool arguments; a span knows the tenant at most.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, get_current_span

from mcp_common import tracing

if TYPE_CHECKING:
    from orchestrator.execution.executor import SourceResult
    from orchestrator.llm.base import LLMCall
    from orchestrator.planning.base import Plan
    from orchestrator.planning.validation import ValidatedStep


@contextmanager
def step(name: str, **attributes: Any) -> Iterator[Span]:
    """One step of a request as a child of the current span; an escaping exception marks it failed.

    In a trace that is not recorded (sampled out, or no exporter) the step makes no span of its own: it
    would never be seen, and a request has several steps. The current span stands in for it."""
    current = get_current_span()
    if not current.is_recording():
        yield current
        return
    with tracing.tracer().start_as_current_span(name, record_exception=False) as span:
        if attributes and span.is_recording():
            span.set_attributes(attributes)
        try:
            yield span
        except BaseException as exc:
            if span.is_recording():
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", getattr(getattr(exc, "code", None), "value", type(exc).__name__))
            raise


def now() -> int:
    """A span start time (ns since the epoch), for a span decided on after its work is done."""
    return time.time_ns()


def cache_lookup(started: int, layer: str | None) -> None:
    """A hit is an attribute of the request's span (the whole answer: one span less on the hot path);
    a miss is an `answer-cache lookup` span from `started` to now."""
    if layer is not None:
        current = get_current_span()
        if current.is_recording():
            current.set_attribute("cache.layer", layer)  # a hit: the layer that answered
        return
    if not get_current_span().is_recording():
        return  # a trace that is not recorded: no span for the miss either
    span = tracing.tracer().start_span("answer-cache lookup", start_time=started)
    if span.is_recording():
        span.set_attributes({"cache.hit": False, "cache.layer": "none"})
    span.end()


def planned(span: Span, plan: Plan | None, calls: Sequence[LLMCall]) -> None:
    """The planner, and the model calls this planning made (model, attempts, tokens)."""
    if not span.is_recording():
        return
    if plan is not None:
        span.set_attributes({"orchestrator.planner": plan.planner, "orchestrator.plan.cached": plan.cached,
                             "orchestrator.plan.steps": len(plan.steps),
                             "orchestrator.plan.fallback": plan.fallback or ""})  # fmt: skip
    _model_calls(span, calls)


def rendered(span: Span, renderer: str, fallback: str | None, calls: Sequence[LLMCall]) -> None:
    if span.is_recording():
        span.set_attributes({"orchestrator.synthesizer": renderer, "orchestrator.fallback": fallback or ""})
        _model_calls(span, calls)


def _model_calls(span: Span, calls: Sequence[LLMCall]) -> None:
    if not calls:
        return
    span.set_attributes({
        "gen_ai.request.model": calls[-1].model,
        "orchestrator.llm.calls": len(calls),
        "orchestrator.llm.attempts": sum(call.attempts for call in calls),
        "gen_ai.usage.input_tokens": sum(call.input_tokens or 0 for call in calls),
        "gen_ai.usage.output_tokens": sum(call.output_tokens or 0 for call in calls),
    })  # fmt: skip


def tool_call(step: ValidatedStep) -> AbstractContextManager[tracing.Span]:
    """One planned call (cache hit, shared flight or live with its retries) as a client span."""
    return tracing.span("tool call", kind=SpanKind.CLIENT, **{
        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": step.tool.info.name,
        "orchestrator.service": step.tool.service})  # fmt: skip


def tool_result(span: tracing.Span, result: SourceResult) -> SourceResult:
    span.attributes.update({"orchestrator.tool.cached": result.cached, "orchestrator.tool.attempts": result.attempts,
                            "orchestrator.tool.status": result.status})  # fmt: skip
    if result.error is not None:
        span.status = result.error.code.value
    return result
