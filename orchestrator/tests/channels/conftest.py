"""Fixtures of the channel tests: the food services (once for the package) and an orchestrator per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channel_stack import food_services, orchestrator


@pytest.fixture(scope="package")
def food(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with food_services(tmp_path_factory.mktemp("food")) as services:
        yield services


@pytest.fixture(scope="module")
def orch(food: dict[str, str]) -> Iterator[str]:
    with orchestrator(food) as url:
        yield url
