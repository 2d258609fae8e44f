"""ORCH_WORKERS: several server processes on one port, each with its own app, stopped together."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from orch_process import orchestrator_process
from pydantic import ValidationError

from orchestrator.settings import Settings


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # ppid
            found.add(int(stat.parent.name))
    return found


def _workers(pid: int) -> set[int]:
    """The server processes under the supervisor `pid` (multiprocessing may add a resource tracker)."""
    return {child for child in _children(pid) if b"orchestrator" in Path(f"/proc/{child}/cmdline").read_bytes()
            or b"multiprocessing.spawn" in Path(f"/proc/{child}/cmdline").read_bytes()}  # fmt: skip


def test_two_workers_serve_one_port_and_stop_with_the_supervisor(tmp_path: Path) -> None:
    env = {"ORCH_WORKERS": "2", "ORCH_STATE_BACKEND": "sqlite", "ORCH_STATE_PATH": str(tmp_path / "state.sqlite3")}
    with orchestrator_process(tmp_path, **env) as orchestrator:
        workers = _workers(orchestrator.pid)
        assert len(workers) == 2
        for _ in range(20):
            with urllib.request.urlopen(f"{orchestrator.url}/health", timeout=10) as response:
                assert json.loads(response.read())["status"] in ("ok", "degraded")
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_one_worker_is_one_process(tmp_path: Path) -> None:
    with orchestrator_process(tmp_path) as orchestrator:
        assert _workers(orchestrator.pid) == set()


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_fewer_than_one_worker_is_refused(workers: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_WORKERS", workers)
    with pytest.raises(ValidationError, match="ORCH_WORKERS"):
        Settings(_env_file=None)


def test_several_workers_on_the_memory_backend_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_WORKERS", "2")
    monkeypatch.setenv("ORCH_STATE_BACKEND", "memory")
    with pytest.raises(ValidationError, match="state backend the processes share"):
        Settings(_env_file=None)


def test_auto_is_one_per_cpu_and_one_on_the_memory_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_WORKERS", "auto")
    monkeypatch.setenv("ORCH_STATE_BACKEND", "sqlite")
    assert Settings(_env_file=None).worker_count() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("ORCH_STATE_BACKEND", "memory")
    assert Settings(_env_file=None).worker_count() == 1
