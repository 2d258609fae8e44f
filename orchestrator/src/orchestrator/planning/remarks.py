"""Remarks: the parts of a question that tell the planner something instead of asking it something.

"any soy-free mains? my partner is allergic to it", "before I order, what's the delivery fee on one
lassi", "I'm bored of my usual, what else might I like": the second, first and first parts set the scene
for the question beside them. Planned on their own they add a tool nobody asked for (the profile, the
order history). A part is a remark when it opens as a statement or a subordinate clause and was not
itself asked (no question mark after it in the question). The rule planner plans remarks only when the
rest of the question has no confident reading: "my order never arrived, can you check" is then read
from its remark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SUBORDINATE = re.compile(
    r"^(?:before|since|because|cause|cos|now that|after|while|although|though|seeing as|given that|as)\s+"
    r"(?:i|im|i'm|ive|i've|we|my|our|it|its|it's|the|you|youve|you've)\b",
    re.IGNORECASE,
)
"""A subordinate clause about the speaker or the thing asked about: "before I order", "since my move"."""

_SPEAKER = re.compile(
    r"^(?:i|we)(?:'m|m|\s+am|\s+are|'ve|ve|\s+have|\s+had|\s+was|\s+were|\s+moved|\s+upgraded|\s+changed|"
    r"\s+switched|\s+got|\s+keep|\s+just|\s+already|\s+never|\s+always|\s+usually)\b",
    re.IGNORECASE,
)
"""The speaker saying something about themselves: "I'm bored of my usual", "I moved flat in the summer"."""

_THING = re.compile(
    r"^(?:my|our|the)\s+(?:(?!(?:that|which|who|whose|with|without)\b)[a-z'-]+\s+){1,3}?"
    r"(?:is|are|was|were|has|have|had|runs|expires|reacts|never|keeps|said|says|hates|loves|looks|seems|went|"
    r"got|can't|cant|cannot|doesn't|doesnt|don't|dont|won't|wont|didn't|didnt|isn't|isnt|hasn't|hasnt|haven't|"
    r"havent|wasn't|wasnt|aren't|arent|weren't|werent)\b",
    re.IGNORECASE,
)
"""Something stated about a person or thing: "my partner is allergic to it", "the link never arrived" (not a
thing described: "the drinks that are dairy-free")."""

_WISH = re.compile(
    r"^(?:i|we)(?:\s+(?:just|really|also|only|still|actually|now|then|kind of|sort of))?\s*(?:'d|d|\s+would|"
    r"\s+want|\s+wanna|\s+need|\s+wonder|\s+was wondering|(?:'m|m|\s+am|'re|\s+are)\s+(?:after|looking|hoping|"
    r"wondering|trying|keen|interested|curious|thinking|planning|craving|in the mood|up for|fancying))\b",
    re.IGNORECASE,
)
"""A request in the speaker's words: "I'd like …", "I just want …", "I'm after a vegetarian dinner idea"."""
_ASKED_WITHIN = re.compile(r"\b(?:what|which|when|where|how|why|who|whether|if|can you|could you)\b", re.IGNORECASE)


def is_remark(clause: str, question: str) -> bool:
    """Whether `clause` (a part of `question` as `split_clauses` cut it) states rather than asks."""
    text = clause.strip()
    if _WISH.match(text) or _ASKED_WITHIN.search(text) or _asked(text, question):
        return False  # "I'd like my invoices", "I was wondering when it comes", "my order is late?"
    return bool(_SUBORDINATE.match(text) or _SPEAKER.match(text) or _THING.match(text))


_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|them|they|those|these)\b|(?:\b(?:what's|whats|what is) (?:going on|happening|up)|"
    r"\bwhat (?:happened|went wrong)|\bany (?:news|update|updates|idea)|\bcan you (?:check|look)|\bplease check)"
    r"(?:\s+(?:now|then|here|there|please))?\W*$",
    re.IGNORECASE,
)
"""A part about what was just said: a pronoun, or a follow-up that names nothing ("what's going on", "any
news"; not "what's going on with my food")."""


def remarks_among(parts: Sequence[str], question: str) -> list[bool]:
    """Which of the question's parts are remarks. A remark the next part points back at ("my debit card
    runs till 09/27, is that the one you've got saved", "I've been charged twice, what's going on") is
    what that part asks about: it is not one."""
    if len(parts) < 2:
        return [False] * len(parts)
    return [
        is_remark(part, question) and not (i + 1 < len(parts) and _POINTS_BACK.search(parts[i + 1]))
        for i, part in enumerate(parts)
    ]


def _asked(clause: str, question: str) -> bool:
    """A question mark follows the clause in the question."""
    at = question.find(clause)
    if at < 0:
        return False
    rest = question[at + len(clause) :].lstrip()
    return rest.startswith("?")
