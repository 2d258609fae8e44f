"""Channel adapters' wiring: which routes are mounted, and the objects they share.

Nothing is mounted unless a channel is configured (`ORCH_TWILIO_AUTH_TOKEN`, `ORCH_WEBHOOK_INTEGRATIONS`,
`ORCH_SLACK_SIGNING_SECRET`), so the default deployment answers 404 on `/channels/*` and does not import
the platforms' SDKs; each channel's SDK is imported only when that channel is on.
`POST /channels/link` comes with any channel.
"""

from __future__ import annotations

from fastapi import FastAPI

from orchestrator.settings import Settings
from orchestrator.state.base import KVStore


def enabled(settings: Settings) -> bool:
    return (
        settings.twilio_auth_token is not None
        or bool(settings.webhook_integrations)
        or settings.slack_signing_secret is not None
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the configured channels' routes (none by default)."""
    if not enabled(settings):
        return
    # Imported only when their channel is on: the Twilio SDK alone takes ~0.15 s to import.
    from orchestrator.api import channels_link

    app.include_router(channels_link.router)
    if settings.twilio_auth_token is not None:
        from orchestrator.api import channels_twilio

        app.include_router(channels_twilio.router)
    if settings.webhook_integrations:
        from orchestrator.api import channels_webhook

        app.include_router(channels_webhook.router)
    if settings.slack_signing_secret is not None:
        from orchestrator.api import channels_slack

        app.include_router(channels_slack.router)


def bind(app: FastAPI, store: KVStore) -> None:
    """Give the channel routes the running engine, limits and store (called by the lifespan)."""
    settings: Settings = app.state.settings
    if not enabled(settings):
        return
    from orchestrator.channels.links import LinkStore
    from orchestrator.channels.replay import ReplayGuard
    from orchestrator.channels.turns import ChannelTurns

    links = LinkStore(
        store,
        code_ttl_s=settings.channel_link_code_ttl_s,
        max_attempts=settings.channel_link_attempts,
        attempt_window_s=settings.channel_link_window_s,
    )
    app.state.channel_links = links
    app.state.channel_turns = ChannelTurns(
        engine=app.state.engine,
        callers=app.state.callers,
        limits=app.state.limits,
        links=links,
        store=store,
        session_ttl_s=settings.session_ttl_s,
    )
    app.state.channel_replays = ReplayGuard(store, ttl_s=settings.channel_replay_ttl_s)
    if settings.slack_signing_secret is not None and settings.slack_bot_token is not None:
        from orchestrator.api.channels_slack import SlackChannel
        from orchestrator.channels.slack_out import SlackOut

        app.state.slack = SlackChannel(
            SlackOut(
                settings.slack_bot_token,
                api_url=settings.slack_api_url,
                response_urls=settings.slack_response_urls,
                retries=settings.channel_callback_retries,
                backoff_s=settings.channel_callback_backoff_s,
                timeout_s=settings.channel_callback_timeout_s,
            )
        )
    if settings.webhook_integrations:
        from orchestrator.channels.callback import CallbackSender

        app.state.channel_callbacks = CallbackSender(
            retries=settings.channel_callback_retries,
            backoff_s=settings.channel_callback_backoff_s,
            timeout_s=settings.channel_callback_timeout_s,
        )
