"""A/B benchmark of one service: two git revisions' `POST /mcp/call`, measured in one run.

Each revision (a git worktree with its own venv, as `bench/ab.py` prepares them) runs the service
(`--service`: chargebee or hubspot, demo backend, logs at WARNING without payloads, same
`PYTHONHASHSEED`); `wrk -t1 -c32 --latency` calls its tool for ten demo customers in turn (the calls
`bench/uncached.py` makes directly), the server as the limit. Rounds interleave the revisions, the order
flipped every other round. Printed last: median req/s, p50, p99 and the service's CPU per call (µs, from
/proc), and the after/before ratios.

Usage: uv run --frozen python bench/ab_service.py --before REV --after REV [--service chargebee]
       [--rounds 5] [--duration 4]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from ab_trees import (
    REPO,
    SERVICES,
    Processes,
    free_port,
    interleaved_rounds,
    locked,
    outer_env,
    prepare_tree,
)
from uncached import direct_calls, rotating_lua


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="Revision before the change (any git revision).")
    parser.add_argument("--after", required=True, help="Revision after the change.")
    parser.add_argument("--service", choices=[name for name, _, _ in SERVICES], default="chargebee")
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved rounds (at least 3).")
    parser.add_argument("--duration", type=float, default=4.0, help="Seconds of each wrk run.")
    parser.add_argument("--worktrees", type=Path, default=REPO.parent / "ab", help="Where the worktrees live.")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    base = args.worktrees.resolve()
    with locked(base):
        trees = [prepare_tree("before", args.before, base), prepare_tree("after", args.after, base)]
    module, prefix = next((module, prefix) for name, module, prefix in SERVICES if name == args.service)
    with tempfile.TemporaryDirectory(prefix="bench-ab-service-") as tmp:
        work = Path(tmp)
        processes = Processes(work)
        try:
            lua = rotating_lua(work / "calls.lua", direct_calls(args.service), "/mcp/call")
            targets = {}
            for tree in trees:
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                env = outer_env() | {"PORT": str(port), f"{prefix}LOG_LEVEL": "WARNING",
                                     f"{prefix}LOG_PAYLOADS": "false", "PYTHONHASHSEED": "0"}  # fmt: skip
                pid = processes.start(tree.label, [str(tree.python), "-m", module], env, tree.path, f"{url}/health")
                targets[f"{tree.label} {tree.short}"] = (f"{url}/mcp/call", pid, lua)
            runs = interleaved_rounds(processes, targets, args.rounds, args.duration)
        finally:
            processes.stop_all()
    figures = {
        label: {
            "rps": statistics.median(r["rps"] for r in rs),
            "p50": statistics.median(r["p50"] for r in rs),
            "p99": statistics.median(r["p99"] for r in rs),
            "cpu_us": statistics.median(10_000 * r["server"] / r["rps"] for r in rs),
            "wrk": statistics.median(r["wrk"] for r in rs),
        }
        for label, rs in runs.items()
    }
    print(f"\n{args.service} POST /mcp/call, medians of {args.rounds} rounds\n")
    print(
        "| revision | req/s | p50 ms | p99 ms | service CPU µs per call | wrk CPU % |\n|---|---:|---:|---:|---:|---:|"
    )
    for label, f in figures.items():
        print(f"| {label} | {f['rps']:,.0f} | {f['p50']:.2f} | {f['p99']:.2f} | {f['cpu_us']:.0f} | {f['wrk']:.0f} |")
    before, after = figures.values()
    rps, cpu = after["rps"] / before["rps"], after["cpu_us"] / before["cpu_us"]
    print(f"\nafter/before: req/s {rps:.2f}×, CPU per call {cpu:.2f}×")


if __name__ == "__main__":
    main()
