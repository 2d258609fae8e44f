"""Flows: a conversation plug-in's intents, declared as data, and the expressions they use.

A `Flow` names, for one intent: the tool calls to make (in stages; calls of one stage run in
parallel, a stage is planned from the results of the ones before), where each argument comes
from, the conditions under which a call is skipped, the session preconditions, the outcome
handler that updates the plug-in's state and makes the reply, and the suggestions.

Argument sources are short expressions:
- `var:name` a value the plug-in derives for this turn (slots read from the message, resolved
  against its state and the results so far);
- `result:call.path.0.field` a field of an earlier call's result;
- `a|b` the first of several sources that has a value;
- any other value is a constant. An argument whose source has no value is left out;
- the argument name `*` takes a whole argument object from its source (a pending action's).

A call `when="missing:var"` runs only without that variable, `present:var` only with it. A call
that changes data must say `writes=True`: no other step of a conversation may write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mcp_common.errors import ErrorBody
from orchestrator.execution.executor import SourceResult
from orchestrator.security.caller import Caller
from orchestrator.state.sessions import Session

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


@dataclass(frozen=True)
class Intent:
    """What the user wants, how sure the reader is, and the details (slots) it read."""

    name: str
    confidence: float
    slots: dict[str, Any] = field(default_factory=dict)
    source: str = "rules"  # who decided: "rules", "llm", or "rules (fallback: <reason>)"


@dataclass(frozen=True)
class Reply:
    text: str
    data: dict[str, Any] | None = None
    suggestions: tuple[str, ...] = ()


@dataclass
class Turn:
    """Everything one turn knows; `state` is the plug-in's own (a cart, a pending confirmation…)."""

    message: str
    caller: Caller
    session: Session
    state: Any
    intent: Intent
    flow: Flow
    vars: dict[str, Any] = field(default_factory=dict)
    results: dict[str, SourceResult] = field(default_factory=dict)
    stage: int = 0
    planned: list[Call] = field(default_factory=list)
    failed: tuple[Call, SourceResult] | None = None
    unmet: Precondition | None = None

    def result(self, name: str) -> dict[str, Any] | None:
        found = self.results.get(name)
        return found.result if found is not None and found.status == "ok" else None

    def error(self, name: str) -> ErrorBody | None:
        found = self.results.get(name)
        return found.error if found is not None else None


def outcome(*, templates: tuple[str, ...]) -> Callable[[HandlerT], HandlerT]:
    """Declare an outcome handler and the reply templates it may render."""

    def declare(handler: HandlerT) -> HandlerT:
        handler.templates = templates  # type: ignore[attr-defined]
        return handler

    return declare


def templates_of(handler: Callable[..., Any]) -> tuple[str, ...] | None:
    """The templates an outcome handler declared, or None when it was not declared with `@outcome`."""
    declared = getattr(handler, "templates", None)
    return tuple(declared) if isinstance(declared, tuple) else None


Outcome = Callable[[Turn], Awaitable[Reply]]


@dataclass(frozen=True)
class Call:
    """One tool call of a flow."""

    name: str
    tool: str
    args: tuple[tuple[str, object], ...] = ()
    when: str | None = None
    optional: bool = False
    writes: bool = False


@dataclass(frozen=True)
class Precondition:
    """Something the session must hold before a flow runs, and the reply when it does not."""

    name: str
    holds: Callable[[Turn], bool]
    reply: Callable[[Turn], Reply]


@dataclass(frozen=True)
class Flow:
    intent: str
    outcome: Outcome
    stages: tuple[tuple[Call, ...], ...] = ()
    needs: tuple[Precondition, ...] = ()
    data: str | None = None
    suggestions: tuple[str, ...] = field(default=())

    def calls(self) -> list[Call]:
        return [call for stage in self.stages for call in stage]
