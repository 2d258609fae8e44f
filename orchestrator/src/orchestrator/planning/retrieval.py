"""A lexical retriever over everything a tool declares: BM25 over stemmed words, weighted by field.

Each tool is a document with fields: the words of its name (and service), its example utterances,
its description, and its input schema (property names, descriptions, enum values). A question's
words are stemmed, expanded through the synonym lexicon (`lexicon.py`), and misspelt words are mapped
to the nearest word the catalog knows (rapidfuzz over the index vocabulary). Third-party tools with
no examples are found through their names, descriptions and schemas.

The index is built once per catalog listing (`index_for`): every refresh lists tools anew, and only
then are the features computed again; a request only looks words up.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from orchestrator.planning import fit, lexicon, money, slots, when
from orchestrator.planning.foreign import ARITHMETIC, FOREIGN_WORDS, SMALL_TALK
from orchestrator.tools.catalog import CatalogTool

K1 = 1.2
B = 0.5
FIELD_WEIGHTS = {"name": 3.0, "examples": 1.5, "description": 1.0, "schema": 0.5}
SYNONYM_WEIGHT = 0.8
TOPIC_WEIGHT = 0.5  # a word of what a record is about ("the ticket about my login"): it describes the record
FOOD_CONCEPT = "dish"
_GENERIC_FOOD = "food"  # the noun a food word qualifies ("thai food", "vegan food"): no tool of its own
_GENERIC_NAME_WORDS = frozenset({"get", "list", "search", "find", "fetch", "read", "query", "show"})
# example values a schema description gives ("e.g., 'Asia/Tokyo'", "e.g. Paris", "'curry', 'paneer'"): up to
# the closing parenthesis or the end of the sentence after "e.g."/"for example", and any quoted value
_EXAMPLE_VALUES = re.compile(
    r"\b(?:e\.\s?g\.|eg\.|for (?:example|instance))[,:]?\s.*?(?=\)|\.\s|\.?$)"
    r"""|(?<![\w'])'[^'\n]*'(?![\w'])|"[^"\n]*"|“[^”]*”|‘[^’]*’""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Options:
    """Switches for measuring the retriever's parts against each other (all on by default)."""

    synonyms: bool = True
    typos: bool = True
    fields: tuple[str, ...] = ("name", "examples", "description", "schema")
    food: bool = True
    dish_fit: float = 0.1


@dataclass
class Query:
    """A clause as the retriever reads it: weighted stems."""

    terms: dict[str, float]
    raw: list[str]
    dishes: int = 0  # dish or cuisine words read as entities (not words of the catalog): what a search looks for
    counted: bool = False  # a dish with a quantity before it ("2 margherita pizzas"): an order line

    @property
    def total(self) -> float:
        return sum(self.terms.values())


@dataclass
class ToolIndex:
    """BM25 statistics of a list of tools; immutable once built, except the typo memo."""

    tools: tuple[CatalogTool, ...]
    options: Options
    tf: list[dict[str, float]]
    lengths: list[float]
    idf: dict[str, float]
    vocabulary: tuple[str, ...]
    readings: list[str]
    searches_food: list[float]  # 1 for a tool with a free-text search argument over food (its description's words)
    orders_food: list[float]  # 1 for a tool taking item lines (id and quantity) of food
    name_words: list[frozenset[str]]  # stems of the words of each tool's name (generic verbs left out)
    takes_zones: bool = False  # some tool has a time-zone argument: a place name is a value for it
    enum_stems: frozenset[str] = frozenset()  # stems of the enum values the tools' arguments take
    id_prefixes: tuple[str, ...] = ()  # the prefixes of the ids the tools' id arguments take ("m", "ord")
    value_stems: tuple[frozenset[str], ...] = ()  # per tool: stems of the enum values its arguments take
    listed: tuple[frozenset[str], ...] = ()  # per tool: properties of the objects its output lists (`fit`)
    _typos: dict[str, str | None] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tools]

    def query(self, text: str) -> Query:
        """The clause's weighted stems: its words, typo-corrected, plus synonym and food expansions."""
        plain = lexicon.words(text)
        terms: dict[str, float] = {}
        dishes = 0
        place = when.mentioned_place(f" {' '.join(plain)} ") if self.takes_zones else None
        values = frozenset(place.split()) if place else frozenset()  # "tokyo", "new york": a time-zone value
        content = [(w, lexicon.stem(w)) for w in lexicon.content_words(plain) if w not in values]
        phrased = lexicon.phrase_words(plain) if self.options.synonyms else frozenset()
        topic = lexicon.topic_words(plain)
        for word, stemmed in content:
            food = self.options.food and (word in lexicon.FOOD_WORDS or word in lexicon.CUISINE_WORDS)
            if stemmed in self.idf or not self.options.typos:
                known: str | None = stemmed
            elif word in phrased:  # "postal address" is read as a phrase: "postal" is no misspelt "posted"
                known = None
            else:  # a dish the catalog does not name is an entity, not a misspelt catalog word ("bread" ≠ "brand")
                known = None if food else self._correct(stemmed)
            if known is None and self.options.food and not food and len(word) >= 5 and word.isalpha():
                food = _food_like(word)
            if food:
                terms[FOOD_CONCEPT] = max(terms.get(FOOD_CONCEPT, 0.0), 1.0)
            # a dish or cuisine is a value a search takes, unless some argument lists it ("mains", "vegan")
            entity = food and stemmed not in self.enum_stems
            if not word.isalpha() or entity or (known is None and (food or len(word) <= 3)):
                dishes += food
                continue  # an entity (a dish, an id, a number): it fills an argument, it does not choose the tool
            terms[known or stemmed] = max(terms.get(known or stemmed, 0.0), TOPIC_WEIGHT if word in topic else 1.0)
        if FOOD_CONCEPT in terms:  # "thai food", "halal food": the noun names the kind of value, not a tool
            terms.pop(_GENERIC_FOOD, None)
        if self.options.synonyms:
            table = lexicon.synonyms()
            plain = [self._spoken(w) for w in plain]
            for start in range(len(plain)):
                for end in range(start + 1, min(len(plain), start + 4) + 1):
                    for expansion in table.get(tuple(plain[start:end]), ()):
                        terms[expansion] = max(terms.get(expansion, 0.0), SYNONYM_WEIGHT)
            if money.names_a_price_limit(text):  # "under £15"; "under" alone is no price
                terms[_PRICE_TERM] = max(terms.get(_PRICE_TERM, 0.0), SYNONYM_WEIGHT)
        counted = self.options.food and any(
            is_food(word) and any(is_quantity(w) for w in plain[max(0, n - 2) : n]) for n, word in enumerate(plain)
        )
        return Query(terms, [s for _, s in content], dishes, counted)

    def _correct(self, stemmed: str) -> str | None:
        if len(stemmed) < 5 or not stemmed.isalpha():
            return None
        if stemmed not in self._typos:
            found = process.extractOne(stemmed, self.vocabulary, scorer=OSA.distance, score_cutoff=typo_edits(stemmed))
            self._typos[stemmed] = found[0] if found is not None else _same_root(stemmed, self.vocabulary)
        return self._typos[stemmed]

    def _spoken(self, word: str) -> str:
        """A misspelt word of the synonym lexicon ("anual", "employr") read as the word it misspells."""
        if not self.options.typos or len(word) < 5 or not word.isalpha() or lexicon.stem(word) in self.idf:
            return word
        if (word,) in lexicon.synonyms() or word in lexicon.FOOD_WORDS:
            return word
        found = process.extractOne(word, lexicon.synonym_words(), scorer=OSA.distance, score_cutoff=typo_edits(word))
        return str(found[0]) if found is not None else word

    def foreign_object(self, text: str, i: int) -> bool:
        """The clause opens with the tool's own verb ("track", "recommend") and goes on with two words the
        catalog never uses ("… my amazon parcel", "… a good film"): that action on something no tool has."""
        plain = [w for w in lexicon.words(text) if w not in lexicon.STOPWORDS]
        if len(plain) < 3 or lexicon.stem(plain[0]) not in self.name_words[i]:
            return False
        return all(w.isalpha() and not is_food(w) and not self._known(w) for w in plain[1:3])

    def covers(self, i: int, text: str) -> bool:
        """Every word of `text` that could choose a tool is one tool `i` declares ("delivery addresses": a profile)."""
        stated = [t for t, w in self.query(text).terms.items() if w >= 1.0 and t != FOOD_CONCEPT]
        return bool(stated) and all(t in self.tf[i] for t in stated)

    def foreign_topic(self, text: str) -> bool:
        """The text names a subject of `foreign.FOREIGN_WORDS` the catalog itself never uses, or is a sum."""
        plain = lexicon.words(text)
        if ARITHMETIC.search(text.lower()) and not any(is_food(w) for w in plain):  # not "2 + 1 samosas"
            return True
        return any(w in FOREIGN_WORDS and not self.uses(w) for w in plain)

    def small_talk(self, text: str) -> bool:
        """Small talk, unless a tool is named for it ("what time is it" and a time tool's `get_current_time`)."""
        if not SMALL_TALK.match(text):
            return False
        said = set(lexicon.analyse(text))
        return not any(said & names for names in self.name_words)

    def uses(self, word: str) -> bool:
        """Whether the catalog uses the word itself (no typo correction) or the synonym lexicon reads it."""
        return lexicon.stem(word) in self.idf or (word,) in lexicon.synonyms()

    def _known(self, word: str) -> bool:
        """`uses`, or a misspelling of a catalog word."""
        return self.uses(word) or (self.options.typos and self._correct(lexicon.stem(word)) is not None)

    def dish_fit(self, query: Query, i: int) -> float:
        """How well the tool takes the dishes the clause names: order lines when counted, else a search."""
        if query.counted:
            return self.orders_food[i]
        return self.searches_food[i] if query.dishes else 0.0

    def scores(self, query: Query, allowed: Iterable[int] | None = None) -> list[tuple[float, int]]:
        """(score, tool position), best first; the score is BM25 divided by the query's best possible."""
        positions = range(len(self.tools)) if allowed is None else allowed
        average = sum(self.lengths) / len(self.lengths) if self.lengths else 1.0
        ceiling = sum(self.idf.get(t, _unknown_idf(len(self.tools))) * w for t, w in query.terms.items()) * (K1 + 1)
        ranked: list[tuple[float, int]] = []
        for i in positions:
            tf, norm = self.tf[i], K1 * (1 - B + B * self.lengths[i] / average)
            total = 0.0
            for term, weight in query.terms.items():
                f = tf.get(term)
                if f:
                    total += weight * self.idf[term] * f * (K1 + 1) / (f + norm)
            ranked.append((total / ceiling if ceiling else 0.0, i))
        ranked.sort(key=lambda s: (-s[0], s[1]))
        return ranked


_PRICE_TERM = lexicon.stem("price")


@functools.cache
def _food_vocabulary() -> tuple[str, ...]:
    return tuple(sorted(w for w in lexicon.FOOD_WORDS | lexicon.CUISINE_WORDS if len(w) >= 4))


@functools.lru_cache(maxsize=4096)
def _food_like(word: str) -> bool:
    """A misspelt dish ("tirimasu")."""
    return process.extractOne(word, _food_vocabulary(), scorer=OSA.distance, score_cutoff=typo_edits(word)) is not None


def is_food(word: str) -> bool:
    """A dish, ingredient, drink or cuisine word of the general food vocabulary (misspellings included)."""
    return word in lexicon.FOOD_WORDS or word in lexicon.CUISINE_WORDS or (len(word) >= 5 and _food_like(word))


def is_quantity(word: str) -> bool:
    """A count before a dish ("2", "three", "couple"); "a"/"an" are too common to count."""
    return word.isdigit() or word in lexicon.NUMBER_WORDS


def typo_edits(word: str) -> int:
    """The edits (a letter added, dropped, changed or two swapped) a misspelling of a catalog word may
    carry: one in a short word, two in a long one. A real word two edits from a catalog word ("weather",
    "whether"; "night", "tonight") is another word, not a slip."""
    return 1 if len(word) <= 7 else 2


def _same_root(stemmed: str, vocabulary: Sequence[str]) -> str | None:
    """A catalog word the light stemmer left longer or shorter ("usual" / "usually", "postal" / "post")."""
    for known in vocabulary:
        short, long = sorted((known, stemmed), key=len)
        if len(short) >= 4 and len(long) - len(short) <= 3 and long.startswith(short):
            return known
    return None


def _unknown_idf(n: int) -> float:
    return math.log(1 + (n + 0.5) / 0.5)


def tool_fields(tool: CatalogTool) -> dict[str, list[str]]:
    """The words a tool declares, per field."""
    info = tool.info
    name = [w for w in info.name.replace("-", "_").split("_") if w not in _GENERIC_NAME_WORDS]
    schema_text: list[str] = []
    identity = set(info.identity_args)
    for prop_name, prop in info.input_schema.get("properties", {}).items():
        if prop_name in identity:
            continue
        schema_text.append(prop_name.replace("_", " "))
        schema_text.append(without_example_values(str(prop.get("description", ""))))
        schema_text.extend(_enum_words(prop))
    return {
        "name": lexicon.analyse(" ".join([*name, tool.service.replace("_", " ")])),
        "examples": lexicon.analyse(" ".join(info.examples)),
        "description": lexicon.analyse(info.description),
        "schema": lexicon.analyse(" ".join(schema_text)),
    }


def without_example_values(description: str) -> str:
    """A schema description without the example values it gives: an argument's sample value ("Tokyo" in
    "e.g., 'Asia/Tokyo'") says what the argument takes, not what the tool is about."""
    return _EXAMPLE_VALUES.sub(" ", description)


def _enum_words(prop: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for option in [prop, *prop.get("anyOf", []), *prop.get("oneOf", []), prop.get("items", {})]:
        if isinstance(option, dict):
            found.extend(str(v) for v in option.get("enum", []))
            if isinstance(option.get("items"), dict):
                found.extend(str(v) for v in option["items"].get("enum", []))
    return found


def reading(tool: CatalogTool) -> str:
    """A short phrase naming what the tool answers, for a clarifying question."""
    if tool.info.examples:
        return f"“{tool.info.examples[0].rstrip('?.! ')}”"
    first = tool.info.description.split(". ")[0].split(":")[0].strip().rstrip(".")
    short = " ".join(first.split()[:8])
    return f"{short[:1].lower()}{short[1:]} ({tool.name})"


def build_index(tools: Sequence[CatalogTool], options: Options | None = None) -> ToolIndex:
    options = options or Options()
    tfs: list[dict[str, float]] = []
    lengths: list[float] = []
    searches_food: list[float] = []
    orders_food: list[float] = []
    df: Counter[str] = Counter()
    for tool in tools:
        fields = tool_fields(tool)
        tf: dict[str, float] = {}
        for name, stems in fields.items():
            if name not in options.fields:
                continue
            for term in stems:
                if not term.isalpha():
                    continue  # ids and numbers in examples ("m-12") are entities, not words that choose a tool
                tf[term] = tf.get(term, 0.0) + FIELD_WEIGHTS[name]
        food = sum(w in lexicon.FOOD_WORDS for w in lexicon.words(tool.info.description)) if options.food else 0
        if food:
            tf[FOOD_CONCEPT] = tf.get(FOOD_CONCEPT, 0.0) + float(food)
        # a tool about food (its description or examples name dishes) whose arguments take dishes
        about_food = options.food and any(
            is_food(w) for w in lexicon.words(" ".join([tool.info.description, *tool.info.examples]))
        )
        kinds = {p.kind for p in slots.slot_plan(tool).props}
        searches_food.append(float(about_food and "text" in kinds))
        orders_food.append(float(about_food and "items" in kinds))
        tfs.append(tf)
        lengths.append(sum(tf.values()))
        df.update(tf.keys())
    n = len(tools)
    values = tuple(_value_stems(t) for t in tools)
    idf = {term: math.log(1 + (n - count + 0.5) / (count + 0.5)) for term, count in df.items()}
    vocabulary = tuple(sorted(t for t in idf if t.isalpha() and len(t) >= 4))
    return ToolIndex(
        tuple(tools),
        options,
        tfs,
        lengths,
        idf,
        vocabulary,
        [reading(t) for t in tools],
        searches_food,
        orders_food,
        [frozenset(tool_fields(t)["name"]) for t in tools],
        any(p.kind == "zone" for t in tools for p in slots.slot_plan(t).props),
        frozenset().union(*values),
        tuple(sorted({p.prefix for t in tools for p in slots.slot_plan(t).id_props if p.prefix})),
        values,
        tuple(fit.listed_properties(t.info.output_schema) for t in tools),
    )


def _value_stems(tool: CatalogTool) -> frozenset[str]:
    """Stems of the enum values the tool's arguments take ("desserts", "unpaid", "vegan")."""
    return frozenset(
        lexicon.stem(w)
        for prop in tool.info.input_schema.get("properties", {}).values()
        for value in _enum_words(prop)
        for w in lexicon.words(value)
    )


_indexes: OrderedDict[tuple[int, ...], ToolIndex] = OrderedDict()
INDEXES_KEPT = 32
"""Indexes kept, least recently used dropped first: one per catalog listing and per caller allowlist
in use (each allowlist plans over its own subset of the tools)."""


def index_for(tools: Sequence[CatalogTool], options: Options | None = None) -> ToolIndex:
    """The index of exactly these tool listings: built on first use, then reused until a refresh lists anew."""
    key = (id(options), *(id(t) for t in tools))
    known = _indexes.get(key)
    if (
        known is not None
        and all(a is b for a, b in zip(known.tools, tools, strict=True))
        and (options is None or known.options is options)
    ):
        _indexes.move_to_end(key)
        return known
    built = _indexes[key] = build_index(tools, options)
    _indexes.move_to_end(key)
    while len(_indexes) > INDEXES_KEPT:  # old listings (a refresh made them unreachable), unused allowlists
        _indexes.popitem(last=False)
    return built


def rank_tools(question: str, tools: Sequence[CatalogTool], clauses: Sequence[str] | None = None) -> list[CatalogTool]:
    """Tools ordered by their best score over the question's clauses (the model planner's preselection)."""
    index = index_for(tools)
    best: dict[int, float] = {}
    for clause in [question, *(clauses or ())]:
        for score, i in index.scores(index.query(clause)):
            best[i] = max(best.get(i, 0.0), score)
    return [index.tools[i] for i in sorted(best, key=lambda i: (-best[i], i))]
