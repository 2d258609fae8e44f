"""Prompt files: one TOML file per prompt, loaded and checked once at start-up.

A prompt file holds `version` (an integer bumped by hand when the meaning changes), a
`description`, and two Jinja2 templates: `system` (instructions) and `user` (the data, fenced).
`PromptSet.load` fails, before the app serves anything, when a file is missing, does not parse,
or its templates use a variable other than the ones the code passes (`VARIABLES`), or leave one
out. A prompt's `version` string (`plan@1-3a9c0e12`: declared version + content hash) goes into
the decision record and into every cache key that depends on the prompt.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, meta

import orchestrator

VARIABLES: dict[str, frozenset[str]] = {
    "plan": frozenset({"fence", "tools", "question", "max_steps"}),
    "synthesize": frozenset({"fence", "question", "results", "max_answer_chars"}),
    "intent": frozenset({"fence", "message", "intents", "view"}),
    "repair": frozenset({"fence", "error", "output", "schema"}),
}


class PromptError(RuntimeError):
    """A prompt file is missing or does not match what the code passes to it."""


@dataclass(frozen=True)
class RenderedPrompt:
    system: str
    user: str


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    description: str
    system: Template
    user: Template

    def render(self, **variables: Any) -> RenderedPrompt:
        """Both templates with exactly the variables this prompt declares."""
        expected = VARIABLES[self.name]
        if set(variables) != expected:
            raise PromptError(f"prompt {self.name!r} takes {sorted(expected)}, got {sorted(variables)}")
        return RenderedPrompt(self.system.render(**variables).strip(), self.user.render(**variables).strip())


class PromptSet:
    """Every prompt the orchestrator uses, by name."""

    def __init__(self, prompts: dict[str, Prompt]) -> None:
        self._prompts = prompts

    @classmethod
    def load(cls, directory: Path | None = None) -> PromptSet:
        """Read and check `<name>.toml` for every name in `VARIABLES`; raise `PromptError` otherwise."""
        root = directory or default_directory()
        env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)  # noqa: S701
        return cls({name: _load(root / f"{name}.toml", name, variables, env) for name, variables in VARIABLES.items()})

    def __getitem__(self, name: str) -> Prompt:
        return self._prompts[name]

    def versions(self) -> dict[str, str]:
        return {name: prompt.version for name, prompt in self._prompts.items()}


def default_directory() -> Path:
    """The prompts shipped inside the package: `orchestrator/prompts/`."""
    return Path(str(importlib.resources.files(orchestrator))) / "prompts"


def _load(path: Path, name: str, variables: frozenset[str], env: Environment) -> Prompt:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode())
    except FileNotFoundError:
        raise PromptError(f"prompt file {path} is missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PromptError(f"prompt file {path} is not valid TOML: {exc}") from exc
    for key, kind in (("version", int), ("description", str), ("system", str), ("user", str)):
        if not isinstance(data.get(key), kind):
            raise PromptError(f"prompt file {path} needs `{key}` ({kind.__name__})")
    used: set[str] = set()
    for part in ("system", "user"):
        try:
            used |= meta.find_undeclared_variables(env.parse(data[part]))
        except TemplateSyntaxError as exc:
            raise PromptError(f"prompt file {path}: `{part}` is not a valid template: {exc}") from exc
    if used != variables:
        unknown, missing = sorted(used - variables), sorted(variables - used)
        raise PromptError(f"prompt file {path}: unknown variables {unknown}, variables not used {missing}")
    version = f"{name}@{data['version']}-{hashlib.sha256(raw).hexdigest()[:8]}"
    return Prompt(name, version, data["description"], env.from_string(data["system"]), env.from_string(data["user"]))
