"""A service's refusal of the call itself (the error envelope, not a `CallResponse`) reaches the orchestrator as
`SERVICE_BAD_RESPONSE` naming the service's status, code and message; a tool's own failure keeps its code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from mcp_devtools.testing import serve
from orchestrator.tools.http import HttpToolSource

CAP = 1024 * 1024  # a service's default body cap (ServiceConfig.max_body_bytes)


@pytest.fixture(scope="module")
def billing() -> Iterator[str]:
    """The chargebee service with its demo data, as its entrypoint builds it."""
    with serve(billing_app(BillingSettings())) as url:
        yield url


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_a_call_over_the_service_s_cap_is_a_bad_response_naming_the_413(
    billing: str, session: aiohttp.ClientSession
) -> None:
    source = HttpToolSource("chargebee", billing, session)

    with pytest.raises(ServiceError) as caught:
        await source.call("get_subscription", {"email": "ada@example.com", "pad": "x" * CAP}, CallContext())

    assert caught.value.code is ErrorCode.SERVICE_BAD_RESPONSE
    assert caught.value.message == (
        f"chargebee refused the call (HTTP 413, PAYLOAD_TOO_LARGE: the request body is larger than {CAP} bytes)"
    )


async def test_a_wrong_base_url_is_a_bad_response_naming_the_404(billing: str, session: aiohttp.ClientSession) -> None:
    source = HttpToolSource("chargebee", f"{billing}/v2", session)

    with pytest.raises(ServiceError) as caught:
        await source.call("get_subscription", {"email": "ada@example.com"}, CallContext())

    assert caught.value.code is ErrorCode.SERVICE_BAD_RESPONSE
    assert caught.value.message == "chargebee refused the call (HTTP 404, NOT_FOUND: Not Found)"


async def test_a_tool_s_own_failure_keeps_its_code(billing: str, session: aiohttp.ClientSession) -> None:
    source = HttpToolSource("chargebee", billing, session)

    with pytest.raises(ServiceError) as caught:
        await source.call("get_subscription", {"email": "nobody@example.com"}, CallContext())

    assert caught.value.code is ErrorCode.NOT_FOUND
