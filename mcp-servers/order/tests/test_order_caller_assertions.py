"""Service to service with caller keys on: order signs its calls to menu and customer_profile for the
caller it serves (iss `order`, audience the target); the peers refuse calls it did not sign."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
from order_world import ADA, Peers, order_settings, serve_order

from customer_profile_service.app import create_app as create_profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from mcp_common.assertions import HEADER, AssertionSigner, Keyring
from mcp_common.clock import ManualClock
from mcp_devtools.testing import serve
from menu_service.app import create_app as create_menu_app
from menu_service.settings import Settings as MenuSettings

KEYS = {"k1": "0123456789abcdef0123456789abcdef-order-test"}
ORCHESTRATOR = Keyring({"k1": KEYS["k1"].encode()}, "k1")
QUOTE = {"email": ADA, "items": [{"item_id": "m-01", "quantity": 1}], "address_id": "addr-ada-home"}


@contextmanager
def keyed_peers(directory: Path) -> Iterator[Peers]:
    """menu and customer_profile holding the caller keys."""
    keys: dict[str, Any] = {"caller_keys": KEYS}
    menu = MenuSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{directory / 'menu.db'}", **keys)
    profile = ProfileSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{directory / 'p.db'}", **keys)
    with serve(create_menu_app(menu)) as menu_url, serve(create_profile_app(profile)) as profile_url:
        yield Peers(menu_url, profile_url)


def quote(url: str) -> dict[str, Any]:
    assertion = AssertionSigner(ORCHESTRATOR, "orchestrator").sign("order", ADA, "default")
    body = {"tool": "quote_order", "arguments": QUOTE, "context": {"caller": ADA}}
    reply: dict[str, Any] = httpx.post(f"{url}/mcp/call", json=body, headers={HEADER: assertion}, timeout=10).json()
    return reply


def test_order_signs_its_calls_to_menu_and_customer_profile_for_the_same_caller() -> None:
    with tempfile.TemporaryDirectory(prefix="order-keys-") as tmp, keyed_peers(Path(tmp)) as peers:
        signing = order_settings(f"sqlite+aiosqlite:///{tmp}/order.db", peers, caller_keys=KEYS)
        with serve_order(signing, ManualClock()) as url:
            reply = quote(url)

    assert reply["ok"], reply
    assert reply["result"]["total_cents"] > 0


def test_the_peers_refuse_an_order_service_that_does_not_sign() -> None:
    with tempfile.TemporaryDirectory(prefix="order-keys-") as tmp, keyed_peers(Path(tmp)) as peers:
        silent = order_settings(f"sqlite+aiosqlite:///{tmp}/order.db", peers)
        with serve_order(silent, ManualClock()) as url:
            reply = quote(url)  # order itself has no keys: it believes the context, its peers do not

    assert reply["error"]["code"] == "UNAUTHENTICATED", reply


def test_an_assertion_the_order_service_signs_names_it_and_its_target() -> None:
    signer = order_settings("sqlite+aiosqlite://", Peers("", ""), caller_keys=KEYS).caller_signer("order")
    assert signer is not None

    token = signer.headers("menu", "Ada@Example.com", "default")[HEADER]

    claims = jwt.decode(token, KEYS["k1"], algorithms=["HS256"], audience="menu")
    assert (claims["iss"], claims["aud"], claims["sub"], claims["tenant"]) == ("order", "menu", ADA, "default")
    assert signer.headers("menu", None, "default") == {}
