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
    chickpea chickpeas courgette zucchini broccoli cauliflower carrot carrots peas sweetcorn corn avocado
    tomato tomatoes onion onions pepper peppers chilli chillies chili jalapeno jalapenos olive olives
    cucumber lettuce rocket arugula kale cabbage beetroot squash pumpkin leek celery asparagus artichoke
    coriander cilantro basil pesto parsley mint ginger lemongrass coconut cashew cashews almond almonds
    pistachio walnut sesame soy tahini yoghurt yogurt cream butter mozzarella cheddar parmesan gorgonzola
    burrata goat brie paneer tofu tempeh seitan jackfruit mackerel haddock trout sardines anchovies
    scampi calamari squid mussels crab lobster scallops duck turkey venison chorizo salami prosciutto
    pancetta meatballs meatball wings nuggets ribs brisket fillet sirloin mince patty schnitzel
    fajita fajitas gyoza wonton wontons bun buns baguette panini ciabatta focaccia bagel
    croissant toast pancake pancakes waffle waffles crepe crepes porridge granola muesli cereal
    noodles linguine penne fusilli tagliatelle macaroni orzo couscous bulgur polenta tortilla tortillas
    wrap naan chapati paratha roti poppadom poppadoms chutney raita dhansak madras tandoori korai
    balti pasanda makhani tarka paella tapas gazpacho moussaka souvlaki tzatziki dolma baklava
    shakshuka tagine jollof plantain ramen katsu donburi yakitori tonkatsu sashimi nigiri maki
    laksa rendang nasi goreng satay banh larb
    fried rolls chowder stew casserole roast pie pasty quiche frittata gratin
    sundae muffin muffins cookie cookies biscuit biscuits doughnut doughnuts donut donuts flapjack
    scone scones cupcake cupcakes macaron macarons meringue pavlova trifle custard profiteroles
    fudge caramel vanilla strawberry strawberries raspberry blueberry banana pineapple lychee
    milkshake shake shakes frappe latte cappuccino espresso mocha chai cocoa kombucha cider lager
    prosecco cocktail mocktail squash cordial sparkling cheeseburger cheeseburgers hamburger hamburgers hotdog
    hotdogs entree entrees appetiser appetisers appetizer appetizers coke pepsi fanta sprite
        """
FOOD_WORDS = frozenset(_WORDS.split())
"""Dish, ingredient, drink and meal words the retriever reads as entities rather than catalog words."""
