"""The lock-free counters and histograms expose exactly what prometheus_client's own instruments would."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from mcp_common.tallies import CounterFamily, HistogramFamily, SplitHistogram

BUCKETS = (0.005, 0.01, 0.025, 0.1, 1.0, 30.0)
OBSERVED = [("/query", "POST", 0.004), ("/query", "POST", 0.005), ("/query", "POST", 0.0051), ("/mcp", "GET", 0.5),
            ("/query", "POST", 1.0), ("/query", "POST", 31.0), ("/mcp", "GET", 0.0)]  # fmt: skip


def _without_created(registry: CollectorRegistry) -> str:
    return "\n".join(line for line in generate_latest(registry).decode().splitlines() if "_created" not in line)


def test_exposition_matches_prometheus_clients_own_instruments() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    counter = CounterFamily("http_requests_total", "Requests.", ["route", "method"], registry=ours)
    histogram = HistogramFamily("latency_seconds", "Latency.", ["route", "method"], buckets=BUCKETS, registry=ours)
    their_counter = Counter("http_requests_total", "Requests.", ["route", "method"], registry=theirs)
    their_histogram = Histogram("latency_seconds", "Latency.", ["route", "method"], buckets=BUCKETS, registry=theirs)
    for route, method, seconds in OBSERVED:
        counter.inc((route, method))
        histogram.observe((route, method), seconds)
        their_counter.labels(route, method).inc()
        their_histogram.labels(route, method).observe(seconds)
    counter.inc(("/query", "POST"), 2.5)
    their_counter.labels("/query", "POST").inc(2.5)

    assert _without_created(ours) == _without_created(theirs)
    assert counter.value(("/query", "POST")) == 7.5
    assert histogram.count(("/mcp", "GET")) == 2


def test_one_write_per_request_exposes_the_counter_by_status_and_the_histogram_without_it() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    split = SplitHistogram("latency_seconds", "Latency.", ["route", "method", "status"], buckets=BUCKETS,
                           counter=("http_requests_total", "Requests."), registry=ours)  # fmt: skip
    their_counter = Counter("http_requests_total", "Requests.", ["route", "method", "status"], registry=theirs)
    their_histogram = Histogram("latency_seconds", "Latency.", ["route", "method"], buckets=BUCKETS, registry=theirs)
    for number, (route, method, seconds) in enumerate(OBSERVED):
        status = "500" if number % 3 == 0 else "200"
        split.observe((route, method, status), seconds)
        their_counter.labels(route, method, status).inc()
        their_histogram.labels(route, method).observe(seconds)

    assert _without_created(ours) == _without_created(theirs)


def test_a_value_on_a_bound_falls_in_that_bucket_and_above_the_last_in_inf() -> None:
    registry = CollectorRegistry()
    histogram = HistogramFamily("t_seconds", "T.", ["k"], buckets=(0.1, 1.0), registry=registry)
    for seconds in (0.1, 1.0, 1.5):
        histogram.observe(("a",), seconds)
    (family,) = text_string_to_metric_families(generate_latest(registry).decode())
    buckets = {s.labels["le"]: s.value for s in family.samples if s.name == "t_seconds_bucket"}
    sums = [s.value for s in family.samples if s.name == "t_seconds_sum"]
    assert buckets == {"0.1": 1, "1.0": 2, "+Inf": 3}
    assert sums == [pytest.approx(2.6)]


@pytest.mark.parametrize("labels", [("only-one",), ("a", "b", "c"), ("a", 1)])
def test_a_wrong_label_tuple_is_refused(labels: tuple[str, ...]) -> None:
    registry = CollectorRegistry()
    counter = CounterFamily("c_total", "C.", ["x", "y"], registry=registry)
    histogram = HistogramFamily("h_seconds", "H.", ["x", "y"], buckets=BUCKETS, registry=registry)
    with pytest.raises(ValueError, match="label values"):
        counter.inc(labels)
    with pytest.raises(ValueError, match="label values"):
        histogram.observe(labels, 0.1)
    assert "c_total{" not in generate_latest(registry).decode()


def test_buckets_must_increase() -> None:
    with pytest.raises(ValueError, match="increasing"):
        HistogramFamily("h_seconds", "H.", ["x"], buckets=(1.0, 0.5), registry=CollectorRegistry())
