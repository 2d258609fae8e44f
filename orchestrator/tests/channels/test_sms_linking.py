"""Who a phone acts for: nobody until linked with a one-time code, and only in the tenant it was linked in."""

from __future__ import annotations

from channel_clients import Phone, link_code, twiml_messages


def test_an_unlinked_number_gets_only_the_linking_prompt(orch: str) -> None:
    phone = Phone(orch, "+447700900101")
    for message in ("show me vegetarian mains", "where is my order?", "1", "yes"):
        reply = phone.say(message)
        assert "not linked to an account" in reply and "link <code>" in reply
        assert "£" not in reply and "order" not in reply.lower().replace("link", "")


def test_a_number_linked_in_one_tenant_is_unknown_in_another(orch: str) -> None:
    number = "+447700900102"
    assert "Linked" in Phone(orch, number, to="+15550100").say(f"link {link_code(orch, 'ada@example.com')}")
    assert "£" in Phone(orch, number, to="+15550100").say("show me desserts")

    other_tenant = Phone(orch, number, to="+15550200")  # the `beta` tenant's number
    assert "not linked to an account" in other_tenant.say("show me desserts")
    # a code issued in tenant `default` does not link a sender of `beta`
    assert "not valid" in other_tenant.say(f"link {link_code(orch, 'ada@example.com')}")
    assert "not linked to an account" in other_tenant.say("show me desserts")


def test_a_link_code_is_single_use(orch: str) -> None:
    code = link_code(orch, "ada@example.com")
    assert "Linked" in Phone(orch, "+447700900103").say(f"link {code}")
    stranger = Phone(orch, "+447700900104")
    assert "not valid" in stranger.say(f"link {code}")
    assert "not linked to an account" in stranger.say("show me desserts")


def test_wrong_codes_lock_the_sender_out_even_for_a_right_code(orch: str) -> None:
    phone = Phone(orch, "+447700900105")
    for guess in range(5):
        assert "not valid" in phone.say(f"link {guess:08d}")
    assert "Too many wrong codes" in phone.say(f"link {link_code(orch, 'ada@example.com')}")
    assert "not linked to an account" in phone.say("show me desserts")


def test_unlink_forgets_the_number(orch: str) -> None:
    phone = Phone(orch, "+447700900106")
    phone.say(f"link {link_code(orch, 'ada@example.com')}")
    assert "no longer linked" in phone.say("unlink")
    assert "not linked to an account" in phone.say("show me desserts")


def test_whatsapp_senders_link_and_converse_on_their_own(orch: str) -> None:
    whatsapp = Phone(orch, "whatsapp:+447700900107", to="whatsapp:+15550100")
    assert "Linked" in whatsapp.say(f"link {link_code(orch, 'ada@example.com')}")
    reply = whatsapp.send("show me desserts")
    assert reply.status_code == 200 and "£" in " ".join(twiml_messages(reply.text))
    # the same number over SMS is another channel, linked separately
    assert "not linked to an account" in Phone(orch, "+447700900107").say("show me desserts")
