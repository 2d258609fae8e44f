"""The demo order history agrees with the menu and customer-profile seeds it was placed against.

The order service ships its history as fixed rows (it never imports another service); these
tests hold those rows to the other services' demo data: every dish exists at that name and
price, every customer may eat what they ordered, every address is one they saved.
"""

from __future__ import annotations

import re

from customer_profile_service.demo_profiles import PROFILES
from mcp_common.clock import ManualClock
from mcp_common.demo_people import PEOPLE
from menu_service.demo_menu import DemoMenuItem, menu_item
from order_service.demo_orders import ADDRESSES, DISHES, HISTORY, DemoOrder
from order_service.lifecycle import OrderTimings
from order_service.seed import demo_order_rows

ADA = "ada@example.com"
MAIN_COURSES = {"mains", "pizza", "burgers", "salads"}


def _orders() -> list[tuple[str, DemoOrder]]:
    return [(email, order) for email, orders in HISTORY.items() for order in orders]


def _dishes(order: DemoOrder) -> list[DemoMenuItem]:
    found = [menu_item(item_id) for item_id, _ in order.lines]
    assert None not in found, order.order_id
    return [dish for dish in found if dish is not None]


def test_every_line_is_an_available_menu_dish_at_its_menu_name_and_price() -> None:
    for _, order in _orders():
        for dish, (item_id, quantity) in zip(_dishes(order), order.lines, strict=True):
            assert dish.available, item_id
            assert DISHES[item_id] == (dish.name, dish.price_cents)
            assert 1 <= quantity <= 20
    assert set(DISHES) == {item_id for _, order in _orders() for item_id, _ in order.lines}


def test_every_customer_may_eat_everything_they_ordered() -> None:
    for email, order in _orders():
        person = PROFILES[email]
        for dish in _dishes(order):
            assert set(person.dietary_preferences) <= set(dish.dietary_tags), (email, dish.item_id)
            assert not set(person.allergens) & set(dish.allergens), (email, dish.item_id)


def test_every_order_has_one_main_course_mostly_from_a_favourite_cuisine() -> None:
    favourite = 0
    for email, order in _orders():
        main, *extras = _dishes(order)
        assert main.category in MAIN_COURSES and not {d.category for d in extras} & MAIN_COURSES
        favourite += main.cuisine in PROFILES[email].favourite_cuisines
    assert favourite >= 0.9 * len(_orders())


def test_every_order_went_to_a_saved_address_of_its_customer_as_saved() -> None:
    for email, order in _orders():
        saved = {a.address_id: a for a in PROFILES[email].addresses}
        address = saved[order.address_id]
        copied = ADDRESSES[order.address_id]
        assert (copied.label, copied.line1, copied.city, copied.postcode, copied.country) == (
            address.label,
            address.line1,
            address.city,
            address.postcode,
            address.country,
        )


def test_everyone_has_a_history_and_order_ids_are_unique() -> None:
    ids = [order.order_id for _, order in _orders()]

    assert list(HISTORY) == [p.email for p in PEOPLE]
    assert all(2 <= len(orders) <= 6 for orders in HISTORY.values())
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"ord-[0-9a-f]{12}", order_id) for order_id in ids)


def test_ada_has_six_delivered_orders_to_her_home_and_work_addresses() -> None:
    rows = demo_order_rows(ManualClock().now(), OrderTimings())
    ada = [o for o in rows.orders if o["email"] == ADA]

    assert len(ada) == 6 and all(o["status"] == "delivered" for o in ada)
    assert {o["address_id"] for o in ada} == {"addr-ada-home", "addr-ada-work"}


def test_orders_are_listed_most_recent_first_and_some_were_cancelled() -> None:
    for orders in HISTORY.values():
        ages = [order.delivered_ago for order in orders]
        assert ages == sorted(ages)
    assert 1 <= sum(order.cancelled for _, order in _orders()) < len(_orders()) // 4
