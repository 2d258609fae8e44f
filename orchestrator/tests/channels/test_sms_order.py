"""A whole food order over SMS, signed by Twilio's own helper, against the real food services."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from channel_clients import Phone, link_code, order_count, twiml_messages
from channel_stack import orchestrator
from metrics_scrape import get_metrics, samples

from orchestrator.channels.text import segments


def choice_number(reply: str, choice: str) -> str:
    """The number the reply offers for `choice` ("Reply 1, 2 or 3:" then "1) yes" …)."""
    match = re.search(rf"^(\d+)\) {re.escape(choice)}$", reply, re.M)
    assert match, reply
    return match.group(1)


def test_a_whole_food_order_over_sms(orch: str, food: dict[str, str]) -> None:
    phone = Phone(orch, "+447700900001")
    before = order_count(food, "ada@example.com")

    linked = phone.say(f"link {link_code(orch, 'ada@example.com')}")
    assert "Linked to a***@example.com" in linked

    shown = phone.say("show me vegetarian mains under 15")
    assert re.search(r"^1\. .+ - £\d+\.\d\d", shown, re.M), shown  # the numbered dishes, GSM-7 dash
    assert "Reply 1, 2 or 3:" in shown
    assert segments(shown)[0] == "GSM-7"

    added = phone.say("add two of the first one")
    assert "2 x" in added or "2 ×" in added or "two" in added.lower(), added
    assert "work" in phone.say("deliver to my work address").lower()

    summary = phone.say("checkout")
    assert "yes" in summary.lower() and "£" in summary
    assert order_count(food, "ada@example.com") == before  # nothing placed without a yes

    placed = phone.say(choice_number(summary, "yes"))  # a bare number picks that choice
    assert order_count(food, "ada@example.com") == before + 1
    order_id = re.search(r"\b(ord[-_][A-Za-z0-9-]+)", placed)
    assert order_id, placed

    tracking = phone.say("where is my order?")
    assert order_id.group(1) in tracking and "Timeline" in tracking


def test_the_same_message_sid_five_times_is_one_turn_and_one_order(orch: str, food: dict[str, str]) -> None:
    phone = Phone(orch, "+447700900002")
    email = "grace@example.com"
    phone.say(f"link {link_code(orch, email)}")
    phone.say("show me vegetarian mains")
    phone.say("add the first one")
    phone.say("checkout")
    before = order_count(food, email)

    params = phone.params("yes")
    replies = [phone.post(params) for _ in range(5)]

    assert [r.status_code for r in replies] == [200] * 5
    assert len({r.text for r in replies}) == 1  # Twilio's retries get the stored TwiML
    assert "placed" in " ".join(twiml_messages(replies[0].text)).lower()
    assert order_count(food, email) == before + 1


def test_concurrent_deliveries_of_one_message_sid_make_one_order(orch: str, food: dict[str, str]) -> None:
    phone = Phone(orch, "+447700900003")
    email = "linus@example.com"
    phone.say(f"link {link_code(orch, email)}")
    phone.say("show me desserts")
    phone.say("add the first one")
    phone.say("checkout")
    before = order_count(food, email)

    params = phone.params("yes")
    with ThreadPoolExecutor(5) as pool:
        replies = list(pool.map(lambda _: phone.post(params), range(5)))

    assert {r.status_code for r in replies} <= {200, 409}
    assert all(r.json()["error"]["code"] == "CONFLICT" for r in replies if r.status_code == 409)
    assert len({r.text for r in replies if r.status_code == 200}) == 1
    assert order_count(food, email) == before + 1


def test_two_instances_on_one_store_agree_on_links_and_message_sids(food: dict[str, str], tmp_path: Path) -> None:
    shared = {"state_backend": "sqlite", "state_path": str(tmp_path / "state.sqlite3")}
    email = "margaret@example.com"
    with orchestrator(food, **shared) as first, orchestrator(food, **shared) as second:
        on_first, on_second = Phone(first, "+447700900004"), Phone(second, "+447700900004")
        on_first.say(f"link {link_code(second, email)}")  # a code issued by one instance, redeemed on the other
        on_second.say("show me desserts")
        on_first.say("add the first one")
        on_second.say("checkout")
        before = order_count(food, email)

        params = on_first.params("yes")
        replies = [on_first.post(params), on_second.post(params), on_first.post(params)]

        assert [r.status_code for r in replies] == [200] * 3 and len({r.text for r in replies}) == 1
        assert order_count(food, email) == before + 1

        # The same delivery reaching both instances at once: one claim wins, one turn, one order.
        on_first.say("show me vegetarian mains")
        on_second.say("add two of the first one")
        assert "yes" in on_first.say("checkout").lower()
        before, turns = order_count(food, email), engine_requests(first, second)
        params = on_second.params("yes")
        phones = [on_first, on_second] * 4
        with ThreadPoolExecutor(len(phones)) as pool:
            raced = list(pool.map(lambda phone: phone.post(params), phones))
        assert {r.status_code for r in raced} <= {200, 409}
        assert all(r.json()["error"]["code"] == "CONFLICT" for r in raced if r.status_code == 409)
        assert len({r.text for r in raced if r.status_code == 200}) == 1
        assert order_count(food, email) == before + 1
        assert engine_requests(first, second) == turns + 1  # one turn (the order service would dedupe a second)
        assert on_first.post(params).text == on_second.post(params).text  # then both serve the stored reply


def engine_requests(*urls: str) -> float:
    """Requests answered by the engines of `urls` (a channel turn is one)."""
    return sum(v for url in urls for (name, _), v in samples(get_metrics(url)).items() if name == "orch_requests_total")


def test_one_link_code_sent_at_once_by_two_phones_to_two_instances_links_one(
    food: dict[str, str], tmp_path: Path
) -> None:
    shared = {"state_backend": "sqlite", "state_path": str(tmp_path / "state.sqlite3")}
    with orchestrator(food, **shared) as first, orchestrator(food, **shared) as second:
        code = link_code(first, "grace@example.com")
        phones = [Phone(url, f"+4477009006{i:02d}") for i, url in enumerate([first, second] * 3)]
        with ThreadPoolExecutor(len(phones)) as pool:
            replies = list(pool.map(lambda phone: phone.say(f"link {code}"), phones))
        assert sum("Linked to g***@example.com" in reply for reply in replies) == 1, replies
