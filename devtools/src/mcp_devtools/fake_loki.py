"""A loopback stand-in for Grafana Loki: its JSON push API and `query_range` over a LogQL subset.

Understood LogQL: a stream selector of `label="value"` / `label=~"regex"` matchers, then any of
`| key="value"` (a label or a line's structured metadata equals), `|= "text"` and `|~ "regex"`
(the line contains / matches). Anything else answers 400, as Loki does for a query it cannot parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

PUSH_PATH = "/loki/api/v1/push"
QUERY_RANGE_PATH = "/loki/api/v1/query_range"
_STRING = r'"((?:[^"\\]|\\.)*)"'
_MATCHER = re.compile(rf"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|=)\s*{_STRING}\s*,?")
_STAGE = re.compile(rf"\s*(\|=|\|~|\|\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=)\s*{_STRING}")


@dataclass(frozen=True)
class Stored:
    labels: dict[str, str]
    timestamp_ns: int
    line: str
    metadata: dict[str, str] = field(default_factory=dict)


class FakeLoki:
    """Keeps every pushed line; `queries` lists the LogQL asked, in order."""

    def __init__(self) -> None:
        self.stored: list[Stored] = []
        self.queries: list[str] = []
        self.app = Starlette(
            routes=[
                Route(PUSH_PATH, self.push, methods=["POST"]),
                Route(QUERY_RANGE_PATH, self.query_range, methods=["GET"]),
            ]
        )

    async def push(self, request: Request) -> Response:
        body = await request.json()
        for stream in body["streams"]:
            for value in stream["values"]:
                metadata = value[2] if len(value) > 2 else {}
                self.stored.append(Stored(dict(stream["stream"]), int(value[0]), value[1], metadata))
        return Response(status_code=204)

    async def query_range(self, request: Request) -> Response:
        params = request.query_params
        query = params.get("query", "")
        self.queries.append(query)
        try:
            keep = _compile(query)
        except ValueError as exc:
            return PlainTextResponse(f"parse error: {exc}", status_code=400)
        start, end = int(params.get("start", "0")), int(params.get("end", str(2**63)))
        found = sorted(
            (s for s in self.stored if start <= s.timestamp_ns <= end and keep(s)), key=lambda s: s.timestamp_ns
        )
        if params.get("direction", "backward") == "backward":
            found.reverse()
        found = found[: int(params.get("limit", "100"))]
        streams: dict[str, tuple[dict[str, str], list[list[str]]]] = {}
        for s in found:
            labels = s.labels | s.metadata
            key = json.dumps(labels, sort_keys=True)
            streams.setdefault(key, (labels, []))[1].append([str(s.timestamp_ns), s.line])
        result = [{"stream": labels, "values": values} for labels, values in streams.values()]
        return JSONResponse({"status": "success", "data": {"resultType": "streams", "result": result}})


def _unquote(text: str) -> str:
    value: str = json.loads(f'"{text}"')
    return value


def _compile(query: str) -> Callable[[Stored], bool]:
    """A predicate over stored lines for `query`; ValueError when it is outside the subset."""
    match = re.match(r"\s*\{(.*?)\}", query)
    if match is None:
        raise ValueError("a query starts with a stream selector")
    matchers: list[tuple[str, str, str]] = []
    rest = query[match.end() :]
    body = match.group(1)
    while body.strip():
        m = _MATCHER.match(body)
        if m is None:
            raise ValueError(f"bad matcher in {{{match.group(1)}}}")
        matchers.append((m.group(1), m.group(2), _unquote(m.group(3))))
        body = body[m.end() :]
    if not any(op != "!=" and not re.fullmatch(v if op == "=~" else re.escape(v), "") for _, op, v in matchers):
        raise ValueError("queries require at least one matcher that does not match the empty string")
    stages: list[tuple[str, str | None, str]] = []
    while rest.strip():
        m = _STAGE.match(rest)
        if m is None:
            raise ValueError(f"unsupported pipeline: {rest.strip()!r}")
        stages.append((m.group(1)[:2] if m.group(2) is None else "|", m.group(2), _unquote(m.group(3))))
        rest = rest[m.end() :]

    def keep(s: Stored) -> bool:
        for name, op, value in matchers:
            have = s.labels.get(name, "")
            ok = re.fullmatch(value, have) is not None if op == "=~" else (have == value) == (op == "=")
            if not ok:
                return False
        for op, key, value in stages:
            if op == "|=" and value not in s.line:
                return False
            if op == "|~" and re.search(value, s.line) is None:
                return False
            if op == "|" and (s.labels | s.metadata).get(str(key)) != value:
                return False
        return True

    return keep
