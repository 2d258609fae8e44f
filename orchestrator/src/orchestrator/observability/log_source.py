"""Reading the JSON log lines back: from local files (`<PREFIX>_LOG_FILE`, `mcp-dev stack`'s
`var/logs/*.jsonl`) or from Grafana Loki's query API, for `orchestrator trace` and `orchestrator errors`.

Loki's labels are `service`, `env` and `level` only; `trace_id` and `session_id` are structured
metadata of each line, so the LogQL for one request and one session is a label selector followed
by a metadata filter, which Loki evaluates without a stream per request:

```
{service=~".+"} | trace_id="<trace id>"          every process's lines of one request
{service="orchestrator"} | trace_id="<trace id>"  the orchestrator's, its decision record among them
{service=~".+"} | session_id="<session id>"       every line of one conversation
{service=~".+"} |= "<trace id>"                   the same request on a Loki without structured metadata
```
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcp_common import tracing

QUERY_RANGE_PATH = "/loki/api/v1/query_range"
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def trace_query(trace_id: str, service: str | None = None) -> str:
    """The LogQL of one request's lines (of every service, or of `service`)."""
    if not tracing.is_trace_id(trace_id):
        raise ValueError(f"not a trace id (32 lowercase hex digits): {trace_id!r}")
    return f'{_selector(service)} | trace_id="{trace_id}"'


def session_query(session_id: str, service: str | None = None) -> str:
    """The LogQL of one conversation's lines."""
    if not _ID.match(session_id):
        raise ValueError(f"not a session id: {session_id!r}")
    return f'{_selector(service)} | session_id="{session_id}"'


def failures_query() -> str:
    """The LogQL of the orchestrator's decision records and unanswered requests (`errors` filters them)."""
    return '{service="orchestrator"} |~ "\\"event_type\\":\\"(decision|request_error)\\""'


def _selector(service: str | None) -> str:
    if service is None:
        return '{service=~".+"}'
    if not _ID.match(service):
        raise ValueError(f"not a service name: {service!r}")
    return f'{{service="{service}"}}'


def parse_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects among `lines`; anything else a process printed is skipped."""
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry


def local_entries(log_dir: Path, *, since: datetime | None = None) -> list[dict[str, Any]]:
    """Every JSON line of `log_dir/*.jsonl` (logged at or after `since`), in time order."""
    if not log_dir.is_dir():
        raise FileNotFoundError(f"no log directory {log_dir}")
    entries: list[dict[str, Any]] = []
    for path in sorted(log_dir.glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            entries += parse_lines(lines)
    return _in_order(entries, since)


def loki_entries(
    url: str, query: str, *, since: datetime, limit: int = 5000, token: str | None = None, timeout_s: float = 10.0
) -> list[dict[str, Any]]:
    """The JSON lines Loki's `query_range` returns for `query` from `since` until now, in time order."""
    params = {
        "query": query,
        "start": str(int(since.timestamp() * 1e9)),
        "end": str(time.time_ns()),
        "limit": str(limit),
        "direction": "forward",
    }
    base = url.rstrip("/").removesuffix(QUERY_RANGE_PATH)
    request = urllib.request.Request(  # noqa: S310 (the Loki URL the user gave)
        f"{base}{QUERY_RANGE_PATH}?{urllib.parse.urlencode(params)}",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (as above)
        body = json.loads(response.read())
    if body.get("status") != "success":
        raise RuntimeError(f"Loki answered {body.get('status')!r}: {body.get('error') or body}")
    lines = [value[1] for stream in body["data"]["result"] for value in stream["values"]]
    return _in_order(list(parse_lines(lines)), None)


def entry_time(entry: dict[str, Any]) -> datetime | None:
    """When the line was logged (its `time` field), or None."""
    try:
        return datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def _in_order(entries: list[dict[str, Any]], since: datetime | None) -> list[dict[str, Any]]:
    timed = [(entry_time(e) or datetime.min.replace(tzinfo=UTC), e) for e in entries]
    kept = [(t, e) for t, e in timed if since is None or t >= since]
    return [e for _, e in sorted(kept, key=lambda pair: pair[0])]
