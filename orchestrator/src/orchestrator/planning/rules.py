"""RulePlanner: the embedded, offline planner.

The question is split into clauses: hard breaks ("?", ";", ", also", "plus") always, loose joins
("and", "&", "+", "n", commas) only when both sides read as different tools on their own. Each clause is
scored against every tool by a lexical retriever (`retrieval.py`: BM25 over the words each tool
declares, a synonym lexicon, typo correction) plus how well the ids it names fit the tool's id
argument. A clause whose best tool scores at least `threshold` and leads the second by `margin`
adds that tool; a clause that is close between two or three tools, or weak, makes the plan one
short clarifying question naming the likeliest readings (intent "unknown", low confidence).
In a near tie, the tool the clause leaves fewer required arguments unsupplied for wins (`fit.py`); a
loose join is not split when one side only names things the whole clause's tool declares. A part that
points back ("what was in it", "which one …") and names no id takes the ids of the part before it; a
loosely joined remark pointing back at something without ids ("…, my son reacts to it") is not split off.
A part that states rather than asks ("any soy-free mains? my partner is allergic to it", "before I order,
…": `remarks.py`) is planned only when the rest of the question reads as no tool, or points back at it.
A part naming a subject no tool answers (`foreign.py`: "flight", "weather", "laptop", unless the catalog
itself uses the word) makes the plan a question back, whatever its best tool scores.
Arguments are read per type through the input schema (`slots.py`); identity arguments are left
to plan validation, which binds them to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from orchestrator.planning import actions, fit, lexicon, remarks, retrieval, slots
from orchestrator.planning.base import Plan, Step
from orchestrator.planning.retrieval import Options, Query, ToolIndex, index_for
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog, CatalogTool

_HARD_SPLIT = re.compile(
    r"[?;!]+|\.(?:\s|$)|,\s*(?:and\s+)?(?:also|plus|then|separately)\b|\s+(?:also|plus|as well as|and also)\s+"
    r"|\s+and\s+(?=(?:do|does|did|is|are|am|was|were|has|have|what|whats|when|where|how|who|whos|which|show|list|"
    r"any|can|tell|give|recommend|suggest)\b)",
    re.IGNORECASE,
)
_SOFT_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+(?:and|n|&|\+)\s+", re.IGNORECASE)
ID_BONUS = 0.3
PLANS_KEPT = 2048
"""Plans a `RulePlanner` remembers (the least recently asked forgotten first)."""
PLAN_MEMO_MAX_CHARS = 500
"""Longer questions are planned every time, never remembered."""
UNCALLABLE_MARGIN = 0.12  # the lead a tool needs over the next when the clause names none of the ids it requires
VALUE_BONUS = 0.05  # in a near tie: for the tools that take a value the clause names (the others only list it)
UNSUPPLIED_PENALTY = 0.03  # in a near tie: per required argument the clause cannot give, beyond the fewest
_TOOL_NAME = re.compile(r"\b[a-z][a-z0-9]*\.[a-z0-9]+_[a-z0-9_]+\b", re.IGNORECASE)
_ID_AT_END = re.compile(r"\b[a-z]{1,6}[-\s]?[0-9][0-9a-z]*\s*$", re.IGNORECASE)
_DETERMINERS = frozenset({"my", "the", "a", "an", "our", "your", "their", "all", "any", "some", "of"})
_AN_ID = re.compile(r"\b[a-z]{1,6}[-_\s]?[0-9][0-9a-z]*\b", re.IGNORECASE)
_LEADING_JOIN = re.compile(r"^(?:and|or|plus|also)\s+", re.IGNORECASE)
_JOINERS = frozenset({"and", "or", "plus", "also", "how", "about", "same", "for", "too"})
_ASKING = frozenset({"where", "when", "who", "whos", "which", "how", "why"})
_ALTERNATIVE = re.compile(r"or\s+(?:did|do|does|is|are|was|were|has|have|had|will|would|can|could|should|not)\b", re.I)
_ID_AT_START = re.compile(r"^\s*[a-z]{1,6}[-\s]?[0-9][0-9a-z]*\b", re.IGNORECASE)


def split_clauses(question: str) -> list[str]:
    """The question's parts at hard breaks (question marks, semicolons, "also", "plus", "and what …")."""
    parts = [p.strip(" ,") for p in _HARD_SPLIT.split(question) if p and p.strip(" ,")]
    kept: list[str] = []
    for part in parts:
        if kept and _only_ids(part):  # "is m-50 vegan? and m-51?": the same question about one more id
            kept[-1] = f"{kept[-1]} and {_LEADING_JOIN.sub('', part)}"
        elif lexicon.analyse(part) or re.search(r"\d", part):
            kept.append(part)
    return kept or [question]


