"""The expressions of flows: argument sources and call conditions, evaluated for a turn and checked
at start-up (the syntax is described in `conversation.flows`)."""

from __future__ import annotations

import re
from typing import Any

from orchestrator.conversation.flows import Call, Turn

_VAR = re.compile(r"^var:[a-z_][a-z0-9_]*$")
_RESULT = re.compile(r"^result:[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+)*$")
_WHEN = re.compile(r"^(missing|present):[a-z_][a-z0-9_]*$")


def should_run(call: Call, variables: dict[str, Any]) -> bool:
    """Whether `call` runs given the turn's variables (its `when` condition)."""
    if call.when is None:
        return True
    kind, _, name = call.when.partition(":")
    present = variables.get(name) not in (None, [], "")
    return present if kind == "present" else not present


def arguments(call: Call, turn: Turn) -> dict[str, Any]:
    """The call's arguments for this turn; those whose source has no value are left out."""
    resolved: dict[str, Any] = {}
    for name, source in call.args:
        value = resolve(source, turn)
        if value is None:
            continue
        if name == "*":
            resolved |= dict(value) if isinstance(value, dict) else {}
        else:
            resolved[name] = value
    return resolved


def resolve(source: object, turn: Turn) -> Any:
    """The value of an argument source expression, or None."""
    if not isinstance(source, str):
        return source
    for option in source.split("|"):
        kind, _, path = option.partition(":")
        value: Any
        if kind == "var" and path:
            value = turn.vars.get(path)
        elif kind == "result" and path:
            name, *fields = path.split(".")
            value = _dig(turn.result(name), fields)
        else:
            value = _constant(option)
        if value not in (None, [], ""):
            return value
    return None


def source_problems(source: object, earlier_calls: set[str]) -> list[str]:
    """What is wrong with an argument source expression (a `result:` must name an earlier call)."""
    if not isinstance(source, str):
        return []
    problems = []
    for option in source.split("|"):
        if option.startswith("var:") and not _VAR.match(option):
            problems.append(f"{option!r} is not a variable name")
        elif option.startswith("result:"):
            if not _RESULT.match(option):
                problems.append(f"{option!r} is not a result path")
            elif option[len("result:") :].split(".")[0] not in earlier_calls:
                problems.append(f"{option!r} names no call of an earlier stage")
    return problems


def when_problems(call: Call) -> list[str]:
    return [] if call.when is None or _WHEN.match(call.when) else [f"condition {call.when!r} is not missing:/present:"]


def _dig(value: Any, fields: list[str]) -> Any:
    for part in fields:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _constant(text: str) -> Any:
    return int(text) if text.isdigit() else text
