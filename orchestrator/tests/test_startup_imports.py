"""Start-up does not load what only optional features use: the orchestrator and the services import
the MCP SDK on the first `/mcp` request, Alembic only to migrate, the command line only when used."""

from __future__ import annotations

import json
import subprocess
import sys

OPTIONAL = ("mcp", "alembic", "jsonschema", "typer")
POSTGRESQL = "sqlalchemy.dialects.postgresql"


def _loaded_after(*modules: str, optional: tuple[str, ...] = OPTIONAL) -> list[str]:
    """Which of `optional` a fresh interpreter has loaded once it has imported `modules`."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {list(optional)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_orchestrator_starts_without_the_optional_modules() -> None:
    assert _loaded_after("orchestrator.__main__", "orchestrator.serving", "orchestrator.app") == []


def test_the_services_start_without_the_optional_modules() -> None:
    services = ("chargebee_service", "menu_service", "order_service", "tracking_service", "customer_profile_service")
    assert _loaded_after("mcp_common.serve", *(f"{name}.app" for name in services)) == []


def test_services_on_sqlite_do_not_load_the_postgresql_dialect() -> None:
    # customer_profile's models name a PostgreSQL partial index, which loads the dialect: not listed here.
    services = ("menu_service", "order_service", "tracking_service", "recommendations_service")
    assert _loaded_after(*(f"{name}.app" for name in services), optional=(POSTGRESQL,)) == []
