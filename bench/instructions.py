"""Benchmark: what observability costs a cached `POST /query`, in instructions, a figure shared cores do not move.

Throughput ratios on this machine (`bench/observability.py`) scatter by a few per cent from run to run:
two identical processes read 0.98-1.02× of each other, because the machine's other load lands on one
run more than the other. The instructions a request executes do not depend on that load. Each variant
(`observability.variants`: label → environment) runs as the real server (`python -m orchestrator`,
uvicorn and all) under valgrind's callgrind with counting off; after start-up and two warm-up requests
counting is switched on (`callgrind_control -i on`), `wrk -t1 -c4` sends cached questions for
`--duration` seconds (callgrind runs the server about 50× slower, so a few thousand requests), the
counters are dumped and divided by the requests wrk completed.

What this counts: every instruction the server process executes in user space during the run (all its
threads: the event loop and the span-shipping thread). Not counted: the kernel (socket reads and writes,
epoll; the same for every variant, so a ratio here is the upper bound of what the variant costs a
CPU-bound server), and the span exporter process (a child, on another core; `bench/observability.py`
counts its CPU).

Needs valgrind (`apt-get install valgrind`) and wrk. Two runs of the same variant agree to about 0.1 %.

Usage: uv run --frozen python bench/instructions.py [--duration 20] [--first N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ab_trees import REPO, Processes, free_port, orchestrator_env, query_lua, start_billing, warm_cache
from observability import QUESTION, variants

from mcp_devtools.testing import otlp_receiver

START_TIMEOUT_S = 600.0  # a server starts about 5× slower under valgrind with counting off


def count(processes: Processes, label: str, env: dict[str, str], lua: Path, duration_s: float) -> tuple[int, int]:
    """(requests served, instructions executed while wrk ran) for one variant."""
    port = free_port()
    out = processes.log_dir / f"callgrind-{port}.out"
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
            sys.executable, "-m", "orchestrator"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    name = f"valgrind-{port}"
    pid = processes.start(name, argv, env | {"PORT": str(port)}, REPO, f"{url}/health", timeout_s=START_TIMEOUT_S)
    try:
        warm_cache(f"{url}/query", QUESTION)
        subprocess.run(["callgrind_control", "-i", "on", str(pid)], check=True, capture_output=True)
        report = subprocess.run(["wrk", "-t1", "-c4", f"-d{duration_s:g}s", "-s", str(lua), f"{url}/query"],
                                check=True, capture_output=True, text=True).stdout  # fmt: skip
        subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
        served = re.search(r"(\d+) requests in", report)
        if served is None or "Non-2xx" in report:
            raise SystemExit(f"{label}: wrk did not report clean answers:\n{report}")
        return int(served.group(1)), _collected(processes.log_dir, out.name)
    finally:
        processes.stop(name)


def _collected(work: Path, name: str) -> int:
    """The instructions of the dump `callgrind_control -d` wrote (counting was on only while wrk ran)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for dump in work.glob(f"{name}.*"):
            for line in dump.read_text(errors="replace").splitlines():
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
        time.sleep(0.5)
    raise SystemExit(f"no callgrind dump {name}.* in {work}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of wrk per variant")
    parser.add_argument("--first", type=int, default=5, help="the first N variants of bench/observability.py")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install {'wrk' if tool == 'wrk' else 'valgrind'}")
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp, otlp_receiver() as (sink, received):
        work = Path(tmp)
        processes = Processes(work)
        lua = query_lua(work / "query.lua", QUESTION)
        try:
            common = orchestrator_env(start_billing(processes)) | {"PYTHONHASHSEED": "0"}
            for label, extra in list(variants(sink).items())[: args.first]:
                served, instructions = count(processes, label, dict(os.environ) | common | extra, lua, args.duration)
                rows.append((label, served, instructions / served))
                print(f"{label}: {served} requests, {instructions / served / 1000:.1f} k instructions each", flush=True)
        finally:
            processes.stop_all()
    base = rows[0][2]
    exported = sum(len(body) for _, body in received)
    print(f"\nCached POST /query under callgrind, wrk -t1 -c4 -d{args.duration:g}s per variant; user-space "
          f"instructions of the server process per request (OTLP bytes received: {exported})\n")  # fmt: skip
    print(f"| variant | requests | k instructions per request | ÷ {rows[0][0]} |")
    print("|---|---:|---:|---:|")
    for label, served, per in rows:
        print(f"| {label} | {served} | {per / 1000:.1f} | {per / base:.3f} |")


if __name__ == "__main__":
    main()
