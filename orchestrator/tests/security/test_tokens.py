"""ID tokens against a real JWKS server on loopback: what verifies, what is refused, key rotation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from oidc_fakes import AUDIENCE, ISSUER, Jwks, Signer, ec_signer, jwks_server, rsa_signer

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.security.config import OidcIssuer
from orchestrator.security.tokens import TokenVerifier


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    with jwks_server(rsa_signer("r1"), ec_signer("e1")) as keys:
        yield keys


def verifier(jwks: Jwks, **issuer: Any) -> TokenVerifier:
    config = OidcIssuer(issuer=ISSUER, audience=[AUDIENCE], jwks_url=jwks.url, **issuer)
    return TokenVerifier([config], leeway_s=5, refresh_min_s=30)


async def refused(verifying: TokenVerifier, token: str) -> str:
    with pytest.raises(ServiceError) as raised:
        await verifying.verify(token)
    assert raised.value.code is ErrorCode.UNAUTHENTICATED
    return str(raised.value)


@pytest.mark.parametrize("which", [0, 1], ids=["RS256", "ES256"])
async def test_a_valid_token_names_its_verified_email(jwks: Jwks, which: int) -> None:
    checking = verifier(jwks, tenant="acme")
    verified = await checking.verify(jwks.signers[which].token(email="Ada@Example.com"))
    assert (verified.email, verified.tenant, verified.issuer) == ("ada@example.com", "acme", ISSUER)
    await checking.aclose()


async def test_the_tenant_comes_from_the_configured_claim(jwks: Jwks) -> None:
    checking = verifier(jwks, tenant_claim="firebase.tenant", tenant="fallback")
    assert (await checking.verify(jwks.signers[0].token(firebase={"tenant": "t-42"}))).tenant == "t-42"
    assert (await checking.verify(jwks.signers[0].token())).tenant == "fallback"
    await checking.aclose()


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 60}, "it has expired"),
        ({"nbf": int(time.time()) + 600}, "it is not valid yet"),
        ({"iat": int(time.time()) + 600}, "it is not valid yet"),
        ({"aud": "someone-else"}, "another audience"),
        ({"iss": "https://evil.test"}, "unknown issuer"),
        ({"email_verified": False}, "no verified email"),
        ({"email_verified": None}, "no verified email"),
        ({"email": None}, "no verified email"),
        ({"exp": None}, "do not verify"),
    ],
)
async def test_bad_claims_are_refused(jwks: Jwks, claims: dict[str, Any], reason: str) -> None:
    checking = verifier(jwks)
    assert reason in await refused(checking, jwks.signers[0].token(**claims))
    await checking.aclose()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


async def test_alg_none_is_refused(jwks: Jwks) -> None:
    claims = jwt.decode(jwks.signers[0].token(), options={"verify_signature": False})
    checking = verifier(jwks)
    assert "algorithm 'none'" in await refused(checking, _unsigned({"alg": "none", "kid": "r1"}, claims))
    await checking.aclose()


async def test_hs256_signed_with_the_public_key_is_refused(jwks: Jwks) -> None:
    public_pem = (
        jwks.signers[0]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    claims = jwt.decode(jwks.signers[0].token(), options={"verify_signature": False})
    unsigned = _unsigned({"alg": "HS256", "kid": "r1", "typ": "JWT"}, claims).rstrip(".")
    mac = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()  # the classic key-confusion forgery
    token = unsigned + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    checking = verifier(jwks)
    assert "algorithm 'HS256'" in await refused(checking, token)
    await checking.aclose()


async def test_a_token_signed_by_a_key_that_is_not_published_is_refused(jwks: Jwks) -> None:
    impostor = rsa_signer("r1")  # claims a published key id, signed with another key
    checking = verifier(jwks)
    assert "do not verify" in await refused(checking, impostor.token())
    ec_as_rsa = Signer("e1", "RS256", rsa_signer("x").private)  # RS256 header naming the EC key
    assert "does not match the algorithm" in await refused(checking, ec_as_rsa.token())
    await checking.aclose()


async def test_keys_are_cached_and_a_new_key_is_fetched_once_when_it_appears(jwks: Jwks) -> None:
    checking = verifier(jwks)
    for _ in range(5):
        await checking.verify(jwks.signers[0].token())
    assert jwks.fetches == 1
    rotated = rsa_signer("r2")
    jwks.signers.append(rotated)  # the issuer publishes a new key and starts signing with it
    checking._keys[ISSUER].fetched_at -= 31  # the last read was longer ago than the refresh interval
    assert (await checking.verify(rotated.token())).email == "ada@example.com"
    assert jwks.fetches == 2
    await checking.aclose()


async def test_unknown_key_ids_re_read_the_keys_at_most_once_per_interval(jwks: Jwks) -> None:
    checking = verifier(jwks)
    await checking.verify(jwks.signers[0].token())
    for n in range(10):
        assert "unknown key" in await refused(checking, rsa_signer(f"forged-{n}").token())
    assert jwks.fetches == 1, "forged key ids must not make us hammer the issuer"
    await checking.aclose()


async def test_garbage_is_not_a_jwt(jwks: Jwks) -> None:
    checking = verifier(jwks)
    for token in ["", "abc", "a.b.c", "mok_123"]:
        assert "not a JWT" in await refused(checking, token)
    await checking.aclose()


async def test_a_verified_token_is_remembered_until_it_expires(jwks: Jwks, monkeypatch: pytest.MonkeyPatch) -> None:
    checking = TokenVerifier(
        [OidcIssuer(issuer=ISSUER, audience=[AUDIENCE], jwks_url=jwks.url)], leeway_s=0, refresh_min_s=30
    )
    checks = 0
    real = checking._verify

    async def counted(token: str) -> Any:
        nonlocal checks
        checks += 1
        return await real(token)

    monkeypatch.setattr(checking, "_verify", counted)
    token = jwks.signers[0].token(exp=int(time.time()) + 2)
    for _ in range(3):
        await checking.verify(token)
    assert checks == 1
    await asyncio.sleep(2.5)
    assert "expired" in await refused(checking, token)
    assert checks == 2
    await checking.aclose()


async def test_remembered_tokens_stay_bounded_and_keep_the_newest(jwks: Jwks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("orchestrator.security.tokens._REMEMBERED", 5)
    checking = verifier(jwks)
    tokens = [jwks.signers[0].token(email=f"user{n}@example.com") for n in range(12)]
    for token in tokens:
        await checking.verify(token)
    remembered = checking._verified
    assert len(remembered) == 5
    assert hashlib.sha256(tokens[-1].encode()).digest() in remembered
    assert hashlib.sha256(tokens[0].encode()).digest() not in remembered
    await checking.aclose()
