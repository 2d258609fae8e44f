"""The benchmarks' shared parts: git worktrees with their own venvs, servers started and stopped, CPU
read from /proc, and `wrk` runs against a cached `/query`. Used by `bench/ab.py`, `bench/auth.py` and
`bench/observability.py`."""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mcp_devtools.testing import free_port as free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SERVICES = (("chargebee", "chargebee_service", "CHARGEBEE_"), ("hubspot", "hubspot_service", "HUBSPOT_"))
SYNCED_MARKER = ".venv/.ab-synced"  # holds the commit the venv was synced for


# ---------------------------------------------------------------------------------------- worktrees


@dataclass(frozen=True)
class Tree:
    """One revision checked out with its own venv."""

    label: str  # "before" or "after"
    rev: str  # as given on the command line
    sha: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    @property
    def short(self) -> str:
        return self.sha[:7]


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True).stdout.strip()


def resolve(rev: str) -> str:
    try:
        return git("rev-parse", "--verify", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"not a commit: {rev!r} ({exc.stderr.strip()})") from None


def outer_env() -> dict[str, str]:
    """This process's environment without its own venv (it is not the trees' venv) nor settings of the
    processes started here (a stray `PORT` or `ORCH_*` would change what is measured)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    env = {k: v for k, v in env.items() if not k.startswith(("ORCH_", *(prefix for _, _, prefix in SERVICES)))}
    if sys.prefix != sys.base_prefix:  # drop this venv's bin/ so `python3` is the machine's, which has uv
        own_bin = str(Path(sys.prefix) / "bin")
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != own_bin)
    return env | {"PYTHONUNBUFFERED": "1"}


def prepare_tree(label: str, rev: str, base: Path) -> Tree:
    """The worktree of `rev` under `base`, created if missing, its venv synced unless already synced for it."""
    sha = resolve(rev)
    tree = Tree(label, rev, sha, base / sha[:12])
    if tree.path.exists():
        try:
            head = git("rev-parse", "HEAD", cwd=tree.path)
        except subprocess.CalledProcessError:
            raise SystemExit(f"{tree.path} exists but is not a git worktree: remove it") from None
        if head != sha:
            raise SystemExit(f"{tree.path} is at {head[:12]}, not {sha[:12]}: remove it")
    else:
        git("worktree", "prune")
        git("worktree", "add", "--detach", str(tree.path), sha)
        print(f"{label}: worktree {tree.path} created at {sha[:12]}", flush=True)
    marker = tree.path / SYNCED_MARKER
    if tree.python.exists() and marker.exists() and marker.read_text().strip() == sha:
        print(f"{label}: {tree.path}/.venv already synced for {sha[:12]}", flush=True)
        return tree
    env = outer_env()
    python3 = shutil.which("python3", path=env["PATH"]) or "python3"
    started = time.monotonic()
    sync = subprocess.run(
        [python3, "-m", "uv", "sync", "--frozen"], cwd=tree.path, env=env, capture_output=True, text=True
    )
    if sync.returncode != 0:
        tail = "\n".join((sync.stdout + sync.stderr).strip().splitlines()[-25:])
        raise SystemExit(f"{label}: `python3 -m uv sync --frozen` failed in {tree.path} ({sync.returncode}):\n{tail}")
    marker.write_text(sha + "\n")
    print(f"{label}: {tree.path}/.venv synced in {time.monotonic() - started:.1f} s", flush=True)
    return tree


@contextmanager
def locked(base: Path) -> Iterator[None]:
    """One run at a time prepares worktrees under `base`."""
    base.mkdir(parents=True, exist_ok=True)
    with (base / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# ---------------------------------------------------------------------------------------- processes


@dataclass
class Processes:
    """Servers started by this run, stopped (SIGTERM, then SIGKILL) by `stop_all`."""

    log_dir: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], env: Mapping[str, str], cwd: Path, health_url: str, timeout_s: float = 60
    ) -> int:
        """Start a server and wait until `health_url` answers 200 (at most `timeout_s`); its pid."""
        log = (self.log_dir / f"{name}.log").open("wb")
        self.logs.append(log)
        process = subprocess.Popen(argv, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        self.running[name] = process
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = "\n".join((self.log_dir / f"{name}.log").read_text(errors="replace").splitlines()[-20:])
                raise SystemExit(f"{name} exited with code {process.returncode} during start-up:\n{tail}")
            try:
                with urllib.request.urlopen(health_url, timeout=1) as response:
                    if response.status == 200:
                        return process.pid
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise SystemExit(f"{name} did not answer {health_url} within {timeout_s:g} s (log: {self.log_dir / name}.log)")

    def stop(self, name: str) -> None:
        """Stop one server (SIGTERM, then SIGKILL after 120 s)."""
        process = self.running.pop(name)
        process.terminate()
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def check(self) -> None:
        """Fail if a server has exited since it started (its figures would be of errors)."""
        for name, process in self.running.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with code {process.returncode} (log: {self.log_dir / name}.log)")

    def stop_all(self) -> None:
        processes = list(reversed(self.running.values()))
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.running.clear()
        for log in self.logs:
            log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process and of its running children (a server's worker
    processes), from /proc."""
    total = 0.0
    for one in (pid, *_children(pid)):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a child that has just exited
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children.extend(int(child) for child in task.read_text().split())
        except OSError:
            continue
    return children


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idling, from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuShares:
    """CPU used during a measurement, in percent of one core: the server, the load generator (this
    process's children waited for in between: wrk or the call driver) and everything else on the machine."""

    server: float
    client: float
    others: float


