"""Command line of the development tools: `mcp-dev stack`."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mcp_devtools.stack import run_stack

app = typer.Typer(help="Development tools of the MCP orchestrator workspace (never part of an image).")
console = Console()


@app.callback()
def main() -> None:
    """Development tools: the local stack."""


@app.command()
def stack(
    port: Annotated[int, typer.Option(help="Orchestrator port.", envvar="PORT")] = 8080,
    log_dir: Annotated[
        Path, typer.Option(help="Where each process writes its JSON logs (<name>.jsonl) and its output (<name>.log).")
    ] = Path("var/logs"),
) -> None:
    """Start every MCP service and the orchestrator on loopback; Ctrl-C stops them all."""
    # SIGTERM (a supervisor, `timeout`, a container stop) unwinds like Ctrl-C, so every child stops.
    signal.signal(signal.SIGTERM, _interrupt)
    console.print(f"Starting the stack (logs in [bold]{log_dir}[/bold]) …")
    try:
        with run_stack(
            orchestrator_port=port,
            log_dir=log_dir,
            on_ready=lambda name, url: console.print(f"  [green]✓[/green] {name:<16} {url}"),
        ):
            console.print(_ready_message(port))
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        console.print("Stopped.")
    except (RuntimeError, TimeoutError) as exc:
        console.print(f"[red]The stack did not start:[/red] {exc} (see {log_dir}/)")
        raise typer.Exit(1) from exc


def _ready_message(port: int) -> str:
    return (
        f'\nReady. Try:\n  uv run orchestrator ask "what plan am I on and do I have open tickets?" '
        f"--email ada@example.com --url http://127.0.0.1:{port}\n"
        f"  curl -s -X POST http://127.0.0.1:{port}/query -H 'content-type: application/json' "
        '-d \'{"query": "do I have unpaid invoices?", "email": "ada@example.com"}\'\n'
        f"API docs: http://127.0.0.1:{port}/docs   Press Ctrl-C to stop."
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
