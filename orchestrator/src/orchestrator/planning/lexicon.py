"""The planner's general vocabulary: word analysis, a small synonym lexicon, food words, numbers.

Nothing here names a tool: synonyms expand a question's words into the words tools use to describe
themselves ("bill" → "invoice", "get here" → "arrive deliver track"), so any catalog, third-party
tools included, benefits. Everything is plain data and pure functions; the retriever analyses each
tool once per catalog listing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Sequence

from mcp_common.food import ALLERGEN_ALIASES, CUISINES, DIETARY_TAG_ALIASES
from orchestrator.planning.food_words import FOOD_WORDS as FOOD_WORDS
from orchestrator.planning.phrases import SYNONYMS

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "all",
        "am",
        "an",
        "and",
        "any",
        "anything",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "get",
        "got",
        "give",
        "go",
        "goes",
        "going",
        "went",
        "had",
        "has",
        "have",
        "i",
        "i'd",
        "i'm",
        "i've",
        "im",
        "is",
        "it",
        "it's",
        "its",
        "just",
        "know",
        "let",
        "me",
        "mine",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "pls",
        "plz",
        "show",
        "list",
        "tell",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "this",
        "those",
        "to",
        "u",
        "us",
        "was",
        "we",
        "were",
        "what",
        "whats",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "ya",
        "yall",
        "yous",
        "some",
        "much",
        "many",
        "right",
        "now",
        "currently",
        "really",
        "nearly",
        "almost",
        "still",
        "also",
        "could",
        "should",
        "need",
        "want",
        "wanna",
        "gonna",
        "like",
        "if",
        "then",
        "than",
        "so",
        "any",
        "one",
        "ones",
        "thing",
        "things",
        "stuff",
    ]
)
"""Words that never decide a tool (wh-words stay: "where", "when", "who" tell tracking from history)."""

_WORD = re.compile(r"[a-z0-9£$€]+(?:'[a-z]+)?")
_CONTRACTIONS = {"can't": "can not", "won't": "will not", "n't": " not", "'ve": "", "'re": "", "'ll": "", "'d": ""}


# Negated contractions typed without the apostrophe ("havent", "dont"): read as with it.
_BARE_CONTRACTIONS = {
    f"{head}nt": [head, "not"]
    for head in ("have", "has", "had", "do", "does", "did", "is", "are", "was", "were", "should", "could", "would")
} | {"cant": ["can", "not"], "wont": ["will", "not"], "aint": ["is", "not"]}


def words(text: str) -> list[str]:
    """Lower-case words of `text` (apostrophes of "what's" dropped, "can't" and "cant" read as "can not")."""
    lowered = text.lower().replace("’", "'")
    for contraction, plain in _CONTRACTIONS.items():
        lowered = lowered.replace(contraction, plain)
    plain_words = [w.replace("'s", "").replace("'", "") for w in _WORD.findall(lowered)]
    if not any(w in _BARE_CONTRACTIONS for w in plain_words):
        return plain_words
    return [part for w in plain_words for part in _BARE_CONTRACTIONS.get(w, [w])]


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: the same stem for "invoice", "invoices", "invoiced", "invoicing"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("eed"):
            word = word[: -len(suffix)]
            if (len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz") or (
                len(word) > 5 and word[-1] == word[-2] == "l"
            ):
                word = word[:-1]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def analyse(text: str) -> list[str]:
    """Stems of the content words of `text` (stopwords dropped)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "a couple of": 2, "a couple": 2,
    "couple of": 2, "a pair of": 2, "a few": 3, "a dozen": 12, "half a dozen": 6, "a single": 1, "a": 1, "an": 1,
}  # fmt: skip
"""Spoken quantities; "a"/"an" count only directly before a dish."""

MONEY_WORDS: dict[str, float] = {"a tenner": 10, "tenner": 10, "a fiver": 5, "fiver": 5, "a score": 20}

NEGATIONS = ("without", "no", "not", "free of", "nothing with", "can not have", "cannot have", "allergic to",
             "avoid", "avoiding", "except", "minus", "hold the", "skip the", "excluding", "exclude")  # fmt: skip

RECORD_NOUNS = frozenset(
    {"ticket", "tickets", "complaint", "complaints", "problem", "problems", "issue", "issues", "query", "queries",
     "case", "cases", "request", "requests", "report", "reports", "message", "messages", "email", "emails",
     "note", "notes", "call", "calls", "chat", "conversation", "question", "questions"}
)  # fmt: skip
"""Records that are about something ("a ticket about my login"): what follows "about" describes them."""


def topic_words(plain: Sequence[str]) -> frozenset[str]:
    """Words naming what a record is about ("the ticket about my login problem"): they describe the ticket,
    the thing asked for, not a thing of their own."""
    for n, word in enumerate(plain[1:-1], start=1):
        if word in _ABOUT and plain[n - 1] in RECORD_NOUNS:
            topic: list[str] = []
            for following in plain[n + 1 :]:
                if following in _TOPIC_ENDS:  # "… about my login problem get resolved": the question goes on
                    break
                topic.append(following)
            return frozenset(w for w in topic if w not in STOPWORDS)
    return frozenset()


