"""Asking a model for JSON that must fit a Pydantic model: fence, call, parse, repair once.

Model output is never trusted: it is parsed into `output_model` (unknown fields rejected by the
model's own config), and whatever the caller builds from it is validated again downstream.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLM, LLMRequest, Purpose
from orchestrator.llm.prompts import PromptSet

T = TypeVar("T", bound=BaseModel)
_FENCED_JSON = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_MAX_REPAIR_ECHO = 4000


def new_fence() -> str:
    """A per-request delimiter name nobody can guess, so fenced data cannot close its own fence."""
    return f"DATA-{secrets.token_hex(8)}"


def defuse(text: str, fence: str) -> str:
    """`text` made safe to place inside `<fence>…</fence>`: it cannot contain the fence's name."""
    return text.replace(fence, "[removed]")


EMAIL = re.compile(r"[\w.%+-]+@[\w.-]+\.\w{2,}")
URL = re.compile(r"(?:https?|ftp)://[^\s)\]>\"']+|www\.[^\s)\]>\"']+", re.IGNORECASE)
_MIN_ECHO = 40


def visible(text: str) -> str:
    """`text` as a reader sees it: NFKC-folded (fullwidth `＠` is `@`), so checks see what users see."""
    return unicodedata.normalize("NFKC", text)


def echoes_prompt(text: str, system: str, fence: str) -> bool:
    """Whether `text` repeats a line of the system prompt (fence name or not): a sign of the prompt leaking."""

    def flat(value: str) -> str:
        return " ".join(visible(value).replace(fence, "DATA").casefold().split())

    seen = flat(text)
    lines = [flat(line) for line in re.split(r"\n|(?<=[.:])\s", system)]
    return fence in text or any(len(line) >= _MIN_ECHO and line in seen for line in lines)


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model answer (bare, or inside a ``` fence); ValueError otherwise."""
    candidates = [m.group(1) for m in _FENCED_JSON.finditer(text)] + [text]
    for candidate in candidates:
        start, end = candidate.find("{"), candidate.rfind("}")
        if start == -1 or end <= start:
            continue
        try:
            value = json.loads(candidate[start : end + 1])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("the answer holds no JSON object")


async def generate_model(
    llm: LLM,
    prompts: PromptSet,
    prompt_name: Purpose,
    variables: dict[str, Any],
    output_model: type[T],
    *,
    max_output_tokens: int,
    check: Callable[[T, str], None] | None = None,
) -> T:
    """One call to `prompt_name`; on unparsable or invalid output one call to the repair prompt.

    `check` adds the caller's own rules (e.g. "only tools of the catalog"): it gets the parsed
    value and the rendered system prompt (to spot an echo of it) and raises ValueError with a
    message the repair prompt passes back to the model.
    Raises `ServiceError`: the adapter's error when the model cannot be reached, LLM_BAD_OUTPUT
    when the repaired answer still does not fit `output_model` or `check`.
    """
    rendered = prompts[prompt_name].render(**variables)
    response = await llm.generate(
        LLMRequest(
            system=rendered.system, prompt=rendered.user, purpose=prompt_name, max_output_tokens=max_output_tokens
        )
    )
    try:
        return _parse(response.text, output_model, check, rendered.system)
    except ValueError as exc:
        first_error = str(exc)
    fence = variables.get("fence") or new_fence()
    repair = prompts["repair"].render(
        fence=fence,
        error=first_error[:1000],
        output=defuse(response.text[:_MAX_REPAIR_ECHO], fence),
        schema=json.dumps(output_model.model_json_schema(), separators=(",", ":")),
    )
    response = await llm.generate(
        LLMRequest(system=repair.system, prompt=repair.user, purpose="repair", max_output_tokens=max_output_tokens)
    )
    try:
        return _parse(response.text, output_model, check, rendered.system)
    except ValueError as exc:
        raise ServiceError(ErrorCode.LLM_BAD_OUTPUT, f"{prompt_name}: {exc}") from exc


def _parse(text: str, output_model: type[T], check: Callable[[T, str], None] | None, system: str) -> T:
    try:
        value = output_model.model_validate(parse_json_object(text))
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:10])
        raise ValueError(f"the JSON does not fit the schema: {errors}") from None
    if check is not None:
        check(value, system)
    return value
