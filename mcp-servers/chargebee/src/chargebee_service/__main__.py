"""Entrypoint: `python -m chargebee_service` or the `chargebee-service` script."""

from __future__ import annotations

from chargebee_service.app import create_app
from chargebee_service.settings import get_settings
from mcp_common.serve import serve_from_environment


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    serve_from_environment(get_settings, create_app, service="chargebee")


if __name__ == "__main__":
    main()
