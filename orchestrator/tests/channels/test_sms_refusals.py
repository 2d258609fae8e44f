"""Requests that are not Twilio's, or not for this deployment, are refused with the error envelope."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from channel_clients import AUTH_TOKEN, Phone, assert_refused
from channel_stack import channel_settings
from pydantic import ValidationError

from orchestrator.app import create_app
from orchestrator.settings import Settings


def test_a_tampered_body_is_refused(orch: str) -> None:
    phone = Phone(orch, "+447700900201")
    params = phone.params("show me desserts")
    assert_refused(phone.post({**params, "Body": "cancel my order"}, signed=params), 403, "FORBIDDEN")
    assert_refused(phone.post({**params, "From": "+447700900999"}, signed=params), 403, "FORBIDDEN")


def test_a_signature_made_with_another_token_or_for_another_url_is_refused(orch: str) -> None:
    phone = Phone(orch, "+447700900202")
    assert_refused(phone.post(phone.params("hi"), token=AUTH_TOKEN + "x"), 403, "FORBIDDEN")
    # what the request's own Host would give: the signature covers ORCH_PUBLIC_URL, the URL Twilio called
    assert_refused(phone.post(phone.params("hi"), url=f"{orch}/channels/twilio"), 403, "FORBIDDEN")


def test_an_unsigned_request_is_refused(orch: str) -> None:
    response = httpx.post(f"{orch}/channels/twilio", data=Phone(orch, "+447700900203").params("hi"), timeout=10)
    assert_refused(response, 403, "FORBIDDEN")


def test_a_message_to_a_number_that_is_not_configured_is_refused(orch: str) -> None:
    assert_refused(Phone(orch, "+447700900204", to="+15559999").send("hi"), 403, "FORBIDDEN")


def test_channels_are_not_mounted_unless_configured() -> None:
    paths = set(create_app(Settings(services={}, state_backend="memory")).openapi()["paths"])
    assert "/orchestrate" in paths and not any(path.startswith("/channels") for path in paths)

    paths = set(create_app(channel_settings({}, twilio_auth_token=None)).openapi()["paths"])
    assert {"/channels/link", "/channels/webhook/{integration}"} <= paths and "/channels/twilio" not in paths
    assert not any(path.startswith("/channels/slack") for path in paths)  # Slack is off without its secret


def test_the_auth_token_is_never_shown() -> None:
    settings = channel_settings({})
    assert AUTH_TOKEN not in repr(settings) and AUTH_TOKEN not in str(settings.model_dump())
    with pytest.raises(ValidationError, match="ORCH_PUBLIC_URL") as refused:
        Settings(twilio_auth_token=AUTH_TOKEN)  # misconfigured: the error must not echo the token
    assert AUTH_TOKEN not in str(refused.value)


def test_without_channels_the_platform_sdks_are_not_imported() -> None:
    sdks = "('twilio', 'standardwebhooks', 'slack_sdk')"
    code = f"import sys, orchestrator.app; print([m for m in {sdks} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"
