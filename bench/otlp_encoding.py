"""Benchmark: CPU per span of the exporter process's two ways to an OTLP/HTTP request body.

(A) the SDK's way: rebuild each shipped span tuple as a `ReadableSpan` (`span_shipping.from_tuple`) and
encode the batch with the SDK's `encode_spans`; (B) `otlp_encoding.encode_request` straight from the
tuples. Both serialise the same `ExportTraceServiceRequest` (checked here before timing). The spans are
those of a traced request: a server span with four HTTP attributes and four child spans with three
attributes each, 10,000 spans in batches of 512 (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`'s default).

Usage: uv run --frozen python bench/otlp_encoding.py [--requests 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mcp_common.otlp_encoding import encode_request
from mcp_common.span_shipping import SpanTuple, from_tuple, to_tuple

BATCH = 512


def shipped(requests: int, resource: Resource) -> list[SpanTuple]:
    keep = InMemorySpanExporter()
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(keep))
    tracer = provider.get_tracer("mcp_common")
    server_attributes: dict[str, str | int] = {
        "http.request.method": "POST",
        "url.path": "/query",
        "http.route": "/query",
        "http.response.status_code": 200,
    }
    for _ in range(requests):
        with tracer.start_as_current_span("POST /query", attributes=server_attributes):
            for step in range(4):
                attributes: dict[str, str | int | bool] = {
                    "orchestrator.step": step,
                    "cache.hit": step % 2 == 0,
                    "service": "chargebee",
                }
                with tracer.start_as_current_span(f"step {step}", attributes=attributes):
                    pass
    return [to_tuple(span) for span in keep.get_finished_spans()]


def per_span_us(encode: Callable[[Sequence[SpanTuple]], bytes], batches: list[list[SpanTuple]], repeat: int) -> float:
    """The best of `repeat` passes over every batch, in µs of CPU per span."""
    spans = sum(len(b) for b in batches)
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for batch in batches:
            encode(batch)
        best = min(best, time.process_time() - started)
    return best / spans * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="traced requests (5 spans each)")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the fastest counts")
    args = parser.parse_args()
    resource = Resource({"service.name": "orchestrator", "service.version": "bench"})
    tuples = shipped(args.requests, resource)
    batches = [tuples[i : i + BATCH] for i in range(0, len(tuples), BATCH)]

    def sdk(batch: Sequence[SpanTuple]) -> bytes:
        data: bytes = encode_spans([from_tuple(item, resource) for item in batch]).SerializePartialToString()
        return data

    def ours(batch: Sequence[SpanTuple]) -> bytes:
        data: bytes = encode_request(batch, resource.attributes).SerializePartialToString()
        return data

    assert all(encode_spans([from_tuple(i, resource) for i in b]) == encode_request(b, resource.attributes)
               for b in batches[:2]), "the two encodings differ"  # fmt: skip
    rounds = [(per_span_us(sdk, batches, args.repeat), per_span_us(ours, batches, args.repeat)) for _ in range(3)]
    sdk_us = statistics.median(r[0] for r in rounds)
    ours_us = statistics.median(r[1] for r in rounds)
    print(
        f"{len(tuples)} spans in batches of {BATCH}, CPU per span (median of 3 rounds, each the best of {args.repeat})"
    )
    print("| encoding | µs per span |\n|---|---:|")
    print(f"| SDK: rebuild `ReadableSpan` + `encode_spans` | {sdk_us:.2f} |")
    print(f"| `otlp_encoding.encode_request` from the tuples | {ours_us:.2f} |")
    print(f"\nratio: {ours_us / sdk_us:.2f}x the SDK's CPU per span")


if __name__ == "__main__":
    main()
