"""Benchmark: the orchestrator's memory under a stream of unique questions stays flat.

Starts the chargebee service and an orchestrator as processes (`ORCH_STATE_BACKEND=memory`,
`ORCH_CONVERSATIONS=none`, `ORCH_MCP_SERVERS={}`, logs at WARNING, answers cached for an hour so
expiry does not empty the stores before their bounds are reached), then asks `--questions` distinct
questions ("what plan am I on? #<n>" and a few other wordings the rule planner plans) over
`--connections` concurrent keep-alive connections. Each question misses the answer cache and leaves
an answer behind in it. The orchestrator's resident set (VmRSS, /proc/<pid>/status) is read after
every `--checkpoint` questions; the goal: RSS after all of them within 20 MB of RSS after the first
checkpoint. The client's and the server's CPU (percent of one core) are printed beside.

Usage: uv run --frozen python bench/memory.py [--questions 100000] [--checkpoint 10000] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from ab_trees import REPO, Processes, cpu_seconds, free_port, orchestrator_env, outer_env, start_billing
from goals import GoalRow, below, table

GROWTH_GOAL_MB = 20.0
EMAIL = "ada@example.com"
WORDINGS = (
    "what plan am I on? #{n}",
    "which subscription plan do I have, ref {n}",
    "show my invoices ({n})",
    "what is my billing plan? case {n}",
)


@dataclass
class Checkpoint:
    """After `questions` answered: the server's RSS, and CPU (percent of one core) since the previous one."""

    questions: int
    rss_mb: float
    seconds: float
    server_cpu: float
    client_cpu: float


@dataclass
class Run:
    checkpoints: list[Checkpoint] = field(default_factory=list)
    failures: int = 0
    cached: int = 0


def rss_mb(pid: int) -> float:
    """The resident set of `pid` in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for pid {pid}")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_stack(processes: Processes) -> tuple[str, int]:
    """The chargebee service and the orchestrator; the orchestrator's `/query` URL and pid."""
    python = sys.executable
    base = outer_env()
    port = free_port()
    env = base | orchestrator_env(start_billing(processes, base)) | {"PORT": str(port)}
    pid = processes.start("orchestrator", [python, "-m", "orchestrator"], env, REPO, f"http://127.0.0.1:{port}/health")
    return f"http://127.0.0.1:{port}/query", pid


async def ask(url: str, pid: int, questions: int, checkpoint: int, connections: int) -> Run:
    """Ask `questions` unique questions, `connections` at a time, pausing at each checkpoint to read RSS."""
    run = Run()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(n: int) -> None:
            body = {"query": WORDINGS[n % len(WORDINGS)].format(n=n), "email": EMAIL}
            async with session.post(url, json=body) as response:
                reply = await response.json() if response.status == 200 else {}
            sources = reply.get("sources") or [{}]  # no source: the question was not planned
            if response.status != 200 or any(source.get("status") != "ok" for source in sources):
                run.failures += 1
            elif reply.get("cached"):
                run.cached += 1

        async def worker(numbers: range, next_n: list[int]) -> None:
            while next_n[0] < numbers.stop:
                n = next_n[0]
                next_n[0] += 1
                await one(n)

        start = 0
        while start < questions:
            stop = min(start + checkpoint, questions)
            since, server_before, client_before = time.monotonic(), cpu_seconds(pid), own_cpu_seconds()
            next_n = [start]
            await asyncio.gather(*(worker(range(start, stop), next_n) for _ in range(connections)))
            wall = time.monotonic() - since
            point = Checkpoint(
                stop,
                rss_mb(pid),
                wall,
                100 * (cpu_seconds(pid) - server_before) / wall,
                100 * (own_cpu_seconds() - client_before) / wall,
            )
            run.checkpoints.append(point)
            print(
                f"{point.questions:>8} questions  RSS {point.rss_mb:7.1f} MB  {(stop - start) / wall:6.0f} q/s"
                f"  CPU % server {point.server_cpu:3.0f} client {point.client_cpu:3.0f}"
                f"  failures {run.failures}  cached {run.cached}",
                flush=True,
            )
            start = stop
    return run


def measure(args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        processes = Processes(Path(tmp))
        try:
            url, pid = start_stack(processes)
            print(f"orchestrator pid {pid}, RSS at start {rss_mb(pid):.1f} MB", flush=True)
            run = asyncio.run(ask(url, pid, args.questions, args.checkpoint, args.connections))
            processes.check()
        finally:
            processes.stop_all()
    if run.failures:
        raise SystemExit(f"{run.failures} questions were not answered in full: the figures would be of errors")
    return run


def rows_for(run: Run) -> list[GoalRow]:
    first, last = run.checkpoints[0], run.checkpoints[-1]
    return [
        below(
            f"memory: RSS growth {first.questions:,}→{last.questions:,} unique questions",
            last.rss_mb - first.rss_mb,
            GROWTH_GOAL_MB,
            "MB",
            baseline=f"{first.rss_mb:.0f} MB at {first.questions:,}",
        )
    ]


def goal_rows(args: argparse.Namespace) -> list[GoalRow]:
    """Ask the questions and hold the RSS growth between the first checkpoint and the end to the goal."""
    return rows_for(measure(args))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=100_000, help="unique questions asked in all")
    parser.add_argument("--checkpoint", type=int, default=10_000, help="read RSS after every this many")
    parser.add_argument("--connections", type=int, default=16, help="questions in flight")
    parser.add_argument("--markdown", type=Path, help="also write the goal table to this file")
    args = parser.parse_args(argv)
    if not 0 < args.checkpoint < args.questions:
        parser.error("--checkpoint must be positive and below --questions")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run = measure(args)
    first, last = run.checkpoints[0], run.checkpoints[-1]
    wall = sum(point.seconds for point in run.checkpoints)
    server = sum(point.server_cpu * point.seconds for point in run.checkpoints) / wall
    client = sum(point.client_cpu * point.seconds for point in run.checkpoints) / wall
    print(
        f"\nRSS {first.rss_mb:.1f} MB after {first.questions:,} questions, {last.rss_mb:.1f} MB after"
        f" {last.questions:,}: growth {last.rss_mb - first.rss_mb:+.1f} MB"
        f" ({args.questions / wall:.0f} q/s; CPU % of a core: server {server:.0f}, client {client:.0f})"
    )
    rendered = table(rows_for(run))
    print("\n" + rendered)
    if args.markdown:
        args.markdown.write_text(rendered + "\n")


if __name__ == "__main__":
    main()
