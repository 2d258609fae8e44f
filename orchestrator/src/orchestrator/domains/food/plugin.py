"""The food-ordering conversation as a plug-in of the generic conversation path.

Browse the menu, get recommendations, fill a cart, choose an address, check out, confirm, track,
cancel, update preferences: the flows of `food.flows` over the menu, customer_profile, order,
tracking and recommendations services. Intents are read by the rules, or by the model with the
rules as fallback and as the guard of every "yes" (`food.llm_intents`).
"""

from __future__ import annotations

from typing import Any

from jinja2 import PackageLoader

from orchestrator.conversation.flows import Call, Intent, Reply, Turn, outcome
from orchestrator.domains.food import replies as food_replies
from orchestrator.domains.food.flows import FLOWS
from orchestrator.domains.food.intents import IntentClassifier, RuleIntentClassifier, resolve_choice
from orchestrator.domains.food.llm_intents import LLMIntentClassifier
from orchestrator.domains.food.replies import REPLIES, food
from orchestrator.domains.food.state import FoodState
from orchestrator.domains.food.variables import derive
from orchestrator.execution.executor import SourceResult
from orchestrator.llm.base import LLM
from orchestrator.llm.prompts import PromptSet
from orchestrator.state.sessions import Session


class FoodConversations:
    """The food-ordering plug-in (see `orchestrator.conversation.plugin.ConversationPlugin`)."""

    name = "food"
    flows = FLOWS
    fallback = "help"
    replies = REPLIES

    def __init__(self, classifier: IntentClassifier) -> None:
        self.classifier = classifier
        self.reader = classifier.name
        self.answer_templates = PackageLoader("orchestrator.domains.food", "templates")

    def open(self, session: Session) -> FoodState:
        return FoodState.of(session)

    async def read(self, message: str, state: Any) -> Intent:
        """The reply to a clarifying question asked last turn picks a reading (with the slots of the
        message that was unclear); any other message is read afresh, and the question is dropped."""
        assert isinstance(state, FoodState)
        asked, state.clarification = state.clarification, None
        if asked is not None:
            choice = resolve_choice(message, asked.options)
            if choice is not None:
                return Intent(choice, 0.85, dict(asked.slots), source="rules (clarified)")
        return await self.classifier.classify(message, state.view())

    def derive(self, turn: Turn) -> dict[str, Any]:
        return derive(turn)

    @outcome(templates=food_replies.CALL_FAILED_TEMPLATES)
    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        return food_replies.call_failed(turn, call, result)

    def close(self, turn: Turn) -> dict[str, Any]:
        state = food(turn)
        state.store(turn.session)
        return {"pending": state.pending.action if state.pending else None}


def food_conversations(llm: LLM | None, prompts: PromptSet, *, model_intents: bool) -> FoodConversations:
    """The plug-in; the model reads intents when there is one and `model_intents` allows it."""
    rules = RuleIntentClassifier()
    if llm is None or not model_intents:
        return FoodConversations(rules)
    return FoodConversations(LLMIntentClassifier(llm, prompts, fallback=rules))