_ABOUT = frozenset({"about", "regarding", "concerning", "re"})
_TOPIC_ENDS = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "get", "got", "gets", "has", "have", "had", "still", "yet",
     "and", "or", "but", "that", "which", "who", "when", "if", "so", "ever", "now", "did", "do", "does", "will"}
)  # fmt: skip


WRITE_VERBS = frozenset(
    [
        "reset",
        "change",
        "update",
        "cancel",
        "delete",
        "remove",
        "add",
        "set",
        "create",
        "place",
        "edit",
        "modify",
        "book",
        "send",
        "make",
        "rename",
        "switch",
        "mark",
        "refund",
        "upgrade",
        "downgrade",
        "pause",
        "resume",
        "unsubscribe",
        "take",
        "write",
        "compose",
        "turn",
        "put",
        "reopen",
        "repeat",
        "enable",
        "disable",
        "submit",
        "close",
    ]
)
"""Imperatives that ask for a change; a one-shot question only reads."""

CUISINE_WORDS = frozenset(c.replace("-", " ") for c in CUISINES)


def value_aliases() -> dict[str, str]:
    """Everyday words for enum values (diets, allergens, menu sections), lower-case → value."""
    aliases: dict[str, str] = dict(DIETARY_TAG_ALIASES) | dict(ALLERGEN_ALIASES)
    aliases |= {
        "vegetarian": "vegetarian", "veggie": "vegetarian", "meat free": "vegetarian", "meat-free": "vegetarian",
        "plant based": "vegan", "plant-based": "vegan", "no dairy": "dairy-free", "nuts": "tree-nuts",
        "nut": "tree-nuts", "pudding": "desserts", "puddings": "desserts", "dessert": "desserts",
        "sweet": "desserts", "sweets": "desserts", "burger": "burgers", "salad": "salads", "drink": "drinks",
        "starter": "starters", "appetiser": "starters", "appetizer": "starters", "appetisers": "starters",
        "appetizers": "starters", "entree": "mains", "entrees": "mains", "main": "mains",
        "main course": "mains", "mains": "mains", "side": "sides", "pizzas": "pizza", "prawn": "shellfish",
        "shrimp": "shellfish", "seafood": "shellfish", "milk": "milk", "eggs": "eggs", "egg": "eggs",
    }  # fmt: skip
    return aliases


def synonyms() -> dict[tuple[str, ...], list[str]]:
    """The synonym lexicon as stemmed phrases → stemmed expansion words."""
    return _synonyms()


def _inside(plain: Sequence[str], phrases: Container[tuple[str, ...]]) -> set[int]:
    """Positions of the words of `plain` inside an occurrence of one of `phrases` (two to four words)."""
    return {
        n
        for start in range(len(plain))
        for end in range(start + 2, min(len(plain), start + 4) + 1)
        if tuple(plain[start:end]) in phrases
        for n in range(start, end)
    }


def phrase_words(plain: Sequence[str]) -> frozenset[str]:
    """The words of `plain` inside a phrase of two to four words the synonym lexicon reads."""
    return frozenset(plain[n] for n in _inside(plain, _synonyms()))


FILLERS = frozenset({("on", "file"), ("on", "record"), ("in", "your", "system"), ("in", "the", "system")})
"""Phrases that say a thing is stored, not which thing: "what diet have you got me on file as"."""


def content_words(plain: Sequence[str]) -> list[str]:
    """`plain` without stopwords and without the words of a filler phrase (`FILLERS`)."""
    filler = _inside(plain, FILLERS)
    return [w for n, w in enumerate(plain) if n not in filler and w not in STOPWORDS]


@functools.cache
def synonym_words() -> tuple[str, ...]:
    """The one-word phrases of the synonym lexicon (five letters or more): what a misspelling may be read as."""
    return tuple(sorted(key[0] for key in _synonyms() if len(key) == 1 and len(key[0]) >= 5))


# Spelling variants and short forms any English speaker uses (American spellings, clipped words, phrasal verbs).
VARIANTS: dict[str, str] = {
    "favorite": "favourite", "favorites": "favourite", "fave": "favourite", "faves": "favourite",
    "fav": "favourite", "favs": "favourite", "call off": "cancel", "called off": "cancel",
    "canceled": "cancel", "catalog": "catalogue", "color": "colour",
}  # fmt: skip


@functools.cache
def _synonyms() -> dict[tuple[str, ...], list[str]]:
    table: dict[tuple[str, ...], list[str]] = {}
    for phrase, expansion in [*SYNONYMS.items(), *VARIANTS.items()]:
        key = tuple(words(phrase))
        table.setdefault(key, []).extend(stem(w) for w in words(expansion))
    return table
