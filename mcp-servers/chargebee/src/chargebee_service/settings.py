"""Settings of the chargebee service, read from `CHARGEBEE_*` environment variables (and `.env`)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from mcp_common.service_settings import BaseServiceSettings, Port


class Settings(BaseServiceSettings):
    """Where billing data comes from, and the shared service settings."""

    model_config = SettingsConfigDict(env_prefix="CHARGEBEE_")

    port: Port = 8101
    backend: Literal["demo", "chargebee"] = Field(
        default="demo",
        description="`demo`: the embedded demo dataset; `chargebee`: the real Chargebee API v2.",
    )
    site: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
        description="Chargebee site name, as in https://{site}.chargebee.com (e.g. acme-test).",
    )
    api_key: SecretStr | None = Field(default=None, description="Chargebee API key (read-only key suffices).")
    base_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="API base URL overriding the one derived from `site`, e.g. a proxy or a test server; "
        "include the version path (…/api/v2).",
    )
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of each Chargebee API request, seconds.")

    @model_validator(mode="after")
    def _chargebee_needs_credentials(self) -> Self:
        if self.backend != "chargebee":
            return self
        missing = []
        if not (self.site or self.base_url):
            missing.append("CHARGEBEE_SITE (or CHARGEBEE_BASE_URL)")
        if self.api_key is None or not self.api_key.get_secret_value():
            missing.append("CHARGEBEE_API_KEY")
        if missing:
            raise ValueError(f"backend 'chargebee' needs {' and '.join(missing)}")
        return self

    def api_base_url(self) -> str:
        """The Chargebee API v2 base URL: `base_url` if set, else the site's."""
        if self.base_url:
            return self.base_url
        return f"https://{self.site}.chargebee.com/api/v2"


def get_settings() -> Settings:
    """The settings from the environment; only entrypoints call this."""
    return Settings()
