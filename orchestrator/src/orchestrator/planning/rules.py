"""RulePlanner: the embedded, offline planner.

The question is split into clauses ("what plan am I on and do I have open tickets?" gives two);
each clause is matched against every tool's example utterances and name with rapidfuzz's
token-set ratio over content words. Each clause whose best tool scores at least `threshold`
adds that tool to the plan. Simple arguments (enum filters such as `status`, small integers
such as `limit`) are read from the clause using the tool's input schema; identity arguments
are left to plan validation, which binds them to the caller.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from orchestrator.planning.base import Plan, Step
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog, CatalogTool

_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "get",
        "give",
        "had",
        "has",
        "have",
        "how",
        "i",
        "im",
        "i'm",
        "is",
        "it",
        "its",
        "me",
        "mine",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "show",
        "tell",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "this",
        "to",
        "us",
        "was",
        "we",
        "what",
        "whats",
        "what's",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "list",
        "see",
        "currently",
        "right",
        "now",
        "got",
        "some",
        "much",
        "many",
    ]
)
_CLAUSE_SPLIT = re.compile(
    r"[?;!]|\.(?:\s|$)|,\s*(?:and\s+)?|\s+(?:and|also|plus|as well as)\s+(?=(?:do|does|did|is|are|am|what|when|"
    r"how|who|which|show|list|any|my|i|can|tell|give|whats|what's)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9']+")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "twenty": 20}
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "unpaid": ("unpaid", "outstanding", "overdue", "owe", "due", "not paid", "open invoice", "open invoices"),
    "paid": ("paid", "settled"),
    "open": ("open", "unresolved", "pending", "ongoing", "in progress"),
    "closed": ("closed", "resolved", "solved", "done"),
}
_GENERIC_NAME_WORDS = frozenset({"get", "list", "search", "find", "fetch", "read"})


def _stem(word: str) -> str:
    word = word.strip("'")
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed words of `text` without stopwords."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def split_clauses(question: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(question) if p and p.strip()]
    return [p for p in parts if content_words(p)] or [question]


@dataclass(frozen=True)
class _Match:
    tool: CatalogTool
    score: float
    clause: str


class RulePlanner:
    """Fuzzy matching of questions against tool examples; no model, no network."""

    name = "rules"

    def __init__(self, *, threshold: float = 72.0) -> None:
        self.threshold = threshold

    async def plan(self, question: str, caller: Caller, catalog: Catalog) -> Plan:
        # A one-shot question only reads: tools that write need a confirmation turn (/orchestrate).
        tools = catalog.readable_by(caller)
        matches: dict[str, _Match] = {}
        for clause in split_clauses(question):
            best = self._best(clause, tools)
            if best and best.score >= self.threshold and best.score > getattr(matches.get(best.tool.name), "score", 0):
                matches[best.tool.name] = best
        if not matches:
            return _no_match(tools)
        steps = [Step(tool=m.tool.name, arguments=extract_arguments(m.clause, m.tool)) for m in matches.values()]
        confidence = min(m.score for m in matches.values()) / 100
        return Plan(intent="+".join(matches), steps=steps, confidence=round(confidence, 3))

    def _best(self, clause: str, tools: list[CatalogTool]) -> _Match | None:
        words = content_words(clause)
        scored = [_Match(tool, _score(words, words_of(tool)), clause) for tool in tools]
        if not scored:
            return None
        top = max(m.score for m in scored)
        tied = [m for m in scored if m.score == top]
        # Ties (token-set matching scores any subset 100) go to the tool with the closest example;
        # only they pay for the second comparison.
        return tied[0] if len(tied) == 1 else max(tied, key=lambda m: closeness(clause, m.tool))


@dataclass(frozen=True)
class ToolWords:
    """A tool's examples and name as the planner compares them: worked out once per listing of the tool."""

    tool: CatalogTool
    examples: tuple[str, ...]  # each example's content words, joined (empty for an example of stopwords only)
    name_words: frozenset[str]

    @functools.cached_property
    def scored(self) -> tuple[str, ...]:
        """The examples a clause is scored against: those with content words."""
        return tuple(e for e in self.examples if e)


_words_by_tool: dict[str, ToolWords] = {}


def words_of(tool: CatalogTool) -> ToolWords:
    """The tool's `ToolWords`, computed again only when the catalog holds a new listing of it."""
    known = _words_by_tool.get(tool.name)
    if known is None or known.tool is not tool:  # each catalog refresh lists tools anew
        examples = tuple(" ".join(content_words(e)) for e in tool.info.examples)
        name_words = frozenset({_stem(w) for w in tool.info.name.split("_")} - _GENERIC_NAME_WORDS)
        known = _words_by_tool[tool.name] = ToolWords(tool, examples, name_words)
    return known


