"""Entrypoint: `python -m tracking_service` or the `tracking-service` script."""

from __future__ import annotations

from mcp_common.serve import serve_from_environment
from tracking_service.app import create_app
from tracking_service.settings import get_settings


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    serve_from_environment(get_settings, create_app, service="tracking")


if __name__ == "__main__":
    main()
