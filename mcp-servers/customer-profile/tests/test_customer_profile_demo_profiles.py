"""The demo profiles keep the invariants the food services, their tests and the README rely on."""

from __future__ import annotations

from customer_profile_service.demo_profiles import PROFILES, profile
from mcp_common.demo_people import PEOPLE
from mcp_common.food import ALLERGENS, CUISINES, DIETARY_TAGS


def test_every_person_has_a_profile_with_one_default_address() -> None:
    assert set(PROFILES) == {p.email for p in PEOPLE}
    for email, prof in PROFILES.items():
        assert prof.email == email
        assert prof.addresses
        assert sum(a.is_default for a in prof.addresses) == 1
        local = email.split("@")[0]
        assert all(a.address_id == f"addr-{local}-{a.label}" for a in prof.addresses)
        assert set(prof.dietary_preferences) <= set(DIETARY_TAGS)
        assert set(prof.allergens) <= set(ALLERGENS)
        assert set(prof.favourite_cuisines) <= set(CUISINES)


def test_ada_is_a_vegetarian_allergic_to_peanuts_who_likes_indian_and_italian() -> None:
    ada = profile("Ada@Example.com")
    assert ada is not None
    assert ada.dietary_preferences == ("vegetarian",)
    assert ada.allergens == ("peanuts",)
    assert ada.favourite_cuisines == ("indian", "italian")
    assert [(a.address_id, a.label, a.is_default) for a in ada.addresses] == [
        ("addr-ada-home", "home", True),
        ("addr-ada-work", "work", False),
    ]
    assert ada.default_address.address_id == "addr-ada-home"


def test_grace_has_no_restrictions_and_one_home_address() -> None:
    grace = PROFILES["grace@example.com"]
    assert grace.dietary_preferences == ()
    assert grace.allergens == ()
    assert [(a.address_id, a.label, a.is_default) for a in grace.addresses] == [("addr-grace-home", "home", True)]


def test_other_people_are_varied() -> None:
    others = [p for email, p in PROFILES.items() if email not in {"ada@example.com", "grace@example.com"}]
    assert any("vegan" in p.dietary_preferences for p in others)
    assert any("gluten-free" in p.dietary_preferences for p in others)
    assert any(p.allergens for p in others)
    assert any(not p.dietary_preferences and not p.allergens for p in others)


def test_an_unknown_email_has_no_profile() -> None:
    assert profile("nobody@example.com") is None
