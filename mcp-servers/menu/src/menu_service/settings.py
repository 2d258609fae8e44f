"""Settings of the menu service, read from `MENU_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, DatabaseUrl, Port


class Settings(BaseServiceSettings):
    """Configuration of the menu service: where its database is and whether to seed the demo menu."""

    model_config = SettingsConfigDict(env_prefix="MENU_")

    port: Port = 8103
    database_url: DatabaseUrl = "sqlite+aiosqlite:///var/menu.db"
    seed_demo: bool = Field(
        default=True, description="Add the demo menu on start-up (dishes already present are left untouched)."
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
