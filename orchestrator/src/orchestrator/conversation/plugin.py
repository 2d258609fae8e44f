"""The conversation plug-in protocol: what a domain brings to `POST /orchestrate`, and how one is loaded.

The engine knows conversations only through this protocol. A plug-in brings its flows (one per
intent, `conversation.flows`), how it reads an intent from a message, the state it keeps in the
session (a cart, a pending confirmation…), the variables its flows' arguments read, its reply
templates, and the answer templates of its own services' tools (for `/query`).

Chosen by `ORCH_CONVERSATIONS`: `food` (the food-ordering plug-in, `orchestrator.domains.food`),
`none`, or `package.module:factory` for a plug-in of one's own. A factory takes the model (or
None), the prompt set and whether the model may read intents, and returns the plug-in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from jinja2 import BaseLoader

from orchestrator.conversation.flows import Call, Flow, Intent, Reply, Turn
from orchestrator.conversation.templates import ReplyTemplates
from orchestrator.execution.executor import SourceResult
from orchestrator.llm.base import LLM
from orchestrator.llm.prompts import PromptSet
from orchestrator.state.sessions import Session

BUILT_IN = {"food": "orchestrator.domains.food.plugin:food_conversations"}


class ConversationPlugin(Protocol):
    """A conversation domain; see the module docstring."""

    name: str
    reader: str
    flows: Mapping[str, Flow]
    fallback: str
    replies: ReplyTemplates
    answer_templates: BaseLoader | None

    def open(self, session: Session) -> Any:
        """The plug-in's state kept in `session.data` (a new one when there is none)."""
        ...

    async def read(self, message: str, state: Any) -> Intent:
        """The message's intent and slots; what the user was shown and has pending is in `state`."""
        ...

    def derive(self, turn: Turn) -> dict[str, Any]:
        """The variables the flow's arguments and conditions read, from slots, state and results so far."""
        ...

    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        """The reply when a call the flow needs failed."""
        ...

    def close(self, turn: Turn) -> dict[str, Any]:
        """Store the turn's state back into the session; what the decision record should add."""
        ...


PluginFactory = Callable[..., ConversationPlugin]


class PluginError(RuntimeError):
    """A plug-in that cannot be loaded or whose flows do not hold together."""


def load_plugin(spec: str, *, llm: LLM | None, prompts: PromptSet, model_intents: bool) -> ConversationPlugin | None:
    """The plug-in named by `spec` (None for `none`); PluginError when it cannot be loaded."""
    if spec == "none":
        return None
    target = BUILT_IN.get(spec, spec)
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise PluginError(f"conversations {spec!r}: expected `food`, `none` or `package.module:factory`")
    try:
        factory: PluginFactory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"conversations {spec!r} cannot be loaded: {exc}") from exc
    return factory(llm, prompts, model_intents=model_intents)
