"""Structured logging: one JSON object per line on stdout, in Cloud Logging's field names.

Every record carries `severity`, `message`, `time`, `service` and `logger`, and, when a trace
is current, `trace_id`, `span_id`, `session_id` and Cloud Logging's
`logging.googleapis.com/trace` / `logging.googleapis.com/spanId`. Fields passed through
`extra=` (`event_type`, `latency_ms`, `request`, `response`, …) are added after `redact`;
an extra `trace_id`/`span_id` (as `tracing.span` logs) names the span the line is about.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_core import PydanticSerializationError, to_json

from mcp_common import tracing

REDACTED = "[REDACTED]"
_MAX_DEPTH = 32

# A key is secret when one of its words (snake, kebab or camel case) is, or ends with, one of these.
_SECRET_WORDS = frozenset({"pass", "pwd", "auth", "jwt", "otp"})
_SECRET_SUFFIXES = (
    "password", "passwd", "passphrase", "secret", "secrets", "token", "apikey", "authorization",
    "cookie", "cookies", "credential", "credentials", "privatekey",
)  # fmt: skip
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_SCHEME_CREDENTIAL = re.compile(r"\b(?P<scheme>bearer|basic|token)\s+(?P<value>[\w.~+/=-]+)", re.I)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)(?P<value>[^/\s@]+)@", re.I)
_ASSIGNMENT = re.compile(r"(?P<head>\b(?P<key>[\w.-]+)=)(?P<value>[^\s&;,\"']+)")
_JSON_PAIR = re.compile(r"(?P<head>\"(?P<key>[^\"\\]{1,100})\"\s*:\s*\")(?P<value>[^\"\\]*)(?=\")")

# Cloud Logging owns these; an `extra=` field of the same name is kept as `extra_<name>`.
_RESERVED = frozenset({"severity", "message", "time", "service", "logger", "exception", "stack"})
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


def redact(value: Any) -> Any:
    """A copy of `value` with secret-looking keys, secret values and credentials in text masked.

    Walks dicts, lists, tuples, sets and pydantic models; masks `SecretStr`/`SecretBytes`, the
    values of keys such as `password`, `api_key`, `Authorization`, `client_secret`,
    `accessToken` or `set-cookie`, and inside strings `Bearer …`/`Basic …` credentials,
    URL passwords and `token=…` / `"password": "…"` pairs.
    """
    return _redact(value, 0)


def _redact(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return "[TOO DEEP]"
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, SecretStr | SecretBytes):
        return REDACTED
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, Mapping):
        return {_key(k): REDACTED if _is_secret_key(k) else _redact(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(v, depth + 1) for v in value]
    return value


def _key(key: object) -> object:
    return key if isinstance(key, str | int | float | bool) or key is None else str(key)


@lru_cache(maxsize=2048)
def _is_secret_key(key: object) -> bool:
    words = re.split(r"[^a-z0-9]+", _CAMEL.sub("_", str(key)).lower())
    if any(word in _SECRET_WORDS or word.endswith(_SECRET_SUFFIXES) for word in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def _redact_text(text: str) -> str:
    # Log fields repeat (event types, routes, tool and service names): short ones are redacted once.
    return _redact_short(text) if len(text) <= _REMEMBERED_CHARS else _redact_uncached(text)


_REMEMBERED_CHARS = 200


@lru_cache(maxsize=4096)
def _redact_short(text: str) -> str:
    return _redact_uncached(text)


def _redact_uncached(text: str) -> str:
    text = _SCHEME_CREDENTIAL.sub(_mask_scheme_credential, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{REDACTED}@", text)
    text = _ASSIGNMENT.sub(_mask_secret_pair, text)
    return _JSON_PAIR.sub(_mask_secret_pair, text)


def _mask_scheme_credential(match: re.Match[str]) -> str:
    return f"{match['scheme']} {REDACTED}" if _looks_like_credential(match["value"]) else match[0]


def _looks_like_credential(word: str) -> bool:
    """True for `dXNlcjpw…`, `eyJhbGci.…`, `sk-12ab…`; false for prose such as "Basic plan"."""
    if len(word) >= 24:
        return True
    mixed_case = any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)
    return len(word) >= 8 and (mixed_case or not word.isalpha())


def _mask_secret_pair(match: re.Match[str]) -> str:
    if not _is_secret_key(match["key"]) or match["value"].lower() in {"bearer", "basic", REDACTED.lower()}:
        return match[0]
    return f"{match['head']}{REDACTED}"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line that Cloud Logging and Loki both understand."""

    def __init__(self, *, service: str, project_id: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.project_id = project_id

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        try:  # pydantic-core's encoder: a fraction of json.dumps' time, the same compact JSON
            return to_json(fields, fallback=str).decode()
        except (TypeError, ValueError, RecursionError, PydanticSerializationError):
            return json.dumps({k: v if _is_plain(v) else repr(v) for k, v in fields.items()})

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The record as a dict of JSON-ready fields, redacted, in Cloud Logging's names."""
        entry: dict[str, Any] = {
            "severity": _severity(record.levelno),
            "message": _redact_text(record.getMessage()),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "service": self.service,
            "logger": record.name,
        }
        entry.update(_trace_fields(tracing.current()))
        entry.update(_extra_fields(record))
        entry.update(self._cloud_trace_fields(entry))
        if record.exc_info:
            entry["exception"] = _redact_text(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return entry

    def _cloud_trace_fields(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        trace_id, span_id = entry.get("trace_id"), entry.get("span_id")
        if not trace_id:
            return {}
        trace = f"projects/{self.project_id}/traces/{trace_id}" if self.project_id else str(trace_id)
        fields: dict[str, Any] = {"logging.googleapis.com/trace": trace}
        if span_id:
            fields["logging.googleapis.com/spanId"] = span_id
        return fields


def _trace_fields(ctx: tracing.TraceContext | None) -> dict[str, Any]:
    if ctx is None:
        return {}
    fields = {"trace_id": ctx.trace_id, "span_id": ctx.span_id, "session_id": ctx.session_id}
    return {k: v for k, v in fields.items() if v is not None}


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        f"extra_{key}" if key in _RESERVED else key: redact(value)
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRS
    }


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _severity(levelno: int) -> str:
    if levelno >= logging.CRITICAL:
        return "CRITICAL"
    if levelno >= logging.ERROR:
        return "ERROR"
    if levelno >= logging.WARNING:
        return "WARNING"
    if levelno >= logging.INFO:
        return "INFO"
    return "DEBUG"


def configure_logging(
    service: str,
    *,
    level: str = "INFO",
    project_id: str | None = None,
    extra_handlers: Sequence[logging.Handler] | None = None,
    log_file: str | Path | None = None,
) -> None:
    """Route the root logger to JSON lines on stdout (plus any extra handlers, e.g. Loki), and also
    appended to `log_file` when given (its directory is created), where `orchestrator trace` reads them."""
    formatter = JsonFormatter(service=service, project_id=project_id)
    stdout = logging.StreamHandler(sys.stdout)
    handlers: list[logging.Handler] = [stdout, *(extra_handlers or ())]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = handlers
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # TelemetryMiddleware logs each request instead
    for name in ("uvicorn", "uvicorn.error", "httpx", "httpcore", "mcp"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
