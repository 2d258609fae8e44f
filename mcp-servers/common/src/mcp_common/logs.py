"""Structured logging: one JSON object per line on stdout, in Cloud Logging's field names.

Every record carries `severity`, `message`, `time`, `service`, and, when a trace is current,
`trace_id`, `session_id` and Cloud Logging's `logging.googleapis.com/trace` / `spanId`.
Fields passed through `extra=` (`event_type`, `latency_ms`, `request`, `response`, …) are
added as they are, after `redact`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from mcp_common import tracing

_SECRET_KEY = re.compile(r"(pass(word)?|secret|token|api[_-]?key|authorization|cookie|credential)", re.I)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]+")
REDACTED = "[REDACTED]"

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def redact(value: Any) -> Any:
    """A copy of `value` with secret-looking keys and bearer credentials masked."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
    return value


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line that Cloud Logging and Loki both understand."""

    def __init__(self, *, service: str, project_id: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.project_id = project_id

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), default=str, separators=(",", ":"))

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "severity": _severity(record.levelno),
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "service": self.service,
            "logger": record.name,
        }
        ctx = tracing.current()
        if ctx is not None:
            entry["trace_id"] = ctx.trace_id
            entry["session_id"] = ctx.session_id
            entry["span_id"] = ctx.span_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS:
                entry[key] = redact(value)
        if "trace_id" in entry:
            trace = entry["trace_id"]
            entry["logging.googleapis.com/trace"] = (
                f"projects/{self.project_id}/traces/{trace}" if self.project_id else trace
            )
            entry["logging.googleapis.com/spanId"] = entry.get("span_id")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return entry


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
    extra_handlers: list[logging.Handler] | None = None,
) -> None:
    """Route the root logger to JSON lines on stdout (plus any extra handlers, e.g. Loki)."""
    formatter = JsonFormatter(service=service, project_id=project_id)
    stdout = logging.StreamHandler(sys.stdout)
    stdout.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [stdout, *(extra_handlers or [])]
    for handler in extra_handlers or []:
        handler.setFormatter(formatter)
    root.setLevel(level.upper())
    for name in ("uvicorn.access",):
        logging.getLogger(name).disabled = True
    for name in ("uvicorn", "uvicorn.error", "httpx", "mcp"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
