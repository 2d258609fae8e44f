"""The order tools' declarations: described fields, distinct examples, a service that is not running."""

from __future__ import annotations

import pytest

from mcp_common.app import Running
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from order_service.service import OrderService
from order_service.tools import build_registry

_not_running: Running[OrderService] = Running("order")  # as before the app's lifespan starts


def test_every_field_of_every_tool_schema_is_described() -> None:
    for spec in build_registry(_not_running):
        for schema in (spec.input_model.model_json_schema(), spec.output_model.model_json_schema()):
            for name, model in [("", schema), *schema.get("$defs", {}).items()]:
                undescribed = [f for f, p in model.get("properties", {}).items() if not p.get("description")]
                assert undescribed == [], f"{spec.name}: {name or 'top'} {undescribed}"


def test_every_tool_has_five_to_twenty_examples_shared_with_no_other_tool() -> None:
    specs = list(build_registry(_not_running))
    every = [e.lower() for spec in specs for e in spec.examples]

    assert {spec.name for spec in specs} == {"create_order", "quote_order", "get_order", "list_orders", "cancel_order"}
    assert all(5 <= len(spec.examples) <= 20 for spec in specs)
    assert len(every) == len(set(every))


async def test_a_call_before_the_app_started_is_service_unavailable() -> None:
    registry = build_registry(_not_running)

    with pytest.raises(ServiceError) as caught:
        await registry.call("get_order", {"order_id": "ord-1"}, CallContext(caller="ada@example.com"))

    assert caught.value.code is ErrorCode.SERVICE_UNAVAILABLE
    assert caught.value.message == "the order service is not running"