_BACK_REFERENCE = re.compile(
    r"\b(?:it|its|them|they|those|these|that one|this one|which one|either|both)\b", re.IGNORECASE
)


def _ids_in(text: str, prefixes: Sequence[str]) -> list[str]:
    return [i for prefix in prefixes for i in slots.find_ids(prefix, text)]


def carry_ids(clauses: list[str], prefixes: Sequence[str]) -> list[str]:
    """A part that names no id but points back ("what was in it", "which one has sesame") is about the ids
    of the part before it: they are added to it ("track ord-3f9a1c, also what was in it")."""
    carried: list[str] = []
    before: list[str] = []
    for clause in clauses:
        ids = _ids_in(clause, prefixes)
        if not ids and before and _BACK_REFERENCE.search(clause):
            clause = f"{clause} ({', '.join(before)})"
        carried.append(clause)
        before = ids or before
    return carried


def _only_ids(part: str) -> bool:
    """Only ids (and joining words): "and m-51", "what about ord-12ab34"."""
    rest = _AN_ID.sub(" ", part)
    return rest != part and all(w in lexicon.STOPWORDS or w in _JOINERS for w in lexicon.words(rest))


@dataclass(frozen=True)
class Scored:
    """A clause's ranking: (score, tool) best first."""

    clause: str
    ranked: tuple[tuple[float, CatalogTool], ...]
    foreign: bool = False  # names a subject outside every tool's (`foreign.py`): asked back whatever it scores

    @property
    def best(self) -> float:
        return self.ranked[0][0] if self.ranked else 0.0

    @property
    def second(self) -> float:
        return self.ranked[1][0] if len(self.ranked) > 1 else 0.0


@dataclass(frozen=True)
class _Match:
    tool: CatalogTool
    score: float
    clause: str


