"""The demo menu the menu service seeds: sixty dishes and drinks, a few of them sold out.

Prices are integer pence (GBP). Item ids (`m-01`…) are stable: the order service's demo history
and the README's examples name them. Among the things the demo story needs: at least five
available vegetarian mains under £15, and vegetarian dishes with peanuts (Ada is allergic).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp_common.food import Allergen, Category, Cuisine, DietaryTag


@dataclass(frozen=True)
class DemoMenuItem:
    """One dish or drink on the demo menu; `price_cents` is in pence."""

    item_id: str
    name: str
    description: str
    category: Category
    cuisine: Cuisine
    price_cents: int
    dietary_tags: tuple[DietaryTag, ...] = ()
    allergens: tuple[Allergen, ...] = ()
    available: bool = True
    spicy: bool = False


_VEGAN: tuple[DietaryTag, ...] = ("vegan", "vegetarian", "dairy-free")
_VEGAN_GF: tuple[DietaryTag, ...] = ("vegan", "vegetarian", "gluten-free", "dairy-free")
_VEG: tuple[DietaryTag, ...] = ("vegetarian",)
_VEG_GF: tuple[DietaryTag, ...] = ("vegetarian", "gluten-free")

MENU: tuple[DemoMenuItem, ...] = (
    # starters
    DemoMenuItem(
        "m-01", "Vegetable Samosas", "Crisp pastry filled with spiced potato and peas, tamarind chutney.",
        "starters", "indian", 550, _VEGAN, ("gluten",),
    ),
    DemoMenuItem(
        "m-02", "Chicken Satay Skewers", "Grilled chicken skewers with a rich peanut satay dip.",
        "starters", "thai", 750, ("gluten-free", "dairy-free", "halal"), ("peanuts", "soy"),
    ),
    DemoMenuItem(
        "m-03", "Tomato Bruschetta", "Toasted sourdough with tomato, basil, garlic and olive oil.",
        "starters", "italian", 650, _VEGAN, ("gluten",),
    ),
    DemoMenuItem(
        "m-04", "Salted Edamame", "Steamed soy beans with sea salt.",
        "starters", "japanese", 450, _VEGAN_GF, ("soy",),
    ),
    DemoMenuItem(
        "m-05", "Prawn Tempura", "Light battered king prawns with a soy dipping sauce.",
        "starters", "japanese", 850, (), ("shellfish", "gluten", "eggs", "soy"),
    ),
    DemoMenuItem(
        "m-06", "Hummus and Flatbread", "Creamy chickpea hummus with tahini, olive oil and warm flatbread.",
        "starters", "middle-eastern", 600, _VEGAN, ("sesame", "gluten"),
    ),
    DemoMenuItem(
        "m-07", "Loaded Nachos", "Corn chips with melted cheese, jalapeños, salsa and sour cream.",
        "starters", "mexican", 700, _VEG_GF, ("milk",), spicy=True,
    ),
    DemoMenuItem(
        "m-08", "Vegetable Spring Rolls", "Crispy rolls of cabbage, carrot and glass noodles, sweet chilli dip.",
        "starters", "chinese", 550, _VEGAN, ("gluten", "soy"),
    ),
    # mains
    DemoMenuItem(
        "m-09", "Paneer Tikka Masala", "Chargrilled paneer in a creamy spiced tomato sauce.",
        "mains", "indian", 1250, _VEG_GF, ("milk",),
    ),
    DemoMenuItem(
        "m-10", "Chana Masala", "Chickpeas slow-cooked with onion, tomato, ginger and garam masala.",
        "mains", "indian", 1050, _VEGAN_GF, (), spicy=True,
    ),
    DemoMenuItem(
        "m-11", "Tofu Satay Curry", "Crispy tofu and vegetables in a coconut peanut satay curry.",
        "mains", "thai", 1150, _VEGAN_GF, ("peanuts", "soy"), spicy=True,
    ),
    DemoMenuItem(
        "m-12", "Wild Mushroom Risotto", "Arborio rice with wild mushrooms, parmesan and thyme.",
        "mains", "italian", 1350, _VEG_GF, ("milk",),
    ),
    DemoMenuItem(
        "m-13", "Chicken Tikka Masala", "Tandoori chicken in a creamy spiced tomato sauce.",
        "mains", "indian", 1395, ("gluten-free", "halal"), ("milk",),
    ),
    DemoMenuItem(
        "m-14", "Tofu Pad Thai", "Rice noodles with tofu, egg, beansprouts, tamarind and crushed peanuts.",
        "mains", "thai", 1195, ("vegetarian", "gluten-free", "dairy-free"), ("peanuts", "eggs", "soy"),
    ),
    DemoMenuItem(
        "m-15", "Lamb Rogan Josh", "Slow-braised lamb in a Kashmiri chilli sauce.",
        "mains", "indian", 1595, ("gluten-free", "dairy-free", "halal"), (), spicy=True,
    ),
    DemoMenuItem(
        "m-16", "Bean and Sweet Potato Burrito", "Black beans, sweet potato, rice and chipotle salsa in a tortilla.",
        "mains", "mexican", 1095, _VEGAN, ("gluten",), spicy=True,
    ),
    DemoMenuItem(
        "m-17", "Chicken Katsu Curry", "Panko chicken with Japanese curry sauce and sticky rice.",
        "mains", "japanese", 1350, (), ("gluten", "eggs", "soy"),
    ),
    DemoMenuItem(
        "m-18", "Salmon Teriyaki", "Glazed salmon fillet with teriyaki, rice and pak choi.",
        "mains", "japanese", 1695, ("dairy-free",), ("fish", "soy", "gluten"),
    ),
    DemoMenuItem(
        "m-19", "Fish and Chips", "Beer-battered cod, chunky chips, mushy peas and tartare sauce.",
        "mains", "british", 1450, ("dairy-free",), ("fish", "gluten", "eggs"),
    ),
    DemoMenuItem(
        "m-20", "Kung Pao Chicken", "Wok-fried chicken with chillies, peppers and roasted peanuts.",
        "mains", "chinese", 1295, ("dairy-free",), ("peanuts", "soy", "gluten"), spicy=True,
    ),
    DemoMenuItem(
        "m-21", "Falafel Platter", "Falafel, hummus, tabbouleh, pickles and flatbread.",
        "mains", "middle-eastern", 1150, _VEGAN, ("sesame", "gluten"),
    ),
    DemoMenuItem(
        "m-22", "Spinach and Ricotta Cannelloni", "Pasta tubes of spinach and ricotta baked in tomato sauce.",
        "mains", "italian", 1295, _VEG, ("milk", "gluten", "eggs"), available=False,
    ),
    DemoMenuItem(
        "m-23", "Thai Green Prawn Curry", "King prawns in green curry with coconut, basil and jasmine rice.",
        "mains", "thai", 1495, ("gluten-free", "dairy-free"), ("shellfish", "fish"), spicy=True,
    ),
    DemoMenuItem(
        "m-24", "Beef Lasagne", "Layers of pasta, slow-cooked beef ragù and béchamel.",
        "mains", "italian", 1450, (), ("milk", "gluten", "eggs"),
    ),
    DemoMenuItem(
        "m-25", "Vegetable Massaman Curry", "Potato, squash and peanuts in a mild massaman curry.",
        "mains", "thai", 1250, _VEGAN_GF, ("peanuts",), available=False,
    ),
    DemoMenuItem(
        "m-26", "Aubergine Parmigiana", "Baked aubergine, tomato, mozzarella and parmesan.",
        "mains", "italian", 1395, _VEG_GF, ("milk",),
    ),
    # pizza
    DemoMenuItem(
        "m-27", "Margherita Pizza", "Tomato, mozzarella and fresh basil on a sourdough base.",
        "pizza", "italian", 995, _VEG, ("milk", "gluten"),
    ),
    DemoMenuItem(
        "m-28", "Pepperoni Pizza", "Tomato, mozzarella and spicy pepperoni.",
        "pizza", "italian", 1195, (), ("milk", "gluten"), spicy=True,
    ),
    DemoMenuItem(
        "m-29", "Gluten-Free Margherita Pizza", "Our margherita on a gluten-free base.",
        "pizza", "italian", 1145, _VEG_GF, ("milk",),
    ),
    DemoMenuItem(
        "m-30", "Vegan Garden Pizza", "Tomato, vegan cheese, peppers, courgette, olives and red onion.",
        "pizza", "italian", 1250, _VEGAN, ("gluten", "soy"),
    ),
    DemoMenuItem(
        "m-31", "Nduja and Honey Pizza", "Spicy nduja sausage, mozzarella and a drizzle of hot honey.",
        "pizza", "italian", 1345, (), ("milk", "gluten"), spicy=True,
    ),
    DemoMenuItem(
        "m-32", "Quattro Formaggi Pizza", "Mozzarella, gorgonzola, fontina and parmesan.",
        "pizza", "italian", 1295, _VEG, ("milk", "gluten"), available=False,
    ),
    # burgers
    DemoMenuItem(
        "m-33", "Classic Beef Burger", "Beef patty, cheddar, lettuce, tomato and burger sauce in a sesame bun.",
        "burgers", "american", 1195, (), ("milk", "gluten", "eggs", "sesame"),
    ),
    DemoMenuItem(
        "m-34", "Halloumi Burger", "Grilled halloumi, roasted peppers and harissa mayo in a brioche bun.",
        "burgers", "mediterranean", 1150, _VEG, ("milk", "gluten", "eggs", "sesame"), spicy=True,
    ),
    DemoMenuItem(
        "m-35", "Smoky Bean Burger", "Black bean and smoked paprika patty, vegan mayo, pickles.",
        "burgers", "american", 1095, _VEGAN, ("gluten", "soy", "sesame"),
    ),
    DemoMenuItem(
        "m-36", "Crispy Chicken Burger", "Buttermilk fried chicken, slaw and chilli mayo.",
        "burgers", "american", 1250, ("halal",), ("milk", "gluten", "eggs", "sesame"), spicy=True,
    ),
    DemoMenuItem(
        "m-37", "Peanut Butter Bacon Burger", "Beef patty, smoked bacon, crunchy peanut butter and cheddar.",
        "burgers", "american", 1350, (), ("peanuts", "milk", "gluten", "sesame"),
    ),
    # salads
    DemoMenuItem(
        "m-38", "Greek Salad", "Tomato, cucumber, olives, red onion and feta.",
        "salads", "mediterranean", 895, _VEG_GF, ("milk",),
    ),
    DemoMenuItem(
        "m-39", "Chicken Caesar Salad", "Romaine, grilled chicken, parmesan, croutons and anchovy dressing.",
        "salads", "american", 995, (), ("fish", "eggs", "milk", "gluten"),
    ),
    DemoMenuItem(
        "m-40", "Thai Peanut Crunch Salad", "Shredded cabbage, carrot, edamame and herbs with peanut-lime dressing.",
        "salads", "thai", 925, _VEGAN_GF, ("peanuts", "soy", "sesame"),
    ),
    DemoMenuItem(
        "m-41", "Quinoa and Roast Vegetable Salad", "Quinoa, roast squash, peppers, spinach and lemon dressing.",
        "salads", "mediterranean", 950, _VEGAN_GF, (),
    ),
    DemoMenuItem(
        "m-42", "Fattoush", "Crunchy salad of tomato, cucumber, radish, herbs, sumac and toasted pitta.",
        "salads", "middle-eastern", 850, _VEGAN, ("gluten",),
    ),
    # desserts
    DemoMenuItem(
        "m-43", "Tiramisu", "Espresso-soaked sponge, mascarpone and cocoa.",
        "desserts", "italian", 650, _VEG, ("milk", "eggs", "gluten"),
    ),
    DemoMenuItem(
        "m-44", "Sticky Toffee Pudding", "Warm date sponge, toffee sauce and vanilla ice cream.",
        "desserts", "british", 695, _VEG, ("milk", "eggs", "gluten"),
    ),
    DemoMenuItem(
        "m-45", "Mango Sorbet", "Alphonso mango sorbet.",
        "desserts", "indian", 495, _VEGAN_GF, (),
    ),
    DemoMenuItem(
        "m-46", "Chocolate Peanut Brownie", "Fudgy chocolate brownie studded with salted peanuts.",
        "desserts", "american", 595, _VEG, ("peanuts", "milk", "eggs", "gluten"),
    ),
    DemoMenuItem(
        "m-47", "Pistachio Kulfi", "Traditional Indian ice cream with pistachio and cardamom.",
        "desserts", "indian", 550, _VEG_GF, ("milk", "tree-nuts"),
    ),
    DemoMenuItem(
        "m-48", "Matcha Mochi", "Soft rice cakes filled with matcha ice cream.",
        "desserts", "japanese", 595, _VEG_GF, ("milk",), available=False,
    ),
    # drinks
    DemoMenuItem(
        "m-49", "Mango Lassi", "Chilled yoghurt drink with mango and a pinch of cardamom.",
        "drinks", "indian", 395, _VEG_GF, ("milk",),
    ),
    DemoMenuItem(
        "m-50", "Sparkling Elderflower", "Elderflower cordial with sparkling water.",
        "drinks", "british", 295, _VEGAN_GF, (),
    ),
    DemoMenuItem(
        "m-51", "Fresh Lemonade", "Freshly squeezed lemonade with mint.",
        "drinks", "american", 325, _VEGAN_GF, (),
    ),
    DemoMenuItem(
        "m-52", "Thai Iced Tea", "Strong spiced black tea with condensed milk over ice.",
        "drinks", "thai", 375, _VEG_GF, ("milk",),
    ),
    DemoMenuItem(
        "m-53", "Japanese Green Tea", "Hot sencha green tea.",
        "drinks", "japanese", 250, _VEGAN_GF, (),
    ),
    # sides
    DemoMenuItem(
        "m-54", "Garlic Naan", "Tandoor-baked flatbread with garlic butter and coriander.",
        "sides", "indian", 325, _VEG, ("milk", "gluten"),
    ),
    DemoMenuItem(
        "m-55", "Sweet Potato Fries", "Crispy sweet potato fries with smoked salt.",
        "sides", "american", 425, _VEGAN_GF, (),
    ),
    DemoMenuItem(
        "m-56", "Egg Fried Rice", "Wok-fried rice with egg, spring onion and peas.",
        "sides", "chinese", 375, ("vegetarian", "dairy-free"), ("eggs", "soy"),
    ),
    DemoMenuItem(
        "m-57", "Onion Bhaji", "Crispy onion fritters in spiced gram flour batter.",
        "sides", "indian", 425, _VEGAN_GF, (),
    ),
    DemoMenuItem(
        "m-58", "Patatas Bravas", "Fried potatoes with spicy tomato sauce and aioli.",
        "sides", "mediterranean", 450, _VEG_GF, ("eggs",), spicy=True,
    ),
    DemoMenuItem(
        "m-59", "Peanut Sesame Noodles", "Cold noodles tossed in peanut butter, sesame and chilli oil.",
        "sides", "chinese", 450, _VEGAN, ("peanuts", "sesame", "soy", "gluten"), spicy=True,
    ),
    DemoMenuItem(
        "m-60", "Garlic Bread", "Baked ciabatta with garlic and parsley butter.",
        "sides", "italian", 395, _VEG, ("milk", "gluten"),
    ),
)  # fmt: skip

_MENU_BY_ID: dict[str, DemoMenuItem] = {item.item_id: item for item in MENU}


def menu_item(item_id: str) -> DemoMenuItem | None:
    """The demo menu item with this id, if any."""
    return _MENU_BY_ID.get(item_id)
