"""Settings of the customer-profile service, read from `CUSTOMER_PROFILE_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, DatabaseUrl, Port


class Settings(BaseServiceSettings):
    """Configuration of the customer-profile service: its database and whether to seed demo profiles."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_PROFILE_")

    port: Port = 8104
    database_url: DatabaseUrl = "sqlite+aiosqlite:///var/customer_profile.db"
    seed_demo: bool = Field(
        default=True,
        description="Add the demo customers on start-up (customers already present are left untouched).",
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
