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

Usage: uv run --frozen python bench/eval_planner.py [--split dev|test|all] [--json PATH] [--check PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from chargebee_service.tools import build_registry as chargebee_registry
from customer_profile_service.tools import build_registry as profile_registry
from firebase_service.tools import build_registry as firebase_registry
from hubspot_service.tools import build_registry as hubspot_registry
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext, ToolInfo
from menu_service.tools import build_registry as menu_registry
from orchestrator.domains.food.intents import RuleIntentClassifier
from orchestrator.domains.food.state import ConversationView
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog
from order_service.tools import build_registry as order_registry
from recommendations_service.tools import build_registry as recommendations_registry
from tracking_service.tools import build_registry as tracking_registry

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
HEADLINES = (
    ("exact_match_pct", "exact tool-set match"),
    ("at_least_one_right_pct", "at least one right tool (questions expecting a tool)"),
    ("wrong_plan_pct", "wrong plan (tools planned, not an exact match)"),
    ("clarify_pct", "clarify (no tool planned)"),
    ("no_tool_clarified_pct", "clarified when no tool fits (no-tool questions)"),
    ("argument_accuracy_pct", "argument accuracy (expected entity arguments carried)"),
    ("intent_accuracy_pct", "intent accuracy"),
    ("slot_accuracy_pct", "slot accuracy (expected slots read)"),
)
NONE = "(none)"


class _NotRunning:
    """Stands in for a service's backend: planning reads tool listings and never calls a tool."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the evaluation never calls a tool ({name})")


class _RegistrySource:
    """A ToolSource over a service's registry, in-process: listings only."""

    def __init__(self, registry: ToolRegistry) -> None:
        self.name = registry.service
        self.registry = registry

    async def list_tools(self) -> list[ToolInfo]:
        return [spec.info() for spec in self.registry]

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "the evaluation never calls a tool")

    async def health(self) -> None:
        return None


async def build_catalog() -> Catalog:
    """Every service's tools as the orchestrator lists them, from the services' own registries."""
    unused = cast(Any, _NotRunning())
    registries = [
        chargebee_registry(unused),
        hubspot_registry(unused),
        firebase_registry(unused),
        menu_registry(unused),
        order_registry(lambda: unused),
        recommendations_registry(unused),
        tracking_registry(lambda: unused),
        profile_registry(unused),
    ]
    catalog = Catalog([_RegistrySource(r) for r in registries])
    await catalog.refresh()
    return catalog


def load(path: Path, split: str = "all") -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [e for e in entries if split == "all" or e["split"] == split]


def matches(expected: Any, actual: Any, name: str = "") -> bool:
    """Whether a planned argument (or slot) carries the expected value.

    Lists compare as sets, numbers by value, free text (`text`, `context`) by every expected word
    appearing in it, other strings case-insensitively.
    """
    if actual is None:
        return False
    if isinstance(expected, list):
        if not isinstance(actual, list | tuple):
            return False
        return {str(v).lower() for v in expected} == {str(v).lower() for v in actual}
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and float(actual) == float(expected)
    if name in ("text", "context"):
        return all(word in str(actual).lower() for word in str(expected).lower().split())
    return str(expected).lower() == str(actual).lower()


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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


async def evaluate(split: str, *, progress: bool = False) -> Report:
    catalog = await build_catalog()
    report = Report(split, read_tools=sorted(t.name for t in catalog.readable_by(CALLER)))
    planner = RulePlanner()
    questions = load(QUERIES, split)
    for n, entry in enumerate(questions, 1):
        started = time.perf_counter()
        plan = await planner.plan(entry["question"], CALLER, catalog)
        ms = (time.perf_counter() - started) * 1000
        arguments: dict[str, dict[str, Any]] = {}
        for step in plan.steps:
            arguments.setdefault(step.tool, dict(step.arguments))
        report.queries.append(QueryResult(entry, sorted(arguments), arguments, ms))
        if progress and n % 50 == 0:
            print(f"  planned {n}/{len(questions)} questions", file=sys.stderr)
    classifier = RuleIntentClassifier()
    for entry in load(CONVERSATION, split):
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


