"""Settings, backend selection and the `python -m firebase_service` entrypoint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from firebase_service.app import backend_from_settings
from firebase_service.backends.demo import DemoAppUsers
from firebase_service.backends.firebase import FirebaseAppUsers
from firebase_service.settings import Settings
from mcp_devtools.testing import listed_tools_of_module


@pytest.fixture(autouse=True)
def _no_firebase_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("FIREBASE_") or name == "PORT":
            monkeypatch.delenv(name)


def test_defaults_serve_the_demo_dataset_on_port_8108() -> None:
    settings = Settings(_env_file=None)

    assert (settings.backend, settings.port) == ("demo", 8108)
    assert (settings.usage_collection, settings.database, settings.project_id) == ("app_usage", "(default)", None)
    assert isinstance(backend_from_settings(settings), DemoAppUsers)


def test_settings_are_read_from_firebase_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIREBASE_BACKEND", "firebase")
    monkeypatch.setenv("FIREBASE_PROJECT_ID", "acme-prod")
    monkeypatch.setenv("FIREBASE_USAGE_COLLECTION", "usage_v2")
    monkeypatch.setenv("FIREBASE_DATABASE", "analytics")
    monkeypatch.setenv("FIREBASE_TIMEOUT_S", "2.5")
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")  # the SDK's, not a setting

    settings = Settings(_env_file=None)

    assert (settings.backend, settings.project_id) == ("firebase", "acme-prod")
    assert (settings.usage_collection, settings.database, settings.timeout_s) == ("usage_v2", "analytics", 2.5)


async def test_the_firebase_backend_is_chosen_by_the_backend_setting() -> None:
    backend = backend_from_settings(Settings(_env_file=None, backend="firebase", project_id="demo-settings"))

    assert isinstance(backend, FirebaseAppUsers)
    await backend.aclose()


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PROJECT_ID", "USAGE_COLLECTION", "DATABASE"):
        monkeypatch.setenv(f"FIREBASE_{name}", "")

    settings = Settings(_env_file=None)

    assert (settings.project_id, settings.usage_collection, settings.database) == (None, "app_usage", "(default)")


def test_the_firebase_backend_without_a_project_fails_at_start_up() -> None:
    with pytest.raises(ValidationError, match="needs FIREBASE_PROJECT_ID"):
        Settings(_env_file=None, backend="firebase")


@pytest.mark.parametrize(
    ("field", "value"),
    [("usage_collection", "app_usage/doc/sub"), ("usage_collection", ".."), ("usage_collection", "__meta__"),
     ("project_id", "Not A Project"), ("database", "Bad_DB"), ("timeout_s", 0)],
)  # fmt: skip
def test_malformed_names_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(_env_file=None, **{field: value})  # type: ignore[arg-type]


def test_the_module_entrypoint_serves_health_and_tools(tmp_path: Path) -> None:
    assert listed_tools_of_module("firebase_service", "FIREBASE_", tmp_path) == {"get_user", "get_app_usage"}


def test_the_module_entrypoint_refuses_to_start_with_incomplete_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIREBASE_")}
    env["FIREBASE_BACKEND"] = "firebase"

    done = subprocess.run(
        [sys.executable, "-m", "firebase_service"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode != 0
    assert "FIREBASE_PROJECT_ID" in done.stderr
    assert "Traceback" not in done.stderr
