"""Caller: the identity a request acts for. Tool arguments that name a person are bound to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """The end user and tenant; from the request's email while authentication is off."""

    email: str
    tenant: str = "default"

    @property
    def user(self) -> str:
        return self.email.strip().lower()
