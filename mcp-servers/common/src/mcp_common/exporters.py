"""The SDK's span exporter for each kind of `<PREFIX>TRACES_EXPORTER`, built in the serving process (a
thread exports) or in the exporter process of `mcp_common.span_shipping`."""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter


def build_exporter(
    kind: str, endpoint: str | None, headers: Mapping[str, str], gcp_project: str | None
) -> SpanExporter | None:
    """The SDK's exporter for `kind` (None for `none`)."""
    if kind == "otlp-http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter(endpoint=_http_endpoint(endpoint), headers=dict(headers) or None)
    if kind == "otlp-grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter(endpoint=endpoint, headers=dict(headers) or None)
    if kind == "cloud-trace":
        from opentelemetry.exporter.cloud_trace import CloudTraceSpanExporter

        return CloudTraceSpanExporter(project_id=gcp_project)  # type: ignore[no-untyped-call]
    if kind == "console":
        return ConsoleSpanExporter()
    return None


def _http_endpoint(endpoint: str | None) -> str | None:
    """A collector's base URL gets OTLP/HTTP's traces path; a full URL is used as it is."""
    if not endpoint:
        return None
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else f"{base}/v1/traces"
