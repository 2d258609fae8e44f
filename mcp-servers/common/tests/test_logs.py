"""JSON log lines: Cloud Logging's fields, trace correlation, extras, and redaction."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from mcp_common import tracing
from mcp_common.logs import REDACTED, JsonFormatter, configure_logging, redact

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


@dataclass
class Captured:
    logger: logging.Logger
    stream: io.StringIO

    def lines(self) -> list[dict[str, Any]]:
        """Every emitted line, each parsed as one JSON object."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def last(self) -> dict[str, Any]:
        return self.lines()[-1]


@contextmanager
def capture(name: str = "test.logs", *, project_id: str | None = None) -> Iterator[Captured]:
    """Route logger `name` (only) to JSON lines in memory."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="billing", project_id=project_id))
    logger = logging.getLogger(name)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield Captured(logger, stream)
    finally:
        logger.removeHandler(handler)
        logger.level, logger.propagate = saved


def test_each_record_is_one_json_line_with_cloud_logging_fields() -> None:
    with capture() as logs:
        logs.logger.info("charged %s", "cus_1")
        logs.logger.info("second")

    first, second = logs.lines()
    assert first["severity"] == "INFO"
    assert first["message"] == "charged cus_1"
    assert first["service"] == "billing"
    assert first["logger"] == "test.logs"
    assert first["time"].endswith("Z")
    assert abs(datetime.fromisoformat(first["time"]) - datetime.now(UTC)).total_seconds() < 60
    assert second["message"] == "second"


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (logging.DEBUG, "DEBUG"),
        (logging.INFO, "INFO"),
        (logging.WARNING, "WARNING"),
        (logging.ERROR, "ERROR"),
        (logging.CRITICAL, "CRITICAL"),
    ],
)
def test_python_levels_map_to_cloud_logging_severities(level: int, severity: str) -> None:
    with capture() as logs:
        logs.logger.log(level, "x")

    assert logs.last()["severity"] == severity


def test_event_type_and_latency_ms_pass_through_extra() -> None:
    with capture() as logs:
        logs.logger.info("done", extra={"event_type": "tool_call", "latency_ms": 12.5, "status": "ok"})

    line = logs.last()
    assert line["event_type"] == "tool_call"
    assert line["latency_ms"] == 12.5
    assert line["status"] == "ok"


def test_current_trace_adds_trace_session_and_cloud_trace_fields() -> None:
    ctx = tracing.TraceContext(TRACE, SPAN, session_id="sess-1")
    with capture(project_id="acme-prod") as logs, tracing.use(ctx):
        logs.logger.info("in a trace")

    line = logs.last()
    assert line["trace_id"] == TRACE
    assert line["span_id"] == SPAN
    assert line["session_id"] == "sess-1"
    assert line["logging.googleapis.com/trace"] == f"projects/acme-prod/traces/{TRACE}"
    assert line["logging.googleapis.com/spanId"] == SPAN


def test_cloud_trace_field_is_the_bare_trace_id_without_a_project() -> None:
    with capture() as logs, tracing.use(tracing.TraceContext(TRACE, SPAN)):
        logs.logger.info("in a trace")

    line = logs.last()
    assert line["logging.googleapis.com/trace"] == TRACE
    assert "session_id" not in line


def test_records_outside_a_trace_have_no_trace_fields() -> None:
    with capture(project_id="acme-prod") as logs:
        logs.logger.info("no trace")

    line = logs.last()
    assert not {"trace_id", "span_id", "session_id"} & line.keys()
    assert not [key for key in line if key.startswith("logging.googleapis.com/")]


def test_a_span_line_names_its_own_span_within_the_current_trace() -> None:
    parent = tracing.TraceContext(TRACE, SPAN, session_id="sess-1")
    with (
        capture("mcp_common.trace", project_id="p") as logs,
        tracing.use(parent),
        tracing.span("lookup", tool="find_customer"),
    ):
        pass

    line = logs.last()
    assert line["event_type"] == "service_span"
    assert line["trace_id"] == TRACE
    assert line["parent_span_id"] == SPAN
    assert line["span_id"] != SPAN
    assert line["logging.googleapis.com/spanId"] == line["span_id"]
    assert line["session_id"] == "sess-1"
    assert isinstance(line["latency_ms"], float)


def test_payloads_in_extra_are_redacted() -> None:
    request = {"customer": "cus_1", "auth": {"api_key": "sk_live_123"}, "items": [{"password": "p"}]}
    with capture() as logs:
        logs.logger.info("call", extra={"request": request, "response": {"token": "t", "ok": True}})

    line = logs.last()
    assert line["request"] == {"customer": "cus_1", "auth": REDACTED, "items": [{"password": REDACTED}]}
    assert line["response"] == {"token": REDACTED, "ok": True}


def test_credentials_in_the_message_are_redacted() -> None:
    with capture() as logs:
        logs.logger.warning("upstream refused Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")

    assert logs.last()["message"] == f"upstream refused Authorization: Bearer {REDACTED}"


def test_extras_cannot_overwrite_the_fields_cloud_logging_reads() -> None:
    with capture() as logs:
        logs.logger.info("real", extra={"severity": "DEBUG", "service": "hubspot", "time": "then"})

    line = logs.last()
    assert (line["severity"], line["service"]) == ("INFO", "billing")
    assert line["time"] != "then"
    assert (line["extra_severity"], line["extra_service"], line["extra_time"]) == ("DEBUG", "hubspot", "then")


def test_exceptions_are_included_and_redacted() -> None:
    with capture() as logs:
        try:
            raise RuntimeError("call failed with token=abc123secret")
        except RuntimeError:
            logs.logger.exception("boom")

    line = logs.last()
    assert line["severity"] == "ERROR"
    assert "RuntimeError: call failed with token=[REDACTED]" in line["exception"]
    assert "abc123secret" not in json.dumps(line)


def test_unserialisable_extras_still_give_one_json_line() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque"

    with capture() as logs:
        logs.logger.info("odd", extra={"thing": Opaque(), "keyed": {(1, 2): "tuple key"}, "n": {1, 2}})

    line = logs.last()
    assert line["thing"] == "opaque"
    assert line["keyed"] == {"(1, 2)": "tuple key"}
    assert sorted(line["n"]) == [1, 2]


@pytest.mark.parametrize(
    "key",
    [
        "password", "Password", "db_password", "passwd", "pwd", "secret", "client_secret", "token",
        "access_token", "refreshToken", "csrftoken", "api_key", "api-key", "apiKey", "APIKey",
        "X-Api-Key", "Authorization", "proxy-authorization", "cookie", "Set-Cookie", "credentials",
        "private_key", "aws_access_key_id", "auth",
    ],
)  # fmt: skip
def test_redact_masks_secret_looking_keys(key: str) -> None:
    assert redact({key: "v", "visible": "v"}) == {key: REDACTED, "visible": "v"}


@pytest.mark.parametrize(
    "key",
    ["max_tokens", "input_tokens", "tokenizer", "passage", "bypass", "author", "session_id", "key", "secretary"],
)
def test_redact_keeps_keys_that_only_resemble_secrets(key: str) -> None:
    assert redact({key: 5}) == {key: 5}


def test_redact_walks_nested_dicts_lists_and_tuples() -> None:
    value = {"a": [{"b": ({"password": "p", "n": 1},)}], "c": {"d": {"api_key": "k"}}}

    assert redact(value) == {"a": [{"b": [{"password": REDACTED, "n": 1}]}], "c": {"d": {"api_key": REDACTED}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-123", f"Authorization: Bearer {REDACTED}"),
        ("bearer sk_live_51HxYz", f"bearer {REDACTED}"),
        ("Basic dXNlcjpwYXNzd29yZA==", f"Basic {REDACTED}"),
        ("Authorization: token ghp_1234567890abcdef", f"Authorization: token {REDACTED}"),
        ("postgres://app:hunter2@db:5432/x", f"postgres://app:{REDACTED}@db:5432/x"),
        ("GET /v1/x?api_key=abc123&limit=5", f"GET /v1/x?api_key={REDACTED}&limit=5"),
        ('{"access_token": "ya29.abc", "scope": "read"}', f'{{"access_token": "{REDACTED}", "scope": "read"}}'),
    ],
)
def test_redact_masks_credentials_inside_strings(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Upgraded to the Basic plan",
        "basic information only",
        "the bearer of bad news",
        "token expired",
        "max_tokens=512",
    ],
)
def test_redact_leaves_prose_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_masks_secret_str_values_and_fields_of_models() -> None:
    class Login(BaseModel):
        user: str
        pin: SecretStr

    login = Login(user="ann", pin=SecretStr("1234"))

    assert redact({"value": SecretStr("s3cret")}) == {"value": REDACTED}
    assert redact([SecretStr("s3cret")]) == [REDACTED]
    assert redact(login) == {"user": "ann", "pin": REDACTED}


def test_redact_does_not_modify_its_input() -> None:
    value = {"password": "p", "nested": [{"token": "t"}]}

    redact(value)

    assert value == {"password": "p", "nested": [{"token": "t"}]}


def test_redact_survives_self_referencing_data() -> None:
    loop: dict[str, Any] = {"name": "loop"}
    loop["self"] = loop

    json.dumps(redact(loop))


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers, root.level = saved


@pytest.mark.usefixtures("restore_root_logger")
def test_configure_logging_writes_json_lines_to_stdout_and_formats_extra_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra_stream = io.StringIO()
    extra = logging.StreamHandler(extra_stream)

    configure_logging("billing", level="debug", project_id="acme", extra_handlers=[extra])
    with tracing.use(tracing.TraceContext(TRACE, SPAN)):
        logging.getLogger("app.module").debug("hello", extra={"event_type": "boot"})

    stdout_line = json.loads(capsys.readouterr().out.strip())
    assert stdout_line == json.loads(extra_stream.getvalue().strip())
    assert stdout_line["service"] == "billing"
    assert stdout_line["severity"] == "DEBUG"
    assert stdout_line["event_type"] == "boot"
    assert stdout_line["logging.googleapis.com/trace"] == f"projects/acme/traces/{TRACE}"
