"""LokiHandler against a real loopback fake Loki: payload shape, batching, back-off and failure isolation."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mcp_common import tracing
from mcp_common.loki import PUSH_PATH, LokiHandler, loki_handler_from_settings
from mcp_common.service_settings import BaseServiceSettings
from mcp_devtools.testing import free_port, serve

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


class FakeLoki:
    """Records every push; can answer with an error status or hold requests until released."""

    def __init__(self) -> None:
        self.arrived = 0
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 204
        self.statuses: list[int] = []  # answered first, one per push, before `status`
        self.retry_after: str | None = None  # sent with 429 and 5xx answers
        self.arrivals: list[float] = []
        self.hold_s = 0.0
        self.release = threading.Event()
        self.url = ""
        self.app = Starlette(routes=[Route(PUSH_PATH, self.push, methods=["POST"])])

    async def push(self, request: Request) -> Response:
        self.arrived += 1
        self.arrivals.append(time.monotonic())
        body = await request.json()
        if self.hold_s:
            await asyncio.to_thread(self.release.wait, self.hold_s)
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        status = self.statuses.pop(0) if self.statuses else self.status
        later = status == 429 or status >= 500
        headers = {"Retry-After": self.retry_after} if later and self.retry_after is not None else None
        return Response(status_code=status, headers=headers)

    def values(self) -> list[list[Any]]:
        """Every pushed `[timestamp, line, metadata?]`, in push order."""
        return [value for body in self.bodies for stream in body["streams"] for value in stream["values"]]

    def messages(self) -> list[str]:
        return [json.loads(value[1])["message"] for value in self.values()]


@pytest.fixture
def loki() -> Iterator[FakeLoki]:
    fake = FakeLoki()
    with serve(fake.app) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.release.set()


@pytest.fixture
def handlers() -> Iterator[Callable[..., LokiHandler]]:
    """Makes LokiHandlers (service "billing", env "test") and closes them all afterwards."""
    made: list[LokiHandler] = []

    def make(url: str, **options: Any) -> LokiHandler:
        handler = LokiHandler(url, **{"service": "billing", "env": "test", "close_timeout_s": 0.5, **options})
        made.append(handler)
        return handler

    yield make
    for handler in made:
        handler.close()


def logger_for(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test.loki.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    return logger


def wait_until(predicate: Callable[[], bool], *, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        time.sleep(0.005)


def test_pushes_json_lines_labelled_only_with_service_env_and_level(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    handler = handlers(loki.url)
    log = logger_for(handler)
    before_ns = time.time_ns()

    log.info("charged cus_1")
    log.warning("card expiring")
    handler.flush()

    # The background thread may push the first line before the second is queued: one or two bodies.
    streams = {stream["stream"]["level"]: stream for body in loki.bodies for stream in body["streams"]}
    assert streams.keys() == {"info", "warning"}
    for level, stream in streams.items():
        assert stream["stream"] == {"service": "billing", "env": "test", "level": level}
    (timestamp, line), *_ = streams["info"]["values"]
    assert before_ns <= int(timestamp) <= time.time_ns()
    assert json.loads(line)["message"] == "charged cus_1"
    assert json.loads(line)["severity"] == "INFO"
    assert (handler.sent, handler.dropped, handler.pending) == (2, 0, 0)


def test_trace_and_session_ids_travel_as_structured_metadata_not_labels(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    handler = handlers(loki.url)
    log = logger_for(handler)

    with tracing.use(tracing.TraceContext(TRACE, SPAN, session_id="sess-1")):
        log.info("in a session")
    with tracing.use(tracing.TraceContext(TRACE, SPAN)):
        log.info("traced only")
    log.info("untraced")
    handler.flush()

    in_session, traced_only, untraced = loki.values()
    assert in_session[2] == {"trace_id": TRACE, "session_id": "sess-1"}
    assert traced_only[2] == {"trace_id": TRACE}
    assert len(untraced) == 2
    assert all(s["stream"].keys() == {"service", "env", "level"} for body in loki.bodies for s in body["streams"])


def test_records_are_batched_into_few_pushes_in_order(loki: FakeLoki, handlers: Callable[..., LokiHandler]) -> None:
    handler = handlers(loki.url, batch_size=10, flush_interval_s=30)
    log = logger_for(handler)

    for n in range(25):
        log.info("record %d", n)
    handler.flush()

    assert [len(body["streams"][0]["values"]) for body in loki.bodies] == [10, 10, 5]
    assert loki.messages() == [f"record {n}" for n in range(25)]


def test_the_flush_interval_ships_records_without_an_explicit_flush(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    handler = handlers(loki.url, flush_interval_s=0.05)
    log = logger_for(handler)

    for n in range(3):
        log.info("record %d", n)

    wait_until(lambda: handler.sent == 3)
    assert loki.messages() == ["record 0", "record 1", "record 2"]


def test_loki_down_drops_and_counts_without_raising_and_complains_once(
    handlers: Callable[..., LokiHandler], capsys: pytest.CaptureFixture[str]
) -> None:
    handler = handlers(f"http://127.0.0.1:{free_port()}", timeout_s=0.5, max_retries=0)
    log = logger_for(handler)

    for attempt in range(3):
        log.error("lost %d", attempt)
        handler.flush()

    assert (handler.sent, handler.dropped, handler.failed_pushes) == (0, 3, 3)
    complaints = [line for line in capsys.readouterr().err.splitlines() if line.startswith("loki:")]
    assert len(complaints) == 1
    assert "records dropped" in complaints[0]


def test_an_error_status_from_loki_drops_the_batch(loki: FakeLoki, handlers: Callable[..., LokiHandler]) -> None:
    loki.status = 500
    handler = handlers(loki.url, max_retries=0)
    log = logger_for(handler)

    log.info("one")
    log.info("two")
    handler.flush()

    assert len(loki.bodies) == 1
    assert (handler.sent, handler.dropped, handler.failed_pushes) == (0, 2, 1)


def test_slow_loki_never_blocks_emit_and_overflow_is_dropped(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    loki.hold_s = 5.0
    handler = handlers(loki.url, max_queue=4, batch_size=2, flush_interval_s=0.01, timeout_s=0.5)
    log = logger_for(handler)
    log.info("first")
    wait_until(lambda: loki.arrived == 1)  # the pusher is now stuck in a push

    start = time.monotonic()
    for n in range(50):
        log.info("record %d", n)
    elapsed = time.monotonic() - start

    assert elapsed < 0.4, "emit waited for the stuck push (client timeout 0.5 s)"
    assert handler.pending == 4
    assert handler.dropped == 46
    wait_until(lambda: handler.failed_pushes >= 1)  # the stuck push timed out and its batch was dropped
    loki.release.set()
    handler.close()
    wait_until(lambda: handler.sent + handler.dropped == 51)


def test_close_flushes_and_later_records_are_dropped_quietly(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    handler = handlers(loki.url, flush_interval_s=30)
    log = logger_for(handler)
    log.info("before close")

    handler.close()
    log.info("after close")

    assert loki.messages() == ["before close"]
    assert (handler.sent, handler.dropped) == (1, 1)


def test_the_pusher_does_not_ship_its_own_http_client_logs(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    handler = handlers(loki.url)
    loggers = [logging.getLogger(name) for name in ("", "httpx", "httpcore")]
    saved_levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    loggers[0].addHandler(handler)
    try:
        logging.getLogger("test.loki.app").info("only this")
        handler.flush()
        handler.flush()
    finally:
        loggers[0].removeHandler(handler)
        for logger, level in zip(loggers, saved_levels, strict=True):
            logger.setLevel(level)

    assert loki.messages() == ["only this"]
    assert handler.pending == 0


def test_settings_configure_url_env_and_bearer_token(loki: FakeLoki) -> None:
    settings = BaseServiceSettings(loki_url=loki.url, loki_token=SecretStr("s3cret"), env="staging")
    handler = loki_handler_from_settings(settings, service="hubspot")
    assert handler is not None
    try:
        logger_for(handler).info("hello")
        handler.flush()
    finally:
        handler.close()

    (headers,) = loki.headers
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["content-type"] == "application/json"
    assert loki.bodies[0]["streams"][0]["stream"] == {"service": "hubspot", "env": "staging", "level": "info"}


def test_no_handler_without_a_loki_url() -> None:
    assert loki_handler_from_settings(BaseServiceSettings(loki_url=None), service="hubspot") is None


@pytest.mark.parametrize("url", ["http://loki:3100", "http://loki:3100/", f"http://loki:3100{PUSH_PATH}"])
def test_the_push_url_accepts_a_base_url_or_the_full_push_path(url: str, handlers: Callable[..., LokiHandler]) -> None:
    assert handlers(url).push_url == f"http://loki:3100{PUSH_PATH}"


def test_429_then_200_retries_the_same_batch_after_retry_after(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    loki.statuses, loki.retry_after = [429], "1"
    handler = handlers(loki.url, backoff_s=0.01, close_timeout_s=5)
    log = logger_for(handler)

    log.info("one")
    log.info("two")
    handler.flush()

    assert loki.arrived == 2
    assert loki.bodies[0] == loki.bodies[1], "the retry sends the batch Loki refused"
    assert loki.arrivals[1] - loki.arrivals[0] >= 0.9, "Retry-After: 1 was not honoured"
    assert (handler.sent, handler.dropped, handler.failed_pushes, handler.retries) == (2, 0, 1, 1)


def test_5xx_is_retried_with_backoff_until_it_succeeds(loki: FakeLoki, handlers: Callable[..., LokiHandler]) -> None:
    loki.statuses = [500, 503, 502]
    handler = handlers(loki.url, backoff_s=0.01, max_backoff_s=0.05)
    log = logger_for(handler)

    log.info("persistent")
    handler.flush()

    assert loki.arrived == 4
    assert loki.messages()[-1] == "persistent"
    assert (handler.sent, handler.dropped, handler.failed_pushes, handler.retries) == (1, 0, 3, 3)


def test_a_batch_out_of_retries_is_dropped_and_a_400_is_not_retried(
    loki: FakeLoki, handlers: Callable[..., LokiHandler]
) -> None:
    loki.status = 500
    handler = handlers(loki.url, max_retries=2, backoff_s=0.01)
    logger_for(handler).info("lost")
    handler.flush()
    assert loki.arrived == 3
    assert (handler.sent, handler.dropped, handler.failed_pushes, handler.retries) == (0, 1, 3, 2)

    loki.status = 400
    logger_for(handler).info("malformed")
    handler.flush()
    assert loki.arrived == 4
    assert (handler.sent, handler.dropped, handler.failed_pushes) == (0, 2, 4)


def test_the_backoff_has_full_jitter_below_its_exponential_cap(handlers: Callable[..., LokiHandler]) -> None:
    handler = handlers("http://loki:3100", backoff_s=1.0, max_backoff_s=8.0)
    for attempt, cap in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (10, 8.0)]:
        delays = [handler._delay(attempt, None) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap / 2, "no jitter spread"
    assert handler._delay(0, 3.0) == 3.0
    assert handler._delay(0, 3600.0) == 8.0


def test_loki_down_keeps_memory_bounded_and_counts_every_record(handlers: Callable[..., LokiHandler]) -> None:
    handler = handlers(
        f"http://127.0.0.1:{free_port()}", max_queue=5, batch_size=2, flush_interval_s=0.01, backoff_s=0.05,
        max_backoff_s=0.05, max_retries=1000, timeout_s=0.2,
    )  # fmt: skip
    log = logger_for(handler)

    for n in range(200):
        log.info("record %d", n)
    wait_until(lambda: handler.retries >= 3)

    assert handler.pending <= 5, "the queue grew past max_queue while Loki was down"
    assert handler.dropped >= 200 - 5 - 2  # at most one batch in flight and a full queue are kept
    handler.close()
    wait_until(lambda: handler.dropped == 200)  # the batch in flight at close is dropped when its push ends
    assert (handler.sent, handler.pending) == (0, 0)
