"""A circuit breaker: stop calling a dependency that keeps failing, try it again after a cooldown.

```
closed ──(`failures` failed calls in a row)──▶ open ──(cooldown elapsed)──▶ half_open
  ▲                                             ▲                              │ one trial call
  └──────────────────── trial succeeds ─────────┼──────────────────────────────┤   per cooldown
                                                └──────── trial fails ─────────┘
```

Half-open lets one trial call start per cooldown: calls arriving while it runs fail fast, but a trial
still running a whole cooldown later lets one more through, so a dependency that was slow when the
first trial started and is quick again is not kept open until that trial's timeout.

Used around the model (`llm.resilient`), around the shared cache (`state.cache`) and around each tool
source (`resilience.guard`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts consecutive failed calls; not thread-safe (one event loop)."""

    def __init__(self, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if failures < 1:
            raise ValueError("a circuit breaker needs failures >= 1")
        if cooldown_s < 0:
            raise ValueError("a circuit breaker needs cooldown_s >= 0")
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._state: BreakerState = "closed"
        self._consecutive = 0
        self._opened_at = 0.0
        self._trial_running = False
        self._trial_started_at = 0.0
        self.opens = 0
        """How many times the circuit has opened since start (a metric)."""

    @property
    def state(self) -> BreakerState:
        """The current state; an open circuit whose cooldown has elapsed reads as `half_open`."""
        if self._state == "open" and self._cooled_down():
            return "half_open"
        return self._state

    def allow(self) -> bool:
        """Whether a call may go ahead now; in `half_open` one caller per cooldown gets a trial."""
        if self._state == "open":
            if not self._cooled_down():
                return False
            self._state = "half_open"
            self._trial_running = False
        if self._state == "half_open":
            if self._trial_running and self._clock() - self._trial_started_at < self.cooldown_s:
                return False
            self._trial_running = True
            self._trial_started_at = self._clock()
        return True

    def success(self) -> None:
        """A call succeeded: the circuit closes and the failure count restarts."""
        self._state = "closed"
        self._consecutive = 0
        self._trial_running = False

    def failure(self) -> None:
        """A call failed: a failed trial re-opens the circuit, the `failures`-th failure in a row opens it."""
        if self._state == "half_open":
            self._open()
        elif self._state == "closed":
            self._consecutive += 1
            if self._consecutive >= self.failures:
                self._open()
        # Already open: a late failure of a call let through earlier changes nothing.

    def abandon(self) -> None:
        """A call ended without a verdict (it was cancelled): a half-open trial slot is given back."""
        if self._state == "half_open":
            self._trial_running = False

    def _open(self) -> None:
        self._state = "open"
        self.opens += 1
        self._opened_at = self._clock()
        self._trial_running = False

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self.cooldown_s


__all__ = ["BreakerState", "CircuitBreaker"]
