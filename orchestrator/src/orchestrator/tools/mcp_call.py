"""HttpToolSource: the `/mcp/tools` + `/mcp/call` HTTP contract, over one shared client pool."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext, CallRequest, CallResponse, ToolInfo, ToolListing


class HttpToolSource:
    """A service reached over HTTP; transport failures become `ServiceError`s here, and only here."""

    def __init__(self, name: str, base_url: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._client = client

    async def list_tools(self) -> list[ToolInfo]:
        response = await self._send("GET", "/mcp/tools", None)
        try:
            return ToolListing.model_validate_json(response.content).tools
        except ValidationError as exc:
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} sent an invalid tool listing") from exc

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        body = CallRequest(tool=tool, arguments=arguments, context=context).model_dump(mode="json")
        response = await self._send("POST", "/mcp/call", body)
        try:
            reply = CallResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} sent an invalid reply") from exc
        if reply.error is not None:
            raise ServiceError.from_body(reply.error)
        if not reply.ok or reply.result is None:
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} sent no result")
        return reply.result

    async def health(self) -> None:
        await self._send("GET", "/health", None)

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        try:
            response = await self._client.request(
                method, self.base_url + path, json=body, headers=tracing.outbound_headers()
            )
        except httpx.TimeoutException as exc:
            raise ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.name} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} is unreachable") from exc
        if response.status_code == 429:
            raise ServiceError(ErrorCode.RATE_LIMITED, f"{self.name} is rate limiting")
        if response.status_code >= 500:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} answered {response.status_code}")
        if response.status_code >= 400 and path != "/mcp/call":
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} answered {response.status_code}")
        return response
