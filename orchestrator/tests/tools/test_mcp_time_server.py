"""A third-party MCP server over stdio: `mcp-server-time` (PyPI) answering /query through the rules planner."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings

TIME_SERVER = {
    "transport": "stdio",
    "command": sys.executable,
    "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
    "tools": {"get_current_time": {"examples": ["what time is it"], "defaults": {"timezone": "UTC"}}},
}


@pytest.fixture(scope="module")
def orchestrator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("time") / "state.sqlite3"
    settings = Settings(
        services={}, mcp_servers={"time": TIME_SERVER}, state_path=str(state), call_timeout_s=5.0, retries=2
    )
    with serve(create_app(settings), timeout_s=60) as url:
        yield url


def ask(url: str, question: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/query", json={"query": question, "email": "ada@example.com"}, timeout=30)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_what_time_is_it_in_tokyo_is_answered_by_the_time_server(orchestrator: str) -> None:
    body = ask(orchestrator, "what time is it in Tokyo?")
    assert "Asia/Tokyo" in body["answer"] and "+09:00" in body["answer"]
    assert [(s["service"], s["tool"], s["status"]) for s in body["sources"]] == [("time", "get_current_time", "ok")]
    assert body["trace"]["planner"] == "rules" and body["confidence"] > 0.7


def test_another_city_and_the_configured_default(orchestrator: str) -> None:
    assert "America/New_York" in ask(orchestrator, "what's the time in New York?")["answer"]
    # No place named: the configured example matches and the configured default fills the argument.
    assert "timezone: UTC" in ask(orchestrator, "what time is it?")["answer"]


def test_the_catalog_and_health_show_the_server(orchestrator: str) -> None:
    health = httpx.get(f"{orchestrator}/health", timeout=10).json()
    assert health["services"]["time"] == {**health["services"]["time"], "status": "ok", "tools": 2}


def test_a_killed_stdio_server_is_restarted_and_questions_keep_being_answered(orchestrator: str) -> None:
    assert "Asia/Tokyo" in ask(orchestrator, "what time is it in Tokyo?")["answer"]
    [before] = _time_server_pids()
    os.kill(before, signal.SIGKILL)
    answers = [ask(orchestrator, "what time is it in Tokyo?") for _ in range(3)]
    assert all("Asia/Tokyo" in a["answer"] for a in answers), [a["answer"] for a in answers]
    assert all(s["status"] == "ok" for a in answers for s in a["sources"])
    [after] = _time_server_pids()
    assert after != before


def _time_server_pids() -> list[int]:
    """The time servers this test process started (they are its children)."""
    deadline = time.monotonic() + 10
    while True:
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if b"mcp_server_time" in cmdline and int(stat[1]) == os.getpid() and stat[0] != "Z":
                pids.append(int(proc.name))
        if pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)
