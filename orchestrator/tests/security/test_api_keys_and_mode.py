"""API keys (digests only, scopes, revocation, the `keys` commands) and where development mode may run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.cli import app as cli
from orchestrator.security.identity import Callers, Credentials
from orchestrator.security.keys import INDEX_KEY, ApiKeyStore
from orchestrator.security.mode import ModeError, check_mode, is_loopback
from orchestrator.settings import Settings
from orchestrator.state.memory import MemoryKVStore

ADA, GRACE = "ada@example.com", "grace@example.com"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, state_backend="memory", **values)


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


async def test_a_key_is_stored_as_a_digest_and_found_by_its_secret() -> None:
    kv = MemoryKVStore()
    keys = ApiKeyStore(kv, cache_s=0)
    key, secret = await keys.create(tenant="acme", email=ADA, entries=["query", "mcp"], label="ci")
    stored = await kv.get(INDEX_KEY)
    assert stored is not None and secret not in stored.decode() and key.digest in stored.decode()
    assert re.fullmatch(rf"mok_{key.id}_[A-Za-z0-9_-]{{43}}", secret)
    assert (await keys.find(secret)) == key
    assert await keys.find(secret + "x") is None and await keys.find(f"mok_{key.id}_guess") is None


async def test_a_revoked_key_stops_working_once_the_cache_expires() -> None:
    kv = MemoryKVStore()
    admin, serving = ApiKeyStore(kv, cache_s=0), ApiKeyStore(kv, cache_s=3600)
    key, secret = await admin.create(tenant="acme", email=ADA, entries=["query"])
    assert await serving.find(secret) is not None
    assert (await admin.revoke(key.id)) is not None and await admin.find(secret) is None
    assert await serving.find(secret) is not None, "cached: works until ORCH_API_KEY_CACHE_S has passed"
    serving._read_at = float("-inf")  # the cache interval has passed
    assert await serving.find(secret) is None
    assert [k.active for k in await admin.all()] == [False]
    assert await admin.revoke("no-such-key") is None


async def test_keys_carry_their_tenant_entry_points_and_tools() -> None:
    keys = ApiKeyStore(MemoryKVStore(), cache_s=0)
    _, secret = await keys.create(tenant="acme", email=ADA, entries=["query"], allowed_tools=["menu.*"])
    callers = Callers(settings(mode="production"), keys=keys)
    caller = await callers.resolve(Credentials("query", bearer(secret), ADA))
    assert caller is not None and (caller.tenant, caller.allowed_tools, caller.via) == ("acme", ("menu.*",), "key")
    assert caller.key_id is not None and secret.startswith(f"mok_{caller.key_id}_")
    with pytest.raises(ServiceError) as raised:
        await callers.resolve(Credentials("orchestrate", bearer(secret), ADA))
    assert raised.value.code is ErrorCode.FORBIDDEN and "may not call orchestrate" in str(raised.value)


async def test_a_key_acting_for_users_names_the_user_and_keeps_its_own_id() -> None:
    keys = ApiKeyStore(MemoryKVStore(), cache_s=0)
    _, agent = await keys.create(tenant="acme", email="agent@acme.example", entries=["query"], act_for_users=True)
    callers = Callers(settings(mode="production", tenants={"acme": {"allowed_tools": ["order.*"]}}), keys=keys)
    caller = await callers.resolve(Credentials("query", bearer(agent), GRACE))
    assert caller is not None and (caller.email, caller.tenant, caller.allowed_tools) == (GRACE, "acme", ("order.*",))
    assert caller.key_id is not None
    alone = await callers.resolve(Credentials("query", bearer(agent), None))
    assert alone is not None and alone.email == "agent@acme.example"


async def test_production_requires_a_credential_everywhere() -> None:
    callers = Callers(settings(mode="production"))
    for entry in ("query", "orchestrate", "mcp"):
        with pytest.raises(ServiceError) as raised:
            await callers.resolve(Credentials(entry, {}, ADA))
        assert raised.value.code is ErrorCode.UNAUTHENTICATED
    assert callers.bearer_required


def test_the_keys_commands_print_a_secret_once_and_list_without_it(tmp_path: Path) -> None:
    env = {"ORCH_STATE_BACKEND": "sqlite", "ORCH_STATE_PATH": str(tmp_path / "state.sqlite3"), "ORCH_TENANT": "acme"}
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "--email", ADA, "--entry", "query", "--entry", "mcp"], env=env)
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("mok_") and "tenant acme" in created.output
    listed = runner.invoke(cli, ["keys", "list"], env=env)
    key_id = secret.split("_")[1]
    assert listed.exit_code == 0 and key_id in listed.output and secret not in listed.output
    assert "1 active, 0 revoked" in listed.output
    assert runner.invoke(cli, ["keys", "revoke", key_id], env=env).exit_code == 0
    assert "0 active, 1 revoked" in runner.invoke(cli, ["keys", "list"], env=env).output
    assert runner.invoke(cli, ["keys", "revoke", "nope"], env=env).exit_code == 1
    bad = runner.invoke(cli, ["keys", "create", "--email", ADA, "--entry", "admin"], env=env)
    assert bad.exit_code != 0 and "unknown entry points" in bad.output


@pytest.mark.parametrize(
    ("host", "environ", "allowed", "refused"),
    [
        ("127.0.0.1", {}, False, None),
        ("::1", {}, False, None),
        ("localhost", {}, False, None),
        ("0.0.0.0", {}, False, "loopback only"),
        ("127.0.0.1", {"K_SERVICE": "orchestrator"}, False, "does not start on Cloud Run"),
        ("0.0.0.0", {"K_SERVICE": "orchestrator"}, True, None),
    ],
)
def test_development_mode_runs_on_loopback_only_and_never_on_cloud_run_unless_overridden(
    host: str, environ: dict[str, str], allowed: bool, refused: str | None
) -> None:
    configured = settings(host=host, allow_development_mode=allowed)
    if refused is None:
        check_mode(configured, environ)
    else:
        with pytest.raises(ModeError, match=refused):
            check_mode(configured, environ)
    check_mode(settings(host="0.0.0.0", mode="production"), {"K_SERVICE": "x"})


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "10.0.0.1", "example.com", ""])
