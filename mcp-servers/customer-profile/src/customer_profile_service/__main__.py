"""Entrypoint: `python -m customer_profile_service` or the `customer-profile-service` script."""

from __future__ import annotations

from customer_profile_service.app import create_app
from customer_profile_service.settings import get_settings
from mcp_common.serve import serve_from_environment


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    serve_from_environment(get_settings, create_app, service="customer_profile")


if __name__ == "__main__":
    main()
