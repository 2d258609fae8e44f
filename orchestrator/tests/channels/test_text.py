"""Replies shaped for text-only channels: numbered choices, GSM-7 text, at most 1600 characters a message."""

from __future__ import annotations

from channel_clients import twiml_messages

from orchestrator.api.channels_twilio import render
from orchestrator.channels.text import MAX_MESSAGE_CHARS, pick, plain_sms, segments, split, with_choices
from orchestrator.channels.turns import Turn


def test_choices_are_numbered_and_a_bare_number_picks_one() -> None:
    choices = ["yes", "no", "deliver to my work address"]
    text = with_choices("Place the order?", choices)
    assert text.endswith("Reply 1, 2 or 3:\n1) yes\n2) no\n3) deliver to my work address")
    assert [pick(n, choices) for n in ("1", " 2 ", "#3", "3.")] == [*choices, "deliver to my work address"]
    assert pick("4", choices) == "4" and pick("1 more", choices) == "1 more" and pick("0", choices) == "0"
    assert with_choices("Done.", []) == "Done." and with_choices("Ok?", ["yes"]).endswith("Reply 1:\n1) yes")


def test_typography_is_replaced_so_sms_stays_gsm_7() -> None:
    text = "1. Chana Masala — £10.50 “vegan” ⚠ 2 × naan…"
    assert segments(text)[0] == "UCS-2"
    assert plain_sms(text) == '1. Chana Masala - £10.50 "vegan" ! 2 x naan...'
    assert segments(plain_sms(text)) == ("GSM-7", 1)


def test_segments_count_gsm_7_and_ucs_2_differently() -> None:
    assert segments("a" * 160) == ("GSM-7", 1) and segments("a" * 161) == ("GSM-7", 2)
    assert segments("[" * 80) == ("GSM-7", 1) and segments("[" * 81) == ("GSM-7", 2)  # escaped: 2 units each
    assert segments("ü" * 160) == ("GSM-7", 1)
    assert segments("🍕" * 35) == ("UCS-2", 1) and segments("é😀" + "a" * 69) == ("UCS-2", 2)


def test_long_replies_are_split_at_line_breaks_into_messages_of_1600_characters() -> None:
    lines = [f"{n}. " + "x" * 96 for n in range(1, 41)]  # 40 lines of 99-100 characters
    messages = split("\n".join(lines), max_messages=5)
    assert all(len(m) <= MAX_MESSAGE_CHARS for m in messages) and len(messages) == 3
    assert "\n".join(messages).split("\n") == lines  # nothing lost, no line cut
    assert split("y" * 4000, max_messages=5) == ["y" * 1600, "y" * 1600, "y" * 800]


def test_past_the_message_limit_the_reply_is_cut_with_an_ellipsis() -> None:
    messages = split("z" * 10_000, max_messages=2)
    assert len(messages) == 2 and messages[-1].endswith("...") and len(messages[-1]) <= MAX_MESSAGE_CHARS


def test_a_turn_renders_as_twiml_messages() -> None:
    turn = Turn("Your basket — 2 × pizza.\n" + "p" * 1700, ["checkout"])
    messages = twiml_messages(render(turn, channel="sms", max_messages=3))
    assert messages[:2] == ["Your basket - 2 x pizza.", "p" * 1600]  # a line longer than a message is cut
    assert messages[2] == "p" * 100 + "\n\nReply 1:\n1) checkout"
    assert "—" in twiml_messages(render(turn, channel="whatsapp", max_messages=3))[0]
