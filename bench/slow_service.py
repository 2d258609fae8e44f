"""A service for fan-out measurements: one read tool that answers after a fixed delay.

Built on `mcp_common` like the real services (same app factory, same `/mcp/call` contract), so the
orchestrator calls it as it calls any of them. The tool is `get_<name>_status`; its one example is
"<name> status", so "alpha status, beta status, gamma status" plans one call to each of three.

Usage: python bench/slow_service.py NAME PORT [--delay-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

from mcp_common.app import create_service_app
from mcp_common.registry import ToolRegistry, ToolSpec
from mcp_common.wire import CallContext


class StatusArgs(BaseModel):
    email: str | None = Field(default=None, description="Whose status (bound to the caller).")


class Status(BaseModel):
    service: str
    delay_ms: float


def build_app(name: str, delay_ms: float) -> FastAPI:
    """The service `name`, whose one tool sleeps `delay_ms` before answering."""
    registry = ToolRegistry(name)

    async def status(args: StatusArgs, ctx: CallContext) -> Status:
        await asyncio.sleep(delay_ms / 1000)
        return Status(service=name, delay_ms=delay_ms)

    registry.add(
        ToolSpec(
            name=f"get_{name}_status",
            description=f"The status of {name} (answers after {delay_ms:g} ms).",
            input_model=StatusArgs,
            output_model=Status,
            handler=status,
            identity_args=("email",),
            examples=(f"{name} status",),
        )
    )
    return create_service_app(registry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name")
    parser.add_argument("port", type=int)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = build_app(args.name, args.delay_ms)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
