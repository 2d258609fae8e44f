"""Whether a plan could run: the required arguments a clause leaves unsupplied for a tool.

A tool whose required arguments the question cannot give (no value in the clause, no schema default,
not an identity argument that validation binds to the caller) would fail when called; between tools
that read the clause about equally well, the one that can be called is the better plan.
"""

from __future__ import annotations

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
