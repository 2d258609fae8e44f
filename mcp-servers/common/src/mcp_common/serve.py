"""Run a service app: configure logging (and Loki when configured), then uvicorn.

Each service's `__main__.py` is one call: `serve_from_environment(get_settings, create_app, service=...)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from mcp_common.logs import configure_logging
from mcp_common.service_settings import BaseServiceSettings
from mcp_common.telemetry import configure_tracing_from, shutdown_tracing

SettingsT = TypeVar("SettingsT", bound=BaseServiceSettings)


def serve_from_environment(
    read_settings: Callable[[], SettingsT], create_app: Callable[[SettingsT], FastAPI], *, service: str
) -> None:
    """Read the settings from the environment, then serve the app `create_app` builds from them until stopped.

    Invalid settings end the process with their validation errors (naming the variables), not a traceback.
    """
    try:
        settings = read_settings()
    except ValidationError as exc:
        raise SystemExit(f"{service} service: invalid settings:\n{exc}") from None
    run_service(create_app(settings), settings, service=service)


def run_service(app: FastAPI, settings: BaseServiceSettings, *, service: str) -> None:
    """Serve `app` on the configured host and port (the `PORT` variable wins, as on Cloud Run)."""
    from mcp_common import heap
    from mcp_common.loki import loki_handler_from_settings

    handlers = [h for h in [loki_handler_from_settings(settings, service=service)] if h is not None]
    configure_logging(
        service,
        level=settings.log_level,
        project_id=settings.gcp_project,
        extra_handlers=handlers,
        log_file=settings.log_file,
    )
    port = int(os.environ.get("PORT", settings.port))
    configure_tracing_from(
        service, settings, version=app.version, environment=settings.env, gcp_project=settings.gcp_project
    )
    heap.enable()
    try:
        uvicorn.run(
            app, host=settings.host, port=port, log_config=None, timeout_graceful_shutdown=8, server_header=False
        )
    finally:
        shutdown_tracing()
