"""The channel adapters' settings: `ChannelSettings`, a part of the orchestrator's `Settings` (`ORCH_` names)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, StringConstraints, field_validator, model_validator


class WebhookIntegration(BaseModel):
    """One caller of the generic signed webhook (an n8n, Make or Zapier workflow)."""

    secret: SecretStr = Field(
        description="Standard Webhooks secret, `whsec_<base64>`: signs requests in and callbacks out."
    )
    tenant: str = Field(default="default", description="The tenant every sender of this integration belongs to.")
    callback_urls: list[str] = Field(
        default_factory=list,
        description="Where results may be POSTed (`callback_url`): each entry is a URL whose scheme, host and port "
        "must match exactly and whose path must be a prefix of the callback's. Empty: no callbacks.",
    )

    @field_validator("secret")
    @classmethod
    def _whsec(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("whsec_"):
            raise ValueError("a webhook secret starts with whsec_")
        return value

    @field_validator("callback_urls")
    @classmethod
    def _absolute(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r}: an absolute http(s) URL")
        return value

    def allows_callback(self, url: str) -> bool:
        """Whether `url` is under one of `callback_urls` (same scheme, host and port; path prefix)."""
        return url_under(url, self.callback_urls)


def url_under(url: str, allowed: list[str]) -> bool:
    """Whether `url` is under one of `allowed` (same scheme, host and port; a path under the entry's)."""
    target = _origin(url)
    if target is None:
        return False
    for prefix in allowed:
        entry = _origin(prefix)
        if entry is not None and entry[:3] == target[:3] and _under(target[3], entry[3]):
            return True
    return False


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, path) of an absolute http(s) URL without credentials; None otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme], parts.path or "/"


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


class ChannelSettings(BaseModel):
    """The channels' settings (docs/channels.md); every channel is off until configured."""

    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#]+/?$",
        description="The orchestrator's public base URL (`https://orch-….run.app`): Twilio signs the URL it called, "
        "which behind Cloud Run's proxy is not the request's Host. Required by the Twilio channel.",
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None,
        description="Twilio account auth token, which signs Twilio's webhooks. Set: POST /channels/twilio is "
        "mounted (SMS and WhatsApp, docs/channels.md).",
    )
    twilio_numbers: dict[str, str] = Field(
        default_factory=dict,
        description='Twilio numbers that reach this orchestrator, JSON object number → tenant (`{"+15550100": '
        '"acme", "whatsapp:+15550199": "acme"}`); a message to another number is refused.',
    )
    webhook_integrations: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")], WebhookIntegration
    ] = Field(
        default_factory=dict,
        description='Generic signed webhooks (n8n, Make, Zapier), JSON object id → `{"secret": "whsec_…", '
        '"tenant": "…", "callback_urls": [...]}`. Set: POST /channels/webhook/{id} is mounted.',
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        description="The Slack app's signing secret (Basic Information → App Credentials). Set: POST "
        "/channels/slack/{events,commands,interactions} are mounted (docs/channels.md).",
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, description="The Slack app's bot token (`xoxb-…`): replies go through chat.postMessage."
    )
    slack_teams: dict[str, str] = Field(
        default_factory=dict,
        description='Slack workspaces that reach this orchestrator, JSON object team_id → tenant (`{"T0123ABCD": '
        '"acme"}`); a request from another workspace is refused.',
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        pattern=r"^https?://[^?#]+$",
        description="Base URL of Slack's Web API (the SDK's `base_url`); another only for a test double.",
    )
    slack_response_urls: list[str] = Field(
        default_factory=lambda: ["https://hooks.slack.com/"],
        description="Where a slash command's or a button's `response_url` may point (scheme, host, port and a "
        "path prefix); any other response_url is not called.",
    )
    channel_link_code_ttl_s: float = Field(
        default=600.0, gt=0, le=86400, description="How long a link code (POST /channels/link) can be redeemed."
    )
    channel_link_attempts: int = Field(
        default=5, ge=1, description="Wrong link codes one sender may send per ORCH_CHANNEL_LINK_WINDOW_S."
    )
    channel_link_window_s: float = Field(
        default=900.0, gt=0, description="The window of ORCH_CHANNEL_LINK_ATTEMPTS (a locked sender waits it out)."
    )
    channel_replay_ttl_s: float = Field(
        default=24 * 3600.0,
        ge=600,
        description="How long delivery ids (Twilio MessageSid, webhook-id) are remembered to refuse replays; at "
        "least the signature tolerance (5 minutes each way).",
    )
    channel_sms_max_messages: int = Field(
        default=3, ge=1, le=10, description="A long SMS/WhatsApp reply is sent as at most this many messages."
    )
    channel_callback_retries: int = Field(
        default=3, ge=0, le=8, description="Extra attempts of a webhook callback on errors, 429 and 5xx."
    )
    channel_callback_backoff_s: float = Field(
        default=0.5, ge=0, description="First delay between callback attempts; doubles each attempt."
    )
    channel_callback_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one callback attempt.")

    @model_validator(mode="after")
    def _channels(self) -> ChannelSettings:
        if self.twilio_auth_token is not None and not (self.public_url and self.twilio_numbers):
            raise ValueError("ORCH_TWILIO_AUTH_TOKEN needs ORCH_PUBLIC_URL and ORCH_TWILIO_NUMBERS")
        if self.slack_signing_secret is not None and not (self.slack_bot_token and self.slack_teams):
            raise ValueError("ORCH_SLACK_SIGNING_SECRET needs ORCH_SLACK_BOT_TOKEN and ORCH_SLACK_TEAMS")
        return self
