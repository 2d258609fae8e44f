"""Entrypoint: `python -m firebase_service` or the `firebase-service` script."""

from __future__ import annotations

from firebase_service.app import create_app
from firebase_service.settings import get_settings
from mcp_common.serve import serve_from_environment


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    serve_from_environment(get_settings, create_app, service="firebase")


if __name__ == "__main__":
    main()
