"""ReplyTemplates: a conversation plug-in's reply templates, `<name>.j2` in its folder, plain text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound, TemplateSyntaxError


class ReplyTemplates:
    """Plain-text reply templates: trailing spaces trimmed, surrounding blank lines dropped."""

    def __init__(self, loader: BaseLoader, filters: dict[str, Callable[..., Any]] | None = None) -> None:
        self.env = Environment(
            loader=loader,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,  # noqa: S701 - plain-text replies, never rendered as HTML by us
        )
        self.env.filters.update(filters or {})

    def render(self, name: str, **context: Any) -> str:
        text = self.env.get_template(f"{name}.j2").render(**context)
        return "\n".join(line.rstrip() for line in text.strip().splitlines())

    def problems(self, names: Iterable[str]) -> list[str]:
        """Each of `names` that has no template, or one that does not parse."""
        found = []
        for name in names:
            try:
                self.env.get_template(f"{name}.j2")
            except TemplateNotFound:
                found.append(f"reply template {name}.j2 does not exist")
            except TemplateSyntaxError as exc:
                found.append(f"reply template {name}.j2 does not parse: {exc.message}")
        return found
