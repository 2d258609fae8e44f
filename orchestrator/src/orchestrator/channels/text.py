"""Replies for text-only channels (SMS, WhatsApp): numbered choices, GSM-7 friendly text, length limits.

SMS is billed per segment: a GSM-7 message holds 160 characters (153 per segment once split), but a
single character outside GSM-7 (an em dash, a curly quote, an emoji) turns the whole message into
UCS-2, 70 characters (67 per segment). `plain_sms` replaces the typographic characters the replies
use by their GSM-7 look-alikes; `segments` says what a text will cost. Twilio accepts at most 1600
characters per message: `split` cuts longer replies into several messages at line breaks.
"""

from __future__ import annotations

import math
import re

MAX_MESSAGE_CHARS = 1600

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"
_LOOK_ALIKES = str.maketrans(
    {
        "—": "-",
        "–": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "×": "x",
        "•": "*",
        "⚠": "!",
        "\u00a0": " ",
    }
)
_NUMBER = re.compile(r"^\s*#?(\d{1,2})[.)]?\s*$")


def with_choices(reply: str, choices: list[str]) -> str:
    """The reply followed by its numbered choices ("Reply 1, 2 or 3"), in place of buttons."""
    if not choices:
        return reply
    numbers = [str(n) for n in range(1, len(choices) + 1)]
    head = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} or {numbers[-1]}"
    lines = [f"{n}) {choice}" for n, choice in zip(numbers, choices, strict=True)]
    return f"{reply}\n\nReply {head}:\n" + "\n".join(lines)


def pick(text: str, choices: list[str]) -> str:
    """A bare number picks that choice of the previous reply; any other text is itself."""
    match = _NUMBER.match(text)
    if match and 1 <= (n := int(match.group(1))) <= len(choices):
        return choices[n - 1]
    return text


def plain_sms(text: str) -> str:
    """`text` with typographic characters replaced by GSM-7 ones (emoji and other scripts are kept)."""
    return text.translate(_LOOK_ALIKES)


def segments(text: str) -> tuple[str, int]:
    """The encoding SMS will use (`GSM-7` or `UCS-2`) and how many segments `text` takes."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        return "GSM-7", 1 if units <= 160 else math.ceil(units / 153)
    units = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= 70 else math.ceil(units / 67)


def split(text: str, *, limit: int = MAX_MESSAGE_CHARS, max_messages: int = 3) -> list[str]:
    """`text` as messages of at most `limit` characters, cut at line breaks where possible; past
    `max_messages` the last one ends with "…"."""
    messages: list[str] = []
    current = ""
    for line in _pieces(text, limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        messages.append(current)
        current = line
    if current or not messages:
        messages.append(current)
    if len(messages) > max_messages:
        messages = messages[:max_messages]
        messages[-1] = messages[-1][: limit - 3].rstrip() + "..."
    return messages


def _pieces(text: str, limit: int) -> list[str]:
    """The lines of `text`, a line longer than `limit` cut into `limit`-sized pieces."""
    return [line[i : i + limit] or "" for line in text.split("\n") for i in range(0, max(len(line), 1), limit)]