class CpuMeter:
    """Started before a measurement; `shares()` after it."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.started = time.monotonic()
        self.client = self._children()
        self.server = cpu_seconds(server_pid)
        self.machine = machine_busy_seconds()

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def shares(self) -> CpuShares:
        wall = time.monotonic() - self.started
        client = self._children() - self.client
        server = cpu_seconds(self.server_pid) - self.server
        others = machine_busy_seconds() - self.machine - client - server
        return CpuShares(100 * server / wall, 100 * client / wall, max(0.0, 100 * others / wall))


def post_json(url: str, body: Mapping[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        reply: dict[str, Any] = json.loads(response.read())
        return reply


# ---------------------------------------------------------------------------------------- wrk


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p99 ms and socket errors from `wrk --latency` output; non-2xx replies are fatal."""
    if match := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output):
        raise SystemExit(f"wrk saw {match[1]} non-2xx replies:\n{output}")
    rps = re.search(r"Requests/sec:\s*([\d.]+)", output)
    percentiles = {
        p: float(v) * _UNITS[u] for p, v, u in re.findall(r"^\s*(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    if rps is None or "50" not in percentiles or "99" not in percentiles:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return float(rps[1]), percentiles["50"], percentiles["99"], errors


def wrk_run(url: str, pid: int, lua: Path, duration_s: float) -> dict[str, float]:
    """One `wrk -t1 -c32` run against `url`, with the CPU of the server (`pid`) and of wrk beside it."""
    meter = CpuMeter(pid)
    out = subprocess.run(
        ["wrk", "-t1", "-c32", f"-d{duration_s:g}s", "--latency", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = meter.shares()
    rps, p50, p99, errors = parse_wrk(out)
    if errors:
        raise SystemExit(f"wrk reported {errors} socket errors against {url}")
    return {"rps": rps, "p50": p50, "p99": p99, "server": cpu.server, "wrk": cpu.client}


def warm_cache(url: str, question: dict[str, str], headers: dict[str, str] | None = None) -> None:
    """Ask `question` twice; the second answer must come from the answer cache (the runs measure hits only)."""
    for _ in range(2):
        request = urllib.request.Request(
            url, data=json.dumps(question).encode(), headers={"Content-Type": "application/json"} | (headers or {})
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = json.loads(response.read())
    if reply.get("cached") is not True:
        raise SystemExit(f"{url}: not answered from the cache: {reply}")


# ---------------------------------------------------------------------------------------- cached /query targets


def start_billing(processes: Processes, base: Mapping[str, str] | None = None) -> str:
    """The chargebee service (demo backend, logs at WARNING, no payloads) from this tree; its URL."""
    port = free_port()
    env = dict(base or {}) | {"PORT": str(port), "CHARGEBEE_LOG_LEVEL": "WARNING", "CHARGEBEE_LOG_PAYLOADS": "false"}
    url = f"http://127.0.0.1:{port}"
    processes.start("chargebee", [sys.executable, "-m", "chargebee_service"], env, REPO, f"{url}/health")
    return url


def orchestrator_env(billing_url: str) -> dict[str, str]:
    """An orchestrator on the chargebee service alone: memory state, no conversations, no third-party MCP
    servers, logs at WARNING without payloads, answers cached for an hour."""
    return {
        "ORCH_SERVICES": json.dumps({"chargebee": billing_url}),
        "ORCH_STATE_BACKEND": "memory",
        "ORCH_CONVERSATIONS": "none",
        "ORCH_MCP_SERVERS": "{}",
        "ORCH_LOG_LEVEL": "WARNING",
        "ORCH_LOG_PAYLOADS": "false",
        "ORCH_ANSWER_TTL_S": "3600",
    }


def query_lua(path: Path, question: Mapping[str, str], headers: Mapping[str, str] | None = None) -> Path:
    """A wrk script POSTing `question` as JSON (with `headers`) to the URL wrk is given; its path."""
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(dict(question)))}"]
    lines += ['wrk.headers["Content-Type"] = "application/json"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def interleaved_rounds(
    processes: Processes, targets: Mapping[str, tuple[str, int, Path]], rounds: int, duration_s: float
) -> dict[str, list[dict[str, float]]]:
    """label → its wrk runs: every target (URL, server pid, wrk script) once per round, the order reversed
    every other round, after a 1 s warm-up run each; one line printed per run."""
    for url, pid, lua in targets.values():
        wrk_run(url, pid, lua, 1)  # warm-up: connections, caches, lazy imports
    labels = list(targets)
    width = max(len(label) for label in labels)
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in targets}
    for number in range(1, rounds + 1):
        for label in labels if number % 2 else labels[::-1]:
            url, pid, lua = targets[label]
            run = wrk_run(url, pid, lua, duration_s)
            processes.check()
            runs[label].append(run)
            print(
                f"round {number} {label:<{width}} {run['rps']:7.0f} req/s  p50 {run['p50']:6.2f} ms"
                f"  p99 {run['p99']:6.2f} ms  CPU % server {run['server']:3.0f} wrk {run['wrk']:3.0f}",
                flush=True,
            )
    return runs
