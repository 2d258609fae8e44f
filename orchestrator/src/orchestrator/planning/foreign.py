"""Words of subjects no business or food-ordering tool answers: travel, weather, sport, politics, health,
money markets, shopping elsewhere, entertainment, schoolwork. General knowledge of what people also ask a
chat box. Left out on purpose: words as common inside this product's subjects as outside them (phone, news,
stock, tax, team, score, goal, film, book, story, weight, package).

A clause naming one of these words that the catalog itself never uses (exactly, not as a misspelling of a
catalog word: "plane" is not "plan") is asked back rather than planned with the nearest tool ("track my
flight", "is it going to rain"); a catalog with a weather tool knows "weather", and then plans it."""

from __future__ import annotations

import re

_BY_SUBJECT = (
    # travel and places
    "flight flights airline airlines airport airports plane planes train trains railway taxi hotel hotels airbnb "
    "holiday holidays vacation passport luggage baggage cruise ferry motorway traffic directions hospital "
    "hospitals pharmacy museum museums "
    # weather
    "weather rain raining sunny forecast snow snowing umbrella windy storm thunderstorm humidity "
    # sport and politics
    "football soccer cricket rugby tennis basketball baseball league championship olympics election elections "
    "president parliament government politics celebrity footie fixture fixtures nba nfl golf boxing ufc playoffs "
    "halftime referee "
    # health
    "calories calorie doctor dentist symptoms symptom medicine medication vaccine headache fever workout gym bmi "
    # money outside this business
    "bank banks mortgage loan loans crypto bitcoin ethereum forex pension insurance exchange dividend dividends "
    "inflation lottery casino betting horoscope "
    # shopping and things elsewhere
    "laptop laptops television headphones shoes trainers clothes jacket furniture sofa amazon ebay parcel "
    "parcels "
    # entertainment and schoolwork
    "cinema song songs music album concert novel poem poems joke jokes riddle homework essay equation maths "
    "math calculus translate translation recipe recipes multiply multiplied divide divided algebra bake baking "
    "oven printer"
)
FOREIGN_WORDS: frozenset[str] = frozenset(_BY_SUBJECT.split())

ARITHMETIC = re.compile(
    r"(?<![\w-])\d+(?:\.\d+)?\s*(?:times|plus|minus|multiplied by|divided by|to the power of|[*^+])"
    r"\s*\d+(?:\.\d+)?(?![\w-])"
)
"""A sum between two bare numbers ("17 times 23", "12 + 5"): schoolwork. Not a count of dishes ("2 x m-09")
nor a date ("09/27")."""

SMALL_TALK = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|and|but)\W+)*(?:"
    r"who are you|what are you|are you (?:a )?(?:bot|robot|human|real|an ai)|how are you(?: doing| today)?|"
    r"what(?: is|'s)? the (?:time|date|day)(?: today| now)?|what time is it|what day is it|"
    r"(?:can|could|may) i (?:speak|talk) (?:to|with) (?:a |an |someone|somebody|real )*(?:human|person|agent|someone|"
    r"somebody|manager)|"
    r"what(?: are|'re)? your (?:opening|business) hours|when are you open|are you open"
    r")(?:\s+(?:on \w+|today|tonight|tomorrow|now|please|then|mate))*\W*$",
    re.IGNORECASE,
)
"""Small talk and questions about the assistant itself, as the whole clause: no tool answers them, whatever
words they share ("who are you" is small talk; "who are you sending my invoices to" is not)."""
