"""`ServiceClient`: one service calling another's tools over `/mcp/call`, inside the caller's trace.

```python
menu = ServiceClient("menu", settings.menu_url)
item = await menu.call("get_item", {"item_id": "m-01"}, ctx, MenuItem)
await menu.aclose()
```

The downstream call carries the same caller, tenant and session as the call being served, and the
current span as its parent, so identity checks hold end to end and the trace stays one trace. With
`assertions` (the calling service's caller keys) it also carries `X-Caller-Assertion`, signed by the
calling service for that caller and addressed to the target service (`mcp_common.assertions`).
"""

from __future__ import annotations

from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from mcp_common import tracing
from mcp_common.assertions import AssertionSigner
from mcp_common.auth import IdTokens
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext, CallRequest, CallResponse

OutT = TypeVar("OutT", bound=BaseModel)


# Below uvicorn's 5 s keep-alive, so that the client usually closes an idle connection before the server does.
_KEEPALIVE_S = 4.0
# A reused connection the server had already closed: nothing was answered, so a read may be sent again.
_DROPPED = (aiohttp.ServerDisconnectedError, aiohttp.ClientConnectionResetError)


class ServiceClient:
    """Calls the tools of one downstream service; one connection pool for the client's life.

    The pool is an `aiohttp.ClientSession` opened on the first call (it belongs to the running event
    loop) and closed by `aclose`. A `session` passed in is used as it is and left open by `aclose`.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        session: aiohttp.ClientSession | None = None,
        auth: IdTokens | None = None,
        assertions: AssertionSigner | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._assertions = assertions
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session = session
        self._owned: aiohttp.ClientSession | None = None

    async def call(
        self, tool: str, arguments: dict[str, Any], ctx: CallContext, output: type[OutT], *, writes: bool = False
    ) -> OutT:
        """Call `tool` for the same caller as `ctx`; the result validated as `output`.

        A read (`writes=False`) is sent once more when the server closed a kept-alive connection
        without answering (it closes idle connections on its own schedule; the race is routine).

        Raises `ServiceError`: the downstream error as it was (same code), or SERVICE_UNAVAILABLE,
        SERVICE_TIMEOUT, SERVICE_BAD_RESPONSE when the call itself failed.
        """
        with tracing.span("downstream_call", downstream=self.service, tool=tool) as sp:
            current = tracing.current()
            context = ctx.model_copy(
                update={
                    "trace_id": current.trace_id if current else ctx.trace_id,
                    "span_id": current.span_id if current else ctx.span_id,
                }
            )
            body = CallRequest(tool=tool, arguments=arguments, context=context)
            headers = _headers(current) | (await self._auth.headers(self.base_url) if self._auth else {})
            if self._assertions is not None:  # signed for the same caller, addressed to the target service
                headers |= self._assertions.headers(self.service, ctx.caller, ctx.tenant)
            try:
                status, content = await self._post(body.model_dump_json().encode(), headers, resend=not writes)
            except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
                sp.status = ErrorCode.SERVICE_TIMEOUT.value
                raise ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.service}.{tool} timed out") from exc
            except aiohttp.ClientError as exc:
                sp.status = ErrorCode.SERVICE_UNAVAILABLE.value
                raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.service} is unreachable") from exc
            reply = _parse(self.service, tool, status, content)
            if not reply.ok or reply.result is None:
                error = reply.error
                sp.status = error.code.value if error else ErrorCode.SERVICE_BAD_RESPONSE.value
                if error is None:
                    raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"{self.service}.{tool} failed without error")
                raise ServiceError(error.code, error.message)
            try:
                return output.model_validate(reply.result)
            except ValidationError as exc:
                sp.status = ErrorCode.SERVICE_BAD_RESPONSE.value
                raise ServiceError(
                    ErrorCode.SERVICE_BAD_RESPONSE, f"{self.service}.{tool} returned an unexpected result"
                ) from exc

    async def _post(self, content: bytes, headers: dict[str, str], *, resend: bool) -> tuple[int, bytes]:
        try:
            return await self._send(content, headers)
        except _DROPPED:
            if not resend:
                raise
            return await self._send(content, headers)

    async def _send(self, content: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        session = self._session or self._owned
        if session is None:
            connector = aiohttp.TCPConnector(keepalive_timeout=_KEEPALIVE_S)
            session = self._owned = aiohttp.ClientSession(connector=connector)
        url = f"{self.base_url}/mcp/call"
        async with session.post(url, data=content, headers=headers, timeout=self._timeout) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        """Close the pool this client opened (a later call opens a new one); a passed-in session stays open."""
        owned, self._owned = self._owned, None
        if owned is not None:
            await owned.close()


def _headers(current: tracing.TraceContext | None) -> dict[str, str]:
    return {"content-type": "application/json", **tracing.outbound_headers(current)}


def _parse(service: str, tool: str, status: int, content: bytes) -> CallResponse:
    try:
        return CallResponse.model_validate_json(content)
    except ValidationError as exc:
        if status in (401, 403):  # the platform in front of the service, not the service
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, refused_message(service, status)) from exc
        code = ErrorCode.SERVICE_UNAVAILABLE if status >= 500 else ErrorCode.SERVICE_BAD_RESPONSE
        raise ServiceError(code, f"{service}.{tool} answered HTTP {status}") from exc


def refused_message(service: str, status: int) -> str:
    """What to say when the front end of a private service refuses the caller (Cloud Run IAM)."""
    return (
        f"{service} refused this caller's identity (HTTP {status}): on Cloud Run the caller's service "
        "account needs roles/run.invoker on it, and SERVICE_AUTH must not be `none`"
    )
