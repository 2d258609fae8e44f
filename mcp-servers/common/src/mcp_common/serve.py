"""Run a service app: configure logging (and Loki when configured), then uvicorn."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from mcp_common.logs import configure_logging
from mcp_common.service_settings import BaseServiceSettings


def run_service(app: FastAPI, settings: BaseServiceSettings, *, service: str) -> None:
    """Serve `app` on the configured host and port (the `PORT` variable wins, as on Cloud Run)."""
    from mcp_common.loki import loki_handler_from_settings

    handlers = [h for h in [loki_handler_from_settings(settings, service=service)] if h is not None]
    configure_logging(service, level=settings.log_level, project_id=settings.gcp_project, extra_handlers=handlers)
    port = int(os.environ.get("PORT", settings.port))
    uvicorn.run(app, host=settings.host, port=port, log_config=None, timeout_graceful_shutdown=8)
