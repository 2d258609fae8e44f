"""The local stack: every MCP service and the orchestrator as processes on loopback.

Used by `mcp-dev stack` (`make run`), by the integration tests and by the benchmarks, so what the
tests exercise is exactly what a user starts. The processes run the modules installed in the
workspace's environment (`python -m <module>` with this interpreter). A process counts as started
once its `GET /health/ready` answers 200 (what it needs answers: docs/deploy.md, probes).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx


@dataclass(frozen=True)
class ServiceProcess:
    """How to start one MCP service: its module, port variable, default port, and the services it
    calls (`links`: setting name → service, e.g. `MENU_URL` → `menu` sets `ORDER_MENU_URL`)."""

    name: str
    module: str
    env_prefix: str
    port: int
    links: tuple[tuple[str, str], ...] = ()


_POLL_S = 0.02
"""Between two readiness polls of a starting process: a process is reported ready within this of being so."""
READY_PATH = "/health/ready"
LIVE_PATH = "/health/live"

# In start order: a service starts after the services it calls.
DEFAULT_SERVICES = (
    ServiceProcess("chargebee", "chargebee_service", "CHARGEBEE_", 8101),
    ServiceProcess("hubspot", "hubspot_service", "HUBSPOT_", 8102),
    ServiceProcess("menu", "menu_service", "MENU_", 8103),
    ServiceProcess("customer_profile", "customer_profile_service", "CUSTOMER_PROFILE_", 8104),
    ServiceProcess(
        "order", "order_service", "ORDER_", 8105, (("MENU_URL", "menu"), ("CUSTOMER_PROFILE_URL", "customer_profile"))
    ),
    ServiceProcess("tracking", "tracking_service", "TRACKING_", 8106, (("ORDER_URL", "order"),)),
    ServiceProcess(
        "recommendations",
        "recommendations_service",
        "RECOMMENDATIONS_",
        8107,
        (("MENU_URL", "menu"), ("ORDER_URL", "order"), ("CUSTOMER_PROFILE_URL", "customer_profile")),
    ),
    ServiceProcess("firebase", "firebase_service", "FIREBASE_", 8108),
)


@dataclass
class Stack:
    """Running processes by name, and the URLs they answer on."""

    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None
    caller_keys: dict[str, str] = field(default_factory=dict, repr=False)
    """The caller-assertion key variables every process of this run is given (`caller_key_env`)."""
    commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict, repr=False)
    """How each process was started (argv, environment): what `restart` starts again."""

    def port(self, name: str) -> int:
        """The loopback port the process `name` answers on."""
        return int(self.urls[name].rsplit(":", 1)[1])

    def stop(self, name: str) -> None:
        """Kill one process abruptly (as a crash would)."""
        proc = self.processes[name]
        proc.kill()
        proc.wait(10)

    def restart(self, name: str, *, timeout_s: float = 60.0) -> None:
        """Start a process that was stopped again as it was started (command, environment, port); waits until
        it is ready, as a restarted instance is put back in rotation."""
        argv, env = self.commands[name]
        _start(self, name, argv, env, self.urls[name], self.log_dir)
        _wait_healthy(self, name, timeout_s, None)

    def start_orchestrator(
        self,
        name: str,
        port: int,
        env: Mapping[str, str] | None = None,
        *,
        timeout_s: float = 60.0,
        ready: bool = True,
    ) -> str:
        """One more orchestrator process on the running services (another instance of the deployment);
        `ORCH_SERVICES` in `env` replaces them. Waits until it is ready, or with `ready=False` only until it
        answers (an instance started on purpose where it cannot be ready, e.g. with every service refusing it)."""
        services = {n: url for n, url in self.urls.items() if not n.startswith("orchestrator")}
        proc_env = _base_env(None) | self.caller_keys | {"ORCH_SERVICES": json.dumps(services)}
        proc_env |= dict(env or {}) | {"PORT": str(port)}
        proc_env |= _log_file_env("ORCH_", name, self.log_dir)
        _start(self, name, [sys.executable, "-m", "orchestrator"], proc_env, f"http://127.0.0.1:{port}", self.log_dir)
        _wait_healthy(self, name, timeout_s, None, READY_PATH if ready else LIVE_PATH)
        return self.urls[name]

    def terminate(self, name: str) -> None:
        """Stop one process as Cloud Run would (SIGTERM, then kill after 10 s) and forget it."""
        proc = self.processes.pop(name)
        self.urls.pop(name, None)
        _terminate([proc])


@contextmanager
def run_stack(
    *,
    services: tuple[ServiceProcess, ...] = DEFAULT_SERVICES,
    ports: Mapping[str, int] | None = None,
    orchestrator_port: int = 8080,
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    on_ready: Callable[[str, str], None] | None = None,
    timeout_s: float = 60.0,
    orchestrator: bool = True,
) -> Iterator[Stack]:
    """Start the services, then (unless `orchestrator` is false) the orchestrator pointed at them;
    stop everything on exit. Every process gets the same random caller key, made for this run
    (`caller_key_env`), so services accept only calls signed for their caller; `env` may override it."""
    stack = Stack(log_dir=log_dir, caller_keys=caller_key_env(services))
    base_env = _base_env(None) | stack.caller_keys | dict(env or {})
    try:
        for svc in services:
            port = (ports or {}).get(svc.name, svc.port)
            proc_env = base_env | {f"{svc.env_prefix}PORT": str(port)}
            proc_env |= _log_file_env(svc.env_prefix, svc.name, log_dir)
            for setting, target in svc.links:
                if target in stack.urls:
                    proc_env[f"{svc.env_prefix}{setting}"] = stack.urls[target]
            _start(
                stack,
                svc.name,
                [sys.executable, "-m", svc.module],
                proc_env,
                f"http://127.0.0.1:{port}",
                log_dir,
            )
        for svc in services:
            _wait_healthy(stack, svc.name, timeout_s, on_ready)
        if not orchestrator:
            yield stack
            return
        orch_env = base_env | {
            "PORT": str(orchestrator_port),
            "ORCH_SERVICES": json.dumps({s.name: stack.urls[s.name] for s in services}),
        }
        orch_env |= _log_file_env("ORCH_", "orchestrator", log_dir)
        url = f"http://127.0.0.1:{orchestrator_port}"
        _start(stack, "orchestrator", [sys.executable, "-m", "orchestrator"], orch_env, url, log_dir)
        _wait_healthy(stack, "orchestrator", timeout_s, on_ready)
        yield stack
    finally:
        _stop_all(stack)


def caller_key_env(services: tuple[ServiceProcess, ...] = DEFAULT_SERVICES) -> dict[str, str]:
    """`ORCH_CALLER_KEYS`/`<PREFIX>CALLER_KEYS` (and the key ids) holding one new random key for all."""
    kid = f"stack-{secrets.token_hex(4)}"
    keys = json.dumps({kid: secrets.token_urlsafe(32)})
    prefixes = ["ORCH_", *(svc.env_prefix for svc in services)]
    return {f"{p}{name}": value for p in prefixes for name, value in (("CALLER_KEYS", keys), ("CALLER_KEY_ID", kid))}


def _log_file_env(prefix: str, name: str, log_dir: Path | None) -> dict[str, str]:
    """`<PREFIX>LOG_FILE=<log_dir>/<name>.jsonl`: the process's JSON lines, which `orchestrator trace` reads
    (its stdout, the same lines and whatever else it prints, goes to `<name>.log`)."""
    return {} if log_dir is None else {f"{prefix}LOG_FILE": str(log_dir / f"{name}.jsonl")}


def _start(stack: Stack, name: str, argv: list[str], env: dict[str, str], url: str, log_dir: Path | None) -> None:
    out: IO[bytes] | int = subprocess.DEVNULL
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        out = (log_dir / f"{name}.log").open("ab")
    stack.processes[name] = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    stack.urls[name] = url
    stack.commands[name] = (argv, env)


def _wait_healthy(
    stack: Stack,
    name: str,
    timeout_s: float,
    on_ready: Callable[[str, str], None] | None,
    path: str = READY_PATH,
) -> None:
    deadline = time.monotonic() + timeout_s
    proc, url = stack.processes[name], stack.urls[name]
    # One client for all the polls: each new one builds a TLS context (~40 ms of CPU the processes starting need).
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode} during start-up")
            try:
                if client.get(f"{url}{path}").status_code == 200:
                    if on_ready:
                        on_ready(name, url)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(_POLL_S)
    raise TimeoutError(f"{name} did not answer 200 on {url}{path} within {timeout_s:.0f}s")


def _base_env(env: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PORT"} | {"PYTHONUNBUFFERED": "1"} | dict(env or {})


def _stop_all(stack: Stack) -> None:
    _terminate(list(reversed(stack.processes.values())))


def _terminate(processes: list[subprocess.Popen[bytes]]) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
