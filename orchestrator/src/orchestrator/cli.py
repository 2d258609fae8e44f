"""Command line: `orchestrator serve | ask | chat | keys | trace | errors`."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.cli_keys import keys_app
from orchestrator.cli_trace import register as register_log_commands

app = typer.Typer(help="MCP orchestrator: answer questions over business data held by MCP services.")
app.add_typer(keys_app, name="keys")
register_log_commands(app)  # trace, errors
console = Console()
# No answer at all: refused or dropped connection, timeout, a reply that is not HTTP.
_UNREACHABLE = (OSError, http.client.HTTPException)


def _post_json(url: str, body: dict[str, object], *, timeout_s: float = 30.0) -> Any:
    """POST `body` as JSON and return the decoded JSON answer whatever its status: the orchestrator's
    4xx and 5xx bodies carry the error code. Raises one of `_UNREACHABLE` when no answer came."""
    request = urllib.request.Request(  # noqa: S310 (the orchestrator URL the user gave)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (as above)
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return json.loads(exc.read())


def _unreachable(url: str, exc: Exception) -> typer.Exit:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    console.print(f"[red]Cannot reach the orchestrator at {url}:[/red] {reason}")
    return typer.Exit(2)


@app.command()
def serve() -> None:
    """Run the orchestrator API (settings from ORCH_* variables and .env; ORCH_WORKERS processes)."""
    from orchestrator.serving import serve as run

    run()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in natural language.")],
    email: Annotated[str, typer.Option(help="The user the question is about.")],
    url: Annotated[str, typer.Option(help="Orchestrator base URL.", envvar="ORCH_URL")] = "http://127.0.0.1:8080",
    raw: Annotated[bool, typer.Option("--json", help="Print the raw JSON response.")] = False,
) -> None:
    """Ask the orchestrator a question and print the answer with its sources."""
    try:
        body = _post_json(f"{url}/query", {"query": question, "email": email})
    except _UNREACHABLE as exc:
        raise _unreachable(url, exc) from exc
    if raw:
        console.print_json(json.dumps(body))
        return
    if "error" in body:
        console.print(f"[red]{body['error']['code']}[/red]: {body['error']['message']}  (trace {body['trace_id']})")
        raise typer.Exit(1)
    console.print(body["answer"], markup=False, highlight=False)
    table = Table("source", "status", "cached", "latency ms", "error")
    for src in body["sources"]:
        error = f"{src['error']['code']}: {src['error']['message']}" if src.get("error") else ""
        table.add_row(
            f"{src['service']}.{src['tool']}",
            src["status"],
            str(src["cached"]),
            f"{src['latency_ms']:.1f}",
            error,
        )
    if body["sources"]:
        console.print(table)
    layer = f" ({body['cache_layer']})" if body["cached"] else ""
    console.print(f"confidence {body['confidence']:.2f} · cached {body['cached']}{layer} · trace {body['trace_id']}")
    trace = body.get("trace") or {}
    if trace:
        tokens = sum((c.get("input_tokens") or 0) + (c.get("output_tokens") or 0) for c in trace.get("llm_calls", []))
        model = f" · {len(trace.get('llm_calls', []))} model calls, {tokens} tokens" if trace.get("llm_calls") else ""
        console.print(f"planned by {trace['planner']} · written by {trace['synthesizer']}{model}")
        for fallback in trace.get("fallbacks", []):
            console.print(f"[yellow]fallback[/yellow] {fallback}", highlight=False)


@app.command()
def chat(
    email: Annotated[str, typer.Option(help="The customer the conversation acts for.")],
    url: Annotated[str, typer.Option(help="Orchestrator base URL.", envvar="ORCH_URL")] = "http://127.0.0.1:8080",
    session: Annotated[str | None, typer.Option(help="Continue this session id.")] = None,
    channel: Annotated[str, typer.Option(help="Channel name sent with each message.")] = "cli",
    show_calls: Annotated[bool, typer.Option("--calls", help="Print the tool calls of each turn.")] = False,
) -> None:
    """Talk to POST /orchestrate: one message per line (stdin or the terminal); an empty line or EOF ends."""
    while True:
        try:
            message = input("you> " if console.is_terminal else "").strip()
        except EOFError:
            break
        if not message:
            break
        if not console.is_terminal:
            console.print(f"you> {message}", markup=False, highlight=False)
        body: dict[str, object] = {"channel": channel, "message": message, "user": {"email": email}}
        if session:
            body["session_id"] = session
        try:
            reply = _post_json(f"{url}/orchestrate", body)
        except _UNREACHABLE as exc:
            raise _unreachable(url, exc) from exc
        if "error" in reply:
            console.print(f"[red]{reply['error']['code']}[/red]: {reply['error']['message']}")
            continue
        session = reply["session_id"]
        console.print(f"bot> {reply['reply']}", markup=False, highlight=False)
        if show_calls:
            calls = ", ".join(
                f"{s['service']}.{s['tool']} {s['status']}{' (cached)' if s['cached'] else ''} {s['latency_ms']:.0f} ms"
                for s in reply["trace"]["spans"]
            )
            console.print(f"     [dim]{reply['intent']} · {calls or 'no tool calls'}[/dim]")
    if session:
        console.print(f"[dim]session {session}[/dim]")
