"""Whether a plan could run: the required arguments a clause leaves unsupplied for a tool.

A tool whose required arguments the question cannot give (no value in the clause, no schema default,
not an identity argument that validation binds to the caller) would fail when called; between tools
that read the clause about equally well, the one that can be called is the better plan. A clause about
records over a time or a count ("have I ever cancelled an order") that names no id goes to the tool that
lists those records (its output holds the id the other tool requires), not to the one reading one record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from orchestrator.planning import slots
from orchestrator.tools.catalog import CatalogTool


def unsupplied(clause: str, tool: CatalogTool) -> int:
    """How many required, non-identity arguments of `tool` neither the clause nor a default supplies."""
    schema = tool.info.input_schema
    required = [n for n in schema.get("required", []) if n not in set(tool.info.identity_args)]
    if not required:
        return 0
    given = slots.extract(clause, tool)
    return sum(1 for name in required if name not in given)


def unnamed_ids(clause: str, tool: CatalogTool) -> bool:
    """Whether the tool's only required values are ids (`order_id`, `item_ids`) and the clause names none of
    them: the plan would have to ask which one."""
    schema = tool.info.input_schema
    required = [n for n in schema.get("required", []) if n not in set(tool.info.identity_args)]
    if not required or not all(_is_id(name) for name in required):
        return False
    given = slots.extract(clause, tool)
    return not any(name in given for name in required)


def _is_id(name: str) -> bool:
    return name.lower().rstrip("s").endswith("id")


def lists_records_of(listed: frozenset[str], tool: CatalogTool) -> bool:
    """Whether a tool whose output lists objects with the properties `listed` (`listed_properties`) returns
    the records `tool` reads one of by id: they hold the id `tool` requires ("order_id" in `list_orders`')."""
    schema = tool.info.input_schema
    ids = {n for n in schema.get("required", []) if _is_id(n) and n not in set(tool.info.identity_args)}
    return bool(ids & listed)


def listed_properties(schema: dict[str, Any]) -> frozenset[str]:
    """Property names of the objects in any array of an output schema ($refs into `$defs` followed)."""
    found: set[str] = set()
    defs = schema.get("$defs", {})

    def walk(node: Any, in_array: bool, seen: frozenset[str]) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen:
            walk(defs.get(ref.rsplit("/", 1)[1]), in_array, seen | {ref})
        if in_array:
            found.update(node.get("properties", {}))
        for prop in node.get("properties", {}).values():
            walk(prop, False, seen)
        walk(node.get("items"), True, seen)
        for option in node.get("anyOf", []) + node.get("oneOf", []):
            walk(option, in_array, seen)

    walk(schema, False, frozenset())
    return frozenset(found)


_SPANS_RECORDS = re.compile(
    r"\b(?:ever|every|how many (?!(?:more )?(?:minutes|mins|hours|hrs|seconds|secs|days|weeks|points|calories)\b)|"
    r"how often|all (?:my|the)|so far|any of my|(?:last|this|past|previous) (?:week|month|"
    r"year|fortnight|few)|yesterday|on (?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|tues|wednes|thurs|fri|satur|"
    r"sun)day's)\b",
    re.IGNORECASE,
)


def prefer_listing(
    clause: str, ranked: list[tuple[float, CatalogTool]], listed: Callable[[CatalogTool], frozenset[str]]
) -> list[tuple[float, CatalogTool]]:
    """A clause about records over a time or a count ("have I ever cancelled an order", "did my order on
    tuesday get cancelled") that names no id: the tool listing those records answers it, not the one that
    reads one of them by an id nobody gave. `listed(tool)`: the tool's `listed_properties`."""
    if len(ranked) < 2 or ranked[0][0] <= 0 or not _SPANS_RECORDS.search(clause):
        return ranked
    best, top = ranked[0]
    if not unnamed_ids(clause, top):
        return ranked
    for n, (score, tool) in enumerate(ranked[1:], start=1):
        if score > 0 and lists_records_of(listed(tool), top) and not unnamed_ids(clause, tool):
            return [(best + 0.01, tool), *(r for i, r in enumerate(ranked) if i != n)]
    return ranked
