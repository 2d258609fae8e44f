"""The verbs a catalog's writing tools are asked with: a one-shot question that opens with one asks for a change.

Read from the catalog, not from a word list: the first word of each writing tool's name ("cancel",
"create") and the verb each of its declared examples opens with ("order a paneer tikka …", "save a new
home address …"), minus every verb a reading tool's examples open with ("show", "track", "check") and
the words that never decide a tool ("get", "give"). A verb learnt this way counts only with an object
after it ("order a pizza", "save my address"): "order history?" names a thing, it asks for no change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from orchestrator.planning import lexicon
from orchestrator.tools.catalog import CatalogTool

_POLITE = re.compile(
    r"^\s*(?:(?:please|pls|kindly|can you|could you|would you|will you|can i|could i|may i|i want to|i'd like to|"
    r"id like to|i would like to|i need to|i have to|i'd love to|i wanna|help me|hi|hello|hey|ok|okay|right|so|oh)"
    r"[,.!]*\s+(?:please\s+)?)*",
    re.IGNORECASE,
)
OBJECT_MARKERS = frozenset(
    {"a", "an", "the", "me", "my", "our", "some", "another", "it", "this", "that", "these", "those", "them", "one"}
)
"""Words that open a verb's object: the verb is used as a verb."""


_WISH = re.compile(
    r"^\s*(?:please\s+)?(?:i'?d like|i would like|i want|i need|i'?d love|can you get|could you get|please get)\s+"
    r"(?!to\b)(?P<object>(?:(?!\b(?:what|which|when|where|whether|if|how|why)\b)[^?])*?)\s*"
    r"\b(?:changed|updated|cancell?ed|removed|deleted|added|saved|reset|switched|renamed|refunded|upgraded|"
    r"downgraded|paused|resumed|turned (?:off|on)|taken off|put on)\b",
    re.IGNORECASE,
)
"""A change asked for as a wish, the thing before its participle: "I'd like mexican saved as a favourite",
"I want my address updated" (not "I want to know what changed")."""


def opening_verb(text: str) -> tuple[str, str]:
    """The first word of `text` after any polite opening ("could you please …"), and the word after it."""
    found = lexicon.words(_POLITE.sub("", text, count=1))
    return (found[0] if found else "", found[1] if len(found) > 1 else "")


def learnt_verbs(tools: Sequence[CatalogTool]) -> frozenset[str]:
    """Verbs only the writing tools of `tools` are asked with (see the module docstring); computed once
    per catalog listing."""
    key = tuple(id(t) for t in tools)
    known = _learnt.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], tools, strict=True)):
        return known[1]
    verbs = _verbs(tools)
    _learnt[key] = (tuple(tools), verbs)
    while len(_learnt) > LISTINGS_KEPT:
        del _learnt[next(iter(_learnt))]
    return verbs


_learnt: dict[tuple[int, ...], tuple[tuple[CatalogTool, ...], frozenset[str]]] = {}
LISTINGS_KEPT = 8


def _verbs(tools: Sequence[CatalogTool]) -> frozenset[str]:
    writing: set[str] = set()
    reading: set[str] = set()
    for tool in tools:
        openers = {opening_verb(example)[0] for example in tool.info.examples}
        if tool.info.writes:
            writing |= openers | {tool.info.name.split("_")[0].lower()}
        else:
            reading |= openers
    return frozenset(w for w in writing - reading if w.isalpha() and w not in lexicon.STOPWORDS)


_READING_PARTICLES = {"add": frozenset({"up"})}
"""A change verb that reads with this particle after it: "add up" sums."""


def asks_for_a_change(clause: str, learnt: frozenset[str] = frozenset()) -> bool:
    """Whether the clause opens by asking for a change: a general change verb ("cancel", "reset"), a verb
    the catalog's writing tools are asked with followed by its object, or a wish ("I want it cancelled")."""
    verb, following = opening_verb(clause)
    if following in _READING_PARTICLES.get(verb, ()):
        return False  # "add up everything I've paid": a sum, not an addition
    if verb in lexicon.WRITE_VERBS or _WISH.match(clause):
        return True
    return verb in learnt and (following in OBJECT_MARKERS or following.isdigit() or following in lexicon.NUMBER_WORDS)