def print_report(report: Report) -> None:
    q, msgs = report.queries, report.messages
    print(f"\n== /query planner (RulePlanner), split {report.split}: {len(q)} questions")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r in q:
        expected, planned = set(r.expected), set(r.planned)
        tp.update(expected & planned)
        fp.update(planned - expected)
        fn.update(expected - planned)
    tools = sorted(set(report.read_tools) | set(tp) | set(fp) | set(fn))
    print(f"{'tool':36} {'expected':>8} {'planned':>8} {'precision':>9} {'recall':>7}")
    for tool in tools:
        planned_n, expected_n = tp[tool] + fp[tool], tp[tool] + fn[tool]
        print(
            f"{tool:36} {expected_n:8} {planned_n:8} {pct(tp[tool], planned_n):8.1f}% {pct(tp[tool], expected_n):6.1f}%"
        )

    confusions = Counter(
        (" + ".join(r.expected) or NONE, " + ".join(r.planned) or NONE) for r in q if not r.exact
    ).most_common(15)
    print("\nworst confusions (expected -> planned, count)")
    for (expected_set, planned_set), count in confusions:
        print(f"{count:4}  {expected_set}  ->  {planned_set}")

    by_tag: dict[str, list[bool]] = defaultdict(list)
    for r in q:
        for tag in r.entry.get("tags", []):
            by_tag[tag].append(r.exact)
    print("\nexact match by tag")
    for tag, results in sorted(by_tag.items(), key=lambda kv: -len(kv[1])):
        print(f"  {tag:20} {pct(sum(results), len(results)):5.1f}%  of {len(results)}")

    per_arg: dict[str, list[bool]] = defaultdict(list)
    given_tool: list[bool] = []
    for r in q:
        for tool, expected_args in r.entry.get("args", {}).items():
            for name, value in expected_args.items():
                ok = tool in r.arguments and matches(value, r.arguments[tool].get(name), name)
                per_arg[f"{tool}.{name}"].append(ok)
                if tool in r.arguments:
                    given_tool.append(ok)
    total, right = report.argument_counts()
    with_args = sum(1 for r in q if r.entry.get("args"))
    print(f"\nargument extraction over {with_args} questions with expected arguments: {right}/{total} right")
    print(
        f"  when the tool was planned: {sum(given_tool)}/{len(given_tool)} ({pct(sum(given_tool), len(given_tool))}%)"
    )
    for name, results in sorted(per_arg.items()):
        print(f"  {name:40} {sum(results):3}/{len(results):<3} {pct(sum(results), len(results)):5.1f}%")

    print(f"\n== /orchestrate intents (RuleIntentClassifier), split {report.split}: {len(msgs)} messages")
    per_intent: dict[str, list[bool]] = defaultdict(list)
    for m in msgs:
        per_intent[m.entry["intent"]].append(m.right)
    for intent, results in sorted(per_intent.items()):
        print(f"  {intent:20} {sum(results):3}/{len(results):<3} {pct(sum(results), len(results)):5.1f}%")
    wrong = Counter((m.entry["intent"], m.intent) for m in msgs if not m.right).most_common(10)
    print("worst intent confusions (expected -> read, count)")
    for (expected_intent, read), count in wrong:
        print(f"{count:4}  {expected_intent}  ->  {read}")
    per_slot: dict[str, list[bool]] = defaultdict(list)
    for m in msgs:
        for name, value in m.entry.get("slots", {}).items():
            per_slot[name].append(matches(value, m.slots.get(name), name))
    print("slots")
    for name, results in sorted(per_slot.items()):
        print(f"  {name:20} {sum(results):3}/{len(results):<3} {pct(sum(results), len(results)):5.1f}%")

    figures = report.figures()
    print(f"\nplanning time per question: p50 {figures['plan_p50_ms']:.2f} ms, p95 {figures['plan_p95_ms']:.2f} ms")
    counts = f"{figures['questions']:g} questions, {figures['messages']:g} messages"
    print(f"\n== headline figures, split {report.split} ({counts})")
    for key, label in HEADLINES:
        print(f"  {figures[key]:5.1f}%  {label}")


def scores_document(report: Report) -> dict[str, Any]:
    return {"measured_with": MEASURED_WITH, "split": report.split, "figures": report.figures()}


def run(args: argparse.Namespace) -> int:
    print(f"evaluating the rules planner and intent reader on the {args.split} split", file=sys.stderr)
    report = asyncio.run(evaluate(args.split, progress=True))
    print_report(report)
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
    parser.add_argument("--json", metavar="PATH", help="write the headline figures to PATH")
    parser.add_argument("--check", metavar="PATH", help="compare the test-split figures with a committed scores.json")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
