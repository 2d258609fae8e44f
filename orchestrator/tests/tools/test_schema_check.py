"""The compiled schema predicates give jsonschema's verdict on every instance, and refuse schemas they do not handle."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from chargebee_service.backends.demo import DemoBilling
from chargebee_service.tools import build_registry as billing_registry
from hubspot_service.backends.demo import DemoCrm
from hubspot_service.tools import build_registry as crm_registry
from mcp_common.wire import CallContext
from orchestrator.tools.schema_check import compile_check

SERVICES = ("chargebee", "hubspot", "menu", "order", "tracking", "recommendations", "customer_profile", "firebase")
ODD_VALUES: tuple[Any, ...] = (None, True, 0, 1.0, 1.5, -3, "", "x" * 300, [], {}, ["x"], {"k": 1})


def published_schemas() -> Iterator[dict[str, Any]]:
    for service in SERVICES:
        models = importlib.import_module(f"{service}_service.models")
        for model in vars(models).values():
            if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == models.__name__:
                yield model.model_json_schema(mode="serialization")
                yield model.model_json_schema()


def variants(value: Any) -> Iterator[Any]:
    """`value`, and copies with one field or item removed or replaced by an odd value, at any depth."""
    yield value
    if isinstance(value, dict):
        for key in value:
            dropped = {k: v for k, v in value.items() if k != key}
            yield dropped
            for odd in ODD_VALUES:
                yield value | {key: odd}
            for inner in variants(value[key]):
                yield value | {key: inner}
        yield value | {"unexpected": 1}
    elif isinstance(value, list) and value:
        for odd in ODD_VALUES:
            yield [odd, *value[1:]]
        for inner in variants(value[0]):
            yield [inner, *value[1:]]


def test_every_schema_the_services_publish_compiles() -> None:
    schemas = list(published_schemas())
    assert len(schemas) > 50
    assert [s.get("title") for s in schemas if compile_check(s) is None] == []


async def test_real_tool_results_and_their_mutations_get_jsonschemas_verdict() -> None:
    context = CallContext(caller="ada@example.com")
    checked = refused = 0
    for registry in (billing_registry(DemoBilling()), crm_registry(DemoCrm())):
        for spec in registry:
            info = spec.info()
            check, reference = compile_check(info.output_schema), Draft202012Validator(info.output_schema)
            assert check is not None
            result = (await registry.call(spec.name, {"email": "ada@example.com"}, context)).model_dump(mode="json")
            for instance in variants(copy.deepcopy(result)):
                expected = reference.is_valid(instance)
                assert check(instance) is expected, (spec.name, instance)
                checked, refused = checked + 1, refused + (not expected)
    assert checked > 500 and 0 < refused < checked  # both verdicts were exercised


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": "integer"}, 1.0),
        ({"type": "integer"}, True),
        ({"type": "number"}, False),
        ({"type": ["string", "null"]}, None),
        ({"enum": ["a", "b"]}, "c"),
        ({"const": "a"}, "a"),
        ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {"a": 1}),
        ({"type": "string", "pattern": "^[a-z]+$"}, "abc1"),
        ({"type": "string", "maxLength": 2, "format": "email"}, "abc"),
        ({"exclusiveMinimum": 0, "maximum": 10}, 0),
        ({"minItems": 1, "items": {"type": "integer"}}, []),
        ({"required": ["a"]}, "not an object"),
        (
            {
                "$ref": "#/$defs/Node",
                "$defs": {
                    "Node": {
                        "type": "object",
                        "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
                    }
                },
            },
            {"next": {"next": {"next": 3}}},
        ),
    ],
)
def test_handled_keywords_agree_with_jsonschema(schema: dict[str, Any], instance: Any) -> None:
    check = compile_check(schema)
    assert check is not None
    assert check(instance) is Draft202012Validator(schema).is_valid(instance)


@pytest.mark.parametrize(
    "schema",
    [
        {"oneOf": [{"type": "string"}]},
        {"enum": [1, True]},
        {"$ref": "https://example.com/schema.json"},
        {"type": "object", "patternProperties": {"^x": {}}},
        {"type": "strange"},
    ],
)
def test_schemas_outside_the_subset_are_left_to_jsonschema(schema: dict[str, Any]) -> None:
    assert compile_check(schema) is None
