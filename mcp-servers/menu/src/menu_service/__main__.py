"""Entrypoint: `python -m menu_service` or the `menu-service` script."""

from __future__ import annotations

from pydantic import ValidationError

from mcp_common.serve import run_service
from menu_service.app import create_app
from menu_service.settings import get_settings


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise SystemExit(f"menu-service: invalid settings:\n{exc}") from exc
    run_service(create_app(settings), settings, service="menu")


if __name__ == "__main__":
    main()
