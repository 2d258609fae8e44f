"""The flows of POST /orchestrate, declared as data.

A `Flow` names, for one intent: the tool calls to make (in stages; calls of one stage run in
parallel), where each argument comes from, the conditions under which a call is skipped, the
outcome handler that updates the session and shapes the reply, the reply template and the
suggestions. The engine (`conversation.engine`) interprets these records; adding a flow is adding
a record here, a handler in `conversation.outcomes` and a template in `templates/replies/`.

Argument sources are short expressions:
- `var:name` a value derived for this turn (slots read from the message, resolved by `derive`);
- `result:call.path.0.field` a field of an earlier call's result;
- `a|b` the first of several sources that has a value;
- any other value is a constant. An argument whose source has no value is left out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """One tool call of a flow."""

    name: str
    tool: str
    args: tuple[tuple[str, object], ...] = ()
    when: str | None = None  # `missing:var` / `present:var`: skip the call otherwise
    optional: bool = False  # its failure does not fail the flow


@dataclass(frozen=True)
class Flow:
    intent: str
    stages: tuple[tuple[Call, ...], ...] = ()
    needs: tuple[str, ...] = ()  # preconditions on the session: `cart`, `pending`
    outcome: str = "show"  # handler in `conversation.outcomes.OUTCOMES`
    data: str | None = None  # the call whose result is the reply's typed payload
    suggestions: tuple[str, ...] = ()


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
            outcome="menu_shown",
            data="menu",
            suggestions=("add two of the first one", "what would you recommend?", "show me vegan mains"),
        ),
        Flow(
            "recommend",
            stages=((Call("picks", "recommendations.recommend", (("context", "var:context"), ("limit", 5))),),),
            outcome="recommended",
            data="picks",
            suggestions=("add the first one", "show me the menu", "where is my order?"),
        ),
        Flow(
            "add_to_cart",
            stages=(
                (Call("search", "menu.search_menu", (("text", "var:text"), ("limit", 3)), when="missing:item_id"),),
                (Call("item", "menu.get_item", (("item_id", "var:item_id|result:search.items.0.item_id"),)),),
            ),
            outcome="added_to_cart",
            data="item",
            suggestions=("checkout", "deliver to my work address", "show me desserts"),
        ),
        Flow("remove_from_cart", outcome="removed_from_cart", suggestions=("checkout", "show me the menu")),
        Flow("view_cart", outcome="cart_shown", suggestions=("checkout", "empty my cart")),
        Flow(
            "choose_address",
            stages=((PROFILE,),),
            outcome="address_chosen",
            data="profile",
            suggestions=("checkout", "what's in my cart?"),
        ),
        Flow(
            "checkout",
            needs=("cart",),
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
            outcome="order_proposed",
            data="quote",
            suggestions=("yes", "no", "deliver to my work address"),
        ),
        Flow("confirm", outcome="confirmed", suggestions=("where is my order?", "what would you recommend?")),
        Flow("decline", outcome="declined", suggestions=("checkout", "what's in my cart?")),
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
            outcome="tracked",
            data="tracking",
            suggestions=("cancel my order", "show my past orders"),
        ),
        Flow(
            "order_history",
            stages=((Call("orders", "order.list_orders", (("limit", "var:limit|5"),)),),),
            outcome="history_shown",
            data="orders",
            suggestions=("where is my order?", "what would you recommend?"),
        ),
        Flow(
            "cancel_order",
            stages=(
                (Call("recent", "order.list_orders", (("limit", 5),), when="missing:order_id"),),
                (Call("order", "order.get_order", (("order_id", "var:order_id|var:cancellable_order_id"),)),),
            ),
            outcome="cancel_proposed",
            data="order",
            suggestions=("yes", "no", "where is my order?"),
        ),
        Flow(
            "update_preferences",
            stages=(
                (PROFILE,),
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
                    ),
                ),
            ),
            outcome="preferences_updated",
            data="updated",
            suggestions=("show my profile", "what would you recommend?"),
        ),
        Flow(
            "show_profile",
            stages=((PROFILE,),),
            outcome="profile_shown",
            data="profile",
            suggestions=("I'm allergic to sesame", "show my past orders"),
        ),
        Flow(
            "help",
            outcome="help",
            suggestions=(
                "show me vegetarian mains under 15",
                "what would you recommend for tonight?",
                "where is my order?",
            ),
        ),
    )
}
