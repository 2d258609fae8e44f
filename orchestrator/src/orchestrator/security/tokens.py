"""OIDC ID tokens: verified against their issuer's published keys (JWKS), never trusted on sight.

- Only RS256 and ES256 signatures, with a key of the matching type: `none`, HS256 (a public key
  used as a shared secret) and every other algorithm are refused before any key is looked at.
- `iss` must be a configured issuer and `aud` one of its audiences; `exp`, `iat` (and `nbf` when
  present) are required and checked with a small leeway.
- Keys are fetched once and cached (for the `Cache-Control: max-age` the issuer sends, at least
  five minutes); a token signed by a key id the cache does not hold re-reads the keys, at most
  once per `jwks_refresh_min_s` per issuer, so forged key ids cannot make us hammer the issuer.
- The user's email comes from the issuer's email claim and only when `email_verified` is true.
- A token that verified is remembered (by its SHA-256, bounded, never past its `exp` nor for more
  than five minutes), so a client reusing its token is not checked again on every request.

Signature checks are PyJWT's (`cryptography` underneath); nothing here does cryptography itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from cachetools import TTLCache
from jwt.types import Options

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.security.config import OidcIssuer

ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
_REMEMBERED = 10_000
_REMEMBER_S = 300.0
_MIN_CACHE_S = 300.0
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass(frozen=True)
class Verified:
    """Who a valid token names, and until when (`expires`, epoch seconds)."""

    email: str
    tenant: str | None
    issuer: str
    expires: float = 0.0


def _refused(reason: str) -> ServiceError:
    return ServiceError(ErrorCode.UNAUTHENTICATED, f"the bearer token is not valid: {reason}")


def _claim(claims: Mapping[str, Any], dotted: str) -> Any:
    value: Any = claims
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


class _Keys:
    """One issuer's signing keys, fetched and refreshed as the module docstring says."""

    def __init__(self, issuer: OidcIssuer, http: aiohttp.ClientSession, refresh_min_s: float) -> None:
        self.issuer = issuer
        self.http = http
        self.refresh_min_s = refresh_min_s
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fresh_until = 0.0
        self.fetched_at = float("-inf")
        self.lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        now = time.monotonic()
        if kid in self.keys and now < self.fresh_until:
            return self.keys[kid]
        async with self.lock:
            stale = time.monotonic() >= self.fresh_until
            if stale or (kid not in self.keys and time.monotonic() - self.fetched_at >= self.refresh_min_s):
                await self._fetch()
        return self.keys.get(kid)

    async def _fetch(self) -> None:
        self.fetched_at = time.monotonic()
        try:
            url = self.issuer.jwks_url or await self._discover()
            async with self.http.get(url) as response:
                response.raise_for_status()
                body = await response.read()
                cache_control = response.headers.get("cache-control", "")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            if self.keys:  # keep serving the keys we have; try again after the refresh interval
                return
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "the identity provider's keys cannot be read") from exc
        keys: dict[str, jwt.PyJWK] = {}
        for entry in json.loads(body).get("keys", []):
            try:
                key = jwt.PyJWK(entry)
            except (jwt.PyJWKError, jwt.InvalidKeyError):
                continue  # a key type or algorithm we do not accept
            if isinstance(entry.get("kid"), str):
                keys[entry["kid"]] = key
        max_age = _MAX_AGE.search(cache_control)
        self.keys = keys
        self.fresh_until = time.monotonic() + max(_MIN_CACHE_S, float(max_age[1]) if max_age else 0.0)

    async def _discover(self) -> str:
        url = self.issuer.issuer.rstrip("/") + "/.well-known/openid-configuration"
        async with self.http.get(url) as response:
            response.raise_for_status()
            jwks_uri = (await response.json(content_type=None)).get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ValueError("no jwks_uri")
        return jwks_uri


class TokenVerifier:
    """Verifies ID tokens of the configured issuers."""

    def __init__(
        self,
        issuers: list[OidcIssuer],
        *,
        leeway_s: float = 30.0,
        refresh_min_s: float = 30.0,
        emulator_issuer: str | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self.issuers = {issuer.issuer: issuer for issuer in issuers}
        self.leeway_s = leeway_s
        self.refresh_min_s = refresh_min_s
        self.emulator_issuer = emulator_issuer
        self.timeout_s = timeout_s
        self._http: aiohttp.ClientSession | None = None
        self._keys: dict[str, _Keys] = {}
        self._verified: TTLCache[bytes, Verified] = TTLCache(maxsize=_REMEMBERED, ttl=_REMEMBER_S)

    @property
    def enabled(self) -> bool:
        return bool(self.issuers)

    async def verify(self, token: str) -> Verified:
        """Who `token` names; `ServiceError` UNAUTHENTICATED when it is not a valid token of an issuer."""
        digest = hashlib.sha256(token.encode()).digest()
        remembered = self._verified.get(digest)
        if remembered is not None and remembered.expires > time.time():
            return remembered
        verified = await self._verify(token)
        self._verified[digest] = verified
        return verified

    async def _verify(self, token: str) -> Verified:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _refused("not a JWT") from None
        issuer = self.issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise _refused("unknown issuer")
        algorithm = header.get("alg")
        if algorithm == "none" and issuer.issuer == self.emulator_issuer:
            claims = self._check(token, issuer, key=None, algorithm=None)
        elif algorithm in ALGORITHMS:
            key = await self._key(issuer, header.get("kid"))
            if key.key_type != ALGORITHMS[algorithm]:
                raise _refused("the key does not match the algorithm")
            claims = self._check(token, issuer, key=key, algorithm=algorithm)
        else:
            raise _refused(f"algorithm {str(algorithm)[:16]!r} is not accepted")
        email = _claim(claims, issuer.email_claim)
        if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is not True:
            raise _refused("it carries no verified email")
        tenant = _claim(claims, issuer.tenant_claim) if issuer.tenant_claim else None
        tenant_name = str(tenant) if tenant else issuer.tenant
        return Verified(email.strip().lower(), tenant_name, issuer.issuer, float(claims["exp"]))

    def _check(self, token: str, issuer: OidcIssuer, *, key: jwt.PyJWK | None, algorithm: str | None) -> dict[str, Any]:
        options: Options = {"require": ["exp", "iat", "iss", "aud"]}
        try:
            if key is None:  # the Firebase Auth emulator signs nothing; only ever its configured issuer
                options |= {"verify_signature": False, "verify_exp": True, "verify_aud": True, "verify_iss": True}
                claims: dict[str, Any] = jwt.decode(
                    token, options=options, audience=issuer.audience, issuer=issuer.issuer, leeway=self.leeway_s
                )
            else:
                claims = jwt.decode(
                    token,
                    key=key,
                    algorithms=[str(algorithm)],
                    audience=issuer.audience,
                    issuer=issuer.issuer,
                    leeway=self.leeway_s,
                    options=options,
                )
        except jwt.ExpiredSignatureError:
            raise _refused("it has expired") from None
        except jwt.ImmatureSignatureError:
            raise _refused("it is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise _refused("it is for another audience") from None
        except jwt.PyJWTError:
            raise _refused("its signature or claims do not verify") from None
        return claims  # PyJWT also refused an `iat` in the future (beyond the leeway) as not valid yet

    async def _key(self, issuer: OidcIssuer, kid: object) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise _refused("it names no key")
        keys = self._keys.get(issuer.issuer)
        if keys is None:
            keys = self._keys[issuer.issuer] = _Keys(issuer, self._session(), self.refresh_min_s)
        key = await keys.key(kid)
        if key is None:
            raise _refused("it is signed by an unknown key")
        return key

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
