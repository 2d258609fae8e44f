"""Loopback model servers for tests: a Vertex AI `generateContent` endpoint and an OpenAI `chat/completions` one.

Both are real HTTP servers on 127.0.0.1 (a free port), started inside the test's event loop:

```python
async with VertexFakeServer() as server:
    server.push(reply_status(429), reply_text('{"steps": []}', input_tokens=12, output_tokens=5))
    llm = VertexGemma("gemma-3-27b-it", project="p", location="global", base_url=server.base_url, credentials=...)
    ...
    assert server.requests[0].path.endswith("/models/gemma-3-27b-it:generateContent")
    assert "Plan the calls" in server.requests[0].text
```

- `push(*replies)` queues replies, answered in order; once the queue is empty every request gets `default`.
- A reply is a `FakeReply` (built with `reply_text`, `reply_status`, `reply_body`, `reply_hang`) or a callable
  taking the request's JSON body and returning a `FakeReply` or plain text (answered as `reply_text`).
- `default` (constructor argument or attribute) is a reply, a callable as above or plain text; it starts as `"{}"`.
- `requests` records every request: method, path, lower-cased headers, JSON body, the client's port (one port
  per connection) and `text`, all the text the request carries (system and user) joined by newlines.
- `base_url` is what the adapters take: the server root for Vertex (the SDK appends `/{version}/projects/...`),
  `{root}/v1` for OpenAI (the adapter appends `/chat/completions`).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

__all__ = [
    "FakeReply",
    "OpenAIFakeServer",
    "RecordedRequest",
    "Reply",
    "VertexFakeServer",
    "reply_body",
    "reply_hang",
    "reply_status",
    "reply_text",
]


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer; build it with the `reply_*` helpers."""

    status: int = 200
    text: str | None = None
    body: Any = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    hang: bool = False


Reply = FakeReply | str | Callable[[dict[str, Any]], "FakeReply | str"]


def reply_text(text: str, *, input_tokens: int | None = None, output_tokens: int | None = None) -> FakeReply:
    """A successful answer carrying `text`, in the server's format; token counts default to characters / 4."""
    return FakeReply(text=text, input_tokens=input_tokens, output_tokens=output_tokens)


def reply_status(status: int, body: Any = None) -> FakeReply:
    """An error status; without `body` the server's usual error JSON (`{"error": {...}}`) is sent."""
    return FakeReply(status=status, body=body)


def reply_body(body: Any, status: int = 200) -> FakeReply:
    """`body` sent as is: a `str` as text/plain, anything else as JSON (malformed or empty answers)."""
    return FakeReply(status=status, body=body)


def reply_hang() -> FakeReply:
    """Never answer: the request is held until the server shuts down (for timeout tests)."""
    return FakeReply(hang=True)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    client_port: int
    text: str


