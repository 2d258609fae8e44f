"""The demo backend's personas and guarantees, driven through the tool registry."""

from __future__ import annotations

from typing import Any

import pytest

from hubspot_service.backends.demo import DemoCrm
from hubspot_service.models import Contact, DealList, TicketList
from hubspot_service.tools import build_registry
from mcp_common.demo_people import PEOPLE
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext


@pytest.fixture
def registry() -> ToolRegistry:
    return build_registry(DemoCrm())


async def _call(registry: ToolRegistry, tool: str, **arguments: Any) -> Any:
    return await registry.call(tool, arguments, CallContext())


async def test_ada_is_a_customer_at_analytical_engines(registry: ToolRegistry) -> None:
    contact = await _call(registry, "get_contact", email="ada@example.com")

    assert isinstance(contact, Contact)
    assert (contact.first_name, contact.last_name) == ("Ada", "Lovelace")
    assert contact.company == "Analytical Engines Ltd"
    assert contact.lifecycle_stage == "customer"
    assert contact.owner_name


async def test_ada_has_exactly_two_open_deals_and_their_pipeline_total(registry: ToolRegistry) -> None:
    deals = await _call(registry, "list_deals", email="ada@example.com")

    assert isinstance(deals, DealList)
    assert deals.open_count == 2
    assert [d.is_closed for d in deals.deals] == [False, False]
    assert deals.open_pipeline_total == pytest.approx(sum(d.amount or 0 for d in deals.deals))
    assert deals.open_pipeline_currency == "GBP"


async def test_ada_has_exactly_one_open_ticket_with_high_priority(registry: ToolRegistry) -> None:
    tickets = await _call(registry, "list_tickets", email="ada@example.com")

    assert isinstance(tickets, TicketList)
    open_tickets = [t for t in tickets.tickets if t.status == "open"]
    assert tickets.open_count == 1
    assert [t.priority for t in open_tickets] == ["HIGH"]
    assert open_tickets[0].closed_at is None


async def test_status_filter_keeps_only_matching_tickets_but_counts_every_open_one(
    registry: ToolRegistry,
) -> None:
    closed = await _call(registry, "list_tickets", email="ada@example.com", status="closed")
    opened = await _call(registry, "list_tickets", email="ada@example.com", status="open")

    assert closed.tickets and all(t.status == "closed" and t.closed_at for t in closed.tickets)
    assert [t.priority for t in opened.tickets] == ["HIGH"]
    assert closed.open_count == opened.open_count == 1
    assert closed.status_filter == "closed"


async def test_grace_is_a_lead_with_no_deals_and_one_closed_ticket(registry: ToolRegistry) -> None:
    contact = await _call(registry, "get_contact", email="grace@example.com")
    deals = await _call(registry, "list_deals", email="grace@example.com")
    tickets = await _call(registry, "list_tickets", email="grace@example.com")

    assert (contact.first_name, contact.last_name, contact.lifecycle_stage) == ("Grace", "Hopper", "lead")
    assert deals.deals == [] and deals.open_count == deals.won_count == 0
    assert deals.open_pipeline_total == 0
    assert [t.status for t in tickets.tickets] == ["closed"]
    assert tickets.open_count == 0


async def test_linus_has_exactly_one_deal_and_it_is_closed_won(registry: ToolRegistry) -> None:
    deals = await _call(registry, "list_deals", email="linus@example.com")

    assert len(deals.deals) == 1
    assert deals.deals[0].is_closed and deals.deals[0].is_won
    assert (deals.open_count, deals.won_count) == (0, 1)


async def test_every_demo_person_has_a_contact_with_their_own_email(registry: ToolRegistry) -> None:
    for person in PEOPLE:
        contact = await _call(registry, "get_contact", email=person.email)
        assert contact.email == person.email
        assert contact.company == person.company


async def test_others_have_varied_deals_tickets_and_lifecycle_stages(registry: ToolRegistry) -> None:
    stages, deal_counts, ticket_counts = set(), set(), set()
    for person in PEOPLE[3:]:
        stages.add((await _call(registry, "get_contact", email=person.email)).lifecycle_stage)
        deal_counts.add(len((await _call(registry, "list_deals", email=person.email)).deals))
        ticket_counts.add(len((await _call(registry, "list_tickets", email=person.email)).tickets))

    assert len(stages) >= 4
    assert deal_counts >= {0, 1, 2, 3}
    assert ticket_counts >= {0, 1, 2}


async def test_email_is_matched_case_insensitively(registry: ToolRegistry) -> None:
    contact = await _call(registry, "get_contact", email="Ada@Example.COM")
    deals = await _call(registry, "list_deals", email="ADA@example.com")

    assert contact.email == "ada@example.com"
    assert deals.email == "ada@example.com" and deals.open_count == 2


@pytest.mark.parametrize("tool", ["get_contact", "list_deals", "list_tickets"])
async def test_unknown_email_is_not_found_and_reveals_nobody(registry: ToolRegistry, tool: str) -> None:
    with pytest.raises(ServiceError) as caught:
        await _call(registry, tool, email="mallory@example.com")

    assert caught.value.code is ErrorCode.NOT_FOUND
    assert caught.value.message == "no CRM contact with that email"


async def test_malformed_email_is_an_invalid_request(registry: ToolRegistry) -> None:
    with pytest.raises(ServiceError) as caught:
        await _call(registry, "get_contact", email="not-an-email")

    assert caught.value.code is ErrorCode.INVALID_REQUEST


async def test_unknown_ticket_status_filter_is_an_invalid_request(registry: ToolRegistry) -> None:
    with pytest.raises(ServiceError) as caught:
        await _call(registry, "list_tickets", email="ada@example.com", status="pending")

    assert caught.value.code is ErrorCode.INVALID_REQUEST


async def test_demo_data_is_identical_on_every_build() -> None:
    first, second = build_registry(DemoCrm()), build_registry(DemoCrm())
    for tool in ("get_contact", "list_deals", "list_tickets"):
        for person in PEOPLE:
            a = await _call(first, tool, email=person.email)
            b = await _call(second, tool, email=person.email)
            assert a == b
