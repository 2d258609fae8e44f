"""The menu service's tools, declared once and served on `/mcp/call` and `/mcp`.

Each handler is a thin adapter: the repository queries, the models describe.
"""

from __future__ import annotations

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from menu_service.models import (
    AppliedFilters,
    CategoryList,
    ItemArgs,
    ItemsArgs,
    MenuItem,
    MenuItemList,
    MenuResponse,
    NoArgs,
    SearchArgs,
)
from menu_service.repository import MenuRepository, search_words

SEARCH_EXAMPLES = (
    "show me vegetarian mains under 15",
    "do you have gluten-free pizza?",
    "what vegan dishes do you have?",
    "anything spicy without peanuts?",
    "which desserts are dairy-free?",
    "find me a curry",
    "do you have sushi?",
    "is there lasagne on the menu?",
    "cheap halal burgers under £12",
    "what can I eat with a nut allergy?",
    "what mains are there under £12?",
    "show me the pizzas",
    "any halal options?",
    "do you do fish and chips?",
    "which salads are vegan?",
    "anything gluten-free for a coeliac?",
    "what Thai dishes are on the menu?",
    "which drinks do you have?",
    "cheapest dessert without eggs or milk",
    "is there anything with paneer?",
)
GET_ITEM_EXAMPLES = (
    "tell me about item m-12",
    "how much is the mushroom risotto m-12?",
    "does m-09 contain milk?",
    "is dish m-22 available today?",
    "what allergens are in m-14?",
    "what's in m-21?",
    "describe dish m-43",
    "is m-25 sold out?",
    "how much is m-27?",
    "is item m-15 spicy?",
    "is m-10 vegan?",
    "what cuisine is m-34?",
    "does m-14 have peanuts in it?",
    "show me the details of menu item m-50",
    "is m-43 gluten-free?",
    "which section of the menu is m-57 in?",
)
GET_ITEMS_EXAMPLES = (
    "compare items m-09 and m-10",
    "prices of m-27, m-29 and m-30",
    "are m-11 and m-14 both available?",
    "are m-22 and m-25 sold out?",
    "what do m-01, m-06 and m-08 cost?",
    "which of m-14, m-20 and m-40 contain peanuts?",
    "check that m-49 and m-51 are both available",
    "which is spicier, m-15 or m-10?",
    "compare m-27 with m-29",
    "are m-09 and m-13 both gluten-free?",
    "look up menu items m-43, m-44 and m-45",
    "what's the difference between m-30 and m-32?",
    "tell me about m-05 and m-23",
    "are dishes m-12 and m-26 vegetarian?",
    "how much are m-33, m-55 and m-51 each?",
)
CATEGORY_EXAMPLES = (
    "what's on the menu?",
    "what kinds of food do you serve?",
    "list the menu sections",
    "how many desserts do you have?",
    "what categories are there?",
    "what sections does the menu have?",
    "give me an overview of the menu",
    "how many pizzas are on the menu today?",
    "what types of dishes are on offer?",
    "how many dishes does each section have?",
    "what courses can I choose from?",
    "show the menu categories",
    "how big is your menu?",
    "how many mains are available today?",
    "broadly, what do you sell?",
)


def build_registry(repository: MenuRepository) -> ToolRegistry:
    """The `menu` registry: read-only menu tools bound to `repository`."""
    registry = ToolRegistry("menu")

    @registry.tool(cache_ttl_s=300, examples=SEARCH_EXAMPLES)
    async def search_menu(args: SearchArgs, ctx: CallContext) -> MenuResponse:
        """Search the restaurant menu: dishes and drinks with name, description, menu section
        (starters, mains, pizza, burgers, salads, desserts, drinks, sides), cuisine, price in pence
        (GBP), dietary tags (vegan, vegetarian, gluten-free, dairy-free, halal), allergens
        (peanuts, tree-nuts, milk, eggs, gluten, soy, fish, shellfish, sesame), spicy flag and
        availability. Filters combine: free text, section, dietary tags every dish must carry,
        allergens to exclude, a maximum price in pounds. Results in menu order (section, then
        cheapest first) with the total number of matches. Use for what the restaurant serves,
        what a person with a diet or allergy can eat, or dishes under a budget."""
        items, total = await repository.search(args)
        words = search_words(args.text)
        filters = AppliedFilters(
            text=" ".join(words) or None,
            category=args.category,
            dietary=list(dict.fromkeys(args.dietary or [])),
            exclude_allergens=list(dict.fromkeys(args.exclude_allergens or [])),
            max_price=args.max_price,
            include_unavailable=args.include_unavailable,
            limit=args.limit,
        )
        return MenuResponse(items=items, total=total, filters=filters)

    @registry.tool(cache_ttl_s=300, examples=GET_ITEM_EXAMPLES)
    async def get_item(args: ItemArgs, ctx: CallContext) -> MenuItem:
        """One menu item by its id (e.g. m-12): name, description, section, cuisine, price in
        pence (GBP), dietary tags, allergens, spicy flag and whether it is available today."""
        item = await repository.get(args.item_id)
        if item is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"menu item {args.item_id} does not exist")
        return item

    @registry.tool(cache_ttl_s=60, examples=GET_ITEMS_EXAMPLES)
    async def get_items(args: ItemsArgs, ctx: CallContext) -> MenuItemList:
        """Several menu items by id at once (1-50 ids), sold-out ones included with
        `available` false; ids not on the menu are listed in `missing`. Use to check prices and
        availability of a basket or to compare dishes."""
        items, missing = await repository.get_many(args.item_ids)
        return MenuItemList(items=items, missing=missing)

    @registry.tool(cache_ttl_s=300, examples=CATEGORY_EXAMPLES)
    async def list_categories(args: NoArgs, ctx: CallContext) -> CategoryList:
        """The sections of the restaurant menu (starters, mains, pizza, burgers, salads, desserts,
        drinks, sides) with how many dishes each offers today. Use for an overview of what is on
        the menu before searching it."""
        return CategoryList(categories=await repository.categories())

    return registry
