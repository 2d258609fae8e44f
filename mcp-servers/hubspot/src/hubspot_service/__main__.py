"""Entrypoint: `python -m hubspot_service` or the `hubspot-service` script."""

from __future__ import annotations

from pydantic import ValidationError

from hubspot_service.app import create_app
from hubspot_service.settings import get_settings
from mcp_common.serve import run_service


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise SystemExit(f"hubspot-service: invalid settings:\n{exc}") from exc
    run_service(create_app(settings), settings, service="hubspot")


if __name__ == "__main__":
    main()
