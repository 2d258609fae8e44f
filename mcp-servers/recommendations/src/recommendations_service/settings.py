"""Settings of the recommendations service, read from `RECOMMENDATIONS_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, DatabaseUrl, Port


class Settings(BaseServiceSettings):
    """Configuration of the recommendations service: its impressions database and the services it reads."""

    model_config = SettingsConfigDict(env_prefix="RECOMMENDATIONS_")

    port: Port = 8107
    database_url: DatabaseUrl = "sqlite+aiosqlite:///var/recommendations.db"
    seed_demo: bool = Field(
        default=True,
        description="Seed demo data on start. Accepted for uniformity with the other services: this service "
        "owns no demo rows (impressions start empty and accrue as recommendations are served).",
    )
    menu_url: str = Field(default="http://127.0.0.1:8103", description="Base URL of the menu service.")
    order_url: str = Field(default="http://127.0.0.1:8105", description="Base URL of the order service.")
    customer_profile_url: str = Field(
        default="http://127.0.0.1:8104", description="Base URL of the customer_profile service."
    )
    downstream_timeout_s: float = Field(
        default=5.0, gt=0, description="Timeout of each call to the menu, order and customer_profile services."
    )
    variety_window_hours: float = Field(
        default=24.0,
        ge=0,
        description="Dishes recommended to the same customer within this many hours rank lower, so that "
        "repeated asks vary; 0 disables the rotation.",
    )
    impression_retention_days: float = Field(
        default=30.0, gt=0, description="Impressions older than this are deleted when the customer is next served."
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
