"""Log shipping set-up for the orchestrator process."""

from __future__ import annotations

import logging

from orchestrator.settings import Settings


def loki_handler(settings: Settings) -> logging.Handler | None:
    """A Loki handler when `ORCH_LOKI_URL` is set."""
    if not settings.loki_url:
        return None
    from mcp_common.loki import LokiHandler

    return LokiHandler(
        settings.loki_url,
        service="orchestrator",
        env=settings.env,
        token=settings.loki_token.get_secret_value() if settings.loki_token else None,
    )
