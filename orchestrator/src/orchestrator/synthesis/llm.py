"""LLMSynthesizer: a model writes the answer from the validated tool results; templates otherwise.

The question and every tool result go into the prompt fenced as data, each result truncated to
its share of the budget. The model's answer is untrusted and checked before it is used: every
cited source (`used_sources` and `[source: …]` tags) must be a call that answered, the answer
fits the length limit, does not echo the fence, names no email address other than the caller's
or one held in an email field of a result (an address inside free text — a ticket subject, a
note — may be an injected target), and holds no link that is not in the results (a link is how
an injected instruction would send data out). A failed check gets one repair call; then the template answer.
A deterministic "Missing: …" line is appended whenever a source failed, whatever the model said.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from mcp_common.errors import ServiceError
from orchestrator.execution.executor import SourceResult
from orchestrator.llm.base import LLM
from orchestrator.llm.prompts import PromptSet
from orchestrator.llm.structured import EMAIL, URL, defuse, echoes_prompt, generate_model, new_fence, visible
from orchestrator.planning.base import Plan
from orchestrator.planning.validation import RejectedStep
from orchestrator.security.caller import Caller
from orchestrator.synthesis.base import Synthesis, missing_note
from orchestrator.synthesis.templates import TemplateSynthesizer

logger = logging.getLogger(__name__)
_CITATION = re.compile(r"\[source:\s*([^\]]+)\]")


class ModelAnswer(BaseModel):
    """The JSON the synthesize prompt asks for."""

    model_config = ConfigDict(extra="ignore")

    answer: str = Field(min_length=1, max_length=20_000)
    used_sources: list[str] = Field(default_factory=list, max_length=50)
    confidence: float = Field(ge=0.0, le=1.0)


@dataclass(frozen=True)
class LLMSynthesizerConfig:
    max_answer_chars: int = 1500
    result_budget_chars: int = 6000
    max_output_tokens: int = 1024


class LLMSynthesizer:
    """Answers written by a model, checked against what was actually called."""

    name = "llm"

    def __init__(
        self,
        llm: LLM,
        prompts: PromptSet,
        *,
        fallback: TemplateSynthesizer,
        config: LLMSynthesizerConfig | None = None,
    ) -> None:
        self.llm = llm
        self.prompts = prompts
        self.fallback = fallback
        self.config = config or LLMSynthesizerConfig()

    async def synthesize(
        self, question: str, plan: Plan, results: list[SourceResult], rejected: list[RejectedStep], caller: Caller
    ) -> Synthesis:
        template = self.fallback.compose(plan, results, rejected)
        answered = [r for r in results if r.status == "ok"]
        if not answered:
            return template  # nothing to write about: the template says what is missing
        fence = new_fence()
        data = [(r, _as_text(r)) for r in results]
        allowed = _Allowed(
            emails={caller.user} | {e.lower() for r in answered for e in _email_fields(r.result)},
            urls={u.lower() for _, text in data for u in URL.findall(text)},
        )
        budget = max(200, self.config.result_budget_chars // len(data))
        variables = {
            "fence": fence,
            "question": defuse(question, fence),
            "results": [{"source": r.name, "status": r.status, "data": defuse(_truncate(t, budget), fence)}
                        for r, t in data],
            "max_answer_chars": self.config.max_answer_chars,
        }  # fmt: skip
        sources = {r.name for r in answered}
        try:
            output = await generate_model(
                self.llm,
                self.prompts,
                "synthesize",
                variables,
                ModelAnswer,
                max_output_tokens=self.config.max_output_tokens,
                check=lambda a, system: _check(a, sources, allowed, (fence, system), self.config.max_answer_chars),
            )
        except ServiceError as exc:
            extra = {"event_type": "llm_fallback", "purpose": "synthesize", "error": exc.code.value}
            logger.warning("model synthesis failed (%s); using the templates", exc.code.value, extra=extra)
            return replace(template, fallback=exc.code.value)
        answer = output.answer.strip()
        missing = missing_note(results, rejected)
        if missing:
            answer = f"{answer}\n{missing}"
        return Synthesis(answer, min(output.confidence, template.confidence), synthesizer="llm")


def _as_text(result: SourceResult) -> str:
    if result.status == "ok":
        return json.dumps(result.result, separators=(",", ":"), ensure_ascii=False, default=str)
    error = result.error
    return json.dumps({"error": error.code.value, "message": error.message} if error else {"error": "unknown"})


@dataclass(frozen=True)
class _Allowed:
    emails: set[str]
    urls: set[str]


def _email_fields(value: object, key: str = "") -> list[str]:
    """Email addresses held in fields whose name says email (`email`, `owner_email`, …)."""
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _email_fields(v, str(k))]
    if isinstance(value, list):
        return [e for item in value for e in _email_fields(item, key)]
    if isinstance(value, str) and "email" in key.lower():
        return EMAIL.findall(value)
    return []


def _truncate(text: str, budget: int) -> str:
    return text if len(text) <= budget else text[:budget] + " …[truncated]"


def _check(answer: ModelAnswer, sources: set[str], allowed: _Allowed, prompt: tuple[str, str], max_chars: int) -> None:
    """Reject, for repair, an answer that cites what was not called or says what it cannot know."""
    fence, system = prompt
    problems: list[str] = []
    text = visible(answer.answer)
    cited = set(answer.used_sources) | {c.strip() for c in _CITATION.findall(answer.answer)}
    unknown = sorted(cited - sources)
    if unknown:
        problems.append(f"cites sources that were not called: {unknown}; only {sorted(sources)} may be cited")
    if len(answer.answer) > max_chars:
        problems.append(f"the answer has {len(answer.answer)} characters; at most {max_chars} are allowed")
    if any(e.lower() not in allowed.emails for e in EMAIL.findall(text)):
        problems.append("the answer names an email address that is not the user's or a record's email")
    if any(u.lower().rstrip(".,;:") not in allowed.urls for u in URL.findall(text)):
        problems.append("the answer holds a link that is in no tool result")
    if echoes_prompt(answer.answer, system, fence) or fence in " ".join(answer.used_sources):
        problems.append("the answer repeats these instructions or the data delimiter")
    if problems:
        raise ValueError("; ".join(problems))
