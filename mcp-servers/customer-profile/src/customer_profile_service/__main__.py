"""Entrypoint: `python -m customer_profile_service` or the `customer-profile-service` script."""

from __future__ import annotations

from pydantic import ValidationError

from customer_profile_service.app import create_app
from customer_profile_service.settings import get_settings
from mcp_common.serve import run_service


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise SystemExit(f"customer-profile-service: invalid settings:\n{exc}") from exc
    run_service(create_app(settings), settings, service="customer_profile")


if __name__ == "__main__":
    main()
