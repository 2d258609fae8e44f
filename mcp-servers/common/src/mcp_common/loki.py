"""Grafana Loki log shipping that never slows or fails a request.

`LokiHandler.emit` formats the record (the JSON line `configure_logging` gives every handler)
and appends it to a bounded in-memory queue; when the queue is full the record is dropped and
counted. One daemon thread drains the queue in batches and POSTs each (`urllib.request`, one
connection per push) to Loki's JSON push API (`/loki/api/v1/push`) with labels `service`, `env`
and `level` only (a bounded set, as Loki advises: one stream per service, environment and level);
`trace_id` and `session_id` travel as Loki 3 structured metadata, so one request is found with
`{service="orchestrator"} | trace_id="<id>"` without a stream per request.

A push that Loki may accept later (429, 5xx, a timeout or refused connection) is retried, up to
`max_retries` times, after an exponential back-off with full jitter (`backoff_s` doubling up to
`max_backoff_s`), or after the `Retry-After` Loki sent (capped at `max_backoff_s`); meanwhile new
records wait in the bounded queue, and what does not fit is dropped and counted, so a Loki that is
down costs at most `max_queue` records of memory. Any other answer (400: a bad batch) and a batch
out of retries are dropped and counted. The only trace a failure leaves is a rate-limited line on
stderr, never a log record (which would feed back into the queue).

Counters for health and metrics: `sent`, `dropped` (queue full, failed push, left at close),
`failed_pushes` (every failed attempt), `retries`, `pending`. Eventually every handled record is
either sent or dropped.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass

from mcp_common import tracing
from mcp_common.logs import JsonFormatter, redact
from mcp_common.service_settings import BaseServiceSettings

PUSH_PATH = "/loki/api/v1/push"
_STDERR_EVERY_S = 60.0


@dataclass(frozen=True)
class _Entry:
    level: str
    timestamp_ns: str
    line: str
    metadata: dict[str, str]


class LokiHandler(logging.Handler):
    """A logging handler that ships JSON lines to Grafana Loki from a background thread."""

    def __init__(
        self,
        url: str,
        *,
        service: str,
        env: str,
        token: str | None = None,
        max_queue: int = 10_000,
        batch_size: int = 500,
        flush_interval_s: float = 1.0,
        timeout_s: float = 2.0,
        close_timeout_s: float = 2.0,
        max_retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        level: int = logging.NOTSET,
    ) -> None:
        super().__init__(level)
        self.setFormatter(JsonFormatter(service=service))  # configure_logging replaces it with its own
        self.push_url = url if url.rstrip("/").endswith(PUSH_PATH) else url.rstrip("/") + PUSH_PATH
        self.service, self.env = service, env
        self.max_queue, self.batch_size = max_queue, batch_size
        self.flush_interval_s, self.timeout_s, self.close_timeout_s = flush_interval_s, timeout_s, close_timeout_s
        self.max_retries, self.backoff_s, self.max_backoff_s = max_retries, backoff_s, max_backoff_s
        self.sent = self.dropped = self.failed_pushes = self.retries = 0
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._queue: deque[_Entry] = deque()
        self._cond = threading.Condition()
        self._accepted = self._done = self._flush_target = 0
        self._closing = False
        self._last_complaint: float | None = None
        self._reported_dropped = 0
        self._thread = threading.Thread(target=self._run, name=f"loki-push-{service}", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Records queued and not yet pushed."""
        return len(self._queue)

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record without blocking; drop and count it when the queue is full."""
        if threading.current_thread() is self._thread:
            return  # the pusher's own HTTP client logs: shipping them would feed back forever
        try:
            entry = self._entry(record)
        except Exception:
            self.handleError(record)
            return
        with self._cond:
            if self._closing or len(self._queue) >= self.max_queue:
                self.dropped += 1
                return
            self._queue.append(entry)
            self._accepted += 1
            if len(self._queue) >= self.batch_size:
                self._cond.notify_all()

    def flush(self, timeout_s: float | None = None) -> None:
        """Push what is queued now, waiting at most `timeout_s` (default `close_timeout_s`)."""
        deadline = time.monotonic() + (self.close_timeout_s if timeout_s is None else timeout_s)
        with self._cond:
            target = self._accepted
            self._flush_target = max(self._flush_target, target)
            self._cond.notify_all()
            while self._done < target and self._thread.is_alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def close(self) -> None:
        """Flush within `close_timeout_s`, stop the pusher and count what is left as dropped."""
        deadline = time.monotonic() + self.close_timeout_s
        self.flush(self.close_timeout_s)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            self.dropped += len(self._queue)
            self._done += len(self._queue)
            self._queue.clear()
        super().close()

    def _entry(self, record: logging.LogRecord) -> _Entry:
        ctx = tracing.current()
        metadata = {
            "trace_id": getattr(record, "trace_id", None) or (ctx.trace_id if ctx else None),
            "session_id": getattr(record, "session_id", None) or (ctx.session_id if ctx else None),
        }
        return _Entry(
            level=record.levelname.lower(),
            timestamp_ns=str(int(record.created * 1_000_000_000)),
            line=self.format(record),
            metadata={k: str(v) for k, v in metadata.items() if v},
        )

    def _run(self) -> None:
        while batch := self._next_batch():
            self._push(batch)

    def _next_batch(self) -> list[_Entry]:
        """Wait for a full batch, a flush, the flush interval or close; empty means stop."""
        with self._cond:
            while self._should_wait():
                if not self._cond.wait(self.flush_interval_s) and self._queue:
                    break
            return [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]

    def _should_wait(self) -> bool:
        full = len(self._queue) >= self.batch_size
        return not (self._closing or full or self._done < self._flush_target)

    def _push(self, batch: list[_Entry]) -> None:
        """Push one batch, retrying what Loki may accept later; count it as sent or dropped."""
        body = _body(self.service, self.env, batch)
        for attempt in range(self.max_retries + 1):
            ok, outcome, retry_after = self._send(body)
            if ok:
                break
            with self._cond:
                self.failed_pushes += 1
            if retry_after is None or attempt == self.max_retries:
                break
            self.retries += 1
            if not self._wait_before_retry(self._delay(attempt, retry_after or None)):
                break  # closing: the batch is dropped
        with self._cond:
            if ok:
                self.sent += len(batch)
            else:
                self.dropped += len(batch)
            self._done += len(batch)
            self._cond.notify_all()
        self._complain(outcome)

    def _send(self, body: bytes) -> tuple[bool, str, float | None]:
        """(ok, outcome, retry_after): `retry_after` is None when the push must not be retried, 0.0
        when it may be without a delay named by Loki, else the `Retry-After` seconds."""
        request = urllib.request.Request(  # noqa: S310 (the configured Loki URL, http or https)
            self.push_url, data=body, headers=self._headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 (as above)
                response.read()
                return 200 <= response.status < 300, f"HTTP {response.status}", 0.0
        except urllib.error.HTTPError as exc:  # a non-2xx answer
            with exc:
                later = exc.code == 429 or exc.code >= 500
                return False, f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After")) if later else None
        except Exception as exc:  # timeouts, refused connections, …: Loki may be back soon
            return False, repr(exc), 0.0

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Loki's `Retry-After` when it named one, else full jitter over the exponential back-off."""
        if retry_after is not None:
            return min(retry_after, self.max_backoff_s)
        return random.uniform(0, min(self.max_backoff_s, self.backoff_s * 2**attempt))  # noqa: S311 (not crypto)

    def _wait_before_retry(self, delay_s: float) -> bool:
        """Wait `delay_s` unless the handler closes first (then False)."""
        deadline = time.monotonic() + delay_s
        with self._cond:
            while not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                self._cond.wait(remaining)
        return False

    def _complain(self, outcome: str) -> None:
        """At most one stderr line a minute, and only while records are being lost."""
        now = time.monotonic()
        recent = self._last_complaint is not None and now - self._last_complaint < _STDERR_EVERY_S
        if self.dropped == self._reported_dropped or recent:
            return
        self._last_complaint, self._reported_dropped = now, self.dropped
        message = f"loki: {self.dropped} records dropped so far; last push to {self.push_url}: {outcome}\n"
        with contextlib.suppress(Exception):  # stderr gone at shutdown: nobody left to tell
            sys.stderr.write(redact(message))


def _retry_after(value: str | None) -> float:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); 0.0 when absent or unreadable."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0


def _body(service: str, env: str, batch: list[_Entry]) -> bytes:
    """The JSON push body: one stream per level, values ordered by time."""
    streams: dict[str, list[list[object]]] = {}
    for entry in sorted(batch, key=lambda e: int(e.timestamp_ns)):
        value: list[object] = [entry.timestamp_ns, entry.line]
        if entry.metadata:
            value.append(entry.metadata)
        streams.setdefault(entry.level, []).append(value)
    payload = {
        "streams": [
            {"stream": {"service": service, "env": env, "level": level}, "values": values}
            for level, values in streams.items()
        ]
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def loki_handler_from_settings(settings: BaseServiceSettings, *, service: str) -> LokiHandler | None:
    """A `LokiHandler` for `settings.loki_url` (labelled with `settings.env`), or None when unset."""
    if not settings.loki_url:
        return None
    token = settings.loki_token.get_secret_value() if settings.loki_token else None
    return LokiHandler(settings.loki_url, service=service, env=settings.env, token=token)
