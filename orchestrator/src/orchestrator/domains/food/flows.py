"""The flows of the food conversation, declared as data (see `orchestrator.conversation.flows`).

Adding a flow is adding a record here, its outcome handler (declared with `@outcome`, naming its
reply templates) and the templates in `templates/replies/`; the start-up check proves each one
exists and each tool is in the catalog. Writes run only in `confirm`: it places or cancels the
order the user was shown and said yes to, or makes the profile change `update_preferences` proposed
(re-reading the profile first, so the change said is applied to the profile as it is now).
"""

from __future__ import annotations

from orchestrator.conversation.flows import Call, Flow
from orchestrator.domains.food.browsing import help_reply, menu_shown, preferences_proposed, profile_shown, recommended
from orchestrator.domains.food.cart import added_to_cart, address_chosen, cart_shown, removed_from_cart
from orchestrator.domains.food.orders import (
    cancel_proposed,
    confirmed,
    declined,
    history_shown,
    order_proposed,
    tracked,
)
from orchestrator.domains.food.replies import CART

PROFILE = Call("profile", "customer_profile.get_profile")

FLOWS: dict[str, Flow] = {
    flow.intent: flow
    for flow in (
        Flow(
            "browse_menu",
            stages=(
                (
                    Call(
                        "menu",
                        "menu.search_menu",
                        (
                            ("text", "var:text"),
                            ("category", "var:category"),
                            ("dietary", "var:dietary"),
                            ("exclude_allergens", "var:exclude_allergens"),
                            ("max_price", "var:max_price"),
                            ("limit", 5),
                        ),
                    ),
                    Call("profile", PROFILE.tool, optional=True),
                ),
            ),
            outcome=menu_shown,
            data="menu",
            suggestions=("add two of the first one", "what would you recommend?", "show me vegan mains"),
        ),
        Flow(
            "recommend",
            stages=((Call("picks", "recommendations.recommend", (("context", "var:context"), ("limit", 5))),),),
            outcome=recommended,
            data="picks",
            suggestions=("add the first one", "show me the menu", "where is my order?"),
        ),
        Flow(
            "add_to_cart",
            stages=(
                (
                    Call(
                        "search",
                        "menu.search_menu",
                        (("text", "var:search_text"), ("limit", 3)),
                        when="present:search_text",
                    ),
                ),
                (Call("item", "menu.get_item", (("item_id", "var:wanted_item"),), when="present:wanted_item"),),
            ),
            outcome=added_to_cart,
            data="item",
            suggestions=("checkout", "deliver to my work address", "show me desserts"),
        ),
        Flow("remove_from_cart", outcome=removed_from_cart, suggestions=("checkout", "show me the menu")),
        Flow("view_cart", outcome=cart_shown, suggestions=("checkout", "empty my cart")),
        Flow(
            "choose_address",
            stages=((PROFILE,),),
            outcome=address_chosen,
            data="profile",
            suggestions=("checkout", "what's in my cart?"),
        ),
        Flow(
            "checkout",
            needs=(CART,),
            stages=(
                (PROFILE,),
                (
                    Call(
                        "quote",
                        "order.quote_order",
                        (("items", "var:cart_items"), ("address_id", "var:address_id|var:default_address_id")),
                    ),
                ),
            ),
            outcome=order_proposed,
            data="quote",
            suggestions=("yes", "no", "deliver to my work address"),
        ),
        Flow(
            "confirm",
            stages=(
                (
                    Call(
                        "place",
                        "order.create_order",
                        (("*", "var:place_order"),),
                        when="present:place_order",
                        optional=True,
                        writes=True,
                    ),
                    Call(
                        "cancel",
                        "order.cancel_order",
                        (("*", "var:cancel_order"),),
                        when="present:cancel_order",
                        optional=True,
                        writes=True,
                    ),
                    Call("profile", PROFILE.tool, when="present:update_preferences"),
                ),
                (
                    Call(
                        "updated",
                        "customer_profile.update_preferences",
                        (
                            ("dietary_preferences", "var:new_dietary"),
                            ("allergens", "var:new_allergens"),
                            ("favourite_cuisines", "var:new_cuisines"),
                        ),
                        when="present:preference_change",
                        optional=True,
                        writes=True,
                    ),
                ),
            ),
            outcome=confirmed,
            suggestions=("where is my order?", "what would you recommend?"),
        ),
        Flow("decline", outcome=declined, suggestions=("checkout", "what's in my cart?")),
        Flow(
            "track_order",
            stages=(
                (Call("latest", "order.list_orders", (("limit", 1),), when="missing:order_id"),),
                (
                    Call(
                        "tracking",
                        "tracking.track_order",
                        (("order_id", "var:order_id|result:latest.orders.0.order_id"),),
                    ),
                ),
            ),
            outcome=tracked,
            data="tracking",
            suggestions=("cancel my order", "show my past orders"),
        ),
        Flow(
            "order_history",
            stages=((Call("orders", "order.list_orders", (("limit", "var:limit|5"),)),),),
            outcome=history_shown,
            data="orders",
            suggestions=("where is my order?", "what would you recommend?"),
        ),
        Flow(
            "cancel_order",
            stages=(
                (Call("recent", "order.list_orders", (("limit", 5),), when="missing:order_id"),),
                (Call("order", "order.get_order", (("order_id", "var:order_id|var:cancellable_order_id"),)),),
            ),
            outcome=cancel_proposed,
            data="order",
            suggestions=("yes", "no", "where is my order?"),
        ),
        Flow(
            "update_preferences",
            stages=((PROFILE,),),
            outcome=preferences_proposed,
            suggestions=("yes", "no", "show my profile"),
        ),
        Flow(
            "show_profile",
            stages=((PROFILE,),),
            outcome=profile_shown,
            data="profile",
            suggestions=("I'm allergic to sesame", "show my past orders"),
        ),
        Flow(
            "help",
            outcome=help_reply,
            suggestions=(
                "show me vegetarian mains under 15",
                "what would you recommend for tonight?",
                "where is my order?",
            ),
        ),
    )
}
