"""Counters and histograms cheap enough for every request: a dict of floats per family, read at scrape time.

`prometheus_client`'s `Counter(...).labels(...).inc()` checks the labels, looks the child up under a
lock and adds under another, and `Histogram.observe` walks the buckets under locks; a cached request
recorded five such writes. A `CounterFamily` keeps one float per label tuple in a dict and a
`HistogramFamily` one row of bucket counts, both exposed through the same registry as `Collector`s, so
`/metrics` reads as before (without the optional `_created` series). `bench/tallies.py` times both.

Written without locks: every writer is code running on the app's event loop (middleware, the engine,
rate limits), and so is the scrape, so a read never sees half a write. Label values are the caller's
to bound (see `mcp_common.metrics`); the number of labels is checked once per new label tuple.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

Labels = tuple[str, ...]


class CounterFamily(Collector):
    """A counter per label tuple: `inc(("GET", "200"))`."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], *, registry: CollectorRegistry
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._values: dict[Labels, float] = {}
        registry.register(self)

    def inc(self, labels: Labels, amount: float = 1.0) -> None:
        values = self._values
        value = values.get(labels)
        if value is None:
            _check(self.name, self.labelnames, labels)
            value = 0.0
        values[labels] = value + amount

    def value(self, labels: Labels) -> float:
        return self._values.get(labels, 0.0)

    def describe(self) -> Iterable[Metric]:
        yield CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, value in list(self._values.items()):
            family.add_metric(labels, value)
        yield family


class HistogramFamily(Collector):
    """A histogram per label tuple: `observe(("/query", "POST"), 0.004)` (seconds)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        if list(buckets) != sorted(set(buckets)):
            raise ValueError(f"{name}: buckets must be increasing, without duplicates")
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.bounds = tuple(float(b) for b in buckets if b != float("inf"))
        # Per label tuple: the count of each bucket alone (the last one +Inf), then the sum.
        self._rows: dict[Labels, list[float]] = {}
        registry.register(self)

    def observe(self, labels: Labels, value: float) -> None:
        row = self._rows.get(labels)
        if row is None:
            _check(self.name, self.labelnames, labels)
            row = self._rows[labels] = [0.0] * (len(self.bounds) + 2)
        row[bisect_left(self.bounds, value)] += 1  # the first bucket whose bound is ≥ value ("le")
        row[-1] += value

    def count(self, labels: Labels) -> float:
        row = self._rows.get(labels)
        return sum(row[:-1]) if row is not None else 0.0

    def describe(self) -> Iterable[Metric]:
        yield HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterable[Metric]:
        yield _histogram(self.name, self.documentation, self.labelnames, self.bounds, dict(self._rows))


class SplitHistogram(HistogramFamily):
    """A histogram by all labels but the last, and a counter by all of them, from one write per event.

    `http_request_duration_seconds{route, method}` and `http_requests_total{route, method, status}` both
    come from one row per (route, method, status): the counter is each row's count, the histogram the
    rows folded over the last label at scrape time.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        counter: tuple[str, str],
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self.counter_name, self.counter_documentation = counter
        super().__init__(name, documentation, labelnames, buckets=buckets, registry=registry)

    def describe(self) -> Iterable[Metric]:
        yield CounterMetricFamily(self.counter_name, self.counter_documentation, labels=self.labelnames)
        yield HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames[:-1])

    def collect(self) -> Iterable[Metric]:
        counter = CounterMetricFamily(self.counter_name, self.counter_documentation, labels=self.labelnames)
        folded: dict[Labels, list[float]] = {}
        for labels, row in list(self._rows.items()):
            counter.add_metric(labels, sum(row[:-1]))
            total = folded.setdefault(labels[:-1], [0.0] * len(row))
            for index, value in enumerate(row):
                total[index] += value
        yield counter
        yield _histogram(self.name, self.documentation, self.labelnames[:-1], self.bounds, folded)


def _histogram(
    name: str, documentation: str, labelnames: Labels, bounds: tuple[float, ...], rows: dict[Labels, list[float]]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=labelnames)
    edges = [repr(b) for b in bounds] + ["+Inf"]  # "0.005", "1.0": as prometheus_client writes them
    for labels, row in rows.items():
        cumulative, buckets = 0.0, []
        for edge, count in zip(edges, row[:-1], strict=True):
            cumulative += count
            buckets.append((edge, cumulative))
        family.add_metric(labels, buckets, row[-1])
    return family


def _check(name: str, labelnames: Labels, labels: Labels) -> None:
    if len(labels) != len(labelnames) or not all(isinstance(value, str) for value in labels):
        raise ValueError(f"{name}: expected {len(labelnames)} string label values {labelnames}, got {labels!r}")
