"""Settings every MCP service shares; each service subclasses this with its own env prefix."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from mcp_common.app import ServiceConfig
from mcp_common.auth import IdTokens, ServiceAuth, wants_id_tokens

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


class BaseServiceSettings(BaseSettings):
    """Common service settings. Subclasses set `env_prefix` (e.g. `CHARGEBEE_`) and a default port.

    A subclass's `model_config = SettingsConfigDict(env_prefix=...)` is merged with this one.
    """

    # Empty variables (as `.env.example` leaves them) mean "unset", not "".
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    host: str = Field(default="127.0.0.1", description="Interface to listen on (0.0.0.0 in containers).")
    port: Port = 8100
    log_level: str = Field(default="INFO", description="Minimum log level.")
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
    loki_url: str | None = Field(default=None, description="Grafana Loki base URL; unset disables Loki.")
    loki_token: SecretStr | None = Field(default=None, description="Bearer token for Loki, if required.")
    gcp_project: str | None = Field(default=None, description="Project id for Cloud Logging trace links.")

    def service_config(self) -> ServiceConfig:
        return ServiceConfig(allowed_hosts=self.allowed_hosts, log_payloads=self.log_payloads)

    def id_tokens(self) -> IdTokens | None:
        """The ID tokens this service's calls to other services carry, or None (see `service_auth`)."""
        return IdTokens() if wants_id_tokens(self.service_auth) else None
