"""Entrypoint: `python -m recommendations_service` or the `recommendations-service` script."""

from __future__ import annotations

from pydantic import ValidationError

from mcp_common.serve import run_service
from recommendations_service.app import create_app
from recommendations_service.settings import get_settings


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise SystemExit(f"recommendations-service: invalid settings:\n{exc}") from exc
    run_service(create_app(settings), settings, service="recommendations")


if __name__ == "__main__":
    main()
