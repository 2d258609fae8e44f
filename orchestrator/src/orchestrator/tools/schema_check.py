"""A JSON Schema compiled to one Python predicate, for the schemas services publish.

`compile_check(schema)` returns a function telling whether an instance is valid, with the verdict
`jsonschema`'s Draft 2020-12 validator (no format assertion) gives, or None when the schema uses
anything outside the subset handled here: then only `jsonschema` judges. The subset is what Pydantic
writes for the services' models — `type`, `properties`, `required`, `additionalProperties`, `items`,
`anyOf`, local `$ref`s into `$defs`, string `enum`/`const`, length, size and range limits, `pattern`,
and annotations. Checking a tool's result this way costs a few function calls per value instead of
`jsonschema`'s per-keyword dispatch and reference resolution; errors are still described by `jsonschema`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "format", "readOnly", "writeOnly", "deprecated", "$comment"}
)
_HANDLED = _ANNOTATIONS | {
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "$ref", "$defs", "enum", "const",
    "minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "pattern",
}  # fmt: skip


class UnsupportedSchemaError(Exception):
    """The schema uses something this compiler does not handle exactly like `jsonschema`."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def compile_check(schema: Any) -> Check | None:
    """The predicate of `schema`, or None when it is outside the handled subset."""
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    compiled: dict[str, Check] = {}

    def ref(target: str) -> Check:
        name = target.removeprefix("#/$defs/")
        if name == target or "/" in name or name not in defs:
            raise UnsupportedSchemaError(target)
        if name not in compiled:
            compiled[name] = lambda v: compiled[name](v)  # a recursive model refers to itself
            compiled[name] = build(defs[name])
        return lambda v: compiled[name](v)

    def build(node: Any) -> Check:
        if node is True or node == {}:
            return lambda v: True
        if node is False:
            return lambda v: False
        if not isinstance(node, dict) or not set(node) <= _HANDLED:
            raise UnsupportedSchemaError(node)
        checks = [c for key, value in node.items() if key not in _ANNOTATIONS and (c := keyword(key, value, node))]
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def keyword(key: str, value: Any, node: dict[str, Any]) -> Check | None:
        if key == "$defs":
            return None
        if key == "$ref":
            return ref(value)
        if key == "type":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not names or any(n not in _TYPES for n in names):
                raise UnsupportedSchemaError(value)
            tests = [_TYPES[n] for n in names]
            return tests[0] if len(tests) == 1 else lambda v: any(t(v) for t in tests)
        if key == "anyOf":
            options = [build(option) for option in value]
            return lambda v: any(option(v) for option in options)
        if key in ("enum", "const"):
            allowed = value if key == "enum" else [value]
            if not all(isinstance(a, str) for a in allowed):
                raise UnsupportedSchemaError(value)  # equality of numbers and booleans is jsonschema's own
            choices = frozenset(allowed)
            return lambda v: isinstance(v, str) and v in choices
        if key in ("properties", "required", "additionalProperties"):
            return _object(node) if key == "properties" or "properties" not in node else None
        if key == "items":
            item = build(value)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        return _limit(key, value)

    def _object(node: dict[str, Any]) -> Check:
        props = {name: build(sub) for name, sub in node.get("properties", {}).items()}
        required = tuple(node.get("required", ()))
        extra = node.get("additionalProperties", True)
        other = build(extra)

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name in required:
                if name not in v:
                    return False
            for name, item in v.items():
                prop = props.get(name)
                if not (prop(item) if prop is not None else other(item)):
                    return False
            return True

        return check

    try:
        return build(schema)
    except (UnsupportedSchemaError, TypeError, AttributeError, re.error):
        return None


def _limit(key: str, value: Any) -> Check:
    if key == "pattern":
        pattern = re.compile(value)
        return lambda v: not isinstance(v, str) or pattern.search(v) is not None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnsupportedSchemaError(value)
    if key in ("minLength", "maxLength"):
        low = key == "minLength"
        return lambda v: not isinstance(v, str) or (len(v) >= value if low else len(v) <= value)
    if key in ("minItems", "maxItems"):
        low = key == "minItems"
        return lambda v: not isinstance(v, list) or (len(v) >= value if low else len(v) <= value)
    compare: dict[str, Callable[[Any], bool]] = {
        "minimum": lambda v: v >= value,
        "maximum": lambda v: v <= value,
        "exclusiveMinimum": lambda v: v > value,
        "exclusiveMaximum": lambda v: v < value,
    }
    test = compare[key]
    return lambda v: not _is_number(v) or test(v)
