"""Input and output models of the firebase tools, and the stored shape of a usage document.

The output field descriptions become the tool schemas the planner reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeInt

from mcp_common import emails

Email = emails.LowerEmail


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A point in time, always timezone-aware UTC (a naive value is taken to be UTC)."""

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- inputs -----------------------------------------------------------------------------------------


class UserArgs(BaseModel):
    """Arguments naming the app user by email."""

    email: Email = Field(description="Email address of the app user (the end user), e.g. ada@example.com.")


# --- Firebase Auth ----------------------------------------------------------------------------------


class AuthUser(_Output):
    """The Firebase Authentication account of one person."""

    uid: str = Field(description="Firebase Auth user id.")
    email: str = Field(description="Sign-in email address (lower case).")
    display_name: str | None = Field(default=None, description="Display name on the account, if set.")
    email_verified: bool = Field(description="True once the user confirmed the email address.")
    disabled: bool = Field(description="True when the account is disabled and cannot sign in.")
    created_at: UtcDatetime | None = Field(default=None, description="When the account was created (UTC).")
    last_sign_in_at: UtcDatetime | None = Field(
        default=None, description="When the user last signed in (UTC); null if they never have."
    )
    providers: list[str] = Field(
        description="Linked sign-in methods by provider id, sorted: password (email and password), "
        "google.com, apple.com, github.com, microsoft.com, phone, …"
    )


# --- app usage --------------------------------------------------------------------------------------


class UsageDocument(BaseModel):
    """A usage document as stored in Firestore (`{collection}/{uid}`); unknown fields are ignored.

    `month` ("YYYY-MM") is the month `sessions_this_month` counts; without it the count is taken
    to be the current month's.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    last_active_at: UtcDatetime | None = None
    sessions_this_month: NonNegativeInt
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)
    feature_counts: dict[str, NonNegativeInt] = Field(default_factory=dict)


class FeatureUse(_Output):
    """How often one app feature was used."""

    feature: str = Field(description="Feature name, e.g. dashboard, reports, export.")
    count: int = Field(description="Times used.")


class AppUsage(_Output):
    """How one person uses the app."""

    uid: str = Field(description="Firebase Auth user id the usage belongs to.")
    last_active_at: UtcDatetime | None = Field(
        default=None, description="When the user was last active in the app (UTC); null if unknown."
    )
    month: str = Field(pattern=MONTH_PATTERN, description="The current month, YYYY-MM (UTC).")
    sessions_this_month: int = Field(description="App sessions started in the current month (0 when none).")
    feature_counts: dict[str, int] = Field(
        description="Times each feature was used, by feature name, since recording began."
    )
    top_features: list[FeatureUse] = Field(
        description="The most used features (up to 5), most used first; ties in feature-name order."
    )
