"""A general food vocabulary: words for dishes, ingredients, drinks and meals (any menu, not one restaurant's)."""

from __future__ import annotations

_WORDS = """
    pizza pizzas burger burgers salad salads dessert desserts pudding puddings drink drinks side sides starter
    starters main mains curry curries noodle noodles rice naan bread garlic chips fries fish chicken beef lamb
    pork bacon ham prawn prawns shrimp salmon tuna cod tofu paneer chana masala tikka korma vindaloo biryani
    dal dhal bhaji bhajis samosa samosas pakora katsu teriyaki tempura sushi ramen udon miso mochi matcha
    edamame satay thai pad massaman rogan josh kung pao dumpling dumplings spring roll rolls wrap wraps
    burrito burritos taco tacos nachos quesadilla enchilada falafel hummus houmous flatbread pitta fattoush
    halloumi feta greek caesar quinoa risotto pasta lasagne lasagna cannelloni spaghetti carbonara bolognese
    gnocchi ravioli margherita pepperoni calzone nduja formaggi parmigiana aubergine eggplant mushroom
    mushrooms spinach ricotta potato potatoes sweet bravas tiramisu cheesecake brownie brownies cake cakes
    sorbet ice cream gelato kulfi toffee chocolate pie tart crumble lassi lemonade tea coffee juice smoothie
    soda cola beer wine water elderflower mango bruschetta soup steak sandwich toastie kebab shawarma gyro
    sausage omelette eggs egg vegetables vegetable veg bean beans lentil lentils peanut noodle breakfast lunch
    dinner snack snacks meal dish dishes spicy vegan vegetarian veggie halal kosher dairy gluten nut nuts
    cheese bhuna jalfrezi saag aloo gobi pho bao bibimbap kimchi poke
    """
FOOD_WORDS = frozenset(_WORDS.split())
"""Dish, ingredient, drink and meal words the retriever reads as entities rather than catalog words."""
