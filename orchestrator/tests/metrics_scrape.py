"""Reading a `/metrics` page in tests: samples by name and labels, and the metric names it exports."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]

SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


def get_metrics(url: str, headers: dict[str, str] | None = None) -> str:
    response = httpx.get(f"{url}/metrics", headers=headers or {}, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def samples(text: str) -> dict[Key, float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def key(name: str, **labels: str) -> Key:
    return name, frozenset(labels.items())


def moved(before: dict[Key, float], after: dict[Key, float]) -> dict[Key, float]:
    """How much each sample changed (new samples count from 0); unchanged ones are left out."""
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)}


def exported_names(text: str) -> set[str]:
    """Every series name the page declares, including those of families with no sample yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names