def score_tool(clause: str, tool: CatalogTool) -> float:
    """0–100: how well the clause matches the tool's examples, with a bonus for naming the tool."""
    return _score(content_words(clause), words_of(tool))


def _score(words: list[str], tool: ToolWords) -> float:
    if not words:
        return 0.0
    text = " ".join(words)
    found = process.extractOne(text, tool.scored, scorer=fuzz.token_set_ratio)  # the best, in one C loop
    best = found[1] if found is not None else 0.0
    bonus = 12.0 if not tool.name_words.isdisjoint(words) else 0.0
    return float(min(100.0, best + bonus))


def closeness(clause: str, tool: CatalogTool) -> float:
    """0–100: the plain similarity of the clause to the tool's closest example (breaks ties of `score_tool`)."""
    text = " ".join(content_words(clause))
    return max((fuzz.ratio(text, e) for e in words_of(tool).examples), default=0.0)


def extract_arguments(clause: str, tool: CatalogTool) -> dict[str, Any]:
    """Enum filters and small integer limits the clause states, read through the input schema."""
    schema = tool.info.input_schema
    lowered = f" {' '.join(_WORD.findall(clause.lower()))} "
    arguments: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if name in tool.info.identity_args:
            continue
        values = _enum_values(prop, schema)
        if values:
            chosen = _mentioned_value(lowered, values)
            if chosen is not None:
                arguments[name] = chosen
        elif _is_integer(prop) and name in {"limit", "count", "n", "top", "max_results"}:
            number = _mentioned_number(lowered, prop)
            if number is not None:
                arguments[name] = number
    zones = [name for name, prop in schema.get("properties", {}).items() if _is_timezone(name, prop)]
    if len(zones) == 1:  # with several (from/to), which place is which is a model's job
        zone = mentioned_timezone(lowered)
        if zone is not None:
            arguments[zones[0]] = zone
    for name in schema.get("required", []):
        default = schema.get("properties", {}).get(name, {}).get("default")
        if name not in arguments and default is not None and name not in tool.info.identity_args:
            arguments[name] = default
    return arguments


def _is_timezone(name: str, prop: dict[str, Any]) -> bool:
    return prop.get("type") == "string" and (
        name.lower().replace("_", "") in {"timezone", "tz", "zone"}
        or "iana time" in prop.get("description", "").lower()
    )


@functools.cache
def _timezones_by_place() -> dict[str, str]:
    """Lower-case place names (the last part of IANA names: "tokyo", "new york") → zone name."""
    places: dict[str, str] = {"utc": "UTC", "gmt": "UTC"}
    for zone in sorted(zoneinfo.available_timezones()):
        area, _, place = zone.rpartition("/")
        if area and not area.startswith("Etc") and place:
            places.setdefault(place.replace("_", " ").lower(), zone)
    return places


def mentioned_timezone(lowered: str) -> str | None:
    """The IANA zone of the longest place name the text mentions (`lowered`: padded, lower-case words)."""
    found = [(len(place), zone) for place, zone in _timezones_by_place().items() if f" {place} " in lowered]
    return max(found)[1] if found else None


def _enum_values(prop: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    options = [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]
    values: list[str] = []
    for option in options:
        if "$ref" in option:
            option = schema.get("$defs", {}).get(option["$ref"].rsplit("/", 1)[-1], {})
        values.extend(v for v in option.get("enum", []) if isinstance(v, str))
    return values


def _mentioned_value(lowered: str, values: list[str]) -> str | None:
    best: tuple[int, str] | None = None
    for value in values:
        for phrase in (value.lower().replace("_", " "), *_SYNONYMS.get(value.lower(), ())):
            if f" {phrase} " in lowered and (best is None or len(phrase) > best[0]):
                best = (len(phrase), value)
    return best[1] if best else None


def _is_integer(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "integer" or any(o.get("type") == "integer" for o in prop.get("anyOf", []))


def _mentioned_number(lowered: str, prop: dict[str, Any]) -> int | None:
    for word in lowered.split():
        number = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
        if number is None:
            continue
        if prop.get("minimum", number) <= number <= prop.get("maximum", number):
            return number
    return None


def _no_match(tools: list[CatalogTool]) -> Plan:
    if not tools:
        return Plan(intent="unknown", confidence=0.0, message="No services are available right now.")
    services = sorted({t.service for t in tools})
    examples = [f"“{t.info.examples[0]}”" for t in tools if t.info.examples]
    message = (
        f"I'm not sure what you're asking. I can answer questions about your data in {', '.join(services)}, "
        f"for example: {', '.join(examples)}."
    )
    return Plan(intent="unknown", confidence=0.1, message=message)
