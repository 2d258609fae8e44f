"""The one protocol every app user backend implements."""

from __future__ import annotations

from typing import Protocol

from firebase_service.models import AuthUser, UsageDocument


class AppUsersBackend(Protocol):
    """Read access to sign-in accounts and usage. Errors are `ServiceError`s from the shared taxonomy."""

    async def find_user(self, email: str) -> AuthUser:
        """The account with this (lower-case) email; `NOT_FOUND` when there is none."""
        ...

    async def usage(self, uid: str) -> UsageDocument:
        """The usage document of the account `uid`; `NOT_FOUND` when none was recorded."""
        ...

    async def aclose(self) -> None:
        """Release clients and connections; called once when the service stops."""
        ...
