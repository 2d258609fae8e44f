"""The decision record: one log event per request, keyed by trace id, whatever its entry point.

It names the caller's tenant (never the caller), the question's length (never its text), the
answer cache layer, who planned (rules, a model, a conversation flow) and who wrote the answer,
the model calls and their tokens, each stage's plan, each call (status, cached, attempts,
latency, error code), the steps validation refused, the time spent per stage of the path
(`stages_ms`), who decided the intent (`intent_source`) and what the conversation plug-in added
(classifier, slots read, pending confirmation). Fields: docs/observability-logs.md.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp_common import tracing
from orchestrator.core.results import Answer
from orchestrator.core.run import Run
from orchestrator.observability.metrics import observe

logger = logging.getLogger("orchestrator.decision")


def log_decision(
    run: Run, answer: Answer, *, catalog_version: str, model: str | None, prompt_versions: dict[str, str]
) -> None:
    """Log the run's decision record at INFO (built only when INFO is enabled); count it in the metrics."""
    if logger.isEnabledFor(logging.INFO):
        record = decision_record(run, answer, catalog_version=catalog_version, model=model,
                                 prompt_versions=prompt_versions)  # fmt: skip
        logger.info("decision %s", run.trace_id, extra=record)
    observe(run, answer)  # the request's metrics, whatever the log level


def decision_record(
    run: Run, answer: Answer, *, catalog_version: str, model: str | None, prompt_versions: dict[str, str]
) -> dict[str, Any]:
    """The record's fields; personal data (emails, question text, arguments) never enters it."""
    record: dict[str, Any] = {
        "event_type": "decision",
        "request": run.kind,
        "latency_ms": tracing.elapsed_ms(run.started),
        "tenant": run.caller.tenant,
        "caller_via": run.caller.via,
        "api_key": run.caller.key_id,
        "question_chars": len(run.text),
        "answer_cache": run.cache_layer,
        "catalog_version": catalog_version,
        "model": model,
        "prompt_versions": prompt_versions,
    }
    if run.session is not None:
        record["session_turn"] = run.session.turns
    trace = answer.trace
    if trace is not None:
        record |= {
            "planned_by": trace.planner,
            "plan_cached": trace.plan_cached,
            "answer_cached_as": trace.answer_cache,
            "synthesized_by": trace.synthesizer,
            "fallbacks": trace.fallbacks,
            "llm_calls": [call.model_dump(exclude_none=True) for call in trace.llm_calls],
            "llm_tokens": sum((c.input_tokens or 0) + (c.output_tokens or 0) for c in trace.llm_calls),
        }
    if run.stage_ms:
        record["stages_ms"] = dict(run.stage_ms)
    if run.budget is not None and run.budget.cut:
        record["budget_cut"] = list(run.budget.cut)
    if run.plans:
        record |= {
            "intent": answer.intent or run.plans[0].intent,
            "intent_source": answer.intent_source,
            "plan_confidence": run.plans[0].confidence,
            "plan": [[step.tool for step in plan.steps] for plan in run.plans],
            "calls": [_call(result) for result in run.results],
            "rejected": [{"tool": r.tool, "error": r.error.code.value} for r in run.rejected],
            "validated_steps": len(run.steps),
        }
    return record | run.notes


def _call(result: Any) -> dict[str, Any]:
    return {
        "tool": result.name,
        "status": result.status,
        "cached": result.cached,
        "attempts": result.attempts,
        "latency_ms": result.latency_ms,
        "service_ms": result.service_ms,
        "error": result.error.code.value if result.error else None,
    }