class _LoopbackServer:
    """The shared machinery: routing everything to `_answer`, the reply queue, the request record."""

    def __init__(self, default: Reply = "{}") -> None:
        self.default: Reply = default
        self.requests: list[RecordedRequest] = []
        self._queue: list[Reply] = []
        self._runner: web.AppRunner | None = None
        self._released = asyncio.Event()
        self.root_url = ""

    @property
    def base_url(self) -> str:
        return self.root_url

    def push(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one, then `default` once they run out."""
        self._queue.extend(replies)

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.root_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                json=payload,
                client_port=peer[1] if peer else 0,
                text=self._request_text(payload),
            )
        )
        if not self._matches(request.method, request.path):
            return web.json_response({"error": {"code": 404, "message": "no such route"}}, status=404)
        reply = self._queue.pop(0) if self._queue else self.default
        if callable(reply):
            reply = reply(payload if isinstance(payload, dict) else {})
        if isinstance(reply, str):
            reply = reply_text(reply)
        if reply.hang:
            await self._released.wait()
            return web.json_response({"error": {"code": 503, "message": "shutting down"}}, status=503)
        if reply.text is not None:
            text_in = self._request_text(payload)
            tokens_in = reply.input_tokens if reply.input_tokens is not None else len(text_in) // 4
            tokens_out = reply.output_tokens if reply.output_tokens is not None else len(reply.text) // 4
            return web.json_response(self._success(request, payload, reply.text, tokens_in, tokens_out))
        if reply.body is None and reply.status >= 400:
            return web.json_response(self._error(reply.status), status=reply.status)
        if isinstance(reply.body, str):
            return web.Response(text=reply.body, status=reply.status, content_type="text/plain")
        return web.json_response(reply.body, status=reply.status)

    def _matches(self, method: str, path: str) -> bool:
        raise NotImplementedError

    def _request_text(self, payload: Any) -> str:
        raise NotImplementedError

    def _success(self, request: web.Request, payload: Any, text: str, tokens_in: int, tokens_out: int) -> Any:
        raise NotImplementedError

    def _error(self, status: int) -> Any:
        raise NotImplementedError


_VERTEX_PATH = re.compile(r"/publishers/google/models/(?P<model>[^/:]+):generateContent$")
_VERTEX_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class VertexFakeServer(_LoopbackServer):
    """Answers `POST .../publishers/google/models/{model}:generateContent` like Vertex AI's REST API.

    Any prefix is accepted (`/v1beta1/projects/{p}/locations/{l}` with ADC, `/v1beta1` in API-key mode); other
    paths get 404. `text` of a recorded request joins `systemInstruction` and every `contents` text part.
    """

    def _matches(self, method: str, path: str) -> bool:
        return method == "POST" and _VERTEX_PATH.search(path) is not None

    def _request_text(self, payload: Any) -> str:
        if not isinstance(payload, dict):
            return ""
        contents = list(payload.get("contents") or [])
        if isinstance(payload.get("systemInstruction"), dict):
            contents.insert(0, payload["systemInstruction"])
        return "\n".join(
            str(part["text"])
            for content in contents
            if isinstance(content, dict)
            for part in content.get("parts") or []
            if isinstance(part, dict) and "text" in part
        )

    def _success(self, request: web.Request, payload: Any, text: str, tokens_in: int, tokens_out: int) -> Any:
        found = _VERTEX_PATH.search(request.path)
        return {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "usageMetadata": {
                "promptTokenCount": tokens_in,
                "candidatesTokenCount": tokens_out,
                "totalTokenCount": tokens_in + tokens_out,
            },
            "modelVersion": found.group("model") if found else "unknown",
        }

    def _error(self, status: int) -> Any:
        name = _VERTEX_STATUS.get(status, "UNKNOWN")
        return {"error": {"code": status, "message": f"scripted {status}", "status": name}}


class OpenAIFakeServer(_LoopbackServer):
    """Answers `POST /v1/chat/completions` like an OpenAI-compatible server (vLLM, Ollama, ...).

    `base_url` ends in `/v1`; `text` of a recorded request joins every message's content.
    """

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def _matches(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/v1/chat/completions"

    def _request_text(self, payload: Any) -> str:
        if not isinstance(payload, dict):
            return ""
        return "\n".join(
            str(message.get("content"))
            for message in payload.get("messages") or []
            if isinstance(message, dict) and message.get("content") is not None
        )

    def _success(self, request: web.Request, payload: Any, text: str, tokens_in: int, tokens_out: int) -> Any:
        model = payload.get("model", "unknown") if isinstance(payload, dict) else "unknown"
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"},
            ],
            "usage": {
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
            },
        }

    def _error(self, status: int) -> Any:
        return {"error": {"message": f"scripted {status}", "type": "server_error" if status >= 500 else "invalid"}}


class ManualMonotonic:
    """A `time.monotonic` stand-in that moves only when the test sets `now`."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class RecordedSleeps:
    """An `asyncio.sleep` stand-in that records the delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
