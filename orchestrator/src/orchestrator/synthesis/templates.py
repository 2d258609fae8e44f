"""TemplateSynthesizer: the answer from templates, no model involved.

Each successful source is rendered by the Jinja2 template `answers/<service>.<tool>.j2` (or
`_generic.j2` for tools without one) and followed by its source tag; failed sources are listed
with what is missing and why. Templates are looked up in `synthesis/templates/` and then in the
template folders of the conversation plug-in (its own services' answer templates).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
)

from orchestrator.execution.executor import SourceResult
from orchestrator.planning.base import Plan
from orchestrator.planning.validation import RejectedStep
from orchestrator.security.caller import Caller
from orchestrator.synthesis.base import Synthesis, answered_confidence, missing_note

logger = logging.getLogger(__name__)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;.:)])")


def _money(value: Any, currency: str | None = None) -> str:
    try:
        amount = f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)
    return f"{amount} {currency}" if currency else amount


def _day(value: object) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, datetime | date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


class TemplateSynthesizer:
    """Deterministic answers from templates; no model involved."""

    name = "templates"

    def __init__(self, extra: Sequence[BaseLoader] = ()) -> None:
        self.env = Environment(
            loader=ChoiceLoader([PackageLoader("orchestrator.synthesis", "templates"), *extra]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,  # noqa: S701 - plain-text answers, never rendered as HTML by us
            auto_reload=False,  # packaged templates do not change while running: no file check per answer
        )
        self._templates: dict[str, Template] = {}  # tool → its template (or the generic one), looked up once
        self.env.filters.update(money=_money, day=_day)
        self.env.globals.update(plural=_plural)

    async def synthesize(
        self, question: str, plan: Plan, results: list[SourceResult], rejected: list[RejectedStep], caller: Caller
    ) -> Synthesis:
        return self.compose(plan, results, rejected)

    def compose(self, plan: Plan, results: list[SourceResult], rejected: list[RejectedStep]) -> Synthesis:
        if not results and not rejected:
            return Synthesis(plan.message or "I could not find anything to answer that.", plan.confidence)
        parts = [f"{self._render(r)} [source: {r.name}]" for r in results if r.status == "ok"]
        missing = missing_note(results, rejected)
        if missing:
            parts.append(missing)
        return Synthesis("\n".join(parts), answered_confidence(plan, results, rejected))

    def _render(self, result: SourceResult) -> str:
        data = result.result or {}
        template = self._templates.get(result.name)
        if template is None:
            try:
                template = self.env.get_template(f"answers/{result.name}.j2")
            except TemplateNotFound:
                template = self.env.get_template("answers/_generic.j2")
            self._templates[result.name] = template
        try:
            return _tidy(template.render(r=data, tool=result.name))
        except (TemplateError, TypeError, ValueError, KeyError):
            logger.exception("answer template for %s failed; using the generic one", result.name)
            return _tidy(self.env.get_template("answers/_generic.j2").render(r=data, tool=result.name))


def _tidy(text: str) -> str:
    """One line, single spaces, no space before punctuation."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))
