"""The `Synthesizer` protocol: validated tool results → one readable answer that names its sources.

`TemplateSynthesizer` (`synthesis.templates`, no model) and `LLMSynthesizer` (`synthesis.llm`, a
model writes the answer, checked, with the templates as fallback) implement it. Failed sources are
always listed with what is missing and why (`missing_note`), so a partial answer never pretends to
be complete.

Confidence = plan confidence × (sources answered ÷ sources planned). A question no tool matched
keeps the planner's (low) confidence; a plan with every source failed has confidence 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from orchestrator.execution.executor import SourceResult
from orchestrator.planning.base import Plan
from orchestrator.planning.validation import RejectedStep
from orchestrator.security.caller import Caller


@dataclass(frozen=True)
class Synthesis:
    answer: str
    confidence: float
    synthesizer: str = "templates"
    fallback: str | None = None


class Synthesizer(Protocol):
    name: str

    async def synthesize(
        self, question: str, plan: Plan, results: list[SourceResult], rejected: list[RejectedStep], caller: Caller
    ) -> Synthesis: ...


def missing_note(results: list[SourceResult], rejected: list[RejectedStep]) -> str | None:
    """One line naming every source that failed or was refused, and why; None when none did."""
    missing = [_missing(r.name, r.error.code.value, r.error.message) for r in results if r.error]
    missing += [_missing(r.tool, r.error.code.value, r.error.message) for r in rejected]
    return "Missing: " + " ".join(missing) if missing else None


def answered_confidence(plan: Plan, results: list[SourceResult], rejected: list[RejectedStep]) -> float:
    """Plan confidence × the share of planned sources that answered."""
    planned = len(results) + len(rejected)
    if not planned:
        return plan.confidence
    return round(plan.confidence * sum(r.status == "ok" for r in results) / planned, 3)


def _missing(name: str, code: str, message: str) -> str:
    if code == "NOT_FOUND":
        return f"{name} has no record for you ({message})."
    if code == "INVALID_REQUEST" and message.startswith(f"{name} needs "):
        return f"{name} needs something the question did not say: {message[len(name) + 7 :]}; ask again with it."
    return f"{name} could not be used: {message} ({code})."
