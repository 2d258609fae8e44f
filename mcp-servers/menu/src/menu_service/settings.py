"""Settings of the menu service, read from `MENU_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    """Configuration of the menu service: where its database is and whether to seed the demo menu."""

    model_config = SettingsConfigDict(env_prefix="MENU_", env_file=".env", extra="ignore", env_ignore_empty=True)

    port: int = Field(default=8103, description="TCP port; the bare `PORT` variable (Cloud Run) wins.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///var/menu.db",
        description="SQLAlchemy URL of the menu database: SQLite (path relative to the working directory) "
        "or PostgreSQL (`postgresql://user:password@host/db`).",
    )
    seed_demo: bool = Field(
        default=True, description="Add the demo menu on start-up (dishes already present are left untouched)."
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
