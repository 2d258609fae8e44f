"""Settings, backend selection and the `python -m chargebee_service` entrypoint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from chargebee_service.app import backend_from_settings
from chargebee_service.backends.chargebee_api import ChargebeeBillingApi
from chargebee_service.backends.demo import DemoBilling
from chargebee_service.settings import Settings
from mcp_devtools.testing import listed_tools_of_module


@pytest.fixture(autouse=True)
def _no_chargebee_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CHARGEBEE_") or name == "PORT":
            monkeypatch.delenv(name)


def test_defaults_serve_the_demo_dataset_on_port_8101() -> None:
    settings = Settings(_env_file=None)

    assert (settings.backend, settings.port) == ("demo", 8101)
    assert isinstance(backend_from_settings(settings), DemoBilling)


def test_settings_are_read_from_chargebee_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARGEBEE_BACKEND", "chargebee")
    monkeypatch.setenv("CHARGEBEE_SITE", "acme-test")
    monkeypatch.setenv("CHARGEBEE_API_KEY", "test_key")
    monkeypatch.setenv("CHARGEBEE_TIMEOUT_S", "2.5")

    settings = Settings(_env_file=None)

    assert settings.api_base_url() == "https://acme-test.chargebee.com/api/v2"
    assert settings.timeout_s == 2.5
    assert "test_key" not in repr(settings)


async def test_the_chargebee_backend_is_chosen_by_the_backend_setting() -> None:
    settings = Settings(_env_file=None, backend="chargebee", site="acme", api_key=SecretStr("k"))

    backend = backend_from_settings(settings)

    assert isinstance(backend, ChargebeeBillingApi)
    await backend.aclose()


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SITE", "API_KEY", "BASE_URL"):
        monkeypatch.setenv(f"CHARGEBEE_{name}", "")

    settings = Settings(_env_file=None)

    assert (settings.site, settings.api_key, settings.base_url) == (None, None, None)


def test_base_url_overrides_the_site() -> None:
    settings = Settings(
        _env_file=None, backend="chargebee", site="acme", base_url="http://proxy:8080/api/v2", api_key=SecretStr("k")
    )

    assert settings.api_base_url() == "http://proxy:8080/api/v2"


@pytest.mark.parametrize(
    ("fields", "missing"),
    [({"site": "acme"}, "CHARGEBEE_API_KEY"), ({"api_key": SecretStr("k")}, "CHARGEBEE_SITE"),
     ({}, "CHARGEBEE_SITE (or CHARGEBEE_BASE_URL) and CHARGEBEE_API_KEY")],
)  # fmt: skip
def test_the_chargebee_backend_without_credentials_fails_at_start_up(fields: dict[str, object], missing: str) -> None:
    with pytest.raises(ValidationError, match="needs " + missing.replace("(", r"\(").replace(")", r"\)")):
        Settings(_env_file=None, backend="chargebee", **fields)  # type: ignore[arg-type]


def test_a_site_that_is_not_a_bare_name_is_rejected() -> None:
    with pytest.raises(ValidationError, match="site"):
        Settings(_env_file=None, site="evil.example.com/x?")


def test_the_module_entrypoint_serves_health_and_tools(tmp_path: Path) -> None:
    assert listed_tools_of_module("chargebee_service", "CHARGEBEE_", tmp_path) == {
        "get_customer",
        "get_subscription",
        "list_invoices",
    }


def test_the_module_entrypoint_refuses_to_start_with_incomplete_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBEE_")}
    env["CHARGEBEE_BACKEND"] = "chargebee"

    done = subprocess.run(
        [sys.executable, "-m", "chargebee_service"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode != 0
    assert "CHARGEBEE_API_KEY" in done.stderr
    assert "Traceback" not in done.stderr
