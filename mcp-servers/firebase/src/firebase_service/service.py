"""The account and usage questions the tools answer, over any `AppUsersBackend`; framework-free.

Usage is always read under the uid of the account the email names, so a caller only ever
reaches the usage of the person their email identifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from firebase_service.backends.base import AppUsersBackend
from firebase_service.models import AppUsage, AuthUser, FeatureUse, UsageDocument
from mcp_common.clock import Clock, SystemClock

TOP_FEATURES = 5


class AppUserService:
    """Account and app usage look-ups by email; `clock` decides which month is the current one."""

    def __init__(self, backend: AppUsersBackend, *, clock: Clock | None = None) -> None:
        self._backend = backend
        self._clock = clock or SystemClock()

    async def user(self, email: str) -> AuthUser:
        """The sign-in account with this email; `NOT_FOUND` when there is none."""
        return await self._backend.find_user(email)

    async def usage(self, email: str) -> AppUsage:
        """The app usage of the account with this email; `NOT_FOUND` when either is missing."""
        account = await self._backend.find_user(email)
        document = await self._backend.usage(account.uid)
        return app_usage(account.uid, document, now=self._clock.now())


def app_usage(uid: str, document: UsageDocument, *, now: datetime) -> AppUsage:
    """The usage answer for `now`: a session count recorded for an earlier month counts as none."""
    month = f"{now.year:04d}-{now.month:02d}"
    stale = document.month is not None and document.month < month
    return AppUsage(
        uid=uid,
        last_active_at=document.last_active_at,
        month=month,
        sessions_this_month=0 if stale else document.sessions_this_month,
        feature_counts=dict(document.feature_counts),
        top_features=top_features(document.feature_counts),
    )


def top_features(counts: Mapping[str, int], limit: int = TOP_FEATURES) -> list[FeatureUse]:
    """The `limit` most used features (count above zero), most used first, ties by name."""
    ranked = sorted((item for item in counts.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))
    return [FeatureUse(feature=name, count=count) for name, count in ranked[:limit]]
