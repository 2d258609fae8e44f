"""One row per performance goal, as every benchmark reports it and `bench/run.py` prints it last.

A row holds the figure measured, the baseline measured in the same run, their ratio and the goal it is
held to; `met` says whether the goal holds. Benchmarks build rows with `at_least` / `at_most`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class GoalRow:
    """One goal: `figure` against `baseline` (same unit), `ratio` = figure / baseline, `goal` in words."""

    name: str
    figure: str
    baseline: str
    ratio: float | None
    goal: str
    met: bool


def at_least(name: str, figure: float, baseline: float, minimum: float, unit: str) -> GoalRow:
    """A ratio goal `figure / baseline ≥ minimum` (throughput and the like)."""
    ratio = figure / baseline if baseline else 0.0
    return GoalRow(name, f"{figure:,.1f} {unit}", f"{baseline:,.1f} {unit}", ratio, f"≥ {minimum:g}×", ratio >= minimum)


def at_most(name: str, figure: float, baseline: float, maximum: float, unit: str) -> GoalRow:
    """A ratio goal `figure / baseline ≤ maximum` (latency, time, memory)."""
    ratio = figure / baseline if baseline else float("inf")
    return GoalRow(name, f"{figure:,.2f} {unit}", f"{baseline:,.2f} {unit}", ratio, f"≤ {maximum:g}×", ratio <= maximum)


def below(name: str, figure: float, limit: float, unit: str, baseline: str = "-") -> GoalRow:
    """An absolute goal `figure ≤ limit` (a duration or a size with no baseline to divide by)."""
    return GoalRow(name, f"{figure:,.2f} {unit}", baseline, None, f"≤ {limit:g} {unit}", figure <= limit)


def table(rows: Iterable[GoalRow]) -> str:
    """The rows as a Markdown table: goal, figure, baseline, ratio, target, met."""
    lines = ["| goal | figure | baseline | ratio | target | met |", "|---|---:|---:|---:|---|---|"]
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "-"
        lines.append(
            f"| {row.name} | {row.figure} | {row.baseline} | {ratio} | {row.goal} | {'yes' if row.met else 'NO'} |"
        )
    return "\n".join(lines)
