"""Budget: the time one request may take, shared by every stage of its path.

```
request budget (ORCH_BUDGET_QUERY_S, …_MESSAGE_S, …_TOOL_CALL_S)
 ├─ cache lookup, session load         bounded by their stores' own timeouts
 ├─ plan / intent: each model call     at most `model_share` of what is left, never less than
 │                                     `min_model_s` (else skipped: the rules answer)
 ├─ tool calls                         the executor's deadline, capped at what is left minus `reserve_s`
 ├─ render: a model call               as for planning (else the templates answer)
 └─ the engine's last resort           past the budget + `GRACE_S`, the request answers SERVICE_TIMEOUT
```

A stage cut short by the budget is recorded in `cut` (in order), so the answer's trace says where
the time ran out. The budget travels in a context variable: the model wrapper and the executor read
it without every planner, renderer and flow passing it along.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

GRACE_S = 0.25
"""How long past its budget a request may run before the engine answers SERVICE_TIMEOUT in its place."""


@dataclass(frozen=True)
class BudgetConfig:
    """How a request's budget is shared out."""

    model_share: float = 0.5
    """A model call (with its retries) gets at most this share of what is left of the request."""
    min_model_s: float = 0.5
    """A model attempt is not started with less time than this: the fallback answers instead."""
    reserve_s: float = 0.3
    """What tool calls and model calls leave for the stages after them (templates, saving the session)."""


@dataclass
class Budget:
    """The time left to one request, in the event loop's clock."""

    total_s: float
    deadline: float
    config: BudgetConfig = field(default_factory=BudgetConfig)
    stage: str = "start"
    cut: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, total_s: float, config: BudgetConfig | None = None) -> Budget:
        """A budget of `total_s` seconds from now (call within the request's event loop)."""
        return cls(total_s, asyncio.get_running_loop().time() + total_s, config or BudgetConfig())

    def remaining(self) -> float:
        """Seconds left (negative once spent)."""
        return self.deadline - asyncio.get_running_loop().time()

    def for_model(self) -> float:
        """Seconds a model call starting now may take, retries included (0 when too little is left)."""
        allowed = (self.remaining() - self.config.reserve_s) * self.config.model_share
        return allowed if allowed >= self.config.min_model_s else 0.0

    def for_tools(self, deadline_s: float) -> float:
        """The tool-call deadline to use in place of `deadline_s`: no later than what is left minus the reserve."""
        return max(0.0, min(deadline_s, self.remaining() - self.config.reserve_s))

    def mark_cut(self, what: str) -> None:
        """Record that `what` (a stage, a model call) was cut short or skipped for lack of time."""
        if what not in self.cut:
            self.cut.append(what)

    def spent_ms(self) -> float:
        return round((self.total_s - self.remaining()) * 1000, 3)


_current: ContextVar[Budget | None] = ContextVar("request_budget", default=None)


def current() -> Budget | None:
    """The budget of the request being served, if any (none outside a request: no limit but the stages' own)."""
    return _current.get()


@contextlib.contextmanager
def within(budget: Budget) -> Iterator[Budget]:
    """Make `budget` the current request's budget for the block."""
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)
