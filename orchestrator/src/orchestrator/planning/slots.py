"""Per-argument-type extractors driven by a tool's input schema.

What a property is comes from its schema (type, enum, format, name, description, the id examples its
description gives): ids (`ord-3f9a1c`, `m-12`, "m 21") from the `e.g.` in the description, enum values
and their everyday words (diets, allergens, sections, statuses), allergens to leave out after a
negation, a maximum price ("under £10", "less than 12 dollars", "under a tenner"), small counts
("last 2", "three ideas"), quantities ("two", "a couple of"), free search text (the clause's dish
words, misspellings corrected), a context in the user's words, and dates ("last month", "tonight").
Identity arguments are never read from a question: validation binds them to the caller.

The per-tool argument plan (`SlotPlan`) is worked out once per tool listing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orchestrator.planning import lexicon, money, search_words, when
from orchestrator.planning.phrases import VALUE_SYNONYMS
from orchestrator.tools.catalog import CatalogTool

_ID_EXAMPLE = re.compile(r"\b([a-z]{1,6})-([0-9a-z]{2,})(?:-[0-9a-z]+)*\b", re.IGNORECASE)
_LIMIT_NAMES = frozenset({"limit", "count", "n", "top", "max_results", "page_size", "per_page", "size"})
_TEXT_NAMES = frozenset({"text", "query", "q", "search", "keywords", "term"})
_CONTEXT_NAMES = frozenset({"context", "mood", "occasion"})
_DATE_PAIRS = (("start", "end"), ("from", "to"), ("since", "until"), ("min", "max"), ("after", "before"))


@dataclass(frozen=True)
class Prop:
    name: str
    kind: str  # id | ids | enum | enums | exclude | price | limit | quantity | text | context | date | zone | items
    values: tuple[str, ...] = ()
    prefix: str = ""
    minimum: float | None = None
    maximum: float | None = None
    pair: str = ""  # for dates: "start" or "end" of a range


@dataclass(frozen=True)
class SlotPlan:
    tool: CatalogTool
    props: tuple[Prop, ...]
    defaults: tuple[tuple[str, Any], ...]

    @property
    def id_props(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.props if p.kind in ("id", "ids", "items"))


_plans: dict[str, SlotPlan] = {}


def slot_plan(tool: CatalogTool) -> SlotPlan:
    """The tool's `SlotPlan`, computed again only when the catalog holds a new listing of it."""
    known = _plans.get(tool.name)
    if known is None or known.tool is not tool:
        known = _plans[tool.name] = _make_plan(tool)
    return known


def _make_plan(tool: CatalogTool) -> SlotPlan:
    schema = tool.info.input_schema
    props: list[Prop] = []
    identity = set(tool.info.identity_args)
    for name, prop in schema.get("properties", {}).items():
        if name in identity:
            continue
        described = _resolve(prop, schema)
        kind = _kind(name, described, schema)
        if kind is not None:
            props.append(kind)
    defaults = tuple(
        (name, schema["properties"][name]["default"])
        for name in schema.get("required", [])
        if name not in identity and schema.get("properties", {}).get(name, {}).get("default") is not None
    )
    return SlotPlan(tool, tuple(props), defaults)


