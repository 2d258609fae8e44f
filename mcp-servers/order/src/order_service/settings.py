"""Settings of the order service, read from `ORDER_*` environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, DatabaseUrl, Port
from order_service.lifecycle import OrderTimings


class Settings(BaseServiceSettings):
    """Configuration of the order service: its database, the services it calls, the delivery timings."""

    model_config = SettingsConfigDict(env_prefix="ORDER_")

    port: Port = 8105
    database_url: DatabaseUrl = "sqlite+aiosqlite:///var/order.db"
    seed_demo: bool = Field(default=True, description="Seed the demo order history on start (idempotent).")
    menu_url: str = Field(default="http://127.0.0.1:8103", description="Base URL of the menu service.")
    customer_profile_url: str = Field(
        default="http://127.0.0.1:8104", description="Base URL of the customer_profile service."
    )
    downstream_timeout_s: float = Field(
        default=5.0, gt=0, description="Timeout of each call to the menu and customer_profile services, seconds."
    )
    timings: OrderTimings = Field(
        default_factory=OrderTimings,
        description='Seconds each status takes after the previous one, JSON, e.g. `{"confirmed": 30, '
        '"preparing": 120, "out_for_delivery": 600, "delivered": 900}` (omitted keys keep their default).',
    )


def get_settings() -> Settings:
    """The service settings, read from the environment; call only from entrypoints."""
    return Settings()
