"""Answer templates are looked up once per tool, not once per answer."""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import BaseLoader, DictLoader, Environment

from orchestrator.execution.executor import SourceResult
from orchestrator.planning.base import Plan
from orchestrator.synthesis.templates import TemplateSynthesizer


class CountingLoader(DictLoader):
    def __init__(self, mapping: dict[str, str]) -> None:
        super().__init__(mapping)
        self.reads: list[str] = []
        self.freshness_checks = 0

    def get_source(self, environment: Environment, template: str) -> tuple[str, None, Callable[[], bool]]:
        self.reads.append(template)
        source, filename, _ = super().get_source(environment, template)

        def unchanged() -> bool:
            self.freshness_checks += 1
            return True

        return source, filename, unchanged


def test_each_tools_template_is_read_once_and_renders_every_answer() -> None:
    loader = CountingLoader({"answers/shop.get_plan.j2": "You are on {{ r.value }}."})
    extra: list[BaseLoader] = [loader]
    synthesizer = TemplateSynthesizer(extra)
    plan = Plan(intent="plan", confidence=1.0)
    answers = [
        synthesizer.compose(plan, [SourceResult("shop", "get_plan", "ok", 1.0, result={"value": v})], []).answer
        for v in ("pro", "basic", "team")
    ]
    assert answers == [f"You are on {v}. [source: shop.get_plan]" for v in ("pro", "basic", "team")]
    assert loader.reads.count("answers/shop.get_plan.j2") == 1
    assert loader.freshness_checks == 0  # no file check per answer
