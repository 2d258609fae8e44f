"""What the deployment files say, read for the tests that hold them to the code: processes, settings, YAML."""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from mcp_devtools.stack import DEFAULT_SERVICES, ServiceProcess

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yml"
PROCFILE = ROOT / "Procfile"
CLOUDRUN = ROOT / "deploy" / "cloudrun"
DEPLOY_SH = CLOUDRUN / "deploy.sh"

ORCHESTRATOR = ServiceProcess("orchestrator", "orchestrator", "ORCH_", 8080)
PROCESSES = (*DEFAULT_SERVICES, ORCHESTRATOR)
BY_NAME = {p.name: p for p in PROCESSES}
# Read from the platform or by client libraries, not by our settings.
PLATFORM_VARIABLES = {"PORT", "K_SERVICE", "FIRESTORE_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT"}
# Values for the ${…} placeholders of the Cloud Run YAMLs (deploy.sh fills them).
PLACEHOLDERS = {"PROJECT_ID": "demo-project", "FIREBASE_PROJECT_ID": "demo-project", "CHARGEBEE_SITE": "acme-test"}


def run_name(name: str) -> str:
    """The Cloud Run service name of a process (no underscores there)."""
    return name.replace("_", "-")


def cloud_run_url(name: str) -> str:
    """The placeholder the YAMLs hold for a service's URL."""
    return f"https://{run_name(name)}-<hash>-<region>.a.run.app"


def callers(process: ServiceProcess) -> bool:
    return bool(process.links) or process is ORCHESTRATOR


def settings_class(process: ServiceProcess) -> type[BaseSettings]:
    cls: type[BaseSettings] = importlib.import_module(f"{process.module}.settings").Settings
    return cls


def has_database(process: ServiceProcess) -> bool:
    return "database_url" in settings_class(process).model_fields


def variable_names(process: ServiceProcess) -> set[str]:
    """Every environment variable the process's settings read: prefix + field, and aliases."""
    names = set()
    for field_name, field in settings_class(process).model_fields.items():
        names.add(f"{process.env_prefix}{field_name}".upper())
        if isinstance(field.validation_alias, AliasChoices):
            names |= {c.upper() for c in field.validation_alias.choices if isinstance(c, str)}
    return names


def secret_fields(process: ServiceProcess) -> set[str]:
    fields = settings_class(process).model_fields.items()
    return {f"{process.env_prefix}{name}".upper() for name, f in fields if SecretStr in _types(f.annotation)}


def _types(annotation: Any) -> tuple[Any, ...]:
    return (annotation, *getattr(annotation, "__args__", ()))


def load_yaml(path: Path) -> Any:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text())


Validate = Callable[[ServiceProcess, dict[str, str]], BaseSettings]


def package_of(module: str) -> str:
    """The uv workspace member that holds `module`: the name in the nearest pyproject.toml above it."""
    path = Path(str(importlib.import_module(module).__file__))
    pyproject = next(p / "pyproject.toml" for p in path.parents if (p / "pyproject.toml").is_file())
    name: str = tomllib.loads(pyproject.read_text())["project"]["name"]
    return name
