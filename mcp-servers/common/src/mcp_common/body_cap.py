"""`BodyCap`: at most `max_bytes` of a request body are read; past that, 413 with the error envelope.

Pure ASGI, as the orchestrator's surface middleware caps its bodies: a `Content-Length` over the cap is
answered before a byte of the body is read; a chunked body is answered as soon as the bytes read pass
the cap, and the rest is never read (`Connection: close`). A declared length under the cap needs no
watch on `receive`, since the server reads no more than it declares; so a request with a length, or
a `GET`, costs one scan of its headers.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.http_errors import envelope_response


class _TooLarge(HTTPException):
    """Raised from `receive` once the body passes the cap; whatever the app answers, the answer is the 413."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


class BodyCap:
    """Reads at most `max_bytes` of each HTTP request body (see the module docstring).

    Added inside the telemetry middleware, so that the 413 carries the request's trace and is counted.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = b""
        for key, value in scope["headers"]:
            if key == b"content-length":
                declared = value
                break
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.refuse(scope, receive, send)
        elif declared or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
        else:
            await self.limited(scope, receive, send)

    async def limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, reading at most `max_bytes` of a body of undeclared length."""
        received = 0
        exceeded = responded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal responded
            if exceeded and not responded:
                return
            responded = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or responded:
                raise
        if exceeded and not responded:
            await self.refuse(scope, receive, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The 413, closing the connection: the rest of the body is not read."""
        error = ServiceError(ErrorCode.PAYLOAD_TOO_LARGE, f"the request body is larger than {self.max_bytes} bytes")
        response = envelope_response(error, 413)
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)
