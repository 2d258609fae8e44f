"""`orchestrator trace <trace_id>` and `orchestrator errors`: the logs read back, from local JSON log
files (`var/logs/*.jsonl` of `mcp-dev stack`) or from Grafana Loki (docs/observability-logs.md)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from orchestrator.observability.log_source import (
    entry_time,
    failures_query,
    local_entries,
    loki_entries,
    trace_query,
)

console = Console()
_BAR = 40
_SINCE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

LogsOption = Annotated[Path, typer.Option("--logs", help="Directory of JSON log files (*.jsonl).")]
LokiOption = Annotated[str | None, typer.Option("--loki", help="Read from this Grafana Loki base URL instead.")]
TokenOption = Annotated[str | None, typer.Option("--loki-token", envvar="ORCH_LOKI_TOKEN", help="Loki bearer token.")]


def register(app: typer.Typer) -> None:
    """Add `trace` and `errors` to the command line."""
    app.command("trace")(trace)
    app.command("errors")(errors)


def trace(
    trace_id: Annotated[str, typer.Argument(help="The request's trace id (`trace_id` of a response).")],
    logs: LogsOption = Path("var/logs"),
    loki: LokiOption = None,
    since: Annotated[str, typer.Option(help="How far back Loki is searched: 30m, 6h, 2d.")] = "24h",
    loki_token: TokenOption = None,
) -> None:
    """Draw one request as a waterfall: stages, tool calls (and the services' side of them), model calls."""
    trace_id = trace_id.strip().lower()
    try:
        query = trace_query(trace_id)
        if loki:
            entries = loki_entries(loki, query, since=_since(since), token=loki_token)
        else:
            entries = [e for e in local_entries(logs) if e.get("trace_id") == trace_id]
    except (ValueError, OSError, RuntimeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    decision = next((e for e in entries if e.get("event_type") == "decision"), None)
    if decision is None:
        console.print(f"No decision record for trace {trace_id} ({len(entries)} lines of it found).")
        raise typer.Exit(1)
    _print_header(decision)
    console.print(_waterfall(decision, entries))


def errors(
    since: Annotated[str, typer.Option(help="The window: 30m, 1h, 2d.")] = "1h",
    logs: LogsOption = Path("var/logs"),
    loki: LokiOption = None,
    loki_token: TokenOption = None,
) -> None:
    """Count failures (failed or refused calls, unanswered requests) by code, service, tool and tenant."""
    try:
        start = _since(since)
        entries = (
            loki_entries(loki, failures_query(), since=start, token=loki_token)
            if loki
            else local_entries(logs, since=start)
        )
    except (ValueError, OSError, RuntimeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    counts, examples = failures(entries)
    if not counts:
        console.print(f"No failures since {start:%Y-%m-%d %H:%M:%S} UTC.")
        return
    table = Table("code", "service", "tool", "tenant", "count", "example trace", title=f"Failures in the last {since}")
    for (code, service, tool, tenant), count in counts.most_common():
        table.add_row(code, service, tool, tenant, str(count), examples[(code, service, tool, tenant)])
    console.print(table)


FailureKey = tuple[str, str, str, str]


def failures(entries: list[dict[str, Any]]) -> tuple[Counter[FailureKey], dict[FailureKey, str]]:
    """Failures by (code, service, tool, tenant), and one trace id of each."""
    counts: Counter[FailureKey] = Counter()
    examples: dict[FailureKey, str] = {}
    for entry in entries:
        keys: list[FailureKey] = []
        if entry.get("event_type") == "decision":
            tenant = str(entry.get("tenant") or "-")
            failed = [(c["error"], c["tool"]) for c in entry.get("calls", []) if c.get("error")]
            failed += [(r["error"], r["tool"]) for r in entry.get("rejected", [])]
            for code, name in failed:
                service, _, tool = str(name).partition(".")
                keys.append((str(code), service, tool or "-", tenant))
        elif entry.get("event_type") == "request_error":
            keys.append((str(entry.get("code")), str(entry.get("service", "orchestrator")), "-", "-"))
        for key in keys:
            counts[key] += 1
            examples.setdefault(key, str(entry.get("trace_id") or "-"))
    return counts, examples


def _since(value: str) -> datetime:
    match = _SINCE.match(value.strip())
    if match is None:
        raise ValueError(f"--since takes a number and a unit (s, m, h, d), e.g. 1h, not {value!r}")
    return datetime.now(UTC) - timedelta(**{_UNITS[match[2]]: int(match[1])})


def _print_header(decision: dict[str, Any]) -> None:
    intent = decision.get("intent") or "-"
    source = decision.get("intent_source") or decision.get("planned_by") or "-"
    layer = decision.get("answer_cache") or "none"
    llm_calls = decision.get("llm_calls") or []
    console.print(
        f"trace {decision.get('trace_id')} · {decision.get('request')} · tenant {decision.get('tenant')} · "
        f"{decision.get('latency_ms', 0):.1f} ms",
        highlight=False,
    )
    console.print(
        f"intent {intent} (decided by {source}) · planned by {decision.get('planned_by', '-')} · "
        f"written by {decision.get('synthesized_by', '-')} · answer cache {layer} · "
        f"{len(llm_calls)} model calls, {decision.get('llm_tokens', 0)} tokens",
        highlight=False,
    )


@dataclass
class _Row:
    label: str
    status: str
    ms: float
    offset: float
    style: str = ""


def _waterfall(decision: dict[str, Any], entries: list[dict[str, Any]]) -> Table:
    total = float(decision.get("latency_ms") or 0.0)
    ended = entry_time(decision)
    t0 = ended - timedelta(milliseconds=total) if ended else None
    rows = [_Row(f"request ({decision.get('request')})", "ok", total, 0.0, "bold")]
    stage_start: dict[str, float] = {}
    cursor = 0.0
    for stage, ms in (decision.get("stages_ms") or {}).items():
        stage_start[stage] = cursor
        rows.append(_Row(f"  {stage}", "", float(ms), cursor, "cyan"))
        rows += _model_rows(decision, stage, cursor)
        if stage == "execute":
            rows += _call_rows(decision, entries, t0, cursor)
        cursor += float(ms)
    if "execute" not in stage_start:
        rows += _call_rows(decision, entries, t0, 0.0)
    return _table(rows, max(total, max((r.offset + r.ms for r in rows), default=0.0)))


def _model_rows(decision: dict[str, Any], stage: str, start: float) -> list[_Row]:
    wanted = {"plan": {"plan", "intent", "repair"}, "render": {"synthesize"}}.get(stage, set())
    rows = []
    for call in decision.get("llm_calls") or []:
        if call.get("purpose") in wanted:
            tokens = (call.get("input_tokens") or 0) + (call.get("output_tokens") or 0)
            label = f"    model {call.get('purpose')} ({call.get('model')}, {tokens} tokens)"
            rows.append(_Row(label, str(call.get("status")), float(call.get("latency_ms") or 0.0), start, "magenta"))
    return rows


def _call_rows(
    decision: dict[str, Any], entries: list[dict[str, Any]], t0: datetime | None, start: float
) -> list[_Row]:
    spans = [e for e in entries if e.get("event_type") == "service_span" and _is_tool_span(e)]
    ours = [s for s in spans if s.get("service") == "orchestrator"]
    theirs = [s for s in spans if s.get("service") != "orchestrator"]
    rows = []
    for call in decision.get("calls") or []:
        name = str(call.get("tool"))
        service, _, tool = name.partition(".")
        status = str(call.get("error") or call.get("status"))
        cached = " (cached)" if call.get("cached") else ""
        span = _take(ours, lambda s, n=name: _called(s) == n)
        offset = _offset(span, t0, start)
        rows.append(_Row(f"    {name}{cached}", status, float(call.get("latency_ms") or 0.0), offset))
        served = None if call.get("cached") else _take(theirs, lambda s, sv=service, t=tool: _served(s) == (sv, t))
        if served is not None:
            ms = float(served.get("latency_ms") or 0.0)
            label = f"      ↳ {service} handled {tool}"
            rows.append(_Row(label, str(served.get("status")), ms, _offset(served, t0, offset), "dim"))
    return rows


def _is_tool_span(entry: dict[str, Any]) -> bool:
    return str(entry.get("span_name", "")).replace(" ", "_") == "tool_call"


def _called(span: dict[str, Any]) -> str:
    """`service.tool` of the orchestrator's span around one call."""
    service = span.get("target_service") or span.get("orchestrator.service")
    return f"{service}.{span.get('tool') or span.get('gen_ai.tool.name')}"


def _served(span: dict[str, Any]) -> tuple[str, str]:
    """(service, tool) of a service's span around the call it handled."""
    return str(span.get("service")), str(span.get("tool") or span.get("gen_ai.tool.name"))


def _take(spans: list[dict[str, Any]], match: Any) -> dict[str, Any] | None:
    for index, span in enumerate(spans):
        if match(span):
            return spans.pop(index)
    return None


def _offset(span: dict[str, Any] | None, t0: datetime | None, default: float) -> float:
    ended = entry_time(span) if span is not None else None
    if span is None or ended is None or t0 is None:
        return default
    return max(0.0, (ended - t0).total_seconds() * 1000 - float(span.get("latency_ms") or 0.0))


def _table(rows: list[_Row], total: float) -> Table:
    table = Table("step", "status", "ms", f"0 ─ {total:.1f} ms", box=None, pad_edge=False)
    scale = total / _BAR if total > 0 else 1.0
    for row in rows:
        first = min(_BAR - 1, int(row.offset / scale))
        length = max(1, min(_BAR - first, round(row.ms / scale)))
        bar = " " * first + "█" * length
        status_style = "red" if row.status not in ("", "ok") else "green"
        table.add_row(
            Text(row.label, style=row.style),
            Text(row.status, style=status_style),
            f"{row.ms:.1f}",
            Text(bar, style=row.style or "blue"),
        )
    return table
