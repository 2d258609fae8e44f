"""The demo customers the customer-profile service seeds: one profile per demo person.

Ada (`ada@example.com`) is vegetarian, allergic to peanuts and fond of Indian and Italian food,
with a home and a work address; Grace has no restrictions and one home address; the others vary.
Address ids (`addr-<local part>-<label>`) are stable: the order service's demo history names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp_common.demo_people import PEOPLE, DemoPerson
from mcp_common.food import AddressLabel, Allergen, Cuisine, DietaryTag


@dataclass(frozen=True)
class DemoAddress:
    """A delivery address of a customer."""

    address_id: str
    label: AddressLabel
    line1: str
    city: str
    postcode: str
    country: str
    is_default: bool = False


@dataclass(frozen=True)
class DemoProfile:
    """A customer's food profile: restrictions, tastes, loyalty and delivery addresses."""

    email: str
    name: str
    dietary_preferences: tuple[DietaryTag, ...]
    allergens: tuple[Allergen, ...]
    favourite_cuisines: tuple[Cuisine, ...]
    loyalty_points: int
    addresses: tuple[DemoAddress, ...]

    @property
    def default_address(self) -> DemoAddress:
        """The default delivery address (the first one when none is marked)."""
        return next((a for a in self.addresses if a.is_default), self.addresses[0])


@dataclass(frozen=True)
class _Taste:
    dietary: tuple[DietaryTag, ...] = ()
    allergens: tuple[Allergen, ...] = ()
    cuisines: tuple[Cuisine, ...] = ()
    loyalty_points: int = 0
    work_address: bool = False


_TASTES: dict[str, _Taste] = {
    "ada": _Taste(("vegetarian",), ("peanuts",), ("indian", "italian"), 1240, work_address=True),
    "grace": _Taste((), (), ("american", "japanese"), 860),
    "linus": _Taste((), ("shellfish",), ("japanese", "chinese"), 410, work_address=True),
    "alan": _Taste(("vegan", "vegetarian"), (), ("indian", "middle-eastern"), 2150, work_address=True),
    "katherine": _Taste(("gluten-free",), ("gluten",), ("mexican", "thai"), 530),
    "margaret": _Taste((), ("tree-nuts", "peanuts"), ("italian", "british"), 990, work_address=True),
    "edsger": _Taste(("vegetarian",), (), ("mediterranean", "italian"), 75),
    "barbara": _Taste(("dairy-free",), ("milk",), ("thai", "japanese"), 640),
    "donald": _Taste((), (), ("british", "american"), 1870, work_address=True),
    "frances": _Taste(("halal",), (), ("middle-eastern", "indian"), 320),
    "tim": _Taste((), ("eggs",), ("british", "italian"), 1105, work_address=True),
    "radia": _Taste(("vegan", "vegetarian"), ("soy",), ("mexican", "mediterranean"), 450),
    "guido": _Taste((), (), ("italian", "mediterranean"), 2890),
    "hedy": _Taste(("vegetarian", "gluten-free"), ("gluten",), ("italian", "indian"), 150),
    "john": _Taste((), ("fish", "shellfish"), ("chinese", "thai"), 720),
    "sophie": _Taste(("vegetarian",), ("sesame",), ("british", "middle-eastern"), 980, work_address=True),
    "ken": _Taste((), (), ("american", "mexican"), 60),
    "dennis": _Taste((), ("peanuts",), ("chinese", "american"), 1340),
    "annie": _Taste(("dairy-free",), ("milk", "eggs"), ("thai", "indian"), 275),
    "claude": _Taste((), (), ("japanese", "italian"), 1600, work_address=True),
    "karen": _Taste(("vegan", "vegetarian", "gluten-free"), ("gluten",), ("indian", "thai"), 830),
    "yukihiro": _Taste((), ("shellfish",), ("japanese", "chinese"), 390),
    "ida": _Taste(("halal",), ("peanuts", "tree-nuts"), ("middle-eastern", "mediterranean"), 505),
    "satoshi": _Taste((), (), ("japanese", "american"), 0),
    "evelyn": _Taste(("vegetarian",), ("milk",), ("mexican", "indian"), 1215),
}

_CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "GB": (("London", "N1 9GU"), ("Manchester", "M1 1AE"), ("Cambridge", "CB2 1TN"), ("Bristol", "BS1 4DJ")),
    "US": (("New York", "10001"), ("Boston", "02139"), ("San Francisco", "94107"), ("Seattle", "98101")),
    "FI": (("Helsinki", "00100"),),
    "NL": (("Amsterdam", "1012 AB"),),
    "AT": (("Vienna", "1010"),),
    "HU": (("Budapest", "1051"),),
    "JP": (("Tokyo", "100-0001"),),
}
_STREETS = ("Engine Street", "Babbage Road", "Compiler Lane", "Kernel Way", "Algorithm Avenue", "Turing Place")


def _address(person: DemoPerson, index: int, label: AddressLabel, *, default: bool) -> DemoAddress:
    local = person.email.split("@")[0]
    cities = _CITIES[person.country]
    city, postcode = cities[index % len(cities)]
    street = _STREETS[(index * 2 + (label == "work")) % len(_STREETS)]
    number = 10 + index * 7 + (30 if label == "work" else 0)
    return DemoAddress(f"addr-{local}-{label}", label, f"{number} {street}", city, postcode, person.country, default)


def _profile(person: DemoPerson, index: int) -> DemoProfile:
    taste = _TASTES[person.email.split("@")[0]]
    addresses = [_address(person, index, "home", default=True)]
    if taste.work_address:
        addresses.append(_address(person, index, "work", default=False))
    return DemoProfile(
        email=person.email,
        name=person.name,
        dietary_preferences=taste.dietary,
        allergens=taste.allergens,
        favourite_cuisines=taste.cuisines,
        loyalty_points=taste.loyalty_points,
        addresses=tuple(addresses),
    )


PROFILES: dict[str, DemoProfile] = {p.email: _profile(p, i) for i, p in enumerate(PEOPLE)}
"""Every demo person's food profile, keyed by lower-case email."""


def profile(email: str) -> DemoProfile | None:
    """The demo profile of this email (case-insensitive), if any."""
    return PROFILES.get(email.strip().lower())
