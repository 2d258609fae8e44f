"""Benchmark: what authenticating every caller costs, against the same orchestrator without it, in one run.

1. Token verification alone, in this process: `TokenVerifier.verify` of one RS256 ID token with the
   issuer's keys cached (median µs per call over `--verify-calls`), beside the cost of the JWT
   signature check by itself (`jwt.decode`), so the reader sees what is ours and what is RSA; and
   the caller assertions the orchestrator sends to services: signing (a token reused), verifying a
   new one and verifying one seen before (`mcp_common.assertions`).
2. Cached `POST /query` under `wrk -t1 -c32 --latency` with the server as the limit: an orchestrator
   in development mode (the body names the user) and one in production mode (every request carries
   `Authorization: Bearer <ID token>`, verified against a JWKS served on loopback), both on the
   chargebee service, answers cached; rounds interleaved with the order flipped every other round.
   Server and wrk CPU are printed beside each run.

Usage: uv run --frozen python bench/auth.py [--rounds 5] [--duration 5] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from ab_trees import (
    REPO,
    Processes,
    free_port,
    interleaved_rounds,
    orchestrator_env,
    query_lua,
    start_billing,
    warm_cache,
)
from cryptography.hazmat.primitives.asymmetric import rsa

from mcp_common.assertions import AssertionSigner, AssertionVerifier, Keyring
from orchestrator.security.config import OidcIssuer
from orchestrator.security.tokens import TokenVerifier

ISSUER, AUDIENCE, EMAIL = "https://issuer.bench", "orchestrator-bench", "ada@example.com"
QUESTION = {"query": "what plan am I on?", "email": EMAIL}


def make_token(private: rsa.RSAPrivateKey, lifetime_s: int = 3600) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + lifetime_s, "email": EMAIL}
    return jwt.encode(claims | {"email_verified": True}, private, "RS256", {"kid": "bench"})


def jwks_of(private: rsa.RSAPrivateKey) -> dict[str, Any]:
    public: dict[str, Any] = json.loads(jwt.get_algorithm_by_name("RS256").to_jwk(private.public_key()))
    return {"keys": [public | {"kid": "bench", "alg": "RS256", "use": "sig"}]}


def verify_costs(private: rsa.RSAPrivateKey, jwks_url: str, calls: int) -> tuple[float, float, float]:
    """Median µs per call: `TokenVerifier.verify` of a token seen before (keys cached), of a token seen
    for the first time (`_verify`: the full check), and `jwt.decode` alone."""
    token = make_token(private)
    public = private.public_key()

    async def ours() -> tuple[list[float], list[float]]:
        verifier = TokenVerifier([OidcIssuer(issuer=ISSUER, audience=[AUDIENCE], jwks_url=jwks_url)])
        await verifier.verify(token)  # fetches and caches the keys
        again, first = [], []
        for _ in range(calls):
            start = time.perf_counter()
            await verifier.verify(token)
            again.append((time.perf_counter() - start) * 1e6)
            start = time.perf_counter()
            await verifier._verify(token)
            first.append((time.perf_counter() - start) * 1e6)
        await verifier.aclose()
        return again, first

    decode = []
    for _ in range(calls):
        start = time.perf_counter()
        jwt.decode(token, public, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)
        decode.append((time.perf_counter() - start) * 1e6)
    again, first = asyncio.run(ours())
    return statistics.median(again), statistics.median(first), statistics.median(decode)


def assertion_costs(calls: int) -> tuple[float, float, float]:
    """Median µs per call: signing (reused token), verifying a new assertion, verifying one seen before."""
    ring = Keyring({"k": b"0123456789abcdef0123456789abcdef"}, "k")
    signer = AssertionSigner(ring, "orchestrator")
    verifier = AssertionVerifier(ring, "chargebee")
    token = signer.sign("chargebee", EMAIL, "default")

    def median_us(action: Callable[[], object]) -> float:
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            action()
            samples.append((time.perf_counter() - start) * 1e6)
        return statistics.median(samples)

    return (
        median_us(lambda: signer.sign("chargebee", EMAIL, "default")),
        median_us(lambda: verifier._verify(token)),
        median_us(lambda: verifier.verify(token)),
    )


def start_stack(processes: Processes, work: Path, private: rsa.RSAPrivateKey) -> tuple[dict[str, tuple[str, int]], str]:
    """The JWKS server, the chargebee service and both orchestrators; their /query URLs and pids, the JWKS URL."""
    (work / "jwks.json").write_text(json.dumps(jwks_of(private)))
    jwks_port = free_port()
    python = sys.executable
    processes.start(
        "jwks",
        [python, "-m", "http.server", str(jwks_port), "--bind", "127.0.0.1", "--directory", str(work)],
        {},
        REPO,
        f"http://127.0.0.1:{jwks_port}/jwks.json",
    )
    common = orchestrator_env(start_billing(processes))
    jwks_url = f"http://127.0.0.1:{jwks_port}/jwks.json"
    issuer = [{"issuer": ISSUER, "audience": [AUDIENCE], "jwks_url": jwks_url}]
    targets: dict[str, tuple[str, int]] = {}
    for label, extra in (
        ("development", {"ORCH_MODE": "development"}),
        ("production", {"ORCH_MODE": "production", "ORCH_OIDC_ISSUERS": json.dumps(issuer)}),
    ):
        port = free_port()
        env = common | extra | {"PORT": str(port)}
        pid = processes.start(label, [python, "-m", "orchestrator"], env, REPO, f"http://127.0.0.1:{port}/health")
        targets[label] = (f"http://127.0.0.1:{port}/query", pid)
    return targets, jwks_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--verify-calls", type=int, default=5000)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = make_token(private)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        processes = Processes(work)
        try:
            targets, jwks_url = start_stack(processes, work, private)
            costs = verify_costs(private, jwks_url, args.verify_calls)
            seen, first, decode = costs
            print(f"verify µs per call: token seen before {seen:.1f}, first sight {first:.1f}, jwt.decode {decode:.1f}")
            signed = assertion_costs(args.verify_calls)
            print(
                "caller assertion µs per call: sign {:.1f}, verify new {:.1f}, verify seen before {:.1f}".format(
                    *signed
                )
            )
            scripted = {}
            for label, headers in (("development", {}), ("production", {"Authorization": f"Bearer {token}"})):
                url, pid = targets[label]
                warm_cache(url, QUESTION, headers)
                scripted[label] = (url, pid, query_lua(work / f"{label}.lua", QUESTION, headers))
            runs = interleaved_rounds(processes, scripted, args.rounds, args.duration)
        finally:
            processes.stop_all()
    report = _report(runs, costs, args) + (
        f"\n- caller assertions to services: signing {signed[0]:.1f} µs (token reused), verifying"
        f" {signed[1]:.1f} µs for a new one and {signed[2]:.1f} µs for one seen before"
    )
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


def _report(
    runs: dict[str, list[dict[str, float]]], costs: tuple[float, float, float], args: argparse.Namespace
) -> str:
    def med(label: str, name: str) -> float:
        return statistics.median(run[name] for run in runs[label])

    ratios = [p["rps"] / d["rps"] for p, d in zip(runs["production"], runs["development"], strict=True)]
    rows = [
        "| mode | req/s | p50 ms | p99 ms | server CPU % | wrk CPU % |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {med(label, 'rps'):.0f} | {med(label, 'p50'):.2f} | {med(label, 'p99'):.2f} |"
            f" {med(label, 'server'):.0f} | {med(label, 'wrk'):.0f} |"
            for label in runs
        ),
    ]
    return "\n".join(
        [
            f"Cached POST /query, wrk -t1 -c32 -d{args.duration:g}s, median of {args.rounds} interleaved rounds",
            "",
            *rows,
            "",
            f"- production / development req/s: {med('production', 'rps') / med('development', 'rps'):.3f}"
            f" (rounds {min(ratios):.3f}-{max(ratios):.3f})",
            f"- token verification, keys cached: {costs[0]:.1f} µs for a token seen before, {costs[1]:.1f} µs at"
            f" first sight (of which jwt.decode's signature and claims check: {costs[2]:.1f} µs)",
        ]
    )


if __name__ == "__main__":
    main()
