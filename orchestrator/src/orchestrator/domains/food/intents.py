"""Intent classification and slot extraction behind one protocol.

`RuleIntentClassifier` is the embedded default. A message is read in four steps, every pattern and
table compiled once at import:

1. **Normalise**: lower case, chat shorthand spelt out ("whats", "pls", "rn"), misspelt key words
   corrected against the reader's own vocabulary (fuzzy, `KEYWORDS`).
2. **Answers to a question asked**: with an action awaiting a yes, a reply made only of yes-words
   (and words naming that action) is `confirm`; of no-words, or a negated action ("don't cancel it"),
   `decline`. A negated write ("don't cancel my order") is never read as that write.
3. **Cues**: each intent has weighted patterns (`CUES`); the facts of the message (is it a question,
   does it name a shown or cart item, a dish, a diet, an allergen, a price) add or veto. A question
   is never read as a write: a diet or allergy asked about the user is `show_profile`, asked about
   food `browse_menu`.
4. **Decide**: the best score wins; too weak, or two readings too close, gives `help` with the two
   or three likeliest readings as `options` (the reply asks which one; the next message answers).

Then the extractors of `food.slots` read the slots a flow may use. The LLM classifier
(`food.llm_intents`) implements the same `IntentClassifier` protocol and returns the same `Intent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from orchestrator.conversation.flows import Intent
from orchestrator.domains.food.cues import ALLERGEN, CART, CUES, DIET
from orchestrator.domains.food.slots import (
    excluded_allergens,
    extract_slots,
    item_words,
    mentions_diet,
    normalise,
    resolve_item,
    search_words,
)
from orchestrator.domains.food.state import ConversationView

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

READINGS: dict[str, str] = {
    "browse_menu": "see the menu",
    "recommend": "get a recommendation",
    "add_to_cart": "add it to your basket",
    "remove_from_cart": "take it out of your basket",
    "view_cart": "see your basket",
    "choose_address": "choose the delivery address",
    "checkout": "check out",
    "track_order": "track your order",
    "order_history": "see your past orders",
    "cancel_order": "cancel an order",
    "update_preferences": "change your diet or allergies",
    "show_profile": "see your profile",
}
"""How a clarifying question names each reading ("Do you want to see the menu or get a recommendation?")."""
DEFAULT_OPTIONS = ("browse_menu", "recommend", "track_order")
"""The readings offered when nothing in the message points anywhere."""


class IntentClassifier(Protocol):
    name: str

    async def classify(self, message: str, view: ConversationView) -> Intent: ...


YES = (
    r"yes|yeah|yep|yup|yah|aye|sure|ok|okay|alright|all right|fine|confirm|confirmed|correct|absolutely|"
    r"definitely|of course|go ahead|go for it|go on|do it|please do|sounds good|perfect|great|lovely|y|"
    r"that's right|that's fine|looks (good|right|fine|correct)( to me)?|lgtm|right|cool|why not|let's do it|proceed"
)
NO = (
    r"no|nope|nah|not yet|not now|not really|never ?mind|forget it|forget that|hold on|hold off|wait|"
    r"stop|n|no way|changed my mind|i've changed my mind|i changed my mind|maybe later|later|leave it|"
    r"don't bother|scrap that|cancel that|keep it|keep|leave|leave it as it is|not (just |quite |right )?(yet|now)|"
    r"hang on|((i'd|i would|we'd) )?rather (not|keep it|leave it|wait|hold off)|better not|not for now|not today|"
    r"not right now|no thanks|no thank you|i'll pass|pass|not anymore|negative|don't think so|i don't think so|"
    r"let me think|give me a (minute|moment|sec|second)|one (sec|second|moment|minute)"
)
_FILLER = r"please|thanks|thank you|cheers|mate|then|so|and|just|now|actually|oh|um|hmm|well|thx|it|that|this"
_ACTION_WORDS: dict[str, str] = {
    "place_order": r"place|order|send|submit|buy|pay|book",
    "cancel_order": r"cancel|cancell?ed|call (it )?off|stop|get it cancell?ed",
    "update_preferences": r"save|update|change|add|remove|set|note|record",
}
"""The words naming each pending action: "yes, place it" confirms an order, not a cancellation."""

_RE_YES = re.compile(rf"\b(?:{YES})\b")
_RE_NO = re.compile(rf"\b(?:{NO})\b")
_RE_NEGATED_WRITE = re.compile(
    r"\b(?:don't|do not|dont|never|no need to|not going to)\s+(?:\w+\s+)?(?:cancel|place|order|save|update|change|"
    r"pay|do (?:it|that)|go ahead|submit|send)\b"
)
_RE_WORDS = re.compile(r"[a-z][a-z'-]*|\d+")
_RE_BARE_ITEM = re.compile(
    r"^\s*(?:(?:and|plus|also|oh and|oh|then)\s+)?(?:a|an|another)\s+(?!bit\b|little\b|lot\b)[a-z][a-z' -]*?"
    r"(?:\s+(?:please|too|as well|thanks|thank you))?[\s.!]*$"
)


def _only(text: str, *alternatives: str) -> bool:
    """Whether `text` is made only of the given phrases (and punctuation)."""
    rest = text
    for phrases in alternatives:
        rest = re.sub(rf"\b(?:{phrases})\b", " ", rest)
    return not re.sub(r"[\s!.,?;:)(-]+", "", rest)


@dataclass(frozen=True)
class Facts:
    """What the message holds, computed once and shared by every cue."""

    text: str
    question: bool
    about_me: bool
    preference_value: bool
    dish_words: bool
    shown_ref: bool
    cart_ref: bool
    negated: bool


_RE_QUESTION = re.compile(
    r"(\?\s*$)|(^|[,.;!?]\s*)(what|which|whats|what's|is|are|am|do|does|did|can|could|would|will|have|has|how|"
    r"where|when|who|why|should|any|anything)\b"
)
_RE_REQUEST = re.compile(
    r"\b(can|could|would|will) you (please )?(add|update|change|set|remove|note|remember|record|put|take|mark|save)\b"
)
_RE_ABOUT_ME = re.compile(
    r"\b(am i|do you have me|have you got me|have i got|is my|are my|what are my|what's my|what is my|do i have|"
    r"did i (set|say|tell)|have i (set|said|told)|registered|on file|on record|down as|recorded|listed as|"
    r"marked as|saved as|in my profile|on my profile|my (allergies|preferences|diet|profile)|"
    r"(do|did) you (know|remember|have it|realise|realize)( that)? (i|i'm|i am|i've|my)|"
    r"(saved|stored|kept|recorded|noted|got) (for|about|on) me)\b"
)
_RE_REFERENCE = re.compile(
    r"\b(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th|(number|no\.?|#) ?\d{1,2}|that one|this one|"
    r"the one|it|them|that(?!')|those)\b"
)
_RE_STATEMENT_ABOUT_ME = re.compile(
    r"^((it )?turns out|so|actually|just so you know|fyi|oh)?,? ?(i'm|i am|i eat|i only|i've|i have|i'll|i no longer|"
    r"i never|i now)\b"
)
_RE_CHANGE_OF_MIND = re.compile(
    r"^\s*((actually|oh|um|hmm|ok|okay|wait|sorry|so|and),? )*(no|not|none of|skip|without|forget|leave out)\b|"
    r"\b(after all|changed my mind|change of plan|"
    r"rethink|second thoughts|gone off|don't fancy|not (fussed|bothered) (about|with)|(won't|don't) need)\b"
)
_RE_PREFERENCE_VALUE = re.compile(rf"\b({DIET}|{ALLERGEN}|meat)\b")

_RE_LEADING_NO = re.compile(r"\s*(no|nope|nah|not yet)\b\s*[,.!-]")
_CLARIFY_BELOW = 2.0
_CLOSE_GAP = 0.5


class RuleIntentClassifier:
    """Normalise, answer a pending question, score the cues, decide (see the module docstring)."""

    name = "rules"

    async def classify(self, message: str, view: ConversationView) -> Intent:
        text = normalise(message)
        intent, confidence, options = read_intent(text, view)
        slots = extract_slots(text, intent, view)
        if options:  # the slots each reading would use, so the answer to the question can act on them
            for option in reversed(options):
                slots |= extract_slots(text, option, view)
            slots["options"] = list(options)
        return Intent(intent, confidence, slots)


def read_intent(text: str, view: ConversationView) -> tuple[str, float, tuple[str, ...]]:
    """The intent of a normalised message, how sure, and the readings to offer when unsure."""
    answer = _answer(text, view)
    if answer is not None:
        return answer
    scores = score(text, view)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (best, top), (second, runner_up) = ranked[0], ranked[1]
    if view.pending and top < _CLARIFY_BELOW and _RE_LEADING_NO.match(text):
        return "decline", 0.8, ()  # "no, I need to change something first": a no, and nothing else recognisable
    if top < _CLARIFY_BELOW:
        likely = tuple(i for i, s in ranked[:3] if s > 0 and i != "help" and i in READINGS)
        return "help", 0.3, likely if len(likely) >= 2 else DEFAULT_OPTIONS
    if best != "help" and second != "help" and top - runner_up < _CLOSE_GAP and top < 4.0:
        return "help", 0.4, (best, second)
    return best, round(min(0.95, 0.55 + top / 10), 3), ()


def _answer(text: str, view: ConversationView) -> tuple[str, float, tuple[str, ...]] | None:
    """`confirm` or `decline` when the message only says yes or no (or refuses a write)."""
    pending = view.pending
    action = _ACTION_WORDS.get(pending or "", "")
    yes_words = f"{YES}|{_FILLER}" + (f"|{action}|the order|my order|the changes?|my profile" if action else "")
    if _RE_YES.search(text) and _only(text, yes_words) and not _RE_NEGATED_WRITE.search(text):
        return "confirm", 0.9 if pending else 0.6, ()
    if _RE_NEGATED_WRITE.search(text) and (pending or not _RE_ABOUT_ME.search(text)):
        return "decline", 0.85, ()
    no_words = f"{NO}|{_FILLER}|don't|do not|i don't want to|don't do it|not sure|sorry|wrong|thats wrong|i want to|i'd"
    if action:  # "no, keep the order": the words naming the action awaiting the answer
        no_words += f"|{action}|the order|my order|the changes?|my profile|as it is|as is|for now|yet|alone|unchanged"
    if _RE_NO.search(text) and _only(text, no_words):
        return "decline", 0.9 if pending else 0.7, ()
    if pending not in (None, "cancel_order") and re.fullmatch(r"\s*(cancel|stop|abort)( it| that)?[\s.!]*", text):
        return "decline", 0.8, ()  # "cancel" while an order or a change awaits a yes: do not make it
    return None


def facts(text: str, view: ConversationView) -> Facts:
    """The facts of a message every cue may use, computed once."""
    question = bool(_RE_QUESTION.search(text)) and not _RE_REQUEST.search(text)
    leftover = search_words(text)
    return Facts(
        text=text,
        question=question,
        about_me=bool(_RE_ABOUT_ME.search(text)),
        preference_value=bool(_RE_PREFERENCE_VALUE.search(text)) or mentions_diet(text),
        dish_words=bool(leftover and item_words(leftover)),
        shown_ref=bool(view.shown_items)
        and (resolve_item(text, view.shown_items) is not None or bool(_RE_REFERENCE.search(text))),
        cart_ref=bool(view.cart_items) and resolve_item(text, view.cart_items) is not None,
        negated=bool(re.search(r"\b(don't|do not|not|no longer|never)\b", text)),
    )


def score(text: str, view: ConversationView) -> dict[str, float]:
    """Each intent's score for the message: its cues, then what the facts add or veto."""
    f = facts(text, view)
    scores = {intent: sum(w for pattern, w in cues if pattern.search(text)) for intent, cues in CUES.items()}
    scores |= {"confirm": 0.0, "decline": 0.0}
    stripped = re.sub(rf"^\s*(?:{YES})\b[\s,.!]*", "", text)
    if stripped != text and stripped:  # "yeah go on, the pepperoni one": read what follows the yes
        return score(stripped, view)
    _adjust(scores, f, view)
    return scores


