"""How callers authenticate, as configuration: OIDC issuers and per-tenant policy (settings types)."""

from __future__ import annotations

from limits import parse_many
from pydantic import BaseModel, Field, field_validator

FIREBASE_JWKS_URL = "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"


class OidcIssuer(BaseModel):
    """An identity provider whose ID tokens (JWT, RS256 or ES256) name callers."""

    issuer: str = Field(description="The exact `iss` of its tokens, e.g. `https://securetoken.google.com/<project>`.")
    audience: list[str] = Field(min_length=1, description="Accepted `aud` values (the client or project ids).")
    jwks_url: str | None = Field(
        default=None,
        description="Its signing keys (JWKS); unset: read from `<issuer>/.well-known/openid-configuration`.",
    )
    tenant_claim: str | None = Field(
        default=None, description="Dotted claim naming the tenant (e.g. `firebase.tenant`); unset or absent: `tenant`."
    )
    tenant: str | None = Field(default=None, description="The tenant of this issuer's users; unset: ORCH_TENANT.")
    email_claim: str = Field(default="email", description="The claim holding the user's (verified) email.")

    @field_validator("audience", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class TenantPolicy(BaseModel):
    """What one tenant's callers may do, over the deployment's defaults."""

    allowed_tools: list[str] | None = Field(
        default=None, description="Tool patterns this tenant's callers may use; unset: ORCH_ALLOWED_TOOLS."
    )
    rate_limit_user: str | None = Field(
        default=None, description="Each of this tenant's users' budget (`60/minute`); unset: ORCH_RATE_LIMIT_USER."
    )
    rate_limit_tenant: str | None = Field(
        default=None, description="This tenant's whole budget; unset: ORCH_RATE_LIMIT_TENANT."
    )

    @field_validator("rate_limit_user", "rate_limit_tenant")
    @classmethod
    def _budgets(cls, value: str | None) -> str | None:
        return _budget(value)


def _budget(value: str | None) -> str | None:
    if value:
        parse_many(value)  # ValueError names what is wrong
    return value


def firebase_issuer(project_id: str, *, tenant: str | None) -> OidcIssuer:
    """Firebase Authentication / Identity Platform ID tokens of `project_id`."""
    return OidcIssuer(
        issuer=f"https://securetoken.google.com/{project_id}",
        audience=[project_id],
        jwks_url=FIREBASE_JWKS_URL,
        tenant_claim="firebase.tenant",
        tenant=tenant,
    )
