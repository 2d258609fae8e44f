"""The food conversation turn by turn through `Engine.handle`, over the real food services in-process:
browsing, the cart, the address, the profile and preferences, failures, and whose session it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from food_world import Food, food_stack, food_world
from orch_fakes import ScriptedSource, fails

from mcp_common.errors import ErrorCode
from mcp_common.wire import CallContext

ADA = "ada@example.com"
GRACE = "grace@example.com"
BROWSE = "show me vegetarian mains under 15"


@pytest.fixture
async def food(tmp_path: Path) -> AsyncIterator[Food]:
    async with food_stack(tmp_path) as stack:
        yield stack


async def test_browsing_with_filters_lists_numbered_dishes_and_flags_allergens(food: Food) -> None:
    shown = await food.chat().say(BROWSE)
    assert shown.intent == "browse_menu" and shown.data is not None
    items = shown.data["items"]
    assert items and all(
        "vegetarian" in i["dietary_tags"] and i["category"] == "mains" and i["price_cents"] <= 1500 for i in items
    )
    lines = shown.answer.splitlines()
    assert lines[0].startswith(f"Here are {len(items)}")
    for n, item in enumerate(items, start=1):
        assert lines[n].startswith(f"{n}. {item['name']} — £{item['price_cents'] / 100:.2f}")
        assert ("⚠ contains peanuts" in lines[n]) == ("peanuts" in item["allergens"])  # Ada is allergic to peanuts
    search = {"category": "mains", "dietary": ["vegetarian"], "max_price": 15.0, "limit": 5}
    assert food.take() == [("menu.search_menu", search, ADA), ("customer_profile.get_profile", {"email": ADA}, ADA)]


async def test_nothing_matching_says_so(food: Food) -> None:
    shown = await food.chat().say("show me vegan desserts under 1")
    assert shown.intent == "browse_menu" and shown.data is not None and shown.data["items"] == []
    assert shown.answer.startswith("No dishes match vegan desserts under £1.")


async def test_add_two_of_the_first_one_puts_the_first_dish_shown_in_the_cart(food: Food) -> None:
    chat = food.chat()
    first = (await chat.say(BROWSE)).data["items"][0]  # type: ignore[index]
    food.take()
    added = await chat.say("add two of the first one")
    assert added.intent == "add_to_cart"
    assert added.data == {
        "lines": [{"item_id": first["item_id"], "name": first["name"], "quantity": 2,
                   "unit_price_cents": first["price_cents"], "notes": None}],
        "items_total_cents": 2 * first["price_cents"],
        "address_id": None,
    }  # fmt: skip
    assert added.answer.startswith(f"Added 2 × {first['name']}")
    assert food.take() == [("menu.get_item", {"item_id": first["item_id"]}, ADA)]
    again = await chat.say("add the first one")
    assert again.data is not None and again.data["lines"][0]["quantity"] == 3 and len(again.data["lines"]) == 1


async def test_a_dish_named_is_searched_for_then_added(food: Food) -> None:
    added = await food.chat().say("add a margherita pizza")
    assert added.data is not None and [line["name"] for line in added.data["lines"]] == ["Margherita Pizza"]
    made = food.take()
    assert made[0] == ("menu.search_menu", {"text": "margherita", "limit": 3}, ADA)
    assert made[1][0] == "menu.get_item"


async def test_a_position_beyond_the_items_shown_asks_which_one(food: Food) -> None:
    chat = food.chat()
    shown = await chat.say("show me vegan pizzas below £12.50")
    assert shown.data is not None and len(shown.data["items"]) == 1
    asked = await chat.say("add the third one")
    assert asked.data is None or asked.data.get("lines") == []
    assert asked.answer.startswith("Which one? I showed you: 1. ")


async def test_the_first_one_with_nothing_shown_asks_to_browse_first(food: Food) -> None:
    asked = await food.chat().say("add the first one")
    assert asked.answer.startswith("Which dish? Browse first")


async def test_removing_and_viewing_the_cart(food: Food) -> None:
    chat = food.chat()
    await chat.say(BROWSE)
    await chat.say("add the first one")
    await chat.say("add the second one")
    food.take()
    removed = await chat.say("remove the first one")
    assert removed.intent == "remove_from_cart" and removed.data is not None and len(removed.data["lines"]) == 1
    shown = await chat.say("what's in my cart?")
    assert shown.intent == "view_cart" and shown.answer.startswith("Your cart: 1 × ")
    emptied = await chat.say("empty my cart")
    assert emptied.data is not None and emptied.data["lines"] == [] and "now empty" in emptied.answer
    assert food.take() == []  # the cart lives in the session: no service is asked


async def test_choosing_the_work_address(food: Food) -> None:
    chat = food.chat()
    chosen = await chat.say("deliver to my work address")
    assert chosen.intent == "choose_address" and chosen.data is not None
    assert chosen.data["address"]["address_id"] == "addr-ada-work"
    assert chosen.answer.startswith("I'll deliver to your work address: 40 Babbage Road, London")
    assert food.take() == [("customer_profile.get_profile", {"email": ADA}, ADA)]
    await chat.say(BROWSE)
    added = await chat.say("add the first one")
    assert added.data is not None and added.data["address_id"] == "addr-ada-work"
    assert "Delivering to your work address." in added.answer


async def test_the_default_address_is_the_one_the_profile_marks(food: Food) -> None:
    chosen = await food.chat().say("use my default address")
    assert chosen.intent == "choose_address" and chosen.data is not None
    assert chosen.data["address"]["address_id"] == "addr-ada-home"
    assert chosen.answer.startswith("I'll deliver to your home address: 10 Engine Street, London")


async def test_an_address_the_user_does_not_have_lists_theirs(food: Food) -> None:
    asked = await food.chat().say("deliver to my cottage address")
    assert asked.intent == "choose_address"
    assert "Your addresses: home (10 Engine Street, London); work (40 Babbage Road, London)" in asked.answer


async def test_checkout_with_an_empty_cart_asks_to_browse_first_and_calls_nothing(food: Food) -> None:
    answer = await food.chat().say("checkout")
    assert answer.intent == "checkout" and answer.answer.startswith("Your cart is empty. Browse first")
    assert answer.sources == [] and food.take() == []


async def test_show_profile(food: Food) -> None:
    shown = await food.chat().say("show my profile")
    assert shown.intent == "show_profile" and shown.data is not None and shown.data["email"] == ADA
    assert shown.answer.startswith("Ada Lovelace — diet: vegetarian; allergies: peanuts;")
    assert "home (default): 10 Engine Street" in shown.answer
    assert food.take() == [("customer_profile.get_profile", {"email": ADA}, ADA)]


async def test_a_preference_change_is_proposed_and_only_yes_writes_the_merged_profile(food: Food) -> None:
    chat = food.chat()
    await chat.say("show my profile")
    food.take()
    proposed = await chat.say("I'm allergic to sesame")
    assert proposed.intent == "update_preferences" and proposed.data == {"proposed": {"add_allergens": ["sesame"]}}
    assert proposed.answer.startswith("I'll add sesame to your allergies.")
    assert "allergies peanuts, sesame" in proposed.answer and '"yes"' in proposed.answer
    assert all(tool != "customer_profile.update_preferences" for tool, _, _ in food.take())  # nothing written yet
    updated = await chat.say("yes")
    assert updated.intent == "confirm" and updated.data is not None
    assert updated.data["allergens"] == ["peanuts", "sesame"]
    assert updated.answer.startswith("Updated. Diet: vegetarian; allergies: peanuts, sesame;")
    # The profile is read again (from the tool cache) and the write is the one call made, for Ada.
    assert food.take() == [("customer_profile.update_preferences", {"allergens": ["peanuts", "sesame"], "email": ADA},
                            ADA)]  # fmt: skip
    again = await chat.say("yes")
    assert "already updated" in again.answer and food.take() == []
    after = await chat.say("show my profile")
    assert "allergies: peanuts, sesame" in after.answer
    assert food.take() == [("customer_profile.get_profile", {"email": ADA}, ADA)]  # not served from the cache
    picks = await chat.say("what would you recommend?")
    assert picks.data is not None and picks.data["items"]
    assert all("sesame" not in item["allergens"] for item in picks.data["items"])


async def test_no_to_a_preference_change_leaves_the_profile_as_it_was(food: Food) -> None:
    chat = food.chat()
    proposed = await chat.say("I'm vegan now")
    assert proposed.intent == "update_preferences" and proposed.answer.startswith("I'll add vegan to your diet.")
    declined = await chat.say("no")
    assert declined.intent == "decline" and declined.answer == "OK, I have left your profile as it was."
    late = await chat.say("yes")
    assert late.intent == "confirm" and late.answer.startswith("There is nothing waiting for your confirmation.")
    writes = [tool for tool, _, _ in food.take() if tool == "customer_profile.update_preferences"]
    assert writes == []
    shown = await chat.say("show my profile")
    assert shown.answer.startswith("Ada Lovelace — diet: vegetarian; allergies: peanuts;")


@pytest.mark.parametrize(
    "question",
    ["I'm allergic to nuts, what can I eat?", "am I registered as allergic to peanuts?",
     "what are my dietary preferences?", "I'm allergic to sesame, is the tiramisu ok?"],
)  # fmt: skip
async def test_a_question_naming_an_allergy_never_changes_the_profile(food: Food, question: str) -> None:
    chat = food.chat()
    answer = await chat.say(question)
    assert answer.intent in ("browse_menu", "recommend", "show_profile")
    confirmed = await chat.say("yes")  # nothing was proposed, so a yes writes nothing either
    assert confirmed.answer.startswith("There is nothing waiting for your confirmation.")
    assert all(tool != "customer_profile.update_preferences" for tool, _, _ in food.take())


async def test_an_allergy_question_lists_dishes_without_the_allergen(food: Food) -> None:
    answer = await food.chat().say("I'm allergic to nuts, what can I eat?")
    assert answer.intent == "browse_menu" and answer.data is not None and answer.data["items"]
    assert all({"tree-nuts", "peanuts"}.isdisjoint(item["allergens"]) for item in answer.data["items"])
    search = food.take()[0]
    assert search[0] == "menu.search_menu" and set(search[1]["exclude_allergens"]) == {"tree-nuts", "peanuts"}


async def test_removing_an_item_named_as_in_the_basket_even_misspelt(food: Food) -> None:
    chat = food.chat()
    await chat.say("add a margherita pizza")
    await chat.say("add 2 mango lassi")
    food.take()
    removed = await chat.say("remove the margarita from my basket")
    assert removed.intent == "remove_from_cart" and removed.data is not None
    assert [line["name"] for line in removed.data["lines"]] == ["Mango Lassi"]
    assert food.take() == []


async def test_an_unclear_message_asks_one_short_question_and_the_reply_answers_it(food: Food) -> None:
    chat = food.chat()
    asked = await chat.say("asdfgh")
    assert asked.intent == "help" and asked.answer.count("?") == 1 and len(asked.answer) < 160
    assert "1. see the menu" in asked.answer and "2. get a recommendation" in asked.answer
    assert food.take() == []
    chosen = await chat.say("1")
    assert chosen.intent == "browse_menu" and chosen.data is not None
    (tool, arguments, _), *_ = food.take()
    assert tool == "menu.search_menu" and "text" not in arguments  # the menu, not a search for "asdfgh"
    again = await chat.say("1")  # the question was answered: "1" is read afresh
    assert again.intent == "help"


async def test_the_reading_chosen_acts_on_the_unclear_message(food: Food) -> None:
    chat = food.chat()
    asked = await chat.say("paneer")
    options = asked.answer
    assert asked.intent == "help" and "see the menu" in options
    chosen = await chat.say("the menu")
    assert chosen.intent == "browse_menu" and chosen.data is not None
    assert [tool for tool, args, _ in food.take() if args.get("text") == "paneer"] == ["menu.search_menu"]


async def test_a_preference_already_held_writes_nothing(food: Food) -> None:
    answer = await food.chat().say("I'm allergic to peanuts")
    assert answer.intent == "update_preferences" and answer.answer.startswith("I did not catch a change.")
    assert [tool for tool, _, _ in food.take()] == ["customer_profile.get_profile"]


async def test_a_failing_service_answers_call_failed_and_keeps_the_cart(tmp_path: Path) -> None:
    async with food_world(tmp_path / "specs") as registries:
        down = ScriptedSource(
            "order", {spec.name: (spec.info(), fails(ErrorCode.SERVICE_UNAVAILABLE)) for spec in registries["order"]}
        )
    async with food_stack(tmp_path / "stack", replace={"order": down}) as food:
        chat = food.chat()
        await chat.say(BROWSE)
        added = await chat.say("add two of the first one")
        failed = await chat.say("checkout")
        assert failed.intent == "checkout" and failed.data is None
        assert (
            failed.answer
            == "Sorry, order is not answering right now (SERVICE_UNAVAILABLE). Please try again in a moment."
        )
        assert [(s.tool, s.status) for s in failed.sources] == [("get_profile", "ok"), ("quote_order", "error")]
        assert [tool for tool, *_ in down.calls] == ["quote_order"]
        cart = await chat.say("what's in my cart?")
        assert cart.data == added.data
        nothing = await chat.say("yes")
        assert nothing.answer.startswith("There is nothing waiting for your confirmation")
        assert [tool for tool, *_ in down.calls] == ["quote_order"]


async def test_an_order_that_is_not_found_says_so(food: Food) -> None:
    answer = await food.chat().say("track ord-000000000000")
    assert answer.intent == "track_order" and answer.data is None
    assert answer.answer == "I could not find that: order ord-000000000000 not found."


async def test_another_user_with_the_same_session_id_gets_a_fresh_session(food: Food) -> None:
    ada = food.chat()
    await ada.say(BROWSE)
    await ada.say("add two of the first one")
    await ada.say("checkout")
    food.take()
    intruder = food.chat(GRACE, ada.session_id)
    cart = await intruder.say("what's in my cart?")
    assert cart.session_id == ada.session_id and cart.data is not None and cart.data["lines"] == []
    confirmed = await intruder.say("yes")
    assert confirmed.intent == "confirm" and confirmed.answer.startswith("There is nothing waiting")
    assert food.take() == [] and await food.order_count(ADA) == 0 and await food.order_count(GRACE) == 0
    mine = await food.chat(ADA, ada.session_id).say("what's in my cart?")
    assert mine.data is not None and mine.data["lines"][0]["quantity"] == 2


async def test_every_call_of_a_conversation_runs_as_its_user(food: Food) -> None:
    for email in (ADA, GRACE):
        chat = food.chat(email)
        for text in (BROWSE, "add the first one", "checkout", "yes", "where is my order?", "show my profile"):
            await chat.say(text)
        made = food.take()
        assert made and all(caller == email for _, _, caller in made)
        assert all(arguments.get("email", email) == email for _, arguments, _ in made)
    ada_orders = await food.registries["order"].call("list_orders", {"email": ADA}, CallContext(caller=ADA))
    assert ada_orders.model_dump()["total_count"] == 1
