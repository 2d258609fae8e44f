"""Caller assertions: short-lived signed statements "this call is made for <email> of <tenant>".

A caller assertion is a JWT signed with HMAC-SHA256 by whoever calls a service (the orchestrator, or a
service calling another), sent as `X-Caller-Assertion` on `/mcp/call` (or as a bearer token on a
service's `/mcp`):

```
header  {"alg": "HS256", "typ": "JWT", "kid": "<key id>"}
claims  {"iss": "orchestrator", "aud": "menu", "sub": "ada@example.com", "tenant": "default",
         "iat": 1700000000, "exp": 1700000060}
```

Keys form a `Keyring` (`{kid: secret}`, each secret at least 32 bytes, plus the kid that signs). A
verifier accepts any key of its ring, so keys rotate without downtime: add the new key everywhere,
switch the signing kid, later remove the old key. Only HS256 is accepted.

```python
ring = Keyring.from_secrets({"k1": SecretStr(secret)}, "k1")
token = AssertionSigner(ring, issuer="orchestrator").sign("menu", "ada@example.com", "default")
AssertionVerifier(ring, audience="menu").verify(token).subject   # "ada@example.com"
```

Signing costs a few tens of microseconds; `AssertionSigner` reuses a token per (audience, subject,
tenant) for part of its lifetime, so a caller signs at most once every `reuse_s` per user and target.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from pydantic import AfterValidator, SecretStr

from mcp_common.errors import ErrorCode, ServiceError

HEADER = "X-Caller-Assertion"
ALGORITHM = "HS256"
MAX_LIFETIME_S = 60
LEEWAY_S = 5
MIN_SECRET_BYTES = 32
_CACHE_MAX = 10_000
_REQUIRED = ["iss", "aud", "sub", "iat", "exp"]


def _check_secrets(keys: dict[str, SecretStr]) -> dict[str, SecretStr]:
    for kid, secret in keys.items():
        if not kid:
            raise ValueError("a caller key id must not be empty")
        if len(secret.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"caller key {kid!r} is shorter than {MIN_SECRET_BYTES} bytes")
    return keys


CallerKeys = Annotated[dict[str, SecretStr], AfterValidator(_check_secrets)]
"""The type of a `CALLER_KEYS` setting: a JSON object key id → secret (at least 32 bytes each)."""


@dataclass(frozen=True)
class Keyring:
    """The keys assertions may be signed with (by kid) and the kid used to sign."""

    keys: Mapping[str, bytes]
    signing_kid: str

    def __post_init__(self) -> None:
        if self.signing_kid not in self.keys:
            raise ValueError(f"the signing key id {self.signing_kid!r} is not one of the caller keys")
        for kid, secret in self.keys.items():
            if len(secret) < MIN_SECRET_BYTES:
                raise ValueError(f"caller key {kid!r} is shorter than {MIN_SECRET_BYTES} bytes")

    @classmethod
    def from_secrets(cls, keys: Mapping[str, SecretStr], signing_kid: str | None) -> Keyring | None:
        """The keyring of `CALLER_KEYS`/`CALLER_KEY_ID` settings; None when no key is configured.

        The kid may be left out when there is exactly one key."""
        if not keys:
            return None
        if signing_kid is None:
            if len(keys) != 1:
                raise ValueError("several caller keys are configured: CALLER_KEY_ID must name the signing one")
            signing_kid = next(iter(keys))
        return cls({kid: s.get_secret_value().encode() for kid, s in keys.items()}, signing_kid)


@dataclass(frozen=True)
class Assertion:
    """What a verified assertion says."""

    issuer: str
    subject: str
    tenant: str


class AssertionSigner:
    """Signs assertions as `issuer`; each token is reused for `reuse_s` of its `lifetime_s`."""

    def __init__(
        self,
        keyring: Keyring,
        issuer: str,
        *,
        lifetime_s: int = MAX_LIFETIME_S,
        reuse_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < lifetime_s <= MAX_LIFETIME_S or not 0 <= reuse_s < lifetime_s:
            raise ValueError(f"an assertion lives 1–{MAX_LIFETIME_S} s and is reused for less than that")
        self.keyring = keyring
        self.issuer = issuer
        self._lifetime = lifetime_s
        self._reuse = reuse_s
        self._clock = clock
        self._cache: dict[tuple[str, str, str], tuple[str, float]] = {}

    def sign(self, audience: str, subject: str, tenant: str) -> str:
        """An assertion for `subject` (an email, lower-cased) of `tenant`, for the service `audience`."""
        subject = subject.strip().lower()
        key = (audience, subject, tenant)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        issued = int(now)
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "sub": subject,
            "tenant": tenant,
            "iat": issued,
            "exp": issued + self._lifetime,
        }
        kid = self.keyring.signing_kid
        token = jwt.encode(claims, self.keyring.keys[kid], algorithm=ALGORITHM, headers={"kid": kid})
        if len(self._cache) >= _CACHE_MAX:
            self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
        self._cache[key] = (token, issued + self._reuse)
        return token

    def headers(self, audience: str, caller: str | None, tenant: str) -> dict[str, str]:
        """`{"X-Caller-Assertion": …}` for a call made for `caller`; nothing when the call names no caller."""
        return {} if not caller else {HEADER: self.sign(audience, caller, tenant)}


def caller_signer(keys: Mapping[str, SecretStr], signing_kid: str | None, *, issuer: str) -> AssertionSigner | None:
    """The signer of `CALLER_KEYS`/`CALLER_KEY_ID` settings for `issuer`, or None when no key is configured."""
    keyring = Keyring.from_secrets(keys, signing_kid)
    return AssertionSigner(keyring, issuer) if keyring else None


class AssertionVerifier:
    """Verifies assertions addressed to `audience` (this service's name) against a keyring."""

    def __init__(self, keyring: Keyring, audience: str, *, leeway_s: float = LEEWAY_S) -> None:
        self.keyring = keyring
        self.audience = audience
        self._leeway = leeway_s
        self._verified: dict[bytes, tuple[Assertion, float]] = {}

    def verify(self, token: str) -> Assertion:
        """The assertion `token` carries; `UNAUTHENTICATED` when it is malformed, forged, expired,
        for another audience, signed with an unknown key or any algorithm but HS256.

        A token that verified is remembered (by its SHA-256) until it expires: signers reuse a token
        for part of its life, so most calls skip the check. A key removed from the ring therefore
        stops being accepted within one assertion lifetime (60 s), not at once."""
        digest = hashlib.sha256(token.encode()).digest()
        remembered = self._verified.get(digest)
        if remembered is not None and remembered[1] > time.time():
            return remembered[0]
        assertion, expires = self._verify(token)
        if len(self._verified) >= _CACHE_MAX:
            now = time.time()
            self._verified = {k: v for k, v in self._verified.items() if v[1] > now}
            if len(self._verified) >= _CACHE_MAX:
                self._verified.clear()
        self._verified[digest] = (assertion, expires)
        return assertion

    def _verify(self, token: str) -> tuple[Assertion, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise _refused("malformed") from None
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM:
            raise _refused(f"only {ALGORITHM} is accepted")
        if not isinstance(kid, str) or kid not in self.keyring.keys:
            raise _refused("unknown key id")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.keyring.keys[kid],
                algorithms=[ALGORITHM],
                audience=self.audience,
                leeway=self._leeway,
                options={"require": _REQUIRED, "verify_iat": True},
            )
        except jwt.ExpiredSignatureError:
            raise _refused("expired") from None
        except jwt.InvalidAudienceError:
            raise _refused(f"not addressed to {self.audience}") from None
        except jwt.InvalidSignatureError:
            raise _refused("bad signature") from None
        except jwt.InvalidTokenError as exc:
            raise _refused(type(exc).__name__) from None
        return _assertion(claims), float(claims["exp"])


def _assertion(claims: dict[str, Any]) -> Assertion:
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int) or not isinstance(expires, int) or expires - issued > MAX_LIFETIME_S:
        raise _refused(f"lives longer than {MAX_LIFETIME_S} s")
    subject, tenant, issuer = claims["sub"], claims.get("tenant"), claims["iss"]
    if not isinstance(subject, str) or not subject.strip() or not isinstance(tenant, str) or not tenant:
        raise _refused("no subject or tenant")
    if not isinstance(issuer, str):
        raise _refused("no issuer")
    return Assertion(issuer=issuer, subject=subject.strip().lower(), tenant=tenant)


def _refused(why: str) -> ServiceError:
    return ServiceError(ErrorCode.UNAUTHENTICATED, f"invalid caller assertion: {why}")
