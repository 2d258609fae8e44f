"""Settings every MCP service shares; each service subclasses this with its own env prefix."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mcp_common.app import ServiceConfig
from mcp_common.assertions import AssertionSigner, CallerKeys, Keyring, caller_signer
from mcp_common.auth import IdTokens, ServiceAuth, wants_id_tokens
from mcp_common.telemetry import TracingSettings

Port = Annotated[int, Field(description="TCP port; the bare `PORT` variable (Cloud Run) wins.")]
"""The listening port; a service states its default as `port: Port = 8103`."""
DatabaseUrl = Annotated[
    str,
    Field(
        description="SQLAlchemy URL of the service's own database: SQLite (a path relative to the working "
        "directory) or PostgreSQL (`postgresql://user:password@host/db`; the async driver is added)."
    ),
]
"""The URL of a service's own database; a service states its SQLite default as `database_url: DatabaseUrl = ...`."""


class BaseServiceSettings(BaseSettings, TracingSettings):
    """Common service settings. Subclasses set `env_prefix` (e.g. `CHARGEBEE_`) and a default port.

    A subclass's `model_config = SettingsConfigDict(env_prefix=...)` is merged with this one.
    """

    # Empty variables (as `.env.example` leaves them) mean "unset", not "".
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    host: str = Field(default="127.0.0.1", description="Interface to listen on (0.0.0.0 in containers).")
    port: Port = 8100
    log_level: str = Field(default="INFO", description="Minimum log level.")
    log_file: str | None = Field(
        default=None, description="Also append the JSON log lines to this file (e.g. var/logs/<service>.jsonl)."
    )
    env: str = Field(default="local", description="Deployment environment name, used as a log label.")
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"],
        description='Host headers accepted on /mcp, JSON list; `["*"]` behind a trusted proxy.',
    )
    log_payloads: bool = Field(default=True, description="Log tool arguments and results (redacted).")
    service_auth: ServiceAuth = Field(
        default="auto",
        description="Calls to other services carry a Google ID token: `id-token`, `none`, or `auto` (on Cloud Run).",
    )
    caller_keys: CallerKeys = Field(
        default_factory=dict,
        description="Keys of caller assertions, JSON object key id → secret (32+ bytes), shared with the "
        "orchestrator and the other services. Set: `/mcp/call` and `/mcp` require a signed assertion of the "
        "caller and this service signs its own calls; empty (development): `context.caller` is believed.",
    )
    caller_key_id: str | None = Field(
        default=None, description="Key id of CALLER_KEYS this service signs with (optional with a single key)."
    )
    loki_url: str | None = Field(default=None, description="Grafana Loki base URL; unset disables Loki.")
    loki_token: SecretStr | None = Field(default=None, description="Bearer token for Loki, if required.")
    gcp_project: str | None = Field(default=None, description="Project id for Cloud Logging trace links.")

    @model_validator(mode="after")
    def _caller_keyring(self) -> BaseServiceSettings:
        Keyring.from_secrets(self.caller_keys, self.caller_key_id)  # refuses a signing kid not in the keys
        return self

    def service_config(self) -> ServiceConfig:
        return ServiceConfig(
            allowed_hosts=self.allowed_hosts,
            log_payloads=self.log_payloads,
            caller_keys=self.caller_keys,
            caller_key_id=self.caller_key_id,
        )

    def caller_signer(self, issuer: str) -> AssertionSigner | None:
        """What signs this service's calls to other services (as `issuer`, its name); None without keys."""
        return caller_signer(self.caller_keys, self.caller_key_id, issuer=issuer)

    def id_tokens(self) -> IdTokens | None:
        """The ID tokens this service's calls to other services carry, or None (see `service_auth`)."""
        return IdTokens() if wants_id_tokens(self.service_auth) else None
