"""Words of subjects no business or food-ordering tool answers: travel, weather, sport, politics, health,
money markets, shopping elsewhere, entertainment, schoolwork. General knowledge of what people also ask a
chat box. Left out on purpose: words as common inside this product's subjects as outside them (phone, news,
stock, tax, team, score, goal, film, book, story, weight, package).

A clause naming one of these words that the catalog itself never uses (exactly, not as a misspelling of a
catalog word: "plane" is not "plan") is asked back rather than planned with the nearest tool ("track my
flight", "is it going to rain"); a catalog with a weather tool knows "weather", and then plans it."""

from __future__ import annotations

_BY_SUBJECT = (
    # travel and places
    "flight flights airline airlines airport airports plane planes train trains railway taxi hotel hotels airbnb "
    "holiday holidays vacation passport luggage baggage cruise ferry motorway traffic directions hospital "
    "hospitals pharmacy museum museums "
    # weather
    "weather rain raining sunny forecast snow snowing umbrella "
    # sport and politics
    "football soccer cricket rugby tennis basketball baseball league championship olympics election elections "
    "president parliament government politics celebrity "
    # health
    "calories calorie doctor dentist symptoms symptom medicine medication vaccine headache fever workout gym bmi "
    # money outside this business
    "bank banks mortgage loan loans crypto bitcoin ethereum forex pension insurance "
    # shopping and things elsewhere
    "laptop laptops television headphones shoes trainers clothes jacket furniture sofa amazon ebay parcel "
    "parcels "
    # entertainment and schoolwork
    "cinema song songs music album concert novel poem poems joke jokes riddle homework essay equation maths "
    "math calculus translate translation recipe recipes"
)
FOREIGN_WORDS: frozenset[str] = frozenset(_BY_SUBJECT.split())
