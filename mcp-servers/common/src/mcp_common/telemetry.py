"""`configure_tracing`: one OpenTelemetry TracerProvider per process, exporting where a setting says.

Exporters (`<PREFIX>TRACES_EXPORTER`): `none` (spans are still created, so ids propagate and logs
carry them, but nothing leaves the process, and a new trace's spans are not even recorded: no
attributes, no events, which is most of a span's cost), `otlp-http`, `otlp-grpc` (to `<PREFIX>OTLP_ENDPOINT`,
with `<PREFIX>OTLP_HEADERS`), `cloud-trace` (Google Cloud Trace, project from the environment or
`gcp_project`), `console` (one JSON document per span on stdout). Sampling is parent-based: a
request continuing a caller's trace follows the caller's decision, a new trace is kept with
probability `<PREFIX>TRACES_SAMPLE_RATIO`. Spans leave in batches (`OTEL_BSP_*` tune the batch), encoded
and sent by a child process (`mcp_common.span_shipping`) so the serving process's GIL is not taken
from requests; `<PREFIX>TRACES_EXPORT_PROCESS=false` exports from a thread instead (the SDK's
`BatchSpanProcessor`), as `console` always does. `shutdown_tracing` flushes what is left when the
process exits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased
from pydantic import BaseModel, Field

from mcp_common import tracing
from mcp_common.exporters import build_exporter

TracesExporter = Literal["none", "otlp-http", "otlp-grpc", "cloud-trace", "console"]
TRACES_EXPORTERS: tuple[str, ...] = ("none", "otlp-http", "otlp-grpc", "cloud-trace", "console")

_installed: list[TracerProvider] = []


class TracingSettings(BaseModel):
    """The tracing settings every process has (under its own prefix: `ORCH_`, `CHARGEBEE_`, …)."""

    traces_exporter: TracesExporter = Field(
        default="none", description="Where spans go: `none` (ids only), OTLP over HTTP or gRPC, Cloud Trace, stdout."
    )
    otlp_endpoint: str | None = Field(default=None, description="OTLP collector URL; unset: the exporter's default.")
    otlp_headers: dict[str, str] = Field(default_factory=dict, description="Headers sent to the collector, JSON.")
    traces_sample_ratio: float = Field(default=1.0, ge=0, le=1, description="Share of new traces kept.")
    traces_export_process: bool = Field(
        default=True, description="Encode and send spans in a child process (true) or a thread of this one (false)."
    )


def configure_tracing_from(
    service_name: str, settings: TracingSettings, *, version: str, environment: str, gcp_project: str | None
) -> TracerProvider:
    """`configure_tracing` with a process's settings."""
    return configure_tracing(
        service_name,
        version=version,
        environment=environment,
        exporter=settings.traces_exporter,
        endpoint=settings.otlp_endpoint,
        headers=settings.otlp_headers,
        sample_ratio=settings.traces_sample_ratio,
        gcp_project=gcp_project,
        export_process=settings.traces_export_process,
    )


def configure_tracing(
    service_name: str,
    *,
    version: str = "",
    environment: str = "local",
    exporter: str = "none",
    endpoint: str | None = None,
    headers: Mapping[str, str] | None = None,
    sample_ratio: float = 1.0,
    gcp_project: str | None = None,
    export_process: bool = True,
) -> TracerProvider:
    """Build the process's TracerProvider and make every span of `mcp_common.tracing` use it."""
    if exporter not in TRACES_EXPORTERS:
        raise ValueError(f"traces exporter {exporter!r}: expected one of {', '.join(TRACES_EXPORTERS)}")
    resource = Resource.create(
        {"service.name": service_name, "service.version": version, "deployment.environment.name": environment}
    )
    # Nothing exported: a new trace is not recorded; a caller's sampled trace still is, so the decision
    # travels on to the services.
    root = TraceIdRatioBased(sample_ratio) if exporter != "none" else ALWAYS_OFF
    provider = TracerProvider(resource=resource, sampler=ParentBased(root))
    if export_process and exporter in ("otlp-http", "otlp-grpc", "cloud-trace"):
        from mcp_common.span_shipping import ShippingSpanProcessor

        config = {"kind": exporter, "endpoint": endpoint, "headers": dict(headers or {}), "gcp_project": gcp_project,
                  "resource": dict(resource.attributes)}  # fmt: skip
        provider.add_span_processor(ShippingSpanProcessor(config))
    elif (span_exporter := build_exporter(exporter, endpoint, dict(headers or {}), gcp_project)) is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    # Installed for our spans only, not as the API's global provider: FastAPI (0.165+) would then add a
    # second server span and its operation spans to every request, at a cost on the hot path. The MCP SDK
    # still carries `traceparent` in `_meta` from the current span without it.
    tracing.install(provider)
    _installed.append(provider)
    return provider


def shutdown_tracing() -> None:
    """Flush and close every provider `configure_tracing` built (at process exit)."""
    while _installed:
        _installed.pop().shutdown()
