"""The firebase tools: thin, read-only adapters from the registry onto `AppUserService`."""

from __future__ import annotations

from firebase_service.backends.base import AppUsersBackend
from firebase_service.models import AppUsage, AuthUser, UserArgs
from firebase_service.service import AppUserService
from mcp_common.clock import Clock
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

USER_EXAMPLES = (
    "when did I last sign in?",
    "is my email verified?",
    "is my account disabled?",
    "when did I create my account?",
    "which sign-in methods are linked to my account?",
    "do I log in with Google or with a password?",
    "what display name is on my login?",
    "have I verified my email address yet?",
    "when was my last login?",
    "is my login blocked?",
    "is my sign-in account enabled?",
    "can I sign in with Apple?",
    "is my login linked to GitHub or Microsoft?",
    "what date did I sign up?",
    "which email do I sign in with?",
    "have I ever logged in?",
    "what's my Firebase uid?",
    "what name shows on my account when I log in?",
    "I can't log in, has my account been disabled?",
)
USAGE_EXAMPLES = (
    "how many sessions did I have this month?",
    "which features do I use most?",
    "when was I last active in the app?",
    "how often have I used the reports?",
    "have I used the app this month?",
    "what do I use the app for?",
    "how active have I been in the app lately?",
    "how many times did I open the app this month?",
    "what features have I used the most?",
    "how often do I use the dashboard?",
    "have I used the export feature much?",
    "which features do I hardly ever use?",
    "show my app usage stats",
    "how engaged am I with the app?",
    "what are my top 5 features?",
    "how many app sessions so far this month?",
    "do I use integrations or notifications at all?",
    "when did I last open the app?",
)


def build_registry(backend: AppUsersBackend, *, clock: Clock | None = None) -> ToolRegistry:
    """The registry of the `firebase` service, answering from `backend`."""
    registry = ToolRegistry("firebase")
    users = AppUserService(backend, clock=clock)

    @registry.tool(identity_args=("email",), cache_ttl_s=120, examples=USER_EXAMPLES)
    async def get_user(args: UserArgs, ctx: CallContext) -> AuthUser:
        """Sign-in account of an app user from Firebase Authentication, by email: Firebase uid,
        display name, email, whether the email address is verified, whether the account is
        disabled (cannot sign in), when the account was created, when the user last signed in,
        and the linked sign-in providers (password, google.com, apple.com, github.com, …). Use for
        questions about logging in, the last sign-in, email verification, a disabled or blocked
        login, or which sign-in methods the account has."""
        return await users.user(args.email)

    @registry.tool(identity_args=("email",), cache_ttl_s=60, examples=USAGE_EXAMPLES)
    async def get_app_usage(args: UserArgs, ctx: CallContext) -> AppUsage:
        """App usage of a user from Firestore, by email: when they were last active in the app,
        how many app sessions they started this month, how often they used each feature
        (dashboard, reports, search, export, …) and their most used features, most used first.
        Use for questions about activity, sessions, engagement, or which features the user uses
        most or least."""
        return await users.usage(args.email)

    return registry
