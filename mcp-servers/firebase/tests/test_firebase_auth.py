"""`FirebaseAppUsers.find_user` against the Firebase Auth emulator, and the failures mapped at its boundary."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import firebase_admin
import httpx
import pytest
from firebase_fakes import (
    ADA_CREATED,
    ADA_SIGNED_IN,
    ScriptedIdentityToolkit,
    SeededAuth,
    identity_toolkit,
    lookup_reply,
    new_project,
    seed_auth,
)

from firebase_service.app import create_app
from firebase_service.backends.firebase import FirebaseAppUsers
from firebase_service.settings import Settings
from mcp_common.errors import ErrorCode, ServiceError
from mcp_devtools.emulators import FirebaseAuthEmulator
from mcp_devtools.testing import free_port, serve


@pytest.fixture
def seeded(firebase_auth_emulator: FirebaseAuthEmulator, monkeypatch: pytest.MonkeyPatch) -> SeededAuth:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", firebase_auth_emulator.host)
    return seed_auth(firebase_auth_emulator, new_project())


@pytest.fixture
async def users(seeded: SeededAuth) -> AsyncIterator[FirebaseAppUsers]:
    backend = FirebaseAppUsers(project_id=seeded.project, timeout_s=5)
    yield backend
    await backend.aclose()


async def _refusal(backend: FirebaseAppUsers, email: str = "ada@example.com") -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await backend.find_user(email)
    return caught.value


async def test_ada_is_read_with_her_linked_providers_and_sign_in_times(users: FirebaseAppUsers) -> None:
    ada = await users.find_user("ada@example.com")

    assert (ada.uid, ada.email, ada.display_name) == ("uid-ada", "ada@example.com", "Ada Lovelace")
    assert (ada.email_verified, ada.disabled) == (True, False)
    assert (ada.created_at, ada.last_sign_in_at) == (ADA_CREATED, ADA_SIGNED_IN)
    assert ada.providers == ["github.com", "google.com"]


async def test_grace_signed_up_with_a_password_and_is_not_verified(users: FirebaseAppUsers, seeded: SeededAuth) -> None:
    grace = await users.find_user("grace@example.com")

    assert (grace.uid, grace.providers, grace.email_verified) == (seeded.uids[grace.email], ["password"], False)
    assert grace.created_at is not None and grace.created_at.tzinfo is not None


async def test_linus_is_disabled(users: FirebaseAppUsers) -> None:
    linus = await users.find_user("linus@example.com")

    assert (linus.disabled, linus.providers) == (True, ["password"])


async def test_an_unknown_email_is_not_found_and_names_nobody(users: FirebaseAppUsers) -> None:
    refusal = await _refusal(users, "mallory@example.com")

    assert refusal.code == ErrorCode.NOT_FOUND
    assert "@" not in refusal.message


async def test_users_of_another_project_are_not_visible(seeded: SeededAuth) -> None:
    other = FirebaseAppUsers(project_id=new_project(), timeout_s=5)
    try:
        assert (await _refusal(other)).code == ErrorCode.NOT_FOUND
    finally:
        await other.aclose()


async def test_each_instance_owns_a_firebase_app_that_closing_deletes(seeded: SeededAuth) -> None:
    first, second = (FirebaseAppUsers(project_id=seeded.project) for _ in range(2))
    get_app = firebase_admin.get_app
    assert get_app(first.app_name) is not get_app(second.app_name)  # type: ignore[no-untyped-call]

    await first.aclose()

    with pytest.raises(ValueError, match="does not exist"):
        get_app(first.app_name)  # type: ignore[no-untyped-call]
    assert (await second.find_user("ada@example.com")).uid == "uid-ada"
    await second.aclose()


def test_the_service_answers_get_user_over_http_whatever_the_case_of_the_email(seeded: SeededAuth) -> None:
    app = create_app(Settings(_env_file=None, backend="firebase", project_id=seeded.project, timeout_s=5))
    with serve(app) as url:
        call = {"tool": "get_user", "arguments": {"email": "LINUS@example.COM"}, "context": {}}
        body = httpx.post(f"{url}/mcp/call", json=call, timeout=10).json()

    assert body["ok"] is True
    assert (body["result"]["uid"], body["result"]["disabled"]) == ("uid-linus", True)


# --- failures an emulator cannot produce, from a scripted Identity Toolkit ----------------------------


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedIdentityToolkit]:
    scripted = ScriptedIdentityToolkit()
    with identity_toolkit(scripted) as host:
        monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", host)
        yield scripted


@pytest.fixture
async def scripted_users(script: ScriptedIdentityToolkit) -> AsyncIterator[FirebaseAppUsers]:
    backend = FirebaseAppUsers(project_id="demo-scripted", timeout_s=1)
    yield backend
    await backend.aclose()


async def test_a_record_for_another_email_is_never_handed_out(
    script: ScriptedIdentityToolkit, scripted_users: FirebaseAppUsers
) -> None:
    script.body = lookup_reply(email="grace@example.com", uid="uid-grace")

    refusal = await _refusal(scripted_users, "ada@example.com")

    assert refusal.code == ErrorCode.NOT_FOUND
    assert "grace" not in refusal.message and "uid-grace" not in refusal.message


async def test_the_matching_record_is_accepted_from_the_same_server(
    script: ScriptedIdentityToolkit, scripted_users: FirebaseAppUsers
) -> None:
    script.body = lookup_reply(email="Ada@Example.com", uid="uid-ada")

    ada = await scripted_users.find_user("ada@example.com")

    assert (ada.uid, ada.email, ada.providers, ada.last_sign_in_at) == ("uid-ada", "ada@example.com", [], None)


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [(429, {"error": {"message": "QUOTA_EXCEEDED"}}, ErrorCode.RATE_LIMITED),
     (401, {"error": {"message": "CREDENTIAL_MISMATCH"}}, ErrorCode.SERVICE_UNAVAILABLE),
     (403, {"error": {"message": "PERMISSION_DENIED"}}, ErrorCode.SERVICE_UNAVAILABLE),
     (400, {"error": {"message": "INVALID_EMAIL"}}, ErrorCode.SERVICE_BAD_RESPONSE)],
)  # fmt: skip
async def test_vendor_errors_map_onto_the_taxonomy(
    script: ScriptedIdentityToolkit, scripted_users: FirebaseAppUsers, status: int, body: Any, code: ErrorCode
) -> None:
    script.status, script.body = status, body

    refusal = await _refusal(scripted_users)

    assert refusal.code == code
    assert "ada" not in refusal.message
    if status in (401, 403):
        assert "credentials" in refusal.message


async def test_a_slow_firebase_auth_is_a_retryable_timeout(
    script: ScriptedIdentityToolkit, scripted_users: FirebaseAppUsers
) -> None:
    script.delay_s = 1.5

    refusal = await _refusal(scripted_users)

    assert (refusal.code, refusal.retryable) == (ErrorCode.SERVICE_TIMEOUT, True)


async def test_an_unreachable_firebase_auth_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    backend = FirebaseAppUsers(project_id="demo-unreachable", timeout_s=2)
    try:
        refusal = await _refusal(backend)
    finally:
        await backend.aclose()

    assert (refusal.code, refusal.retryable) == (ErrorCode.SERVICE_UNAVAILABLE, True)
