"""App-user questions through POST /query: the firebase service (demo backend) over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from firebase_service.app import create_app as firebase_app
from firebase_service.settings import Settings as FirebaseSettings
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings


@pytest.fixture(scope="module")
def orchestrator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("firebase-questions") / "state.sqlite3"
    with serve(firebase_app(FirebaseSettings())) as firebase:
        settings = Settings(services={"firebase": firebase}, state_path=str(Path(state)))
        with serve(create_app(settings)) as url:
            yield url


def ask(url: str, query: str, email: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/query", json={"query": query, "email": email}, timeout=10)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_sign_in_and_usage_questions_are_answered_from_both_tools(orchestrator: str) -> None:
    body = ask(orchestrator, "when did I last sign in, and which features do I use most?", "ada@example.com")
    assert [(s["tool"], s["status"]) for s in body["sources"]] == [("get_user", "ok"), ("get_app_usage", "ok")]
    answer = body["answer"]
    assert "ada@example.com" in answer and "last sign-in" in answer and "verified" in answer
    assert "most used features: dashboard" in answer
    assert "[source: firebase.get_user]" in answer and "[source: firebase.get_app_usage]" in answer


def test_a_disabled_account_is_reported_as_such(orchestrator: str) -> None:
    body = ask(orchestrator, "is my account disabled?", "linus@example.com")
    assert "is disabled: it cannot sign in" in body["answer"]
    assert "ada@" not in body["answer"]


def test_no_usage_recorded_is_a_clear_missing_line(orchestrator: str) -> None:
    body = ask(orchestrator, "how many sessions did I have this month?", "evelyn@example.com")
    assert body["sources"][0]["status"] == "error" and body["sources"][0]["error"]["code"] == "NOT_FOUND"
    assert body["answer"].startswith("Missing:")
