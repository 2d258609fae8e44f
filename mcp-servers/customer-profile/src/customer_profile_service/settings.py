"""Settings of the customer-profile service, read from `CUSTOMER_PROFILE_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    """Configuration of the customer-profile service: its database and whether to seed demo profiles."""

    model_config = SettingsConfigDict(
        env_prefix="CUSTOMER_PROFILE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    port: int = Field(default=8104, description="TCP port; the bare `PORT` variable (Cloud Run) wins.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///var/customer_profile.db",
        description="SQLAlchemy URL of the profile database: SQLite (path relative to the working directory) "
        "or PostgreSQL (`postgresql://user:password@host/db`).",
    )
    seed_demo: bool = Field(
        default=True,
        description="Add the demo customers on start-up (customers already present are left untouched).",
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
