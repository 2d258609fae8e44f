"""Replies to Slack: `chat.postMessage` through the SDK's `AsyncWebClient`, or a `response_url` through its
`AsyncWebhookClient`, both with the SDK's retry handlers (connection errors, 429 with Retry-After, 500/503)
and exponential back-off.

The bot token is a `SecretStr` until the client is built; the SDK redacts the Authorization header in
its own debug log, and its loggers here never log below INFO (a `response_url` is a capability URL).
A `response_url` outside `ORCH_SLACK_RESPONSE_URLS` is never called: the orchestrator only calls the
addresses it was configured with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from orchestrator.channels.config import url_under

logger = logging.getLogger(__name__)
_sdk_logger = logging.getLogger(f"{__name__}.sdk")
_sdk_logger.setLevel(logging.INFO)


def retry_handlers(retries: int, backoff_s: float) -> list[AsyncRetryHandler]:
    """The SDK's retry handlers: network errors and 500/503 with doubling delays from `backoff_s`, 429 after
    the Retry-After Slack sends."""
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff_s)
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
        AsyncServerErrorRetryHandler(max_retry_count=retries, interval_calculator=interval),
        AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
    ]


@dataclass(frozen=True)
class Reply:
    """A Slack message: the notification text and its blocks."""

    text: str
    blocks: list[dict[str, Any]]


class SlackOut:
    """Sends replies to Slack (see the module docstring)."""

    def __init__(
        self,
        token: SecretStr,
        *,
        api_url: str,
        response_urls: list[str],
        retries: int = 3,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
    ) -> None:
        self.response_urls = response_urls
        self.timeout_s = max(1, round(timeout_s))
        self.handlers = retry_handlers(retries, backoff_s)
        self.web = AsyncWebClient(
            token=token.get_secret_value(),
            base_url=api_url,
            timeout=self.timeout_s,
            retry_handlers=self.handlers,
            logger=_sdk_logger,
        )

    async def post(self, channel: str, reply: Reply) -> bool:
        """`chat.postMessage` to `channel` (a DM's id); False when Slack refused it or could not be reached."""
        try:
            await self.web.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks)
        except SlackApiError as exc:
            logger.warning("chat.postMessage refused: %s", exc.response.get("error"), extra=_failed)
            return False
        except Exception as exc:  # a reply that cannot be sent is logged, never raised
            logger.warning("chat.postMessage failed: %s", type(exc).__name__, extra=_failed)
            return False
        return True

    async def respond(self, response_url: str, reply: Reply, *, replace_original: bool = False) -> bool:
        """POST the reply to a slash command's or a button's `response_url` (only to allowed URLs)."""
        if not url_under(response_url, self.response_urls):
            logger.warning("response_url outside ORCH_SLACK_RESPONSE_URLS: not called", extra=_failed)
            return False
        client = AsyncWebhookClient(
            response_url, timeout=self.timeout_s, retry_handlers=self.handlers, logger=_sdk_logger
        )
        try:
            response = await client.send(text=reply.text, blocks=reply.blocks, replace_original=replace_original)
        except Exception as exc:
            logger.warning("response_url failed: %s", type(exc).__name__, extra=_failed)
            return False
        if response.status_code != 200:
            logger.warning("response_url answered %s", response.status_code, extra=_failed)
        return response.status_code == 200


_failed = {"event_type": "channel_slack_reply_failed"}