class RulePlanner:
    """Lexical retrieval of tools for each part of a question; no model, no network."""

    name = "rules"

    def __init__(self, *, threshold: float = 0.15, margin: float = 0.05, options: Options | None = None) -> None:
        self.threshold = threshold
        self.margin = margin  # the second tool must score below best × (1 - margin) for a plan
        self.options = options
        # (question, day, allowlist) → the plan's JSON, for the catalog listing `_listing` only (see `plan`).
        self._plans: OrderedDict[tuple[str, dt.date, tuple[str, ...]], str] = OrderedDict()
        self._listing: object = None

    async def plan(self, question: str, caller: Caller, catalog: Catalog) -> Plan:
        # A plan is a function of the question, the catalog listing, the caller's allowlist and the day alone
        # (identity arguments are bound later, by validation), so the same question is planned once per
        # listing, allowlist and day, whoever asks it. A refresh makes a new listing: the plans of the old one
        # are dropped with it, so none keeps an old listing's tools and indexes in memory. A remembered plan
        # is not `cached` (that flag is the model's shared plan cache). It is kept as its JSON (a fraction of
        # the objects' memory), so each request gets a plan of its own.
        if catalog.listing is not self._listing:
            self._plans.clear()
            self._listing = catalog.listing
        today = dt.date.today()
        key = (question, today, caller.allowed_tools)
        if (known := self._plans.get(key)) is not None:
            self._plans.move_to_end(key)
            return Plan.model_validate_json(known)
        plan = self._plan(question, caller, catalog, today)
        if len(question) <= PLAN_MEMO_MAX_CHARS:
            self._plans[key] = plan.model_dump_json()
            while len(self._plans) > PLANS_KEPT:
                self._plans.popitem(last=False)
        return plan

    def _plan(self, question: str, caller: Caller, catalog: Catalog, today: dt.date) -> Plan:
        # A one-shot question only reads: tools that write need a confirmation turn (/orchestrate).
        tools = catalog.readable_by(caller)
        if not tools:
            return Plan(intent="unknown", confidence=0.0, message="No services are available right now.")
        index = index_for(tools, self.options)
        # Every read tool, the caller's or not: a part whose best reading is a tool withheld from the caller
        # is left unanswered rather than planned with the nearest tool the caller has.
        every = [tool for tool in catalog.tools() if not tool.info.writes]
        whole = index_for(every, self.options) if len(every) > len(tools) else index
        learnt = actions.learnt_verbs(catalog.tools())
        named = {n.lower() for n in _TOOL_NAME.findall(question)}
        if named - {t.name for t in catalog.tools()}:  # asks for a tool there is none of: never guess one
            return Plan(
                intent="unknown", confidence=0.0, message="There is no such tool here. What would you like to know?"
            )
        matches: dict[str, _Match] = {}
        unsure: list[Scored] = []
        parts: list[Scored] = []
        for clause in carry_ids(split_clauses(question), index.id_prefixes):
            if _asks_for_a_change(clause, learnt):
                unsure.append(Scored(clause, ()))
            else:
                parts.extend(self._parts(clause, index))
        # Remarks ("…, my partner is allergic to it") are planned only when the rest reads as no tool.
        said = remarks.remarks_among([part.clause for part in parts], question)
        for part, remark in sorted(zip(parts, said, strict=True), key=lambda ps: ps[1]):
            if remark and matches:
                break
            if index.small_talk(part.clause):  # "who are you": no tool's reading is near it, whatever it scores
                unsure.append(Scored(part.clause, (), foreign=True))
                continue
            if index.foreign_topic(part.clause):  # "track my flight": a subject no tool here answers
                unsure.append(replace(part, foreign=True))
                continue
            if self._confident(part) and not index.foreign_object(part.clause, index.tools.index(part.ranked[0][1])):
                score, tool = part.ranked[0]
                if whole is not index and self._withheld(part, whole, tools):
                    continue
                if score > getattr(matches.get(tool.name), "score", -1.0):
                    matches[tool.name] = _Match(tool, score, part.clause)
            elif lexicon.analyse(part.clause):
                unsure.append(part)
        if not matches or any(u.best >= self.threshold or u.foreign for u in unsure):
            return clarify(question, unsure, index, matches)
        steps = [
            Step(tool=m.tool.name, arguments=slots.extract(m.clause, m.tool, today=today)) for m in matches.values()
        ]
        confidence = min(1.0, 0.5 + min(m.score for m in matches.values()) / 2)
        return Plan(intent="+".join(matches), steps=steps, confidence=round(confidence, 3))

    def _withheld(self, part: Scored, whole: ToolIndex, allowed: Sequence[CatalogTool]) -> bool:
        """Whether the part reads better as a tool the caller may not use than as the one it was given."""
        best, tool = self.score(part.clause, whole).ranked[0]
        return tool not in allowed and best > part.ranked[0][0]

    def score(self, clause: str, index: ToolIndex) -> Scored:
        query = index.query(clause)
        ranked = index.scores(query)
        dish = index.options.dish_fit
        adjusted = [
            (score + ID_BONUS * slots.id_fit(index.tools[i], clause) + dish * index.dish_fit(query, i), index.tools[i])
            if score > 0
            else (score, index.tools[i])
            for score, i in ranked
        ]
        adjusted.sort(key=lambda s: -s[0])
        adjusted = fit.prefer_listing(clause, adjusted, lambda tool: index.listed[index.tools.index(tool)])
        close = adjusted[0][0] * (1 - self.margin) if adjusted else 0.0
        if len(adjusted) > 1 and adjusted[0][0] > 0 and adjusted[1][0] >= close:  # a near tie
            adjusted = self._prefer_callable(clause, adjusted, close)
            adjusted = _prefer_values(query, index, adjusted, close)
            adjusted = _prefer_plural(clause, adjusted, close)
        return Scored(clause, tuple(adjusted[:5]))

    @staticmethod
    def _prefer_callable(
        clause: str, ranked: list[tuple[float, CatalogTool]], close: float
    ) -> list[tuple[float, CatalogTool]]:
        """Close tools (a near tie) compared on what the clause can supply: each required argument left
        unsupplied beyond the fewest any close tool leaves costs `UNSUPPLIED_PENALTY`."""
        band = {id(tool): fit.unsupplied(clause, tool) for score, tool in ranked if score >= close}
        fewest = min(band.values())
        ranked = [
            (score - UNSUPPLIED_PENALTY * (band[id(tool)] - fewest), tool) if id(tool) in band else (score, tool)
            for score, tool in ranked
        ]
        ranked.sort(key=lambda s: -s[0])
        return ranked

    def _confident(self, scored: Scored) -> bool:
        if scored.best < self.threshold:
            return False
        # A tool the clause cannot call (a required value it does not give) must lead clearly: else ask back.
        margin = UNCALLABLE_MARGIN if fit.unnamed_ids(scored.clause, scored.ranked[0][1]) else self.margin
        return scored.second < scored.best * (1 - max(margin, self.margin))

    def _parts(self, clause: str, index: ToolIndex, depth: int = 0) -> list[Scored]:
        """The clause, or its loosely joined parts when each reads confidently as a different tool."""
        whole = self.score(clause, index)
        if depth > 2:
            return [whole]
        for match in _SOFT_SPLIT.finditer(clause):
            left, right = clause[: match.start()].strip(), clause[match.end() :].strip()
            if (
                not lexicon.analyse(left)
                or not lexicon.analyse(right)
                or (_ID_AT_END.search(left) and _ID_AT_START.match(right))
                or _dish_list(left, right)
                or self._noun_within(left, right, whole, index)
            ):
                continue  # "m-01, m-57 and m-54", "2 samosas and a lassi": a list of ids or dishes is one argument
            if _BACK_REFERENCE.search(right) and not _ids_in(left + " " + right, index.id_prefixes):
                continue  # "sesame-free starters, my son reacts to it": about the same thing, not a second question
            if _ALTERNATIVE.match(right):
                continue  # "is it renewing in january, or did I switch that off": one question, two answers offered
            left, right = carry_ids([left, right], index.id_prefixes)
            first = self.score(left, index)
            if not self._confident(first):
                continue
            second, rest = self.score(right, index), self._parts(right, index, depth + 1)
            if not self._confident(second):  # "b status, c status": the right side may itself be a list
                if len(rest) < 2 or not all(self._confident(part) for part in rest):
                    continue
                second = rest[0]
            if first.ranked[0][1] is not second.ranked[0][1] and (
                not self._confident(whole) or min(first.best, second.best) >= whole.best * 0.6
            ):
                return [first, *rest]
        return [whole]

    def _noun_within(self, left: str, right: str, whole: Scored, index: ToolIndex) -> bool:
        """One side only names a thing ("… and delivery addresses") and the tool read for the whole clause
        declares the words of both sides: more of what that tool answers, not a second question."""
        if not self._confident(whole) or not (_bare_noun(left) or _bare_noun(right)):
            return False
        best = index.tools.index(whole.ranked[0][1])
        return index.covers(best, left) and index.covers(best, right)


