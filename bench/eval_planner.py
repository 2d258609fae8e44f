"""Evaluation: how well the embedded planners read questions and chat messages (eval/planner/).

- `/query`: `RulePlanner().plan(question, caller, catalog)` over a real catalog of every service's tools
  (the services' own registries in-process, no network, no tool ever called), for each question of
  `eval/planner/queries.jsonl` in the chosen split. Scored on the set of tools planned (exact match,
  per-tool precision and recall, confusions) and on the entity arguments the plan carries.
- `/orchestrate`: `RuleIntentClassifier().classify(message, view)` for each message of
  `eval/planner/conversation.jsonl`, the view built from the entry's `state` (items shown, cart, pending
  confirmation). Scored on the intent and on the slots read.

The headline figures are printed last. `--json PATH` writes them; `--check eval/planner/scores.json`
measures the test split and exits 1 when a headline is more than 2 points worse than the committed one.
The test split is never used to choose anything (tuning, thresholds, synonyms): tune on dev.

`--extra-tools N` measures the planner again over a catalog grown by N realistic third-party tools
(`eval/planner/third_party_tools.json`: names, descriptions, schemas, no examples; 38 make a catalog of 60)
as distractors, and prints those figures too. The preselection figure is the share of questions whose
expected tools are all among the `max_prompt_tools` the retriever offers the model planner.

Usage: uv run --frozen python bench/eval_planner.py [--split dev|test|all] [--extra-tools N] [--json PATH]
       [--check PATH] [--failures] [--tag TAG|!TAG]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval_catalog import build_catalog as build_catalog
from eval_printing import HEADLINES as HEADLINES
from eval_printing import NONE as NONE
from eval_printing import matches, pct, percentile, print_failures, print_report

from orchestrator.domains.food.intents import RuleIntentClassifier
from orchestrator.domains.food.state import ConversationView
from orchestrator.planning.llm import LLMPlannerConfig
from orchestrator.planning.retrieval import build_index
from orchestrator.planning.rules import RulePlanner, rank_tools
from orchestrator.security.caller import Caller

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO / "eval" / "planner"
QUERIES = EVAL_DIR / "queries.jsonl"
CONVERSATION = EVAL_DIR / "conversation.jsonl"
CALLER = Caller("ada@example.com")
TOLERANCE = 2.0
MEASURED_WITH = "uv run --frozen python bench/eval_planner.py --split test --json eval/planner/scores.json"
# Headline figures the check guards: True when higher is better (a drop is a fall), False when lower is
# better (a drop is a rise). Timings and the clarify rate are reported, not checked.
CHECKED: dict[str, bool] = {
    "exact_match_pct": True,
    "at_least_one_right_pct": True,
    "wrong_plan_pct": False,
    "no_tool_clarified_pct": True,
    "argument_accuracy_pct": True,
    "intent_accuracy_pct": True,
    "slot_accuracy_pct": True,
}


def load(path: Path, split: str = "all", tag: str | None = None) -> list[dict[str, Any]]:
    """The entries of `split`; with `tag`, only those carrying it ("!TAG": only those without it)."""
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    chosen = [e for e in entries if split == "all" or e["split"] == split]
    if tag is None:
        return chosen
    wanted = not tag.startswith("!")
    name = tag.lstrip("!")
    return [e for e in chosen if (name in e.get("tags", ())) == wanted]


@dataclass
class QueryResult:
    entry: dict[str, Any]
    planned: list[str]
    arguments: dict[str, dict[str, Any]]
    ms: float

    @property
    def expected(self) -> list[str]:
        """The expected tool set this plan is judged against (an accepted alternative when it matched one)."""
        for option in self.entry.get("accept", []):
            if self.planned == sorted(option):
                return sorted(option)
        return list(self.entry["tools"])

    @property
    def exact(self) -> bool:
        return self.planned == self.expected


@dataclass
class MessageResult:
    entry: dict[str, Any]
    intent: str
    slots: dict[str, Any]

    @property
    def right(self) -> bool:
        return self.intent == self.entry["intent"] or self.intent in self.entry.get("accept", [])


@dataclass
class Report:
    split: str
    queries: list[QueryResult] = field(default_factory=list)
    messages: list[MessageResult] = field(default_factory=list)
    read_tools: list[str] = field(default_factory=list)
    catalog_size: int = 0
    preselected: list[bool] = field(default_factory=list)
    index_build_ms: float = 0.0

    def figures(self) -> dict[str, float]:
        q = self.queries
        expecting = [r for r in q if r.entry["tools"]]
        no_tool = [r for r in q if not r.entry["tools"]]
        args_total, args_right = self.argument_counts()
        slots_total, slots_right = self.slot_counts()
        times = [r.ms for r in q]
        return {
            "questions": len(q),
            "messages": len(self.messages),
            "exact_match_pct": pct(sum(r.exact for r in q), len(q)),
            "at_least_one_right_pct": pct(
                sum(bool(set(r.planned) & set(r.expected)) for r in expecting), len(expecting)
            ),
            "wrong_plan_pct": pct(sum(bool(r.planned) and not r.exact for r in q), len(q)),
            "clarify_pct": pct(sum(not r.planned for r in q), len(q)),
            "no_tool_clarified_pct": pct(sum(not r.planned for r in no_tool), len(no_tool)),
            "argument_accuracy_pct": pct(args_right, args_total),
            "intent_accuracy_pct": pct(sum(m.right for m in self.messages), len(self.messages)),
            "slot_accuracy_pct": pct(slots_right, slots_total),
            "plan_p50_ms": round(percentile(times, 0.5), 3),
            "plan_p95_ms": round(percentile(times, 0.95), 3),
            "preselection_pct": pct(sum(self.preselected), len(self.preselected)),
            "catalog_tools": self.catalog_size,
            "index_build_ms": round(self.index_build_ms, 1),
        }

    def argument_counts(self) -> tuple[int, int]:
        total = right = 0
        for r in self.queries:
            for tool, expected in r.entry.get("args", {}).items():
                for name, value in expected.items():
                    total += 1
                    right += tool in r.arguments and matches(value, r.arguments[tool].get(name), name)
        return total, right

    def slot_counts(self) -> tuple[int, int]:
        total = right = 0
        for m in self.messages:
            for name, value in m.entry.get("slots", {}).items():
                total += 1
                right += matches(value, m.slots.get(name), name)
        return total, right


async def evaluate(
    split: str, *, progress: bool = False, extra_tools: int = 0, messages: bool = True, tag: str | None = None
) -> Report:
    catalog = await build_catalog(extra_tools)
    readable = catalog.readable_by(CALLER)
    report = Report(split, read_tools=sorted(t.name for t in readable), catalog_size=len(catalog.tools()))
    started = time.perf_counter()
    build_index(readable)  # start-up cost: the index of a fresh listing (not cached by `index_for`)
    report.index_build_ms = (time.perf_counter() - started) * 1000
    offered = LLMPlannerConfig().max_prompt_tools
    questions = load(QUERIES, split, tag)
    for n, entry in enumerate(questions, 1):
        planner = RulePlanner()  # one that has not planned this text before: a repeated question is timed anew
        started = time.perf_counter()
        plan = await planner.plan(entry["question"], CALLER, catalog)
        ms = (time.perf_counter() - started) * 1000
        arguments: dict[str, dict[str, Any]] = {}
        for step in plan.steps:
            arguments.setdefault(step.tool, dict(step.arguments))
        report.queries.append(QueryResult(entry, sorted(arguments), arguments, ms))
        if entry["tools"]:
            top = {t.name for t in rank_tools(entry["question"], readable)[:offered]}
            report.preselected.append(set(entry["tools"]) <= top)
        if progress and n % 50 == 0:
            print(f"  planned {n}/{len(questions)} questions", file=sys.stderr)
    classifier = RuleIntentClassifier()
    for entry in load(CONVERSATION, split) if messages and tag is None else []:
        state = entry.get("state", {})
        view = ConversationView(
            shown_items=tuple(state.get("shown", ())),
            cart_items=tuple(state.get("cart", ())),
            pending=state.get("pending"),
        )
        intent = await classifier.classify(entry["message"], view)
        report.messages.append(MessageResult(entry, intent.name, dict(intent.slots)))
    return report


def check(current: Mapping[str, float], committed: Mapping[str, Any], tolerance: float = TOLERANCE) -> list[str]:
    """The checked headlines more than `tolerance` points worse than `committed` (a scores.json or its figures)."""
    baseline = committed.get("figures", committed)
    drops: list[str] = []
    for name, higher_is_better in CHECKED.items():
        if name not in baseline or name not in current:
            continue
        before, now = float(baseline[name]), float(current[name])
        worse_by = before - now if higher_is_better else now - before
        if worse_by > tolerance:
            drops.append(f"{name}: {before:.1f} -> {now:.1f} ({worse_by:.1f} points worse, tolerance {tolerance:g})")
    return drops


def scores_document(report: Report) -> dict[str, Any]:
    return {"measured_with": MEASURED_WITH, "split": report.split, "figures": report.figures()}


def run(args: argparse.Namespace) -> int:
    print(f"evaluating the rules planner and intent reader on the {args.split} split", file=sys.stderr)
    report = asyncio.run(evaluate(args.split, progress=True, tag=args.tag))
    distractors = None
    if args.extra_tools:
        distractors = asyncio.run(evaluate(args.split, extra_tools=args.extra_tools, messages=False, tag=args.tag))
    print_report(report, distractors)
    if args.failures:
        print_failures(report)
        if distractors is not None:
            print("\n(with third-party tools)")
            print_failures(distractors)
    if args.json:
        Path(args.json).write_text(json.dumps(scores_document(report), indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if args.check:
        test = report if args.split == "test" else asyncio.run(evaluate("test"))
        committed = json.loads(Path(args.check).read_text())
        drops = check(test.figures(), committed)
        if drops:
            print(f"\nCHECK FAILED: test-split figures more than {TOLERANCE:g} points worse than {args.check}:")
            for drop in drops:
                print(f"  {drop}")
            return 1
        print(f"\ncheck passed: no test-split headline more than {TOLERANCE:g} points worse than {args.check}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument(
        "--extra-tools", type=int, default=0, metavar="N", help="also measure with N third-party tools (38: 60 tools)"
    )
    parser.add_argument("--json", metavar="PATH", help="write the headline figures to PATH")
    parser.add_argument("--check", metavar="PATH", help="compare the test-split figures with a committed scores.json")
    parser.add_argument("--failures", action="store_true", help="print every failing question (dev split only)")
    parser.add_argument(
        "--tag", metavar="TAG", help="only questions tagged TAG ('!TAG': only those without it; dev split only)"
    )
    args = parser.parse_args()
    if args.failures and args.split != "dev":
        parser.error("--failures is for the dev split only")
    if args.tag is not None and args.split != "dev":
        parser.error("--tag is for the dev split only")
    if args.tag is not None and (args.json or args.check):
        parser.error("--tag cannot be combined with --json or --check")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
