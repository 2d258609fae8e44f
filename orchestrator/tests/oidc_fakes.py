"""A fake OIDC issuer for tests: signing keys (RSA, EC) and their JWKS served on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mcp_devtools.testing import serve

ISSUER = "https://issuer.test"
AUDIENCE = "orchestrator-test"


@dataclass
class Signer:
    kid: str
    algorithm: str
    private: Any

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(self.private.public_key()))
        return jwk | {"kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "email": "ada@example.com"}
        body |= {"email_verified": True} | claims
        return jwt.encode(
            {k: v for k, v in body.items() if v is not None}, self.private, self.algorithm, {"kid": self.kid}
        )


def rsa_signer(kid: str) -> Signer:
    return Signer(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_signer(kid: str) -> Signer:
    return Signer(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


@dataclass
class Jwks:
    """The issuer's published keys; `fetches` counts reads of them."""

    signers: list[Signer] = field(default_factory=list)
    fetches: int = 0
    url: str = ""

    async def endpoint(self, request: Request) -> JSONResponse:
        self.fetches += 1
        return JSONResponse({"keys": [s.public_jwk() for s in self.signers]}, headers={"cache-control": "max-age=60"})


@contextmanager
def jwks_server(*signers: Signer) -> Iterator[Jwks]:
    """The issuer's JWKS at `<url>/jwks` (its `url`), publishing `signers`' public keys."""
    keys = Jwks(list(signers))
    with serve(Starlette(routes=[Route("/jwks", keys.endpoint)])) as url:
        keys.url = f"{url}/jwks"
        yield keys
