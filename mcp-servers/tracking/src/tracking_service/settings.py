"""Settings of the tracking service, read from `TRACKING_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, DatabaseUrl, Port


class Settings(BaseServiceSettings):
    """Configuration of the tracking service: its database of couriers and the order service it reads."""

    model_config = SettingsConfigDict(env_prefix="TRACKING_")

    port: Port = 8106
    database_url: DatabaseUrl = "sqlite+aiosqlite:///var/tracking.db"
    seed_demo: bool = Field(default=True, description="Seed the demo couriers on start (idempotent).")
    order_url: str = Field(default="http://127.0.0.1:8105", description="Base URL of the order service.")
    downstream_timeout_s: float = Field(
        default=5.0, gt=0, description="Timeout of each call to the order service, seconds."
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
