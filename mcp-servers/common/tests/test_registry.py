from __future__ import annotations

import logging

import pytest
from pydantic import BaseModel, Field

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry, ToolSpec
from mcp_common.wire import CallContext


class PingArgs(BaseModel):
    email: str = Field(description="Who pings.")


class Pong(BaseModel):
    ok: bool


async def ping(args: PingArgs, ctx: CallContext) -> Pong:
    """Answer a ping."""
    return Pong(ok=True)


async def _call_error(registry: ToolRegistry, tool: str, arguments: dict[str, object], **ctx: str) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        await registry.call(tool, arguments, CallContext(**ctx))
    return info.value


def test_declaring_a_tool_twice_fails() -> None:
    registry = ToolRegistry("demo")
    registry.tool()(ping)

    with pytest.raises(ValueError, match="declared twice"):
        registry.tool()(ping)


def test_identity_arg_that_is_not_an_input_field_fails() -> None:
    registry = ToolRegistry("demo")

    with pytest.raises(ValueError, match="customer_email"):
        registry.tool(identity_args=("customer_email",))(ping)


def test_tool_without_any_description_fails() -> None:
    registry = ToolRegistry("demo")
    spec = ToolSpec(name="ping", description="", input_model=PingArgs, output_model=Pong, handler=ping)

    with pytest.raises(ValueError, match="description"):
        registry.add(spec)


def test_tool_is_described_by_its_docstring_models_and_declaration(registry: ToolRegistry) -> None:
    info = registry.get("list_orders").info()

    assert info.description == "The customer's most recent orders."
    assert set(info.input_schema["properties"]) == {"email", "limit"}
    assert info.input_schema["properties"]["limit"]["maximum"] == 50
    assert set(info.output_schema["properties"]) == {"customer", "orders"}
    assert (info.writes, info.identity_args, info.cache_ttl_s) == (False, ["email"], 60)
    assert info.examples == ["what did I order?"]
    assert registry.get("cancel_order").info().writes is True


async def test_valid_call_returns_the_output_model_with_defaults_applied(registry: ToolRegistry) -> None:
    result = await registry.call("list_orders", {"email": "ada@example.com"}, CallContext())

    assert result.model_dump() == {
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
        "orders": [
            {"order_id": "A-1", "total_cents": 1000},
            {"order_id": "A-2", "total_cents": 2000},
            {"order_id": "A-3", "total_cents": 3000},
        ],
    }


async def test_invalid_arguments_name_the_field_without_echoing_the_input(registry: ToolRegistry) -> None:
    error = await _call_error(registry, "list_orders", {"email": "ada@example.com", "limit": 987654})

    assert error.code is ErrorCode.INVALID_REQUEST
    assert "limit" in error.message
    assert "987654" not in error.message
    assert "ada@example.com" not in error.message


async def test_missing_required_argument_names_the_field(registry: ToolRegistry) -> None:
    error = await _call_error(registry, "list_orders", {"limit": 2})

    assert error.code is ErrorCode.INVALID_REQUEST
    assert "email" in error.message


async def test_identity_argument_naming_someone_else_is_forbidden(registry: ToolRegistry) -> None:
    error = await _call_error(registry, "list_orders", {"email": "grace@example.com"}, caller="ada@example.com")

    assert error.code is ErrorCode.FORBIDDEN
    assert "email" in error.message
    assert "grace@example.com" not in error.message


async def test_identity_argument_matches_the_caller_case_insensitively(registry: ToolRegistry) -> None:
    ctx = CallContext(caller="Ada@Example.com")

    result = await registry.call("cancel_order", {"email": "ada@example.COM", "order_id": "A-1"}, ctx)

    assert result.model_dump() == {"order_id": "A-1", "cancelled": True}


async def test_identity_is_not_checked_when_no_caller_is_known(registry: ToolRegistry) -> None:
    result = await registry.call("list_orders", {"email": "grace@example.com"}, CallContext())

    assert result.model_dump()["customer"]["email"] == "grace@example.com"


async def test_service_error_raised_by_a_tool_passes_through(registry: ToolRegistry) -> None:
    error = await _call_error(registry, "get_order", {"order_id": "Z-9"})

    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, "order Z-9 does not exist")


async def test_crash_becomes_internal_without_the_exception_text(
    registry: ToolRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="mcp_common.registry")

    error = await _call_error(registry, "explode", {})

    assert (error.code, error.message) == (ErrorCode.INTERNAL, "demo.explode failed unexpectedly")
    assert isinstance(error.__cause__, RuntimeError)
    [record] = caplog.records
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


async def test_unknown_tool_is_tool_not_found(registry: ToolRegistry) -> None:
    error = await _call_error(registry, "delete_everything", {})

    assert error.code is ErrorCode.TOOL_NOT_FOUND
    assert "delete_everything" in error.message


async def test_result_of_the_wrong_type_is_an_internal_error() -> None:
    async def wrong(args: PingArgs, ctx: CallContext) -> BaseModel:
        return PingArgs(email=args.email)

    registry = ToolRegistry("demo")
    registry.add(ToolSpec(name="wrong", description="d", input_model=PingArgs, output_model=Pong, handler=wrong))

    error = await _call_error(registry, "wrong", {"email": "ada@example.com"})

    assert error.code is ErrorCode.INTERNAL
