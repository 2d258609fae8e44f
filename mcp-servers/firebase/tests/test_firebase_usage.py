"""`get_app_usage` through the service's HTTP app, on the Firebase Auth and Firestore emulators.

Usage documents live at `{collection}/{uid}`, the uid resolved from the email through Firebase
Auth; each test writes its own collection in its own project.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from firebase_fakes import SeededAuth, new_project, seed_auth, seed_usage

from firebase_service.app import create_app
from firebase_service.backends.firebase import FirebaseAppUsers
from firebase_service.settings import Settings
from mcp_common.clock import ManualClock
from mcp_common.errors import ErrorCode, ServiceError
from mcp_devtools.emulators import FirebaseAuthEmulator, FirestoreEmulator
from mcp_devtools.testing import free_port, serve

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ADA_USAGE = {
    "last_active_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
    "sessions_this_month": 18,
    "month": "2026-03",
    "feature_counts": {"dashboard": 42, "reports": 31, "export": 12, "search": 9, "integrations": 3, "billing": 1},
    "client_version": "4.2.0",  # fields the service does not know are ignored
}
GRACE_USAGE = {"sessions_this_month": 3, "feature_counts": {"search": 2, "dashboard": 4}}


@pytest.fixture
def seeded(
    firebase_auth_emulator: FirebaseAuthEmulator, firestore_emulator: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> SeededAuth:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", firebase_auth_emulator.host)
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    return seed_auth(firebase_auth_emulator, new_project())


@pytest.fixture
def collection() -> str:
    return f"usage_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def url(seeded: SeededAuth, collection: str) -> Iterator[str]:
    settings = Settings(
        _env_file=None, backend="firebase", project_id=seeded.project, usage_collection=collection, timeout_s=5
    )
    with serve(create_app(settings, clock=ManualClock(NOW))) as base:
        yield base


async def _usage(url: str, email: str) -> Any:
    call = {"tool": "get_app_usage", "arguments": {"email": email}, "context": {"caller": email}}
    async with httpx.AsyncClient(timeout=10) as http:
        return (await http.post(f"{url}/mcp/call", json=call)).json()


async def test_ada_gets_her_usage_with_her_most_used_features_first(
    seeded: SeededAuth, collection: str, url: str
) -> None:
    await seed_usage(seeded.project, collection, {"uid-ada": ADA_USAGE, seeded.uids["grace@example.com"]: GRACE_USAGE})

    body = await _usage(url, "Ada@Example.com")

    assert body["ok"] is True, body
    result = body["result"]
    assert (result["uid"], result["last_active_at"]) == ("uid-ada", "2026-03-10T09:00:00Z")
    assert (result["month"], result["sessions_this_month"]) == ("2026-03", 18)
    assert result["feature_counts"] == ADA_USAGE["feature_counts"]
    assert [f["feature"] for f in result["top_features"]] == [
        "dashboard",
        "reports",
        "export",
        "search",
        "integrations",
    ]


async def test_a_document_without_month_or_activity_counts_for_the_current_month(
    seeded: SeededAuth, collection: str, url: str
) -> None:
    await seed_usage(seeded.project, collection, {seeded.uids["grace@example.com"]: GRACE_USAGE})

    result = (await _usage(url, "grace@example.com"))["result"]

    assert (result["sessions_this_month"], result["last_active_at"], result["month"]) == (3, None, "2026-03")
    assert result["top_features"] == [{"feature": "dashboard", "count": 4}, {"feature": "search", "count": 2}]


async def test_sessions_counted_in_an_earlier_month_are_none_this_month(
    seeded: SeededAuth, collection: str, url: str
) -> None:
    stale = {"last_active_at": datetime(2025, 11, 28, tzinfo=UTC), "sessions_this_month": 9, "month": "2025-11"}
    await seed_usage(seeded.project, collection, {"uid-linus": stale})

    result = (await _usage(url, "linus@example.com"))["result"]

    assert (result["sessions_this_month"], result["last_active_at"]) == (0, "2025-11-28T00:00:00Z")


async def test_a_missing_usage_document_is_not_found(seeded: SeededAuth, collection: str, url: str) -> None:
    await seed_usage(seeded.project, collection, {"uid-ada": ADA_USAGE})

    error = (await _usage(url, "grace@example.com"))["error"]

    assert (error["code"], error["message"]) == ("NOT_FOUND", "no app usage is recorded for that user")


async def test_asking_for_ada_never_returns_anyone_elses_usage(seeded: SeededAuth, collection: str, url: str) -> None:
    decoys = {seeded.uids["grace@example.com"]: GRACE_USAGE, "ada@example.com": GRACE_USAGE, "ada": GRACE_USAGE}
    await seed_usage(seeded.project, collection, decoys)

    assert (await _usage(url, "ada@example.com"))["error"]["code"] == "NOT_FOUND"

    await seed_usage(seeded.project, collection, {"uid-ada": ADA_USAGE})
    result = (await _usage(url, "ada@example.com"))["result"]
    assert (result["uid"], result["sessions_this_month"]) == ("uid-ada", 18)


async def test_an_unknown_email_is_not_found_before_firestore_is_read(url: str) -> None:
    error = (await _usage(url, "mallory@example.com"))["error"]

    assert (error["code"], error["message"]) == ("NOT_FOUND", "no Firebase Auth user with that email")


@pytest.mark.parametrize(
    "document",
    [{"sessions_this_month": "lots"}, {"sessions_this_month": -1}, {"feature_counts": {"dashboard": 3}},
     {"sessions_this_month": 2, "feature_counts": {"dashboard": "often"}},
     {"sessions_this_month": 2, "month": "March"}, {"sessions_this_month": 2, "last_active_at": "yesterday"}],
)  # fmt: skip
async def test_a_malformed_usage_document_is_a_bad_response(
    seeded: SeededAuth, collection: str, url: str, document: dict[str, Any]
) -> None:
    await seed_usage(seeded.project, collection, {"uid-ada": document})

    error = (await _usage(url, "ada@example.com"))["error"]

    assert (error["code"], error["retryable"]) == ("SERVICE_BAD_RESPONSE", False)
    assert collection in error["message"] and "uid-ada" not in error["message"]


async def test_an_unreachable_firestore_is_retryable(
    seeded: SeededAuth, collection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    backend = FirebaseAppUsers(project_id=seeded.project, usage_collection=collection, timeout_s=1)
    try:
        with pytest.raises(ServiceError) as caught:
            await backend.usage("uid-ada")
    finally:
        await backend.aclose()

    assert caught.value.code in (ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SERVICE_TIMEOUT)
    assert caught.value.retryable


@pytest.mark.parametrize("uid", ["a/b", "..", "__meta__", ""])
async def test_a_uid_that_cannot_name_a_document_has_no_usage(seeded: SeededAuth, uid: str) -> None:
    backend = FirebaseAppUsers(project_id=seeded.project)
    try:
        with pytest.raises(ServiceError) as caught:
            await backend.usage(uid)
    finally:
        await backend.aclose()

    assert caught.value.code == ErrorCode.NOT_FOUND