def _resolve(prop: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The property with `anyOf [X, null]` and `$ref` unwrapped (description and default kept)."""
    merged = dict(prop)
    for option in [*prop.get("anyOf", []), *prop.get("oneOf", [])]:
        if option.get("type") != "null":
            merged = {**_deref(option, schema), **{k: v for k, v in prop.items() if k not in ("anyOf", "oneOf")}}
            break
    return _deref(merged, schema)


def _deref(option: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in option:
        target = schema.get("$defs", {}).get(str(option["$ref"]).rsplit("/", 1)[-1], {})
        return {**target, **{k: v for k, v in option.items() if k != "$ref"}}
    return option


def _kind(name: str, prop: dict[str, Any], schema: dict[str, Any]) -> Prop | None:
    kind_of = prop.get("type")
    lname = name.lower()
    words = set(lname.split("_"))
    description = str(prop.get("description", "")).lower()
    if kind_of == "array":
        items = _deref(prop.get("items", {}), schema)
        if items.get("enum"):
            exclude = bool(words & {"exclude", "excluded", "without", "avoid"}) or description.startswith("leave out")
            return Prop(name, "exclude" if exclude else "enums", tuple(map(str, items["enum"])))
        if items.get("type") == "object":
            inner = items.get("properties", {})
            id_name = next((k for k in inner if k.endswith("id")), None)
            if id_name is not None:
                prefix = _id_prefix(str(inner[id_name].get("description", "")))
                return Prop(name, "items", (id_name,), prefix=prefix) if prefix else None
            return None
        if words & {"ids", "id"} or lname.endswith("ids"):
            prefix = _id_prefix(str(items.get("description", "")) + " " + description)
            return Prop(name, "ids", prefix=prefix) if prefix else None
        return None
    if prop.get("enum"):
        return Prop(name, "enum", tuple(map(str, prop["enum"])))
    if kind_of in ("integer", "number"):
        if kind_of == "number" and ("price" in lname or "budget" in lname or "cost" in lname or "amount" in lname):
            return Prop(name, "price", minimum=prop.get("minimum"), maximum=prop.get("maximum"))
        if lname in _LIMIT_NAMES or lname.startswith(("max_", "num_")):
            return Prop(name, "limit", minimum=prop.get("minimum"), maximum=prop.get("maximum"))
        if lname in {"quantity", "qty", "amount"}:
            return Prop(name, "quantity", minimum=prop.get("minimum"), maximum=prop.get("maximum"))
        return None
    if kind_of == "string":
        fmt = str(prop.get("format", ""))
        if lname.endswith("id") or lname.endswith("_id"):
            prefix = _id_prefix(description)
            return Prop(name, "id", prefix=prefix) if prefix else None
        if lname.replace("_", "") in {"timezone", "tz", "zone"} or "iana time" in description:
            return Prop(name, "zone")
        if fmt in ("date", "date-time") or words & {"date", "day", "since", "until"} or lname.endswith(("_at", "_on")):
            return Prop(name, "date", pair=_pair_side(words))
        if words & {"start", "end", "min", "max", "from", "to", "after", "before"} and "time" in lname:
            return Prop(name, "date", pair=_pair_side(words))
        if lname in _TEXT_NAMES:
            return Prop(name, "text")
        if lname in _CONTEXT_NAMES:
            return Prop(name, "context")
    return None


def _pair_side(words: set[str]) -> str:
    for start, end in _DATE_PAIRS:
        if start in words:
            return "start"
        if end in words:
            return "end"
    return ""


def _id_prefix(description: str) -> str:
    found = _ID_EXAMPLE.search(description.replace("`", " "))
    return found.group(1).lower() if found else ""


@functools.cache
def _id_pattern(prefix: str) -> re.Pattern[str]:
    # "m-12", "m 12", "m12", "ORD_4f4f4f"; and the word a prefix clips before a hex id ("order d2f3d3d45af8")
    p = re.escape(prefix)
    word = rf"|\b{p}[a-z]+\s+(?:(?:number|no\.?|id)\s+)?#?(?=[0-9a-f]{{6,}}\b)([0-9a-f]*[0-9][0-9a-f]*)\b"
    return re.compile(rf"\b{p}(?:[-_]\s?|\s|(?=\d))([0-9a-f]*[0-9][0-9a-z]*)\b" + word * (len(prefix) >= 3), re.I)


def find_ids(prefix: str, text: str) -> list[str]:
    """Ids with `prefix` the text names ("ORD-4D5E6F", "m 21"), normalised to `prefix-rest` lower case."""
    seen: list[str] = []
    for match in _id_pattern(prefix).finditer(text):
        value = f"{prefix}-{(match.group(1) or match.group(2)).lower()}"
        if value not in seen:
            seen.append(value)
    return seen


def id_fit(tool: CatalogTool, text: str) -> float:
    """+1 when the clause names exactly what the tool's id argument takes (one id, or several for a list);
    -1 when it names ids of that kind but the wrong number; 0 otherwise."""
    fits: list[float] = []
    for prop in slot_plan(tool).id_props:
        found = len(find_ids(prop.prefix, text))
        if not found or (prop.kind == "items" and not _counted(prop.prefix, text)):
            continue  # an id is a cart line only with its quantity: "2x m-10", "two m-10"
        right = prop.kind == "items" or (found == 1) == (prop.kind == "id")  # one id, or several for a list
        fits.append(1.0 if right else -1.0)
    return max(fits) if fits else 0.0


def _counted(prefix: str, text: str) -> bool:
    """A quantity right before an id: "2x m-10", "2 x m-10", "two m-10" (not the digits of an id before it)."""
    return any(_COUNT_BEFORE.search(text[: match.start()]) for match in _id_pattern(prefix).finditer(text))


_COUNT_BEFORE = re.compile(
    r"(?:^|\s)(?:\d{1,2}\s*[x×]?|[x×]\s*\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|couple of)\s*$", re.I
)


def extract(clause: str, tool: CatalogTool, *, today: dt.date | None = None) -> dict[str, Any]:
    """The arguments the clause states for the tool, read through its input schema."""
    plan = slot_plan(tool)
    lowered = " " + " ".join(lexicon.words(clause)) + " "
    raw = clause.lower()
    arguments: dict[str, Any] = {}
    used: set[str] = set()  # words an extractor consumed: not search text
    for prop in plan.props:
        handler = _HANDLERS.get(prop.kind)
        if handler is None:
            continue
        value = handler(prop, lowered, raw, used, today or dt.date.today())
        if value is not None:
            arguments[prop.name] = value
    for prop in plan.props:  # text last: what the others did not consume
        if prop.kind == "text":
            text = search_words.search_text(lowered, used)
            if text:
                arguments[prop.name] = text
        elif prop.kind == "context":
            context = search_words.context_words(lowered, used)
            if context:
                arguments[prop.name] = context
    for name, default in plan.defaults:
        arguments.setdefault(name, default)
    return arguments


Handler = Callable[[Prop, str, str, set[str], dt.date], Any]


def _ids(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    found = find_ids(prop.prefix, raw)
    if not found:
        return None
    used.update(prop.prefix, *(f.split("-", 1)[1] for f in found))
    if prop.kind == "id":
        return found[0]
    if prop.kind == "ids":
        return found
    return [{prop.values[0]: item, "quantity": _quantity_before(raw, item)} for item in found]


def _quantity_before(raw: str, item: str) -> int:
    prefix, rest = item.split("-", 1)
    match = re.search(rf"(\d+|[a-z ]+?)\s*(?:x\s*)?{re.escape(prefix)}[-\s]?{re.escape(rest)}\b", raw)
    if match:
        spoken = match.group(1).strip()
        if spoken.isdigit():
            return max(1, int(spoken))
        for phrase, number in sorted(lexicon.NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
            if spoken.endswith(phrase):
                return number
    return 1


def _enum(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    aliases = lexicon.value_aliases()
    found: list[tuple[int, str]] = []
    for value in prop.values:
        phrases = {value.lower(), value.lower().replace("_", " "), value.lower().replace("-", " ")}
        phrases |= set(VALUE_SYNONYMS.get(value.lower(), ()))
        phrases |= {alias for alias, target in aliases.items() if target == value}
        if value.lower().endswith("s"):
            phrases.add(value.lower()[:-1])
        opposite = next((o for o in (f"un{value}", f"not_{value}") if o in prop.values), None)
        for phrase in phrases:
            position = lowered.find(f" {phrase} ")
            if position < 0 or _free_of(lowered, position, phrase):
                continue
            if not _negated(lowered, position):
                found.append((len(phrase), value))
            elif opposite is not None:  # "which have I not paid": the value's opposite
                found.append((len(phrase), opposite))
            else:
                continue
            used.update(phrase.split())
    if not found:
        return None
    if prop.kind == "enums":
        return sorted({v for _, v in found})
    return max(found)[1]


def _negated(lowered: str, position: int) -> bool:
    before = lowered[max(0, position - 24) : position + 1]
    return any(f" {n} " in before for n in lexicon.NEGATIONS)


def _free_of(lowered: str, position: int, phrase: str) -> bool:
    after = lowered[position + len(phrase) + 1 : position + len(phrase) + 7]
    return after.startswith(" free ")


def _exclude(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    aliases = lexicon.value_aliases()
    out: set[str] = set()
    for value in prop.values:
        phrases = {value.lower(), value.lower().replace("-", " ")}
        phrases |= {alias for alias, target in aliases.items() if target == value}
        if value.lower().endswith("s"):
            phrases.add(value.lower()[:-1])
        if value == "tree-nuts":
            phrases |= {"nut", "nuts"}
        for phrase in phrases:
            position = lowered.find(f" {phrase} ")
            if position < 0:
                continue
            free = lowered[position + len(phrase) + 1 :].startswith(" free ")
            allergy = lowered[position + len(phrase) + 1 :].startswith((" allergy ", " allergies "))
            if _negated(lowered, position) or allergy or (free and f"{phrase}-free" not in _DIET_WORDS):
                out.add(value)
                used.update(phrase.split())
    if "tree-nuts" in out and "peanuts" in prop.values and re.search(r" (nut|nuts) ", lowered):
        out.add("peanuts")
    return sorted(out) or None


_DIET_WORDS = frozenset({"gluten-free", "dairy-free"})


def _price(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    match = money.price_limit(raw)
    if not match:
        return None
    amount = match.group(1)
    spoken = lexicon.MONEY_WORDS.get(amount) or lexicon.NUMBER_WORDS.get(amount, 0)
    value = float(amount) if amount[0].isdigit() else float(spoken)
    if match.group(2):  # pence after the pounds
        pence = match.group(2)
        value += (int(pence) if pence.isdigit() else money.PENCE[pence]) / 100
        used.update({pence, "pence"})
    used.update({amount, "quid", "pounds", "pound", "dollars", "dollar", "tenner", "fiver", "under", "less"})
    if (prop.maximum is not None and value > prop.maximum) or value <= 0:
        return None
    return int(value) if value.is_integer() else value


_BEFORE_A_NON_LIMIT = frozenset({"under", "below", "than", "m", "ord", "to", "£", "$"})
_AFTER_A_NON_LIMIT = frozenset({"quid", "pounds", "dollars", "pound", "minutes", "mins"})


def _limit(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    tokens = lowered.split()
    for i, word in enumerate(tokens):
        number = int(word) if word.isdigit() else lexicon.NUMBER_WORDS.get(word) if word not in ("a", "an") else None
        if number is None or word in used:
            continue
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before in _BEFORE_A_NON_LIMIT or after in _AFTER_A_NON_LIMIT:  # a price, an id, a time
            continue
        if (prop.minimum is None or prop.minimum <= number) and (prop.maximum is None or number <= prop.maximum):
            used.add(word)
            return number
    return None


def _quantity(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    for phrase, number in sorted(lexicon.NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
        if phrase in ("a", "an"):
            continue
        if f" {phrase} " in lowered:
            return number
    found = re.search(r" (\d{1,2}) ", lowered)
    return int(found.group(1)) if found else None


def _zone(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    return when.mentioned_timezone(lowered)


def _date(prop: Prop, lowered: str, raw: str, used: set[str], today: dt.date) -> Any:
    found = when.relative_dates(lowered, today)
    if found is None:
        return None
    start, end = found
    return (end if prop.pair == "end" else start).isoformat()


_HANDLERS: dict[str, Handler] = {
    "id": _ids,
    "ids": _ids,
    "items": _ids,
    "enum": _enum,
    "enums": _enum,
    "exclude": _exclude,
    "price": _price,
    "limit": _limit,
    "quantity": _quantity,
    "zone": _zone,
    "date": _date,
}