def _prefer_values(
    query: Query, index: ToolIndex, ranked: list[tuple[float, CatalogTool]], close: float
) -> list[tuple[float, CatalogTool]]:
    """Close tools (a near tie) where only some take a value the clause names as an argument ("what desserts
    do you have": the search takes "desserts" as its section; the overview of sections only lists them)."""
    named = set(query.terms)
    return _favour(ranked, close, lambda tool: bool(named & index.value_stems[index.tools.index(tool)]))


def _prefer_plural(
    clause: str, ranked: list[tuple[float, CatalogTool]], close: float
) -> list[tuple[float, CatalogTool]]:
    """Close tools (a near tie) where only some are named with a plural the clause uses ("my orders":
    `list_orders`, not `get_order`)."""
    plurals = {w for w in lexicon.words(clause) if len(w) > 3 and w.endswith("s")}
    return _favour(ranked, close, lambda tool: bool(plurals & set(tool.info.name.lower().split("_"))))


def _favour(
    ranked: list[tuple[float, CatalogTool]], close: float, favoured: Callable[[CatalogTool], bool]
) -> list[tuple[float, CatalogTool]]:
    """`VALUE_BONUS` for the close tools (score ≥ `close`) that are `favoured`, when only some of them are."""
    band = {id(tool): favoured(tool) for score, tool in ranked if score >= close}
    if all(band.values()) or not any(band.values()):
        return ranked
    ranked = [(score + VALUE_BONUS, tool) if band.get(id(tool)) else (score, tool) for score, tool in ranked]
    ranked.sort(key=lambda s: -s[0])
    return ranked