def _adjust(scores: dict[str, float], f: Facts, view: ConversationView) -> None:
    text = f.text
    # A write is never read out of a question: asked about the user it is the profile, else the menu.
    if scores["update_preferences"] > 0:
        if f.question:
            if f.about_me:
                scores["show_profile"] += scores["update_preferences"]
            else:
                scores["browse_menu"] += 2.0 + (1.0 if excluded_allergens(text) else 0.0)
            scores["update_preferences"] = 0.0
        elif not f.preference_value and not re.search(
            r"\b(cuisines?|food|dishes|preferences?|diet|favourites?)\b", text
        ):
            scores["update_preferences"] /= 2
        elif scores["add_to_cart"] and re.search(r"\b(allerg\w*|diet|preferences?|profile)\b", text):
            scores["add_to_cart"] = 0.0  # "add sesame to my allergies"
    if not f.question and f.preference_value and _RE_STATEMENT_ABOUT_ME.search(text):
        scores["update_preferences"] += 1.0  # a statement about oneself
    if f.question and f.about_me and f.preference_value:
        scores["show_profile"] += 2.0
    if f.question and scores["show_profile"] and re.search(r"\b(me|my|i)\b", text):
        scores["show_profile"] += 1.0
    # The menu: filters said are a request to browse, unless something more specific is asked.
    filters = sum(
        bool(x)
        for x in (
            re.search(rf"\b({DIET})\b", text),
            excluded_allergens(text),
            re.search(r"\b(under|below|less than|cheaper than|at most|up to|no more than)\b.*\d|tenner|fiver", text),
            re.search(r"\b(italian|indian|thai|mexican|japanese|british|american|mediterranean|chinese|"
                      r"middle[- ]eastern|curry|curries|spicy)\b", text),
        )
    )  # fmt: skip
    scores["browse_menu"] += 1.5 * filters
    if f.question and f.about_me and scores["choose_address"]:  # "is my home address saved?"
        scores["show_profile"] += scores["choose_address"]
        scores["choose_address"] = 0.0
    # The basket: an item in it named with a verb that takes away is a removal.
    if f.cart_ref and scores["remove_from_cart"]:
        scores["remove_from_cart"] += 2.0
        scores["cancel_order"] = min(scores["cancel_order"], 1.0)
    if f.cart_ref and re.search(r"\b(don't|do not) want\b", text):
        scores["remove_from_cart"] += 2.0
    if f.cart_ref and not f.question and _RE_CHANGE_OF_MIND.search(text):
        scores["remove_from_cart"] += 3.5  # "no fries after all", "I've gone off the curry": a basket item unwanted
    if scores["remove_from_cart"] and not view.cart_items and scores["cancel_order"] >= 3:
        scores["remove_from_cart"] = 0.0
    # Adding: something specific (a shown item, a dish named, an id) is needed; else it is browsing.
    specific = f.shown_ref or f.dish_words or bool(re.search(r"\bm[- ]?\d{1,3}\b", text))
    if scores["add_to_cart"]:
        if not specific and scores["browse_menu"] >= 2:
            scores["browse_menu"] += scores["add_to_cart"]
            scores["add_to_cart"] = 0.0
        elif specific:
            scores["add_to_cart"] += 1.5
    elif f.shown_ref and not f.question and max(scores.values()) < 3:
        scores["add_to_cart"] += 3.0  # "number 2 please", "the pepperoni one"
    elif f.dish_words and not f.question and max(scores.values()) < 3 and _RE_BARE_ITEM.match(text):
        scores["add_to_cart"] += 3.0  # "and a mango lassi please": an item said on its own, in a food chat
    if not view.cart_items and f.shown_ref and re.search(r"\b(order|buy|get) (it|this|that|them|these|those)\b", text):
        scores["add_to_cart"] += scores["checkout"]  # nothing to check out: "order it" is the item shown
        scores["checkout"] = 0.0
    if f.question and (f.dish_words or f.shown_ref) and max(scores.values()) < _CLARIFY_BELOW:
        scores["browse_menu"] += 2.0  # a question naming a dish, and nothing else: about the menu
    if f.dish_words and scores["browse_menu"] >= 1 and scores["add_to_cart"] < 3:
        scores["browse_menu"] += 1.5  # a dish named with "dishes", "any", "how much": a search
    if f.question and re.search(r"\bwhat (have|did) i (put|add|added|pick|picked|choose|chose)\b", text):
        scores["add_to_cart"] = 0.0  # "what did I put in the basket": asked about it, nothing added
    # A negated write is never that write.
    if re.search(r"\b(don't|do not|never)\s+(\w+\s+)?cancel\b", text):
        scores["cancel_order"] = 0.0
    if (
        scores["view_cart"]
        and not f.question
        and re.search(rf"\b(in|on) (my|the) {CART}\b", text)
        and scores["add_to_cart"] >= 3
    ):
        scores["view_cart"] = 0.0
    if scores["order_history"] and re.search(rf"\b(so far|in (my|the) {CART})\b", text):
        scores["order_history"] -= 2.0
    if scores["order_history"] and scores["track_order"] and re.search(r"\b(last|latest|past|previous)\b", text):
        scores["track_order"] -= 1.0


