"""A service entrypoint: invalid settings end the process with their errors; valid ones are served."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from mcp_common import serve
from mcp_common.service_settings import BaseServiceSettings


def _never_built(settings: BaseServiceSettings) -> FastAPI:
    raise AssertionError("no app is built from invalid settings")


def test_invalid_settings_exit_naming_the_service_and_the_field() -> None:
    with pytest.raises(SystemExit) as exited:
        serve.serve_from_environment(lambda: BaseServiceSettings(port="eighty"), _never_built, service="menu")

    message = str(exited.value.code)
    assert message.startswith("menu service: invalid settings:")
    assert "port" in message
    assert exited.value.__cause__ is None and exited.value.__suppress_context__


def test_valid_settings_serve_the_app_built_from_them(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[FastAPI, BaseServiceSettings, str]] = []

    def run_service(app: FastAPI, settings: BaseServiceSettings, *, service: str) -> None:
        served.append((app, settings, service))

    monkeypatch.setattr(serve, "run_service", run_service)
    settings = BaseServiceSettings(port=9123, _env_file=None)
    built: dict[str, Any] = {}

    def create_app(given: BaseServiceSettings) -> FastAPI:
        built["settings"] = given
        return FastAPI(title="menu")

    serve.serve_from_environment(lambda: settings, create_app, service="menu")

    assert built["settings"] is settings
    assert [(app.title, s.port, name) for app, s, name in served] == [("menu", 9123, "menu")]
