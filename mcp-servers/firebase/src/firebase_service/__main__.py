"""Entrypoint: `python -m firebase_service` (or the `firebase-service` script)."""

from __future__ import annotations

from pydantic import ValidationError

from firebase_service.app import create_app
from firebase_service.settings import Settings, get_settings
from mcp_common.serve import run_service


def main() -> None:
    """Read the settings from the environment and serve until stopped."""
    settings = _settings_or_exit()
    run_service(create_app(settings), settings, service="firebase")


def _settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        raise SystemExit(f"firebase service: invalid settings:\n{exc}") from None


if __name__ == "__main__":
    main()
