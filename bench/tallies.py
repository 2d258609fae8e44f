"""Benchmark: one metric write with `prometheus_client`'s instruments against `mcp_common.tallies`.

What a request pays per counter increment and per histogram observation, in-process (timeit, best of
five repeats, microseconds per call); the ratios are printed last.

Usage: uv run --frozen python bench/tallies.py [--number 200000]
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram

from mcp_common.metrics import DURATION_BUCKETS
from mcp_common.tallies import CounterFamily, SplitHistogram

LABELS = ("orchestrator", "/query", "POST")


def writes() -> dict[str, Callable[[], None]]:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    counter = Counter("requests_total", "Requests.", ["service", "route", "method"], registry=theirs)
    histogram = Histogram("latency_seconds", "L.", ["service", "route", "method"], buckets=DURATION_BUCKETS,
                          registry=theirs)  # fmt: skip
    child = counter.labels(*LABELS)
    tally = CounterFamily("requests_total", "Requests.", ["service", "route", "method"], registry=ours)
    split = SplitHistogram("latency_seconds", "L.", ["service", "route", "method", "status"],
                           counter=("http_requests_total", "R."), buckets=DURATION_BUCKETS, registry=ours)  # fmt: skip
    return {
        "prometheus_client Counter.labels(...).inc()": lambda: counter.labels(*LABELS).inc(),
        "prometheus_client child.inc() (labels kept)": child.inc,
        "prometheus_client Histogram.labels(...).observe()": lambda: histogram.labels(*LABELS).observe(0.004),
        "tallies CounterFamily.inc()": lambda: tally.inc(LABELS),
        "tallies SplitHistogram.observe() (counter and histogram)": lambda: split.observe((*LABELS, "200"), 0.004),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=200_000)
    args = parser.parse_args()
    timings = {}
    for name, write in writes().items():
        timings[name] = min(timeit.repeat(write, number=args.number, repeat=5)) / args.number * 1e6
        print(f"{name:<60} {timings[name]:6.3f} µs", flush=True)
    names = list(timings)
    print(f"counter: tallies ÷ prometheus_client labels().inc(): {timings[names[3]] / timings[names[0]]:.2f}×")
    both = timings[names[0]] + timings[names[2]]
    print(f"a request's RED write (counter + histogram): tallies ÷ prometheus_client: {timings[names[4]] / both:.2f}×")


if __name__ == "__main__":
    main()
