"""Fixtures of the mcp_common tests: the demo registry (demo_registry.py) and a real HTTP server for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_registry import build_demo_registry

from mcp_common.app import create_service_app
from mcp_common.registry import ToolRegistry
from mcp_devtools.testing import serve


@pytest.fixture
def registry() -> ToolRegistry:
    return build_demo_registry()


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """Base URL of the demo service app served by uvicorn on a loopback port."""
    with serve(create_service_app(build_demo_registry())) as url:
        yield url