def resolve_choice(message: str, options: tuple[str, ...] | list[str]) -> str | None:
    """Which of the readings offered a reply picks: "1", "the first", "the menu", or the reading's words."""
    text = normalise(message).strip(" .!?")
    if not options:
        return None
    ordinal = re.fullmatch(
        r"(?:the |option |number |no\.? |#)?(\d|first|second|third|1st|2nd|3rd|one|two|three|last)"
        r"(?: one| option| please)*",
        text,
    )
    if ordinal:
        position = {"first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3,
                    "three": 3, "last": len(options)}  # fmt: skip
        index = (int(ordinal.group(1)) if ordinal.group(1).isdigit() else position[ordinal.group(1)]) - 1
        return options[index] if 0 <= index < len(options) else None
    if len(options) == 1 and _RE_YES.search(text) and _only(text, f"{YES}|{_FILLER}"):
        return options[0]
    words = set(_RE_WORDS.findall(text)) - {"the", "a", "an", "my", "your", "to", "it", "i", "want", "please", "see"}
    matched = [o for o in options if words & set(_RE_WORDS.findall(READINGS.get(o, o.replace("_", " "))))]
    if len(matched) == 1:
        return matched[0]
    scored = {o: score(text, ConversationView()).get(o, 0.0) for o in options}
    best = max(scored, key=lambda o: scored[o])
    return best if scored[best] >= _CLARIFY_BELOW else None
