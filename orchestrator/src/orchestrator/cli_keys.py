"""`orchestrator keys create|list|revoke`: API keys in the deployment's shared store (ORCH_STATE_*)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.security.keys import ENTRIES, ApiKey, ApiKeyStore, Entry
from orchestrator.settings import get_settings
from orchestrator.state.factory import open_store

keys_app = typer.Typer(help="API keys for server-to-server callers (stored as digests; a secret is shown once).")
T = TypeVar("T")


def _with_store(action: Callable[[ApiKeyStore], Awaitable[T]]) -> T:
    async def run() -> T:
        store = open_store(get_settings())
        try:
            return await action(ApiKeyStore(store, cache_s=0))
        finally:
            await store.close()

    return asyncio.run(run())


@keys_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Who the key acts as (with --act-for-users: its service account).")],
    tenant: Annotated[str | None, typer.Option(help="Its tenant (default: ORCH_TENANT).")] = None,
    entry: Annotated[list[str] | None, typer.Option(help="Entry point it may call; repeat (default: query).")] = None,
    tool: Annotated[list[str] | None, typer.Option(help="Tool pattern it may use; repeat (default: tenant's).")] = None,
    act_for_users: Annotated[bool, typer.Option(help="It may name any user of its tenant in requests.")] = False,
    label: Annotated[str, typer.Option(help="A note shown by `keys list`.")] = "",
) -> None:
    """Create a key and print its secret once."""
    entries = entry or ["query"]
    unknown = sorted(set(entries) - set(ENTRIES))
    if unknown:
        raise typer.BadParameter(f"unknown entry points {unknown}; choose from {', '.join(ENTRIES)}")
    chosen: list[Entry] = [e for e in ENTRIES if e in entries]
    key, secret = _with_store(
        lambda keys: keys.create(
            tenant=tenant or get_settings().tenant,
            email=email,
            entries=chosen,
            allowed_tools=tool,
            act_for_users=act_for_users,
            label=label,
        )
    )
    typer.echo(f"key {key.id} for {key.email} (tenant {key.tenant}; {', '.join(key.entries)})")
    typer.echo("secret (shown once, store it now; send it as `Authorization: Bearer <secret>`):")
    typer.echo(secret)


@keys_app.command("list")
def list_keys() -> None:
    """List the keys (never their secrets)."""
    keys: list[ApiKey] = _with_store(lambda store: store.all())
    table = Table("id", "tenant", "email", "entries", "tools", "acts for users", "label", "created", "revoked")
    for key in keys:
        table.add_row(
            key.id,
            key.tenant,
            str(key.email),
            ", ".join(key.entries),
            ", ".join(key.allowed_tools) if key.allowed_tools is not None else "(tenant's)",
            "yes" if key.act_for_users else "no",
            key.label,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    Console(width=160).print(table)
    typer.echo(f"{sum(k.active for k in keys)} active, {sum(not k.active for k in keys)} revoked")


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`).")]) -> None:
    """Revoke a key: refused everywhere within ORCH_API_KEY_CACHE_S."""
    key = _with_store(lambda store: store.revoke(key_id))
    if key is None:
        typer.echo(f"no key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"key {key.id} revoked at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
