"""Entrypoint: `python -m order_service` or the `order-service` script."""

from __future__ import annotations

from pydantic import ValidationError

from mcp_common.serve import run_service
from order_service.app import create_app
from order_service.settings import get_settings


def main() -> None:
    """Read the settings from the environment and serve the app until stopped."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise SystemExit(f"order-service: invalid settings:\n{exc}") from exc
    run_service(create_app(settings), settings, service="order")


if __name__ == "__main__":
    main()
