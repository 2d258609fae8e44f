"""How each `mcp_common.demo_people` person signs in and uses the app in the demo dataset.

The documented personas: ada (verified, Google and password, active today, heavy user of the
dashboard and reports), grace (new in her trial, email not yet verified, light use), linus
(account disabled, last active months ago, no sessions this month). evelyn has an account but
never signed in and has no usage recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

FEATURES = ("dashboard", "reports", "search", "export", "notifications", "integrations", "team_invites", "mobile_app")
PROVIDER_SETS = (("password",), ("google.com",), ("google.com", "password"), ("apple.com",), ("microsoft.com",))
FIRST_START = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
"""Ada's account dates from three days before this; each following person's 19 days later."""


@dataclass(frozen=True)
class Account:
    """How one demo person uses the app.

    `idle_h` is how long ago they were last active, `signed_in_h` how long ago they last signed
    in (None: never); `sessions` were started in the month of the last activity; `new_days`
    places a new account that many days before now; `features` None means no usage document.
    """

    providers: tuple[str, ...]
    idle_h: float | None
    signed_in_h: float | None
    sessions: int
    features: dict[str, int] | None = field(default=None)
    verified: bool = True
    disabled: bool = False
    new_days: int | None = None


SPECIAL: dict[str, Account] = {
    "ada@example.com": Account(
        ("google.com", "password"), idle_h=2, signed_in_h=74, sessions=18,
        features={"dashboard": 42, "reports": 31, "export": 12, "search": 9, "integrations": 3},
    ),
    "grace@example.com": Account(
        ("password",), idle_h=26, signed_in_h=27, sessions=3, verified=False, new_days=9,
        features={"dashboard": 4, "search": 2, "team_invites": 1},
    ),
    "linus@example.com": Account(
        ("github.com", "password"), idle_h=24 * 120, signed_in_h=24 * 121, sessions=11, disabled=True,
        features={"reports": 57, "export": 40, "dashboard": 22, "integrations": 15},
    ),
    "sophie@example.com": Account(
        ("google.com",), idle_h=5, signed_in_h=5, sessions=2, verified=False, new_days=3,
        features={"dashboard": 2, "notifications": 1},
    ),
    "hedy@example.com": Account(
        ("password",), idle_h=24 * 64, signed_in_h=24 * 64, sessions=4,
        features={"dashboard": 19, "search": 6},
    ),
    "evelyn@example.com": Account(("password",), idle_h=None, signed_in_h=None, sessions=0),
}  # fmt: skip


def account(index: int, email: str) -> Account:
    """The account of the person at `index` of `PEOPLE`: hand-written for some, derived for the rest."""
    if email in SPECIAL:
        return SPECIAL[email]
    idle_h = float((index * 37) % 200 + 1)
    features = {name: (index * 7 + rank * 13) % 40 for rank, name in enumerate(FEATURES)}
    return Account(
        PROVIDER_SETS[index % len(PROVIDER_SETS)],
        idle_h=idle_h,
        signed_in_h=idle_h + (index % 4) * 24,
        sessions=(index * 5) % 23 + 1,
        features={name: count for name, count in features.items() if count},
    )


def created_at(index: int, profile: Account, now: datetime) -> datetime:
    """When the account was made: before the billing account, or `new_days` ago for new ones."""
    if profile.new_days is not None:
        return now - timedelta(days=profile.new_days, hours=1)
    return FIRST_START + timedelta(days=19 * index - 3)
