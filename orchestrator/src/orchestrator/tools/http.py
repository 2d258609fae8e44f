"""HttpToolSource: the `/mcp/tools` + `/mcp/call` HTTP contract, over one shared aiohttp session."""

from __future__ import annotations

from typing import Any

import aiohttp
from pydantic import ValidationError

from mcp_common import tracing
from mcp_common.assertions import AssertionSigner
from mcp_common.auth import IdTokens
from mcp_common.client import refused_message
from mcp_common.errors import ErrorCode, ErrorEnvelope, ServiceError
from mcp_common.wire import SERVER_TIMING, CallContext, CallRequest, CallResponse, ToolInfo, ToolListing, service_ms
from orchestrator.tools.source import report_service_ms

_JSON = {"Content-Type": "application/json"}


class HttpToolSource:
    """A service reached over HTTP; transport failures become `ServiceError`s here, and only here."""

    def __init__(
        self,
        name: str,
        base_url: str,
        session: aiohttp.ClientSession,
        *,
        auth: IdTokens | None = None,
        assertions: AssertionSigner | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._auth = auth
        self._assertions = assertions  # set: each call carries X-Caller-Assertion for its caller, audience `name`

    async def list_tools(self) -> list[ToolInfo]:
        _, content, _ = await self._send("GET", "/mcp/tools", None)
        try:
            return ToolListing.model_validate_json(content).tools
        except ValidationError as exc:
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} sent an invalid tool listing") from exc

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        body = CallRequest(tool=tool, arguments=arguments, context=context).model_dump_json().encode()
        signed = self._assertions.headers(self.name, context.caller, context.tenant) if self._assertions else {}
        status, content, timing = await self._send("POST", "/mcp/call", body, signed)
        report_service_ms(service_ms(timing))
        try:
            reply = CallResponse.model_validate_json(content)
        except ValidationError as exc:
            if status in (401, 403):  # the platform in front of the service refused us, not the service
                raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, refused_message(self.name, status)) from exc
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, _invalid_reply(self.name, status, content)) from exc
        if reply.error is not None:
            raise ServiceError.from_body(reply.error)
        if not reply.ok or reply.result is None:
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} sent no result")
        return reply.result

    async def health(self) -> None:
        await self._send("GET", "/health", None)

    async def _send(
        self, method: str, path: str, body: bytes | None, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes, str | None]:
        """Status, reply body and `Server-Timing`; reading the body stays inside the `try`, since it can time
        out or break too."""
        headers = tracing.outbound_headers() | (extra or {})
        if self._auth is not None:
            headers.update(await self._auth.headers(self.base_url))
        if body is not None:
            headers.update(_JSON)
        try:
            async with self._session.request(method, self.base_url + path, data=body, headers=headers) as response:
                status, content = response.status, await response.read()
                timing = response.headers.get(SERVER_TIMING)
        except TimeoutError as exc:
            raise ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.name} did not answer in time") from exc
        except aiohttp.ClientConnectorError as exc:  # no connection: the request was never sent
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} is unreachable") from exc
        except aiohttp.ClientError as exc:  # broken once sent: whether the call happened is unknown
            raise ServiceError(
                ErrorCode.SERVICE_TIMEOUT, f"{self.name} closed the connection before answering"
            ) from exc
        if status == 429:
            raise ServiceError(ErrorCode.RATE_LIMITED, f"{self.name} is rate limiting")
        if status >= 500:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} answered {status}")
        if status in (401, 403) and path != "/mcp/call":
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, refused_message(self.name, status))
        if status >= 400 and path != "/mcp/call":
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.name} answered {status}")
        return status, content, timing


def _invalid_reply(name: str, status: int, content: bytes) -> str:
    """What a reply that is no `CallResponse` says: the service's refusal of the call itself (the error envelope:
    an unreadable body, a wrong path or method, a body over its cap), or that the reply is invalid."""
    try:
        refusal = ErrorEnvelope.model_validate_json(content).error
    except ValidationError:
        return f"{name} sent an invalid reply"
    return f"{name} refused the call (HTTP {status}, {refusal.code.value}: {refusal.message})"
