"""The `validate` fixture of the deployment-file tests."""

from __future__ import annotations

import os

import pytest
from deploy_files import PLATFORM_VARIABLES, Validate, settings_class, variable_names
from pydantic_settings import BaseSettings

from mcp_devtools.stack import ServiceProcess


@pytest.fixture
def validate(monkeypatch: pytest.MonkeyPatch) -> Validate:
    """`validate(process, env)`: the process's settings built from exactly `env` (no .env file)."""

    def check(process: ServiceProcess, env: dict[str, str]) -> BaseSettings:
        with monkeypatch.context() as patch:
            for key in list(os.environ):
                if key.startswith(process.env_prefix) or key in variable_names(process) | PLATFORM_VARIABLES:
                    patch.delenv(key)
            for key, value in env.items():
                patch.setenv(key, value)
            return settings_class(process)(_env_file=None)

    return check