def _bare_noun(text: str) -> bool:
    """Only nouns (and determiners): no question word, no verb the stopwords know ("show", "is")."""
    words = lexicon.words(text)
    return bool(words) and all(
        w in _DETERMINERS or (w not in lexicon.STOPWORDS and w not in _ASKING and w.isalpha()) for w in words
    )


def _dish_list(left: str, right: str) -> bool:
    """The join lists dishes: the left part ends with one, the right starts with one (after a count)."""
    before, after = lexicon.words(left), lexicon.words(right)
    while after and retrieval.is_quantity(after[0]):
        after = after[1:]
    return bool(before and after) and retrieval.is_food(before[-1]) and retrieval.is_food(after[0])


def _asks_for_a_change(clause: str, learnt: frozenset[str] = frozenset()) -> bool:
    return actions.asks_for_a_change(clause, learnt)


def clarify(question: str, unsure: Sequence[Scored], index: ToolIndex, matches: dict[str, _Match]) -> Plan:
    """One short question back naming the two or three likeliest readings (intent unknown, low confidence)."""
    if any(not u.ranked and not u.foreign for u in unsure) and not any(u.ranked for u in unsure):  # a change
        return Plan(
            intent="unknown",
            confidence=0.1,
            message="I can only look things up here, not change them. Which details would you like to see?",
        )
    candidates: list[CatalogTool] = [m.tool for m in matches.values()]
    for part in sorted(unsure, key=lambda u: -u.best):
        candidates += [tool for score, tool in part.ranked[:3] if score > 0]
    if not candidates:  # nothing near it ("hello", "who are you"): a reading from each of three services
        candidates = showcase(index)
    chosen: list[CatalogTool] = []
    for tool in candidates:
        if tool not in chosen:
            chosen.append(tool)
    readings = [index.readings[index.tools.index(t)] for t in chosen[:3]]
    if not matches and all(u.best <= 0 or u.foreign for u in unsure):
        lead = "I'm not sure I can help with that. I can answer things like"
    else:
        lead = "Did you mean"
    joined = readings[0] if len(readings) == 1 else ", ".join(readings[:-1]) + " or " + readings[-1]
    best = max((u.best for u in unsure), default=0.0)
    return Plan(intent="unknown", confidence=round(min(0.3, best / 2), 3), message=f"{lead} {joined}?")


def showcase(index: ToolIndex) -> list[CatalogTool]:
    """One tool from each of the three services with the most tools (in catalog order on a tie): the one
    declaring the most examples. What a clarifying question offers when nothing is near the question."""
    by_service: dict[str, list[CatalogTool]] = {}
    for tool in index.tools:
        by_service.setdefault(tool.service, []).append(tool)
    services = sorted(by_service.values(), key=len, reverse=True)[:3]
    return [max(tools, key=lambda t: len(t.info.examples)) for tools in services]


def rank_tools(question: str, tools: list[CatalogTool]) -> list[CatalogTool]:
    """Tools best first for the question (the model planner's preselection uses the same retriever)."""
    return retrieval.rank_tools(question, tools, split_clauses(question))
