"""ID tokens minted by the Firebase Auth emulator, accepted end to end by a production-mode orchestrator.

The emulator signs nothing (`alg: none`); the orchestrator accepts such tokens only for the
emulator's configured project with `ORCH_FIREBASE_AUTH_EMULATOR_HOST` set, which start-up refuses on
Cloud Run. A real project's tokens are RS256 against Google's published keys (tests/security).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from mcp_devtools.emulators import FirebaseAuthEmulator
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.security.mode import ModeError, check_mode
from orchestrator.settings import Settings

OWNER = {"authorization": "Bearer owner"}
PASSWORD = "a-long-passphrase"


def id_token(emulator: FirebaseAuthEmulator, project: str, email: str, *, verified: bool) -> str:
    """Sign `email` up on the emulator (verified or not) and return a fresh ID token for them."""
    api = f"{emulator.url}/identitytoolkit.googleapis.com/v1"
    created = httpx.post(
        f"{api}/projects/{project}/accounts", headers=OWNER, json={"email": email, "password": PASSWORD}, timeout=10
    )
    created.raise_for_status()
    if verified:
        update = {"localId": created.json()["localId"], "emailVerified": True}
        httpx.post(
            f"{api}/projects/{project}/accounts:update", headers=OWNER, json=update, timeout=10
        ).raise_for_status()
    signed_in = httpx.post(
        f"{api}/accounts:signInWithPassword?key=fake-api-key",
        json={"email": email, "password": PASSWORD, "returnSecureToken": True},
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text
    token: str = signed_in.json()["idToken"]
    return token


@pytest.fixture(scope="module")
def orch(firebase_auth_emulator: FirebaseAuthEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("state") / "state.sqlite3"
    with serve(billing_app(BillingSettings())) as billing:
        settings = Settings(
            _env_file=None,
            mode="production",
            services={"chargebee": billing},
            state_path=str(state),
            conversations="none",
            firebase_project_id=firebase_auth_emulator.project,
            firebase_auth_emulator_host=firebase_auth_emulator.host,
        )
        with serve(create_app(settings)) as url:
            yield url


def test_an_emulator_id_token_with_a_verified_email_is_the_caller(
    orch: str, firebase_auth_emulator: FirebaseAuthEmulator
) -> None:
    email = f"verified-{uuid.uuid4().hex[:8]}@example.com"  # fresh: nobody in the billing demo
    token = id_token(firebase_auth_emulator, firebase_auth_emulator.project, email, verified=True)
    answer = httpx.post(
        f"{orch}/query",
        json={"query": "what plan am I on?", "email": email},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    body = answer.json()
    assert answer.status_code == 200 and "error" not in body, answer.text
    assert [(s["tool"], s["error"]["code"]) for s in body["sources"]] == [("get_subscription", "NOT_FOUND")]


def test_an_unverified_email_is_not_a_caller(orch: str, firebase_auth_emulator: FirebaseAuthEmulator) -> None:
    email = f"unverified-{uuid.uuid4().hex[:8]}@example.com"
    token = id_token(firebase_auth_emulator, firebase_auth_emulator.project, email, verified=False)
    answer = httpx.post(
        f"{orch}/query",
        json={"query": "what plan am I on?", "email": email},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 401 and "no verified email" in answer.json()["error"]["message"]


def test_without_the_emulator_setting_its_unsigned_tokens_are_refused(
    firebase_auth_emulator: FirebaseAuthEmulator, tmp_path: Path
) -> None:
    email = f"unsigned-{uuid.uuid4().hex[:8]}@example.com"
    token = id_token(firebase_auth_emulator, firebase_auth_emulator.project, email, verified=True)
    settings = Settings(
        _env_file=None,
        mode="production",
        services={},
        state_path=str(tmp_path / "state.sqlite3"),
        conversations="none",
        firebase_project_id=firebase_auth_emulator.project,
    )
    with serve(create_app(settings)) as url:
        answer = httpx.post(
            f"{url}/query",
            json={"query": "what plan am I on?", "email": email},
            headers={"authorization": f"Bearer {token}"},
            timeout=10,
        )
    assert answer.status_code == 401 and "algorithm 'none'" in answer.json()["error"]["message"]


def test_emulator_tokens_are_refused_on_cloud_run() -> None:
    settings = Settings(
        _env_file=None, mode="production", firebase_project_id="demo-x", firebase_auth_emulator_host="127.0.0.1:9099"
    )
    with pytest.raises(ModeError, match="refused on Cloud Run"):
        check_mode(settings, {"K_SERVICE": "orchestrator"})
    check_mode(settings, {})
