"""What `bench/eval_planner.py` prints: per-tool precision and recall, the worst confusions, argument and intent
accuracy, the failing questions of the dev split, and the headline figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orchestrator.planning.llm import LLMPlannerConfig

if TYPE_CHECKING:
    from eval_planner import QueryResult, Report

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


def print_headlines(report: Report, title: str) -> None:
    figures = report.figures()
    print(f"\n== {title}")
    for key, label in HEADLINES:
        if key in ("intent_accuracy_pct", "slot_accuracy_pct") and not report.messages:
            continue
        print(f"  {figures[key]:5.1f}%  {label}")
    offered = LLMPlannerConfig().max_prompt_tools
    print(f"  {figures['preselection_pct']:5.1f}%  preselection (expected tools all in the retriever's top {offered})")
    print(f"  {figures['plan_p50_ms']:5.2f} ms planning p50 ({figures['plan_p95_ms']:.2f} ms p95), "
          f"{figures['catalog_tools']:g} tools in the catalog")  # fmt: skip
    print(f"  {figures['index_build_ms']:5.1f} ms index build for the catalog (start-up, per refresh)")


def print_report(report: Report, distractors: Report | None = None) -> None:
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
    if distractors is not None:
        extra = distractors.catalog_size - report.catalog_size
        print_headlines(distractors, f"/query with {extra} third-party tools added, split {report.split}")
    print_headlines(report, f"headline figures, split {report.split} ({counts})")


def print_failures(report: Report) -> None:
    """Every question planned wrongly, with expected vs planned tools and arguments (dev only)."""
    if report.split != "dev":
        raise SystemExit("--failures is for the dev split only: the test split is never read question by question")
    failing = [r for r in report.queries if not r.exact or not _arguments_right(r)]
    print(f"\n== failures on dev ({len(failing)})")
    for r in failing:
        mark = "TOOLS" if not r.exact else "ARGS "
        print(f"{mark} {r.entry['question']!r}\n      expected {r.expected or NONE} {r.entry.get('args', {})}")
        print(f"      planned  {r.planned or NONE} {r.arguments}")


def _arguments_right(r: QueryResult) -> bool:
    return all(
        tool in r.arguments and matches(value, r.arguments[tool].get(name), name)
        for tool, expected in r.entry.get("args", {}).items()
        for name, value in expected.items()
    )
