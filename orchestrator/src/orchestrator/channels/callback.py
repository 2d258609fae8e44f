"""Signed callbacks: POST a result to an allowlisted URL, signed with Standard Webhooks, with retries.

The body is signed like the requests the webhook accepts (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), so the receiver verifies it
with the same secret and library. Network errors, 429 and 5xx are retried with doubling delays;
redirects are not followed (an allowlisted host cannot bounce the call elsewhere). The URL's query
and the secret are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook

logger = logging.getLogger(__name__)


def signed_headers(secret: SecretStr, body: bytes, *, msg_id: str | None = None) -> dict[str, str]:
    """Standard Webhooks headers for `body`, signed now with `secret` (`whsec_…`)."""
    msg_id = msg_id or f"msg_{secrets.token_urlsafe(18)}"
    now = datetime.now(UTC)
    signature = Webhook(secret.get_secret_value()).sign(msg_id, now, body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}


@dataclass(frozen=True)
class CallbackSender:
    """Delivers signed callbacks (see the module docstring)."""

    retries: int = 3
    backoff_s: float = 0.5
    timeout_s: float = 10.0

    async def deliver(self, url: str, body: bytes, secret: SecretStr, *, in_reply_to: str | None = None) -> bool:
        """POST `body` to `url`, signed; True once the receiver answered 2xx, False after the last attempt.
        `in_reply_to` (the request's webhook-id) is sent as `webhook-in-reply-to`."""
        headers = {"content-type": "application/json", **signed_headers(secret, body)}
        if in_reply_to is not None:
            headers["webhook-in-reply-to"] = in_reply_to
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        where = urlsplit(url).netloc
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for attempt in range(self.retries + 1):
                if attempt:
                    await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                status = await _post(session, url, body, headers)
                if status is not None and 200 <= status < 300:
                    return True
                if status is not None and status != 429 and status < 500:
                    break
                logger.info("callback to %s not delivered (attempt %d): %s", where, attempt + 1, status)
        logger.warning("callback to %s failed", where, extra={"event_type": "channel_callback_failed"})
        return False


async def _post(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> int | None:
    """The receiver's status, None when it could not be reached."""
    try:
        async with session.post(url, data=body, headers=headers, allow_redirects=False) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return None
