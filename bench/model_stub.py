"""An instant OpenAI-compatible model for the benchmark: plans the subscription question, answers it.

It answers in microseconds, so what the benchmark measures is the orchestrator's own cost of the
model path (prompt rendering, one HTTP round trip, parsing, checks), not a model's speed.
"""

from __future__ import annotations

import json
import sys

from aiohttp import web

PLAN = {"intent": "billing.plan", "steps": [{"tool": "chargebee.get_subscription", "arguments": {}}], "confidence": 0.9}
ANSWER = {
    "answer": "You are on Pro Monthly [source: chargebee.get_subscription]",
    "used_sources": ["chargebee.get_subscription"],
    "confidence": 0.9,
}


async def completions(request: web.Request) -> web.Response:
    body = await request.json()
    planning = "planning step" in body["messages"][0]["content"]
    content = json.dumps(PLAN if planning else ANSWER)
    return web.json_response(
        {
            "id": "bench",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 800, "completion_tokens": 40, "total_tokens": 840},
        }
    )


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


if __name__ == "__main__":
    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
