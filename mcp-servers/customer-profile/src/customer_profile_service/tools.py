"""The customer-profile service's tools, declared once and served on `/mcp/call` and `/mcp`.

Every tool names its customer by `email`, an identity argument: the registry refuses a call whose
email is not the caller's, so one customer can never read or change another's profile.
"""

from __future__ import annotations

from customer_profile_service.models import AddAddressArgs, EmailArgs, UpdatePreferencesArgs, UserProfileResponse
from customer_profile_service.repository import NewAddress, ProfileRepository
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

PROFILE_EXAMPLES = (
    "what dietary preferences do you have for me?",
    "what allergies are on my profile?",
    "which delivery addresses do I have saved?",
    "how many loyalty points do I have?",
    "what are my favourite cuisines?",
    "show my food profile",
    "what am I allergic to?",
    "what diet have you got me down as?",
    "am I marked as vegetarian or vegan on my profile?",
    "which of my addresses is the default for delivery?",
    "what home address do you have saved for me?",
    "is my work address saved?",
    "what's my loyalty points balance?",
    "how many reward points have I got?",
    "which cuisines do I like according to my profile?",
    "do you have my allergies on record?",
    "do I have any dietary requirements saved?",
    "what's the address id of my home address?",
    "what name is on my food profile?",
    "when did my profile last change?",
)
PREFERENCE_EXAMPLES = (
    "I'm vegetarian now",
    "I'm allergic to peanuts and sesame",
    "add thai to my favourite cuisines",
    "I no longer have any dietary restrictions",
    "set my diet to vegan and gluten-free",
)
ADDRESS_EXAMPLES = (
    "add my work address 1 Main Street, London EC1A 1BB",
    "save a new home address and make it my default",
    "add another delivery address",
    "deliver to a new address: 5 High Street, Cambridge CB2 1TN",
)

NOT_FOUND = "no customer profile for that email"


def build_registry(repository: ProfileRepository) -> ToolRegistry:
    """The `customer_profile` registry: the caller's own profile, read and updated."""
    registry = ToolRegistry("customer_profile")

    @registry.tool(identity_args=("email",), cache_ttl_s=120, examples=PROFILE_EXAMPLES)
    async def get_profile(args: EmailArgs, ctx: CallContext) -> UserProfileResponse:
        """The customer's food profile: name, dietary preferences (vegan, vegetarian, gluten-free,
        dairy-free, halal), allergens to avoid (peanuts, tree-nuts, milk, eggs, gluten, soy, fish,
        shellfish, sesame), favourite cuisines, loyalty points balance and saved delivery addresses
        (address ids, labels home/work/other, which one is the default). Use for what the customer
        can eat, where to deliver, or their loyalty points."""
        return _found(await repository.get(args.email))

    @registry.tool(
        writes=True,
        identity_args=("email",),
        examples=PREFERENCE_EXAMPLES,
        invalidates=("customer_profile", "recommendations"),
    )
    async def update_preferences(args: UpdatePreferencesArgs, ctx: CallContext) -> UserProfileResponse:
        """Change the customer's dietary preferences, allergens and/or favourite cuisines. Each
        list given REPLACES the stored one (send the full new list; an empty list clears it);
        lists omitted stay as they are; at least one must be given. Returns the updated profile."""
        if args.dietary_preferences is None and args.allergens is None and args.favourite_cuisines is None:
            raise ServiceError(
                ErrorCode.INVALID_REQUEST,
                "give at least one of dietary_preferences, allergens, favourite_cuisines",
            )
        profile = await repository.update_preferences(
            args.email,
            dietary_preferences=args.dietary_preferences,
            allergens=args.allergens,
            favourite_cuisines=args.favourite_cuisines,
        )
        return _found(profile)

    @registry.tool(writes=True, identity_args=("email",), examples=ADDRESS_EXAMPLES, invalidates=("customer_profile",))
    async def add_address(args: AddAddressArgs, ctx: CallContext) -> UserProfileResponse:
        """Save a new delivery address (home, work or other) on the customer's profile,
        optionally as the default delivery address. Returns the updated profile with the new
        address and its address id."""
        address = NewAddress(
            label=args.label,
            line1=args.line1,
            city=args.city,
            postcode=args.postcode,
            country=args.country,
            make_default=args.make_default,
        )
        return _found(await repository.add_address(args.email, address))

    return registry


def _found(profile: UserProfileResponse | None) -> UserProfileResponse:
    if profile is None:
        raise ServiceError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return profile
