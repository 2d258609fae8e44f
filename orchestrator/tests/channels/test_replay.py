"""One delivery id claimed at once on two instances sharing a store (every backend): one turn runs."""

from __future__ import annotations

import asyncio

from kv_backends import KVFactory, kv_factory_fixture  # noqa: F401 (fixture)

from orchestrator.channels.replay import ReplayGuard


async def test_concurrent_claims_of_one_id_on_two_instances_make_one_new(kv_factory: KVFactory) -> None:
    guards = [ReplayGuard(kv_factory()), ReplayGuard(kv_factory())]
    key = ReplayGuard.key("default", "twilio", "SM0001")
    claims = await asyncio.gather(*(guards[i % 2].claim(key) for i in range(20)))
    states = [claim.state for claim in claims]
    assert states.count("new") == 1 and states.count("busy") == 19

    winner = guards[states.index("new") % 2]
    await winner.complete(key, "<Response/>")
    again = await asyncio.gather(*(guard.claim(key) for guard in guards))
    assert [(c.state, c.reply) for c in again] == [("done", "<Response/>")] * 2


async def test_a_released_claim_can_be_claimed_again_elsewhere(kv_factory: KVFactory) -> None:
    first, second = ReplayGuard(kv_factory()), ReplayGuard(kv_factory())
    key = ReplayGuard.key("default", "slack", "Ev0001")
    assert (await first.claim(key)).state == "new"
    assert (await second.claim(key)).state == "busy"
    await first.release(key)
    assert (await second.claim(key)).state == "new"
