"""Settings of the hubspot service, read from `HUBSPOT_*` environment variables (and `.env`)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, Port


class Settings(BaseServiceSettings):
    """Configuration of the hubspot service; `backend` picks the CRM the tools read from."""

    model_config = SettingsConfigDict(env_prefix="HUBSPOT_")

    port: Port = 8102
    backend: Literal["demo", "hubspot"] = Field(
        default="demo",
        description="`demo` serves the embedded deterministic dataset; `hubspot` calls the HubSpot CRM API.",
    )
    access_token: SecretStr | None = Field(
        default=None,
        description="HubSpot private app access token (scopes: crm.objects.contacts.read, "
        "crm.objects.deals.read, tickets, crm.objects.owners.read); required when backend is `hubspot`.",
    )
    base_url: str = Field(
        default="https://api.hubapi.com", description="HubSpot API base URL; overridden only in tests."
    )
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of each HubSpot API request, seconds.")

    @model_validator(mode="after")
    def _hubspot_backend_needs_a_token(self) -> Self:
        if self.backend == "hubspot" and not (self.access_token and self.access_token.get_secret_value()):
            raise ValueError("HUBSPOT_ACCESS_TOKEN must be set when HUBSPOT_BACKEND is 'hubspot'")
        return self


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
