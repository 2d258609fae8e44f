"""Development or production: what each mode may do, checked before the process serves anything."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping

from orchestrator.security.config import OidcIssuer, firebase_issuer
from orchestrator.security.tokens import TokenVerifier
from orchestrator.settings import Settings

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


class ModeError(RuntimeError):
    """Settings that would open the orchestrator to callers it cannot identify."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_mode(settings: Settings, environ: Mapping[str, str] | None = None) -> None:
    """Raise `ModeError` for a mode the environment does not allow (see docs/security.md)."""
    env = os.environ if environ is None else environ
    on_cloud_run = bool(env.get("K_SERVICE"))
    if settings.mode == "development" and not settings.allow_development_mode:
        if on_cloud_run:
            raise ModeError(
                "ORCH_MODE=development trusts the email each request names; it does not start on Cloud Run "
                "(set ORCH_MODE=production, or ORCH_ALLOW_DEVELOPMENT_MODE=true to override)"
            )
        if not is_loopback(settings.host):
            raise ModeError(
                f"ORCH_MODE=development trusts the email each request names; it listens on loopback only, not "
                f"{settings.host} (set ORCH_MODE=production, or ORCH_ALLOW_DEVELOPMENT_MODE=true to override)"
            )
    if settings.firebase_auth_emulator_host and on_cloud_run:
        raise ModeError("ORCH_FIREBASE_AUTH_EMULATOR_HOST accepts unsigned tokens; it is refused on Cloud Run")
    if settings.firebase_auth_emulator_host and not settings.firebase_project_id:
        raise ModeError("ORCH_FIREBASE_AUTH_EMULATOR_HOST needs ORCH_FIREBASE_PROJECT_ID (the emulator's project)")


def issuers(settings: Settings) -> list[OidcIssuer]:
    """The configured OIDC issuers, Firebase's included."""
    found = list(settings.oidc_issuers)
    if settings.firebase_project_id:
        found.append(firebase_issuer(settings.firebase_project_id, tenant=None))
    return found


def token_verifier(settings: Settings) -> TokenVerifier:
    emulator = None
    if settings.firebase_auth_emulator_host and settings.firebase_project_id:
        emulator = firebase_issuer(settings.firebase_project_id, tenant=None).issuer
    return TokenVerifier(
        issuers(settings),
        leeway_s=settings.jwt_leeway_s,
        refresh_min_s=settings.jwks_refresh_min_s,
        emulator_issuer=emulator,
    )
