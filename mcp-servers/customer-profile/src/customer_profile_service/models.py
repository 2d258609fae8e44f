"""Tool arguments and results of the customer-profile service.

Field descriptions become the tool schemas the planner and LLMs read, so they say what each
value means, not only its type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from mcp_common.emails import Email
from mcp_common.food import AddressLabel, Allergen, AllergenArg, DietaryTag, DietaryTagArg, normalised

CuisineArg = Annotated[
    str, normalised({}), StringConstraints(min_length=2, max_length=40, pattern=r"^[a-z][a-z-]*[a-z]$")
]
LabelArg = Annotated[AddressLabel, normalised({})]
CountryArg = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z]{2}$"),
]


class EmailArgs(BaseModel):
    """Arguments naming one customer by email."""

    email: Email = Field(description="Email address of the customer whose profile is wanted (case-insensitive).")


class UpdatePreferencesArgs(EmailArgs):
    """Arguments of `update_preferences`: each list given replaces the stored one; omitted ones stay."""

    dietary_preferences: list[DietaryTagArg] | None = Field(
        default=None,
        max_length=5,
        description="The customer's diets, replacing the stored ones: vegan, vegetarian, gluten-free, "
        "dairy-free, halal. An empty list clears them; omit to keep them.",
    )
    allergens: list[AllergenArg] | None = Field(
        default=None,
        max_length=9,
        description="The customer's allergies, replacing the stored ones: peanuts, tree-nuts, milk, eggs, "
        "gluten, soy, fish, shellfish, sesame. An empty list clears them; omit to keep them.",
    )
    favourite_cuisines: list[CuisineArg] | None = Field(
        default=None,
        max_length=10,
        description="Cuisines the customer likes, most liked first, replacing the stored ones, e.g. "
        "['indian', 'italian', 'thai', 'middle-eastern']. An empty list clears them; omit to keep them.",
    )


class AddAddressArgs(EmailArgs):
    """Arguments of `add_address`."""

    model_config = ConfigDict(str_strip_whitespace=True)

    label: LabelArg = Field(description="What the address is to the customer: home, work or other.")
    line1: str = Field(min_length=1, max_length=200, description="Street address, e.g. '10 Downing Street'.")
    city: str = Field(min_length=1, max_length=100, description="Town or city.")
    postcode: str = Field(min_length=1, max_length=20, description="Postcode or ZIP code.")
    country: CountryArg = Field(default="GB", description="ISO 3166-1 alpha-2 country code; GB unless told otherwise.")
    make_default: bool = Field(
        default=False,
        description="Make this the default delivery address (the customer's first address always is).",
    )


class Address(BaseModel):
    """One delivery address of the customer."""

    address_id: str = Field(description="Address id (e.g. `addr-ada-home`); give it when placing an order.")
    label: AddressLabel = Field(description="home, work or other.")
    line1: str = Field(description="Street address.")
    city: str = Field(description="Town or city.")
    postcode: str = Field(description="Postcode or ZIP code.")
    country: str = Field(description="ISO 3166-1 alpha-2 country code, e.g. GB.")
    is_default: bool = Field(description="True for the address orders go to unless another is chosen.")


class UserProfileResponse(BaseModel):
    """A customer's food profile."""

    email: str = Field(description="The customer's email (lower-case).")
    name: str = Field(description="The customer's full name.")
    addresses: list[Address] = Field(description="Delivery addresses, in the order they were added.")
    dietary_preferences: list[DietaryTag] = Field(
        description="Diets the customer follows (vegan, vegetarian, gluten-free, dairy-free, halal); empty means none."
    )
    allergens: list[Allergen] = Field(
        description="Allergens the customer must avoid (peanuts, tree-nuts, milk, eggs, gluten, soy, fish, "
        "shellfish, sesame); empty means none declared."
    )
    favourite_cuisines: list[str] = Field(description="Cuisines the customer likes, most liked first.")
    loyalty_points: int = Field(description="Loyalty points balance.")
    updated_at: datetime = Field(description="When the profile last changed (UTC).")
