"""Request bodies are capped while they are read (`ORCH_MAX_BODY_BYTES`): 413 with the error envelope, in both
error modes, before a declared oversize body is read and as soon as a chunked one passes the cap; 100 MB bodies
do not grow the process. Unparsable JSON answers the envelope too."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from orch_process import MIB, OrchestratorProcess, RawResponse, orchestrator_process, post_body, read_response

from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings

CAP = 64 * 1024


@pytest.fixture(scope="module")
def orch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrchestratorProcess]:
    """`python -m orchestrator` with the default cap and errors as 200 with the envelope (the default)."""
    with orchestrator_process(tmp_path_factory.mktemp("orch")) as process:
        yield process


def assert_too_large(response: RawResponse, *, cap: int = CAP) -> None:
    assert response.status == 413
    body = json.loads(response.body)
    assert body["error"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "message": f"the request body is larger than {cap} bytes",
        "retryable": False,
    }
    assert body["trace_id"] == response.headers["x-trace-id"]
    assert response.headers["connection"] == "close"


def test_a_declared_oversize_body_is_refused_before_a_byte_of_it_is_sent(orch: OrchestratorProcess) -> None:
    response = post_body(orch.port, CAP + 1, chunked=False, send_body=False)

    assert_too_large(response)
    assert response.sent == 0


def test_a_chunked_body_is_refused_once_it_passes_the_cap_and_the_rest_is_not_read(orch: OrchestratorProcess) -> None:
    response = post_body(orch.port, 100 * MIB, chunked=True)

    assert_too_large(response)
    # What the socket buffers took before the answer came, not the 100 MB.
    assert response.sent < 16 * MIB


def test_a_body_at_the_cap_is_read_and_answered(orch: OrchestratorProcess) -> None:
    empty = json.dumps({"query": "what do I owe", "email": "ada@example.com", "pad": ""})
    body = json.dumps({"query": "what do I owe", "email": "ada@example.com", "pad": "x" * (CAP - len(empty))})
    assert len(body) == CAP

    response = httpx.post(f"{orch.url}/query", content=body.encode(), headers={"content-type": "application/json"})

    assert response.status_code == 200
    assert "answer" in response.json()


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_four_concurrent_100_mb_bodies_are_refused_without_growing_the_process(
    orch: OrchestratorProcess, chunked: bool
) -> None:
    post_body(orch.port, 100 * MIB, chunked=chunked)  # warm the path once
    baseline = orch.rss_bytes()
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, orch.rss_bytes())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(lambda _: post_body(orch.port, 100 * MIB, chunked=chunked), range(4)))
    finally:
        done.set()
        sampler.join()

    for response in responses:
        assert_too_large(response)
    assert peak - baseline < 20 * MIB, f"RSS grew by {(peak - baseline) / MIB:.1f} MiB"
    assert httpx.get(f"{orch.url}/health").status_code == 200


def test_the_mcp_endpoint_is_capped_too(orch: OrchestratorProcess) -> None:
    assert_too_large(post_body(orch.port, 100 * MIB, chunked=True, path="/mcp"))


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_unparsable_json_answers_the_error_envelope(orch: OrchestratorProcess, content_type: str) -> None:
    response = httpx.post(f"{orch.url}/query", content=b'{"query": "hi", ', headers={"content-type": content_type})

    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "trace_id", "timestamp"}
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert body["error"]["message"].startswith("body: ")


def test_the_413_is_the_same_with_errors_as_http_statuses() -> None:
    settings = Settings(
        services={}, conversations="none", state_backend="memory", errors_as_http_status=True, max_body_bytes=2048
    )
    with serve(create_app(settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        declared = post_body(port, 4096, chunked=False, send_body=False)
        streamed = post_body(port, 10 * MIB, chunked=True)
        unparsable = httpx.post(f"{url}/query", content=b"{", headers={"content-type": "application/json"})

    assert_too_large(declared, cap=2048)
    assert_too_large(streamed, cap=2048)
    assert unparsable.status_code == 400
    assert unparsable.json()["error"]["code"] == "INVALID_REQUEST"


def test_the_cap_is_a_setting_with_a_floor() -> None:
    assert Settings().max_body_bytes == CAP
    with pytest.raises(ValueError, match="max_body_bytes"):
        Settings(max_body_bytes=10)


def test_a_small_declared_length_cannot_carry_a_larger_chunked_body(orch: OrchestratorProcess) -> None:
    """A declared length under the cap is not watched further: the server must refuse a request that
    declares one and is chunked too (else a small `Content-Length` could smuggle a body past the cap)."""
    body = b"x" * (CAP * 2)
    head = (
        f"POST /query HTTP/1.1\r\nHost: 127.0.0.1:{orch.port}\r\nContent-Type: application/json\r\n"
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", orch.port), timeout=30) as sock:
        sock.sendall(head.encode() + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
        status, _, _ = read_response(sock)
    assert status == 400
