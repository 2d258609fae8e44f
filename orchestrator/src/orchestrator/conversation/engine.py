"""ConversationEngine: one turn of POST /orchestrate.

session → intent + slots (the classifier) → the intent's `Flow` → its calls, stage by stage,
each validated like any plan step (catalog, identity bound to the caller, input schema) and run
by the same `Executor` (timeouts, retries for reads, per-user result cache, invalidation after
writes) → the flow's outcome handler (session changes, reply) → session saved.

Writes happen only in the `confirm` flow, from a `PendingAction` the user has seen summarised:
no order is placed or cancelled without an explicit confirmation turn.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from mcp_common import tracing
from mcp_common.errors import ErrorBody, ServiceError
from orchestrator.caller import Caller
from orchestrator.conversation import outcomes
from orchestrator.conversation.flows import FLOWS, Call, Flow
from orchestrator.conversation.intents import ConversationView, Intent, IntentClassifier
from orchestrator.execution import Executor, SourceResult
from orchestrator.planning.validation import validate_step
from orchestrator.state.sessions import Session, SessionStore
from orchestrator.tools.catalog import Catalog

logger = logging.getLogger("orchestrator.decision")


@dataclass(frozen=True)
class TurnResult:
    reply: str
    intent: str
    confidence: float
    data: dict[str, Any] | None
    suggestions: list[str]
    session_id: str
    trace_id: str
    calls: list[SourceResult]


@dataclass
class Turn:
    """Everything one turn knows; outcome handlers read it and change `session`."""

    message: str
    caller: Caller
    session: Session
    intent: Intent
    flow: Flow
    vars: dict[str, Any] = field(default_factory=dict)
    results: dict[str, SourceResult] = field(default_factory=dict)
    calls: list[SourceResult] = field(default_factory=list)
    runner: CallRunner | None = None

    def result(self, name: str) -> dict[str, Any] | None:
        found = self.results.get(name)
        return found.result if found is not None and found.status == "ok" else None

    def error(self, name: str) -> ErrorBody | None:
        found = self.results.get(name)
        return found.error if found is not None else None


class CallRunner:
    """Validates and runs calls for one caller, recording every outcome for the trace."""

    def __init__(self, catalog: Catalog, executor: Executor, caller: Caller, calls: list[SourceResult]) -> None:
        self.catalog = catalog
        self.executor = executor
        self.caller = caller
        self.calls = calls

    async def run(self, calls: list[tuple[str, dict[str, Any]]]) -> list[SourceResult]:
        """Run `(tool, arguments)` pairs in parallel; a call that fails validation never runs."""
        validated: list[Any] = []
        outcome: list[SourceResult | None] = []
        for tool, arguments in calls:
            try:
                validated.append(validate_step(tool, arguments, self.catalog, self.caller))
                outcome.append(None)
            except ServiceError as exc:
                service, _, name = tool.partition(".")
                outcome.append(SourceResult(service, name or service, "error", 0.0, error=exc.to_body()))
        ran = iter(await self.executor.run(validated, self.caller))
        results = [item if item is not None else next(ran) for item in outcome]
        self.calls.extend(results)
        return results


class ConversationEngine:
    def __init__(
        self,
        *,
        catalog: Catalog,
        executor: Executor,
        classifier: IntentClassifier,
        sessions: SessionStore,
    ) -> None:
        self.catalog = catalog
        self.executor = executor
        self.classifier = classifier
        self.sessions = sessions

    async def turn(self, message: str, caller: Caller, *, session_id: str | None, channel: str) -> TurnResult:
        start = time.perf_counter()
        session = await self.sessions.load(session_id, caller, channel)
        current = tracing.current() or tracing.TraceContext(tracing.new_trace_id(), tracing.new_span_id())
        # Every downstream call of this turn carries the session id with the trace.
        with tracing.use(dataclasses.replace(current, session_id=session.session_id)):
            view = ConversationView(
                shown_items=tuple(item.name for item in session.last_shown),
                cart_items=tuple(line.name for line in session.cart),
                pending=session.pending.action if session.pending else None,
            )
            intent = await self.classifier.classify(message, view)
            flow = FLOWS.get(intent.name, FLOWS["help"])
            turn = Turn(message, caller, session, intent, flow)
            turn.runner = CallRunner(self.catalog, self.executor, caller, turn.calls)
            with tracing.span("flow", intent=flow.intent):
                reply = await self._run_flow(turn)
        session.turns += 1
        await self.sessions.save(session, caller)
        data = reply.data if reply.data is not None else (turn.result(flow.data) if flow.data else None)
        self._record(turn, start)
        return TurnResult(
            reply=reply.text,
            intent=flow.intent,
            confidence=intent.confidence,
            data=data,
            suggestions=list(reply.suggestions or flow.suggestions),
            session_id=session.session_id,
            trace_id=current.trace_id,
            calls=turn.calls,
        )

    async def _run_flow(self, turn: Turn) -> outcomes.Reply:
        missing = [need for need in turn.flow.needs if not _has(turn.session, need)]
        if missing:
            return outcomes.precondition_failed(turn, missing[0])
        for stage in turn.flow.stages:
            turn.vars = outcomes.derive(turn)
            planned = [(call, _arguments(call, turn)) for call in stage if _should_run(call, turn)]
            if not planned:
                continue
            assert turn.runner is not None
            results = await turn.runner.run([(call.tool, args) for call, args in planned])
            for (call, _), result in zip(planned, results, strict=True):
                turn.results[call.name] = result
            failed = [(c, r) for (c, _), r in zip(planned, results, strict=True) if r.status != "ok" and not c.optional]
            if failed:
                call, result = failed[0]
                return outcomes.call_failed(turn, call, result)
        turn.vars = outcomes.derive(turn)
        return await outcomes.OUTCOMES[turn.flow.outcome](turn)

    def _record(self, turn: Turn, start: float) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        logger.info(
            "turn %s",
            turn.flow.intent,
            extra={
                "event_type": "decision",
                "endpoint": "orchestrate",
                "latency_ms": tracing.elapsed_ms(start),
                "tenant": turn.caller.tenant,
                "intent": turn.flow.intent,
                "intent_confidence": turn.intent.confidence,
                "classifier": self.classifier.name,
                "intent_source": turn.intent.source,
                "slots": sorted(turn.intent.slots),
                "calls": [
                    {"tool": r.name, "status": r.status, "cached": r.cached, "latency_ms": r.latency_ms,
                     "error": r.error.code.value if r.error else None}
                    for r in turn.calls
                ],
                "pending": turn.session.pending.action if turn.session.pending else None,
            },
        )  # fmt: skip


def _has(session: Session, need: str) -> bool:
    if need == "cart":
        return bool(session.cart)
    if need == "pending":
        return session.pending is not None
    raise ValueError(f"unknown flow precondition {need!r}")


def _should_run(call: Call, turn: Turn) -> bool:
    if call.when is None:
        return True
    kind, _, name = call.when.partition(":")
    present = turn.vars.get(name) not in (None, [], "")
    if kind == "missing":
        return not present
    if kind == "present":
        return present
    raise ValueError(f"unknown call condition {call.when!r}")


def _arguments(call: Call, turn: Turn) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    for name, source in call.args:
        value = resolve(source, turn)
        if value is not None:
            arguments[name] = value
    return arguments


def resolve(source: object, turn: Turn) -> Any:
    """The value of an argument source expression (see `conversation.flows`), or None."""
    if not isinstance(source, str):
        return source
    for option in source.split("|"):
        kind, _, path = option.partition(":")
        value: Any
        if kind == "var" and path:
            value = turn.vars.get(path)
        elif kind == "result" and path:
            name, *fields = path.split(".")
            value = _dig(turn.result(name), fields)
        else:
            value = _constant(option)
        if value not in (None, [], ""):
            return value
    return None


def _dig(value: Any, fields: list[str]) -> Any:
    for part in fields:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _constant(text: str) -> Any:
    return int(text) if text.isdigit() else text
