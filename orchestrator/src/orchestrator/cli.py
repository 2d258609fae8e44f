"""Command line: `orchestrator serve | stack | ask`."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="MCP orchestrator: answer questions over business data held by MCP services.")
console = Console()


@app.command()
def serve() -> None:
    """Run the orchestrator API (settings from ORCH_* variables and .env)."""
    import uvicorn

    from mcp_common.logs import configure_logging
    from orchestrator.app import create_app
    from orchestrator.observability import loki_handler
    from orchestrator.settings import get_settings

    settings = get_settings()
    handlers = [h for h in [loki_handler(settings)] if h is not None]
    configure_logging(
        "orchestrator", level=settings.log_level, project_id=settings.gcp_project, extra_handlers=handlers
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=8,
    )


@app.command()
def stack(
    port: Annotated[int, typer.Option(help="Orchestrator port.", envvar="PORT")] = 8080,
    log_dir: Annotated[Path, typer.Option(help="Where each process writes its JSON logs.")] = Path("var/log"),
) -> None:
    """Start every MCP service and the orchestrator on loopback; Ctrl-C stops them all."""
    from orchestrator.stack import run_stack

    # SIGTERM (a supervisor, `timeout`, a container stop) unwinds like Ctrl-C, so every child stops.
    signal.signal(signal.SIGTERM, _interrupt)
    console.print(f"Starting the stack (logs in [bold]{log_dir}[/bold]) …")
    try:
        with run_stack(
            orchestrator_port=port,
            log_dir=log_dir,
            on_ready=lambda name, url: console.print(f"  [green]✓[/green] {name:<16} {url}"),
        ):
            console.print(
                f'\nReady. Try:\n  uv run orchestrator ask "what plan am I on and do I have open tickets?" '
                f"--email ada@example.com --url http://127.0.0.1:{port}\n"
                f"  curl -s -X POST http://127.0.0.1:{port}/query -H 'content-type: application/json' "
                '-d \'{"query": "do I have unpaid invoices?", "email": "ada@example.com"}\'\n'
                f"API docs: http://127.0.0.1:{port}/docs   Press Ctrl-C to stop."
            )
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        console.print("Stopped.")
    except (RuntimeError, TimeoutError) as exc:
        console.print(f"[red]The stack did not start:[/red] {exc} (see {log_dir}/)")
        raise typer.Exit(1) from exc


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in natural language.")],
    email: Annotated[str, typer.Option(help="The user the question is about.")],
    url: Annotated[str, typer.Option(help="Orchestrator base URL.", envvar="ORCH_URL")] = "http://127.0.0.1:8080",
    raw: Annotated[bool, typer.Option("--json", help="Print the raw JSON response.")] = False,
) -> None:
    """Ask the orchestrator a question and print the answer with its sources."""
    try:
        response = httpx.post(f"{url}/query", json={"query": question, "email": email}, timeout=30.0)
    except httpx.HTTPError as exc:
        console.print(f"[red]Cannot reach the orchestrator at {url}:[/red] {exc}")
        raise typer.Exit(2) from exc
    body = response.json()
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
    with httpx.Client(timeout=30.0) as http:
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
                reply = http.post(f"{url}/orchestrate", json=body).json()
            except httpx.HTTPError as exc:
                console.print(f"[red]Cannot reach the orchestrator at {url}:[/red] {exc}")
                raise typer.Exit(2) from exc
            if "error" in reply:
                console.print(f"[red]{reply['error']['code']}[/red]: {reply['error']['message']}")
                continue
            session = reply["session_id"]
            console.print(f"bot> {reply['reply']}", markup=False, highlight=False)
            if show_calls:
                calls = ", ".join(
                    f"{s['service']}.{s['tool']} {s['status']}{' (cached)' if s['cached'] else ''} "
                    f"{s['latency_ms']:.0f} ms"
                    for s in reply["trace"]["spans"]
                )
                console.print(f"     [dim]{reply['intent']} · {calls or 'no tool calls'}[/dim]")
    if session:
        console.print(f"[dim]session {session}[/dim]")
