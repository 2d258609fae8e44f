"""`python -m orchestrator` and `orchestrator serve`: the API with settings from the environment.

Apart from the command line (`orchestrator.cli`) so that starting the server does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def serve() -> None:
    """Run the orchestrator API (settings from ORCH_* variables and .env) in `ORCH_WORKERS` processes."""
    import uvicorn

    from orchestrator.settings import get_settings

    settings = get_settings()
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_config": None,
                               "timeout_graceful_shutdown": 8, "server_header": False}  # fmt: skip
    workers = settings.worker_count()
    if workers > 1:  # a supervisor; each worker process builds its own app with `worker_app`
        uvicorn.run("orchestrator.serving:worker_app", factory=True, workers=workers, **options)
        return
    try:
        uvicorn.run(worker_app(), **options)
    finally:
        from mcp_common.telemetry import shutdown_tracing

        shutdown_tracing()


def worker_app() -> FastAPI:
    """The app of one server process, its logging and tracing configured (spans flushed at exit)."""
    import atexit

    from mcp_common import heap
    from mcp_common.logs import configure_logging
    from mcp_common.telemetry import configure_tracing_from, shutdown_tracing
    from orchestrator import __version__
    from orchestrator.app import create_app
    from orchestrator.observability.logs import loki_handler
    from orchestrator.settings import get_settings

    settings = get_settings()
    handlers = [h for h in [loki_handler(settings)] if h is not None]
    configure_logging(
        "orchestrator",
        level=settings.log_level,
        project_id=settings.gcp_project,
        extra_handlers=handlers,
        log_file=settings.log_file,
    )
    configure_tracing_from(
        "orchestrator", settings, version=__version__, environment=settings.env, gcp_project=settings.gcp_project
    )
    atexit.register(shutdown_tracing)
    heap.enable()
    return create_app(settings)
