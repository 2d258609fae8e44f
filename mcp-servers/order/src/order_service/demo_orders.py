"""The demo order history the order service seeds: every demo person's past orders, most recent first.

Each order is of dishes its customer can eat (their diets, none of their allergens), mostly from
their favourite cuisines, delivered to one of their saved addresses; Ada has six orders, all
delivered, and some other people cancelled one. Dish names, prices and addresses are copies of
the menu and customer-profile seeds, as an order keeps what it was placed with; the order tests
check them against those seeds. Times are relative to the first start: an order was (or would
have been) delivered `delivered_ago` before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class DemoAddress:
    """A saved delivery address, as an order copies it."""

    label: str
    line1: str
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class DemoOrder:
    """One past order: where it went, how long ago, and its lines of (menu item id, quantity)."""

    order_id: str
    address_id: str
    delivered_ago: timedelta
    lines: tuple[tuple[str, int], ...]
    cancelled: bool = False


def _ago(days: int, hours: int, minutes: int) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)


DISHES: dict[str, tuple[str, int]] = {
    "m-01": ("Vegetable Samosas", 550),
    "m-02": ("Chicken Satay Skewers", 750),
    "m-03": ("Tomato Bruschetta", 650),
    "m-04": ("Salted Edamame", 450),
    "m-05": ("Prawn Tempura", 850),
    "m-06": ("Hummus and Flatbread", 600),
    "m-07": ("Loaded Nachos", 700),
    "m-08": ("Vegetable Spring Rolls", 550),
    "m-09": ("Paneer Tikka Masala", 1250),
    "m-10": ("Chana Masala", 1050),
    "m-11": ("Tofu Satay Curry", 1150),
    "m-12": ("Wild Mushroom Risotto", 1350),
    "m-13": ("Chicken Tikka Masala", 1395),
    "m-14": ("Tofu Pad Thai", 1195),
    "m-15": ("Lamb Rogan Josh", 1595),
    "m-16": ("Bean and Sweet Potato Burrito", 1095),
    "m-17": ("Chicken Katsu Curry", 1350),
    "m-18": ("Salmon Teriyaki", 1695),
    "m-19": ("Fish and Chips", 1450),
    "m-20": ("Kung Pao Chicken", 1295),
    "m-21": ("Falafel Platter", 1150),
    "m-26": ("Aubergine Parmigiana", 1395),
    "m-28": ("Pepperoni Pizza", 1195),
    "m-29": ("Gluten-Free Margherita Pizza", 1145),
    "m-30": ("Vegan Garden Pizza", 1250),
    "m-31": ("Nduja and Honey Pizza", 1345),
    "m-33": ("Classic Beef Burger", 1195),
    "m-35": ("Smoky Bean Burger", 1095),
    "m-36": ("Crispy Chicken Burger", 1250),
    "m-37": ("Peanut Butter Bacon Burger", 1350),
    "m-39": ("Chicken Caesar Salad", 995),
    "m-40": ("Thai Peanut Crunch Salad", 925),
    "m-41": ("Quinoa and Roast Vegetable Salad", 950),
    "m-42": ("Fattoush", 850),
    "m-43": ("Tiramisu", 650),
    "m-44": ("Sticky Toffee Pudding", 695),
    "m-45": ("Mango Sorbet", 495),
    "m-46": ("Chocolate Peanut Brownie", 595),
    "m-49": ("Mango Lassi", 395),
    "m-50": ("Sparkling Elderflower", 295),
    "m-51": ("Fresh Lemonade", 325),
    "m-52": ("Thai Iced Tea", 375),
    "m-54": ("Garlic Naan", 325),
    "m-55": ("Sweet Potato Fries", 425),
    "m-56": ("Egg Fried Rice", 375),
    "m-57": ("Onion Bhaji", 425),
    "m-58": ("Patatas Bravas", 450),
    "m-60": ("Garlic Bread", 395),
}
"""Name and price in pence of every dish the history holds, as the menu had them."""
ADDRESSES: dict[str, DemoAddress] = {
    "addr-ada-home": DemoAddress("home", "10 Engine Street", "London", "N1 9GU", "GB"),
    "addr-ada-work": DemoAddress("work", "40 Babbage Road", "London", "N1 9GU", "GB"),
    "addr-grace-home": DemoAddress("home", "17 Compiler Lane", "Boston", "02139", "US"),
    "addr-linus-home": DemoAddress("home", "24 Algorithm Avenue", "Helsinki", "00100", "FI"),
    "addr-linus-work": DemoAddress("work", "54 Turing Place", "Helsinki", "00100", "FI"),
    "addr-alan-home": DemoAddress("home", "31 Engine Street", "Bristol", "BS1 4DJ", "GB"),
    "addr-alan-work": DemoAddress("work", "61 Babbage Road", "Bristol", "BS1 4DJ", "GB"),
    "addr-katherine-home": DemoAddress("home", "38 Compiler Lane", "New York", "10001", "US"),
    "addr-margaret-home": DemoAddress("home", "45 Algorithm Avenue", "Boston", "02139", "US"),
    "addr-margaret-work": DemoAddress("work", "75 Turing Place", "Boston", "02139", "US"),
    "addr-edsger-home": DemoAddress("home", "52 Engine Street", "Amsterdam", "1012 AB", "NL"),
    "addr-barbara-home": DemoAddress("home", "59 Compiler Lane", "Seattle", "98101", "US"),
    "addr-donald-home": DemoAddress("home", "66 Algorithm Avenue", "New York", "10001", "US"),
    "addr-donald-work": DemoAddress("work", "96 Turing Place", "New York", "10001", "US"),
    "addr-frances-home": DemoAddress("home", "73 Engine Street", "Boston", "02139", "US"),
    "addr-tim-home": DemoAddress("home", "80 Compiler Lane", "Cambridge", "CB2 1TN", "GB"),
    "addr-tim-work": DemoAddress("work", "110 Kernel Way", "Cambridge", "CB2 1TN", "GB"),
    "addr-radia-home": DemoAddress("home", "87 Algorithm Avenue", "Seattle", "98101", "US"),
    "addr-guido-home": DemoAddress("home", "94 Engine Street", "Amsterdam", "1012 AB", "NL"),
    "addr-hedy-home": DemoAddress("home", "101 Compiler Lane", "Vienna", "1010", "AT"),
    "addr-john-home": DemoAddress("home", "108 Algorithm Avenue", "Budapest", "1051", "HU"),
    "addr-sophie-home": DemoAddress("home", "115 Engine Street", "Bristol", "BS1 4DJ", "GB"),
    "addr-sophie-work": DemoAddress("work", "145 Babbage Road", "Bristol", "BS1 4DJ", "GB"),
    "addr-ken-home": DemoAddress("home", "122 Compiler Lane", "New York", "10001", "US"),
    "addr-dennis-home": DemoAddress("home", "129 Algorithm Avenue", "Boston", "02139", "US"),
    "addr-annie-home": DemoAddress("home", "136 Engine Street", "San Francisco", "94107", "US"),
    "addr-claude-home": DemoAddress("home", "143 Compiler Lane", "Seattle", "98101", "US"),
    "addr-claude-work": DemoAddress("work", "173 Kernel Way", "Seattle", "98101", "US"),
    "addr-karen-home": DemoAddress("home", "150 Algorithm Avenue", "London", "N1 9GU", "GB"),
    "addr-yukihiro-home": DemoAddress("home", "157 Engine Street", "Tokyo", "100-0001", "JP"),
    "addr-ida-home": DemoAddress("home", "164 Compiler Lane", "San Francisco", "94107", "US"),
    "addr-satoshi-home": DemoAddress("home", "171 Algorithm Avenue", "Tokyo", "100-0001", "JP"),
    "addr-evelyn-home": DemoAddress("home", "178 Engine Street", "New York", "10001", "US"),
}
"""The saved addresses the history delivered to, as the customer profiles had them."""
HISTORY: dict[str, tuple[DemoOrder, ...]] = {
    "ada@example.com": (
        DemoOrder("ord-0b61b86c8170", "addr-ada-home", _ago(4, 5, 10), (("m-29", 2), ("m-57", 1), ("m-01", 1))),
        DemoOrder("ord-d6088f7f123c", "addr-ada-work", _ago(6, 1, 36), (("m-09", 2), ("m-52", 1))),
        DemoOrder("ord-d8edbea4edde", "addr-ada-home", _ago(12, 6, 5), (("m-09", 2), ("m-54", 1), ("m-03", 1))),
        DemoOrder("ord-d2f3d3d45af8", "addr-ada-work", _ago(14, 8, 10), (("m-09", 2), ("m-01", 1))),
        DemoOrder("ord-8388583f8d29", "addr-ada-home", _ago(19, 2, 22), (("m-26", 1), ("m-08", 1))),
        DemoOrder("ord-21ad516af870", "addr-ada-work", _ago(24, 0, 21), (("m-10", 1),)),
    ),
    "grace@example.com": (
        DemoOrder("ord-f744c2feac66", "addr-grace-home", _ago(3, 3, 55), (("m-18", 2),)),
        DemoOrder("ord-a6e0c5dfff95", "addr-grace-home", _ago(6, 7, 48), (("m-37", 1),)),
        DemoOrder("ord-b017e5057d4a", "addr-grace-home", _ago(11, 4, 32), (("m-17", 1), ("m-03", 1)), cancelled=True),
    ),
    "linus@example.com": (
        DemoOrder("ord-0b50a1b30afb", "addr-linus-home", _ago(4, 2, 47), (("m-18", 1),)),
        DemoOrder(
            "ord-30d41eac6ffa",
            "addr-linus-work",
            _ago(6, 0, 34),
            (("m-17", 1), ("m-56", 1), ("m-54", 1)),
            cancelled=True,
        ),
        DemoOrder("ord-51c4878cbbcf", "addr-linus-home", _ago(11, 5, 47), (("m-20", 1), ("m-54", 1), ("m-50", 1))),
        DemoOrder("ord-22ab0e2cb86a", "addr-linus-work", _ago(15, 0, 17), (("m-17", 1), ("m-52", 1))),
    ),
    "alan@example.com": (
        DemoOrder("ord-198127677e03", "addr-alan-home", _ago(2, 4, 7), (("m-42", 1),), cancelled=True),
        DemoOrder("ord-a584fda1252b", "addr-alan-work", _ago(8, 2, 44), (("m-21", 2),)),
    ),
    "katherine@example.com": (
        DemoOrder("ord-b87451f66a42", "addr-katherine-home", _ago(3, 4, 56), (("m-11", 2), ("m-45", 1), ("m-02", 1))),
        DemoOrder("ord-0809ab8e2b90", "addr-katherine-home", _ago(7, 6, 59), (("m-11", 1),)),
        DemoOrder("ord-1119f57418f0", "addr-katherine-home", _ago(12, 0, 19), (("m-40", 1), ("m-02", 1))),
    ),
    "margaret@example.com": (
        DemoOrder("ord-8f88ee17b472", "addr-margaret-home", _ago(4, 2, 16), (("m-26", 2), ("m-55", 1), ("m-51", 1))),
        DemoOrder("ord-1de1da2a9f45", "addr-margaret-work", _ago(7, 5, 37), (("m-31", 1),)),
        DemoOrder("ord-ff413337bb2f", "addr-margaret-home", _ago(11, 8, 48), (("m-12", 2), ("m-45", 1))),
        DemoOrder("ord-856d2b2160fa", "addr-margaret-work", _ago(16, 3, 27), (("m-19", 1), ("m-52", 1))),
    ),
    "edsger@example.com": (
        DemoOrder("ord-784ba1815f30", "addr-edsger-home", _ago(4, 8, 25), (("m-41", 1), ("m-06", 1))),
        DemoOrder("ord-f2eedd2f8254", "addr-edsger-home", _ago(6, 6, 7), (("m-41", 1), ("m-46", 1), ("m-01", 1))),
    ),
    "barbara@example.com": (
        DemoOrder("ord-ad2f1479af0a", "addr-barbara-home", _ago(3, 6, 27), (("m-11", 2),)),
        DemoOrder("ord-f5ecd43a6290", "addr-barbara-home", _ago(6, 0, 7), (("m-40", 1), ("m-51", 1))),
        DemoOrder("ord-6940bb9fdce0", "addr-barbara-home", _ago(10, 3, 16), (("m-11", 1),)),
    ),
    "donald@example.com": (
        DemoOrder("ord-4a76bbb61958", "addr-donald-home", _ago(2, 8, 59), (("m-36", 2), ("m-58", 1), ("m-60", 1))),
        DemoOrder("ord-dff1725b042b", "addr-donald-work", _ago(8, 5, 26), (("m-33", 1), ("m-60", 1), ("m-54", 1))),
        DemoOrder(
            "ord-d02a855230c6",
            "addr-donald-home",
            _ago(11, 5, 12),
            (("m-37", 2), ("m-45", 1), ("m-02", 1)),
            cancelled=True,
        ),
        DemoOrder("ord-9fa200b7d16a", "addr-donald-work", _ago(16, 3, 4), (("m-36", 1),)),
    ),
    "frances@example.com": (
        DemoOrder("ord-5e7364b8c428", "addr-frances-home", _ago(3, 0, 12), (("m-13", 1),)),
        DemoOrder("ord-f67c1afe0869", "addr-frances-home", _ago(8, 1, 31), (("m-13", 2),), cancelled=True),
    ),
    "tim@example.com": (
        DemoOrder(
            "ord-0295ba696cc4", "addr-tim-home", _ago(4, 7, 8), (("m-26", 1), ("m-49", 1), ("m-01", 1)), cancelled=True
        ),
        DemoOrder("ord-49c560e637fe", "addr-tim-work", _ago(6, 2, 2), (("m-30", 1),)),
        DemoOrder("ord-03219755b055", "addr-tim-home", _ago(12, 5, 44), (("m-28", 2), ("m-02", 1), ("m-06", 1))),
    ),
    "radia@example.com": (
        DemoOrder("ord-40d26981019e", "addr-radia-home", _ago(2, 8, 4), (("m-16", 1), ("m-06", 1), ("m-50", 1))),
        DemoOrder("ord-98ad24c4f866", "addr-radia-home", _ago(7, 2, 51), (("m-16", 1), ("m-51", 1))),
        DemoOrder("ord-242648c08983", "addr-radia-home", _ago(10, 1, 29), (("m-41", 2),)),
        DemoOrder("ord-67c87ab6954e", "addr-radia-home", _ago(15, 6, 54), (("m-16", 1), ("m-01", 1), ("m-50", 1))),
    ),
    "guido@example.com": (
        DemoOrder("ord-3207217e8957", "addr-guido-home", _ago(4, 6, 54), (("m-41", 2), ("m-51", 1), ("m-44", 1))),
        DemoOrder("ord-5958516a47b6", "addr-guido-home", _ago(7, 0, 14), (("m-26", 1),)),
    ),
    "hedy@example.com": (
        DemoOrder("ord-dbe8a0dc5b85", "addr-hedy-home", _ago(4, 3, 12), (("m-09", 2),)),
        DemoOrder("ord-e99941b1c15a", "addr-hedy-home", _ago(6, 8, 8), (("m-12", 2), ("m-07", 1), ("m-51", 1))),
        DemoOrder("ord-43ee40384695", "addr-hedy-home", _ago(10, 8, 5), (("m-29", 1),)),
    ),
    "john@example.com": (
        DemoOrder("ord-85035c0fa09e", "addr-john-home", _ago(3, 2, 40), (("m-11", 1),)),
        DemoOrder("ord-62c65e300cee", "addr-john-home", _ago(6, 1, 50), (("m-20", 1), ("m-08", 1))),
        DemoOrder("ord-627215346899", "addr-john-home", _ago(11, 7, 40), (("m-14", 1),)),
        DemoOrder("ord-449a4ec76da9", "addr-john-home", _ago(16, 7, 13), (("m-14", 2),), cancelled=True),
    ),
    "sophie@example.com": (
        DemoOrder("ord-4ecee62e0d6c", "addr-sophie-home", _ago(4, 6, 22), (("m-42", 1),)),
        DemoOrder("ord-8a23e55fcade", "addr-sophie-work", _ago(7, 8, 10), (("m-42", 1), ("m-49", 1), ("m-04", 1))),
    ),
    "ken@example.com": (
        DemoOrder("ord-168c5cc91332", "addr-ken-home", _ago(3, 7, 46), (("m-37", 2), ("m-55", 1), ("m-43", 1))),
        DemoOrder("ord-204068ca728a", "addr-ken-home", _ago(7, 3, 21), (("m-36", 1), ("m-50", 1)), cancelled=True),
        DemoOrder("ord-63fe6c6db7cf", "addr-ken-home", _ago(11, 8, 54), (("m-39", 1),)),
    ),
    "dennis@example.com": (
        DemoOrder(
            "ord-488917462c49",
            "addr-dennis-home",
            _ago(3, 1, 54),
            (("m-36", 1), ("m-06", 1), ("m-49", 1)),
            cancelled=True,
        ),
        DemoOrder("ord-0fd89542b13a", "addr-dennis-home", _ago(7, 4, 25), (("m-35", 2),)),
        DemoOrder("ord-b5c103075739", "addr-dennis-home", _ago(11, 3, 55), (("m-36", 1),)),
        DemoOrder("ord-47afe3ffbe6d", "addr-dennis-home", _ago(15, 4, 50), (("m-36", 1),)),
    ),
    "annie@example.com": (
        DemoOrder("ord-d1832cf6cffb", "addr-annie-home", _ago(3, 4, 21), (("m-10", 1),)),
        DemoOrder("ord-ccf6797f90ff", "addr-annie-home", _ago(7, 2, 42), (("m-15", 2), ("m-02", 1))),
    ),
    "claude@example.com": (
        DemoOrder("ord-380f43a80955", "addr-claude-home", _ago(2, 0, 48), (("m-28", 1), ("m-54", 1), ("m-02", 1))),
        DemoOrder("ord-c3a32854935f", "addr-claude-work", _ago(8, 7, 7), (("m-12", 2), ("m-60", 1))),
        DemoOrder("ord-f1187ca0c264", "addr-claude-home", _ago(11, 7, 21), (("m-29", 1), ("m-05", 1), ("m-56", 1))),
    ),
    "karen@example.com": (
        DemoOrder("ord-17cee35f74b6", "addr-karen-home", _ago(2, 0, 7), (("m-40", 2), ("m-45", 1))),
        DemoOrder("ord-f5fb80a1f568", "addr-karen-home", _ago(6, 7, 48), (("m-40", 1),)),
        DemoOrder("ord-9d5de9973060", "addr-karen-home", _ago(10, 5, 3), (("m-11", 1),)),
        DemoOrder("ord-64cf8b41af9a", "addr-karen-home", _ago(14, 3, 19), (("m-40", 2),)),
    ),
    "yukihiro@example.com": (
        DemoOrder("ord-ee48b95ca3c4", "addr-yukihiro-home", _ago(2, 7, 33), (("m-17", 1),)),
        DemoOrder("ord-4f3fb1518817", "addr-yukihiro-home", _ago(7, 4, 54), (("m-17", 2),)),
    ),
    "ida@example.com": (
        DemoOrder("ord-f371629b0a74", "addr-ida-home", _ago(3, 0, 49), (("m-13", 1),)),
        DemoOrder("ord-46e29f09a7ea", "addr-ida-home", _ago(8, 4, 38), (("m-36", 1),)),
        DemoOrder("ord-1173149552e6", "addr-ida-home", _ago(10, 8, 58), (("m-13", 1),), cancelled=True),
    ),
    "satoshi@example.com": (
        DemoOrder("ord-515c0140c980", "addr-satoshi-home", _ago(3, 5, 59), (("m-33", 1),)),
        DemoOrder("ord-554c9ade2a56", "addr-satoshi-home", _ago(7, 3, 25), (("m-37", 1),), cancelled=True),
        DemoOrder("ord-adce11e026dd", "addr-satoshi-home", _ago(12, 5, 42), (("m-17", 2), ("m-06", 1))),
        DemoOrder("ord-f5708c76254b", "addr-satoshi-home", _ago(15, 4, 49), (("m-17", 1),)),
    ),
    "evelyn@example.com": (
        DemoOrder("ord-b62d324f1d33", "addr-evelyn-home", _ago(2, 8, 2), (("m-16", 1),), cancelled=True),
        DemoOrder("ord-289af3fba491", "addr-evelyn-home", _ago(7, 4, 20), (("m-16", 1), ("m-55", 1))),
    ),
}
"""Every demo person's past orders by email, most recent first."""
