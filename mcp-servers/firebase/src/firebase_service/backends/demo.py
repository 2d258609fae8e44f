"""`DemoAppUsers`: an embedded, deterministic account and usage dataset for the shared demo people.

Every person of `mcp_common.demo_people` has a sign-in account. Sign-ins and activity are placed
relative to the injected clock, so the personas stay true whenever the demo runs (ada was active
two hours ago; linus has not been for months). A usage document counts the sessions of the month
of the last activity, as a real one left untouched since then would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from firebase_service.backends._demo_accounts import Account, account, created_at
from firebase_service.models import AuthUser, UsageDocument
from mcp_common.clock import Clock, SystemClock
from mcp_common.demo_people import PEOPLE, DemoPerson, person
from mcp_common.errors import ErrorCode, ServiceError

NO_ACCOUNT = "no Firebase Auth user with that email"
NO_USAGE = "no app usage is recorded for that user"


def demo_uid(email: str) -> str:
    """The demo uid of a person, e.g. `demo-ada`."""
    return "demo-" + email.split("@")[0]


class DemoAppUsers:
    """An `AppUsersBackend` over the embedded demo dataset."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._by_uid = {demo_uid(p.email): (i, p) for i, p in enumerate(PEOPLE)}

    async def find_user(self, email: str) -> AuthUser:
        found = person(email)
        if found is None:
            raise ServiceError(ErrorCode.NOT_FOUND, NO_ACCOUNT)
        index = PEOPLE.index(found)
        return _user(index, found, account(index, found.email), self._clock.now())

    async def usage(self, uid: str) -> UsageDocument:
        entry = self._by_uid.get(uid)
        profile = account(entry[0], entry[1].email) if entry is not None else None
        if profile is None or profile.features is None or profile.idle_h is None:
            raise ServiceError(ErrorCode.NOT_FOUND, NO_USAGE)
        last_active = self._clock.now() - timedelta(hours=profile.idle_h)
        return UsageDocument(
            last_active_at=last_active,
            sessions_this_month=min(profile.sessions, 3 * last_active.day),
            month=f"{last_active.year:04d}-{last_active.month:02d}",
            feature_counts=profile.features,
        )

    async def aclose(self) -> None:
        return None


def _user(index: int, who: DemoPerson, profile: Account, now: datetime) -> AuthUser:
    signed_in = None if profile.signed_in_h is None else now - timedelta(hours=profile.signed_in_h)
    return AuthUser(
        uid=demo_uid(who.email),
        email=who.email,
        display_name=who.name,
        email_verified=profile.verified,
        disabled=profile.disabled,
        created_at=created_at(index, profile, now),
        last_sign_in_at=signed_in,
        providers=sorted(profile.providers),
    )
