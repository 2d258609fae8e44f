"""Firestore's `add` against the emulator: `create()` refuses an existing document, and an expired
document in the way is deleted only while it is still the one read (an `update_time` precondition)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from google.api_core.exceptions import AlreadyExists, FailedPrecondition
from google.cloud.firestore_v1.async_document import AsyncDocumentReference
from kv_backends import FIRESTORE_EMULATOR_PRECONDITION

from mcp_devtools.emulators import FirestoreEmulator
from orchestrator.state.firestore import FirestoreKVStore


@pytest.fixture
async def store(firestore_emulator: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch) -> FirestoreKVStore:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    return FirestoreKVStore(project=f"test-{uuid.uuid4().hex[:12]}")


async def test_the_emulator_refuses_a_second_create(store: FirestoreKVStore) -> None:
    document = store._document("channel-seen:t:-:create")
    await document.create({"value": b"one"})
    with pytest.raises(AlreadyExists):
        await document.create({"value": b"two"})
    await store.close()


async def test_the_emulator_honours_an_update_time_precondition_on_delete(store: FirestoreKVStore) -> None:
    document = store._document("channel-seen:t:-:precondition")
    await document.set({"value": b"one"})
    read = await document.get()
    await asyncio.sleep(0.01)
    await document.set({"value": b"two"})  # written by another instance after the read
    try:
        await document.delete(option=store._client.write_option(last_update_time=read.update_time))
    except FailedPrecondition:
        assert (await document.get()).exists
    else:
        pytest.skip(FIRESTORE_EMULATOR_PRECONDITION)
    finally:
        await store.close()


async def test_add_over_an_expired_document_that_was_refreshed_meanwhile_stores_nothing(
    store: FirestoreKVStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expired entry read by `add` is replaced by a live one before its delete: `add` loses."""
    key = "channel-seen:t:-:refreshed"
    await store.set(key, b"expired", -1)
    document = store._document(key)
    real_delete = document.delete

    async def refreshed_then_delete(**kwargs: object) -> None:
        await store.set(key, b"fresh", 60)
        await real_delete(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "_document", lambda _key: document)
    monkeypatch.setattr(document, "delete", refreshed_then_delete)
    won = await store.add(key, b"mine", 60)
    ignored = won and await _ignores_update_time_preconditions(document)
    await store.close()
    if ignored:
        pytest.skip(FIRESTORE_EMULATOR_PRECONDITION)
    assert won is False


async def test_add_over_an_expired_document_replaces_it(store: FirestoreKVStore) -> None:
    key = "channel-seen:t:-:expired"
    await store.set(key, b"expired", -1)
    assert await store.add(key, b"mine", 60) is True
    assert await store.get(key) == b"mine"
    assert await store.add(key, b"again", 60) is False
    await store.close()


async def _ignores_update_time_preconditions(document: AsyncDocumentReference) -> bool:
    """Whether the server deletes a document whose update_time moved on since it was read."""
    await document.set({"value": b"one"})
    read = await document.get()
    await asyncio.sleep(0.01)
    await document.set({"value": b"two"})
    try:
        await document.delete(option=document._client.write_option(last_update_time=read.update_time))
    except FailedPrecondition:
        return False
    return True
