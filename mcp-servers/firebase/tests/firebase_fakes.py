"""Seeding the Firebase Auth and Firestore emulators, and a scripted Identity Toolkit server for the
failures an emulator cannot produce; shared by the firebase service's tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.cloud.firestore import AsyncClient

from mcp_devtools.emulators import FirebaseAuthEmulator
from mcp_devtools.testing import serve

OWNER = {"Authorization": "Bearer owner"}
ADA_CREATED = datetime(2024, 1, 12, 9, 30, tzinfo=UTC)
ADA_SIGNED_IN = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def new_project() -> str:
    """A fresh `demo-*` project id: the emulators keep each project's data apart."""
    return f"demo-{uuid.uuid4().hex[:12]}"


def _millis(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


SEEDED_ACCOUNTS: list[dict[str, Any]] = [
    {"localId": "uid-ada", "email": "Ada@Example.com", "displayName": "Ada Lovelace", "emailVerified": True,
     "createdAt": _millis(ADA_CREATED), "lastLoginAt": _millis(ADA_SIGNED_IN),
     "providerUserInfo": [{"providerId": "google.com", "rawId": "g-ada", "email": "ada@example.com"},
                          {"providerId": "github.com", "rawId": "gh-ada"}]},
    {"localId": "uid-linus", "email": "linus@example.com", "displayName": "Linus Torvalds", "emailVerified": True,
     "disabled": True, "passwordHash": "aGFzaA==",
     "providerUserInfo": [{"providerId": "password", "rawId": "linus@example.com", "email": "linus@example.com"}]},
]  # fmt: skip
"""Imported as an administrator would: ada with two linked providers, linus disabled."""


@dataclass(frozen=True)
class SeededAuth:
    """The users of one project on the Auth emulator, by email."""

    project: str
    uids: dict[str, str]


def seed_auth(emulator: FirebaseAuthEmulator, project: str) -> SeededAuth:
    """ada and linus imported, grace signed up with a password (email not verified)."""
    base = f"{emulator.url}/identitytoolkit.googleapis.com/v1/projects/{project}"
    imported = httpx.post(f"{base}/accounts:batchCreate", headers=OWNER, json={"users": SEEDED_ACCOUNTS}, timeout=10)
    imported.raise_for_status()
    assert imported.json().get("error", []) == [], imported.text
    grace = httpx.post(
        f"{base}/accounts",
        headers=OWNER,
        json={"email": "grace@example.com", "password": "a-long-passphrase", "displayName": "Grace Hopper"},
        timeout=10,
    )
    grace.raise_for_status()
    return SeededAuth(project, {"ada@example.com": "uid-ada", "linus@example.com": "uid-linus",
                                "grace@example.com": grace.json()["localId"]})  # fmt: skip


async def seed_usage(project: str, collection: str, documents: dict[str, dict[str, Any]]) -> None:
    """Write usage documents (id → fields) through the Firestore client (`FIRESTORE_EMULATOR_HOST` set)."""
    client = AsyncClient(project=project)
    try:
        for document_id, fields in documents.items():
            await client.collection(collection).document(document_id).set(fields)
    finally:
        client.close()  # type: ignore[no-untyped-call]


@dataclass
class ScriptedIdentityToolkit:
    """What the scripted server answers to every Identity Toolkit request."""

    status: int = 200
    body: dict[str, Any] | None = None
    delay_s: float = 0.0


@contextmanager
def identity_toolkit(script: ScriptedIdentityToolkit) -> Iterator[str]:
    """Serve `script` on loopback; yields the `FIREBASE_AUTH_EMULATOR_HOST` value pointing at it."""
    app = FastAPI()

    @app.post("/identitytoolkit.googleapis.com/{path:path}")
    async def answer(request: Request) -> JSONResponse:
        await asyncio.sleep(script.delay_s)
        return JSONResponse(script.body or {}, status_code=script.status)

    with serve(app) as url:
        yield url.removeprefix("http://")


def lookup_reply(*, email: str, uid: str = "uid-x") -> dict[str, Any]:
    """An `accounts:lookup` answer holding one user with `email`."""
    return {"kind": "identitytoolkit#GetAccountInfoResponse", "users": [{"localId": uid, "email": email}]}
