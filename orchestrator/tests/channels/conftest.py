"""Fixtures of the channel tests: the food services (once for the package) and an orchestrator per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channel_stack import food_services, orchestrator
from slack_fake import FakeSlack, fake_slack, slack_overrides


@pytest.fixture(scope="package")
def food(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with food_services(tmp_path_factory.mktemp("food")) as services:
        yield services


@pytest.fixture(scope="module")
def orch(food: dict[str, str]) -> Iterator[str]:
    with orchestrator(food) as url:
        yield url


@pytest.fixture(scope="package")
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as double:
        yield double


@pytest.fixture(scope="module")
def slack_orch(food: dict[str, str], slack: FakeSlack) -> Iterator[str]:
    """An orchestrator with the Slack app on, answering through the loopback Slack."""
    with orchestrator(food, **slack_overrides(slack)) as url:
        yield url
