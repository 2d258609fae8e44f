"""Intent classification and slot extraction behind one protocol.

`RuleIntentClassifier` is the embedded default: ordered patterns (data, in `INTENT_PATTERNS`)
decide the intent, then the extractors of `food.slots` read the slots a flow may use (dietary
tags, category, price ceiling, quantity, which of the shown items, address label, order id,
preferences…). The LLM classifier (`food.llm_intents`) implements the same `IntentClassifier`
protocol and returns the same `Intent`.
"""

from __future__ import annotations

import re
from typing import Protocol

from rapidfuzz import fuzz, process

from orchestrator.conversation.flows import Intent
from orchestrator.domains.food.slots import extract_slots, normalise
from orchestrator.domains.food.state import ConversationView
from orchestrator.domains.food.vocabulary import CATEGORY_WORDS

INTENTS = (
    "browse_menu",
    "recommend",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "choose_address",
    "checkout",
    "confirm",
    "decline",
    "track_order",
    "order_history",
    "cancel_order",
    "update_preferences",
    "show_profile",
    "help",
)


class IntentClassifier(Protocol):
    name: str

    async def classify(self, message: str, view: ConversationView) -> Intent: ...


YES = r"(yes|yep|yeah|yup|sure|ok|okay|confirm|confirmed|go ahead|do it|place it|please do|correct|absolutely|y)"
NO = r"(no|nope|nah|don'?t|do not|stop|never ?mind|not now|n)"

# Ordered: the first intent with a matching pattern wins. Patterns see the lower-cased message.
INTENT_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("confirm", (rf"^\s*{YES}\b[\s!.,]*(please|thanks|thank you)?[\s!.]*$",)),
    ("decline", (rf"^\s*{NO}\b[\s!.,]*(thanks|thank you)?[\s!.]*$",)),
    ("cancel_order", (r"\bcancel\b.*\border\b", r"\bcancel (it|that|ord-[0-9a-f]+)\b", r"\bcancel my\b")),
    ("track_order", (r"\bwhere('?s| is)\b.*\b(order|food|delivery)\b", r"\btrack", r"\b(order|delivery) status\b",
                     r"\bstatus of my (order|delivery)\b", r"\bwhen will (it|my (order|food))\b", r"\beta\b",
                     r"\bhow long (until|till|will)\b")),
    ("order_history", (r"\b(past|previous|recent|last|old) orders?\b", r"\border history\b",
                       r"\bwhat (did|have) i (order|ordered|eaten|had)\b", r"\bmy orders\b")),
    ("checkout", (r"\bcheck ?out\b", r"\bplace (the|my) order\b", r"\b(i'?m|that'?s) (done|all)\b",
                  r"\bready to (order|pay)\b", r"\bpay now\b", r"\bcomplete (the|my) order\b")),
    ("view_cart", (r"\b(what'?s|show|view|see) (in )?(my|the) (cart|basket|bag)\b", r"^\s*(cart|basket)\s*\??$")),
    ("remove_from_cart", (r"\b(remove|delete|take out|drop)\b", r"\b(empty|clear) (my |the )?(cart|basket)\b")),
    ("choose_address", (r"\bdeliver(y)? (it |them )?(to|at)\b", r"\bsend (it|them) to\b", r"\bship to\b",
                        r"\buse my (home|work|office)\b", r"\b(home|work|office) address\b")),
    ("update_preferences", (r"\bi'?m (now )?(vegan|vegetarian|veggie|coeliac|celiac|allergic|intolerant)\b",
                            r"\bi am (now )?(vegan|vegetarian|veggie|coeliac|celiac|allergic|intolerant)\b",
                            r"\ballergic to\b", r"\b(no longer|not) (vegan|vegetarian|allergic)\b",
                            r"\b(update|change|set|add|remove) (my )?(diet|dietary|preferences?|allerg)",
                            r"\bi (love|like|prefer) \w+ (food|cuisine)\b", r"\bmy favourite cuisines?\b")),
    ("show_profile", (r"\bmy (profile|account|details|addresses|address|preferences|allergies|loyalty|points)\b",
                      r"\bwho am i\b", r"\bloyalty points\b", r"\bwhat do you know about me\b")),
    ("recommend", (r"\brecommend", r"\bsuggest", r"\bwhat should i (eat|have|order|get)\b",
                   r"\b(hungry|surprise me|any ideas)\b", r"\bsomething (for|good|nice|tasty|spicy|light)\b")),
    ("add_to_cart", (r"\b(add|i'?ll (have|take)|i want|i'?d like|get me|order)\b.*"
                     r"\b(one|it|them|that|this|\d+|two|three|first|second|third|last|of)\b",
                     r"^\s*add\b")),
    ("browse_menu", (r"\bmenu\b", r"\b(show|list|see|browse|find|any|have|got)\b.*"
                     r"\b(dishes|food|items|options|" + "|".join(CATEGORY_WORDS) + r")\b",
                     r"\b(" + "|".join(CATEGORY_WORDS) + r")\b.*\b(under|below|less than|cheaper than)\b",
                     r"\bcategories\b")),
    ("help", (r"\b(help|what can you do|how does this work)\b", r"^\s*(hi|hello|hey)\b")),
)  # fmt: skip

# Fallback when no pattern matched: fuzzy match against example utterances.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "browse_menu": ("show me the menu", "vegetarian mains under 15", "what pizzas do you have", "gluten free dishes"),
    "recommend": ("what would you recommend", "what should I eat tonight", "suggest something spicy"),
    "track_order": ("where is my order", "track my delivery", "when will my food arrive"),
    "order_history": ("show my past orders", "what did I order last time"),
    "show_profile": ("show my profile", "what addresses do you have for me"),
    "view_cart": ("what is in my cart",),
}
_FALLBACK_THRESHOLD = 70.0


class RuleIntentClassifier:
    """Patterns first, fuzzy examples second, `help` last; slots read by rules."""

    name = "rules"

    async def classify(self, message: str, view: ConversationView) -> Intent:
        text = normalise(message)
        intent, confidence = _match(text)
        if intent == "confirm" and view.pending is None:
            confidence = 0.6  # a "yes" with nothing to confirm: the flow says so
        return Intent(intent, confidence, extract_slots(text, intent, view))


def _match(text: str) -> tuple[str, float]:
    for intent, patterns in INTENT_PATTERNS:
        if any(re.search(p, text) for p in patterns):
            return intent, 0.9
    choices = {f"{intent}\x1f{example}": example for intent, examples in EXAMPLES.items() for example in examples}
    best = process.extractOne(text, choices, scorer=fuzz.token_set_ratio)
    if best is not None and best[1] >= _FALLBACK_THRESHOLD:
        return best[2].split("\x1f")[0], round(best[1] / 100 * 0.8, 3)
    return "help", 0.3
