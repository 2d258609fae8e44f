"""The planner evaluation set (eval/planner/) holds its invariants, and the planners do not fall below
the committed test-split scores by more than the tolerance (bench/eval_planner.py)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "bench"))

import eval_planner  # noqa: E402  (bench/ is not a package: its scripts import each other by path)

from orchestrator.domains.food.intents import INTENTS  # noqa: E402

SCORES = REPO / "eval" / "planner" / "scores.json"


@pytest.fixture(scope="module")
def queries() -> list[dict[str, Any]]:
    return eval_planner.load(eval_planner.QUERIES)


@pytest.fixture(scope="module")
def messages() -> list[dict[str, Any]]:
    return eval_planner.load(eval_planner.CONVERSATION)


async def test_the_set_is_large_unique_and_split_in_dev_and_test(
    queries: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> None:
    entries = queries + messages
    assert len(entries) >= 400
    assert len(queries) >= 320 and len(messages) >= 120
    ids = Counter(e["id"] for e in entries)
    assert [i for i, n in ids.items() if n > 1] == []
    assert {e["split"] for e in entries} == {"dev", "test"}
    assert sum(not e["tools"] for e in queries) >= 25
    assert sum(len(e["tools"]) > 1 for e in queries) >= 40


async def test_every_read_tool_is_covered_in_both_splits_and_every_expected_tool_exists(
    queries: list[dict[str, Any]],
) -> None:
    catalog = await eval_planner.build_catalog()
    names = {tool.name for tool in catalog.tools()}
    read = {tool.name for tool in catalog.readable_by(eval_planner.CALLER)}
    for entry in queries:
        expected = {*entry["tools"], *(t for option in entry.get("accept", []) for t in option)}
        assert expected <= read, (entry["id"], expected - read)  # a one-shot question never expects a write
        assert set(entry.get("args", {})) <= set(entry["tools"]), entry["id"]
        assert entry["tools"] == sorted(entry["tools"]), entry["id"]
    assert read <= names
    for split in ("dev", "test"):
        covered = Counter(t for e in queries if e["split"] == split for t in e["tools"])
        assert {t for t in read if covered[t] < 5} == set(), split


async def test_every_intent_is_covered_in_both_splits(messages: list[dict[str, Any]]) -> None:
    for entry in messages:
        assert entry["intent"] in INTENTS, entry["id"]
        assert set(entry.get("accept", [])) <= set(INTENTS), entry["id"]
        assert set(entry.get("state", {})) <= {"shown", "cart", "pending"}, entry["id"]
    for split in ("dev", "test"):
        assert {e["intent"] for e in messages if e["split"] == split} == set(INTENTS), split


async def test_the_test_split_scores_no_lower_than_committed() -> None:
    report = await eval_planner.evaluate("test")
    committed = json.loads(SCORES.read_text())
    assert committed["split"] == "test" and "measured_with" in committed
    assert eval_planner.check(report.figures(), committed) == []


async def test_the_check_reports_a_drop_of_more_than_two_points() -> None:
    report = await eval_planner.evaluate("test")
    figures = report.figures()
    higher = {name: figures[name] + (5.0 if better else -5.0) for name, better in eval_planner.CHECKED.items()}
    drops = eval_planner.check(figures, {"figures": higher})
    assert len(drops) == len(eval_planner.CHECKED)
    assert any(d.startswith("exact_match_pct") for d in drops)
    within = {name: figures[name] + (1.5 if better else -1.5) for name, better in eval_planner.CHECKED.items()}
    assert eval_planner.check(figures, {"figures": within}) == []
