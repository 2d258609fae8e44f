"""The local deployment files agree with the code: every process of the stack is in the `Procfile` and
`deploy/compose.yml` with the stack's module, port and links, and every variable they set is a valid setting."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from deploy_files import (
    BY_NAME,
    COMPOSE,
    ORCHESTRATOR,
    PLATFORM_VARIABLES,
    PROCESSES,
    PROCFILE,
    Validate,
    has_database,
    load_yaml,
    package_of,
    variable_names,
)

from mcp_common.readiness_routes import READY_PATH
from mcp_devtools.stack import DEFAULT_SERVICES

# ---------------------------------------------------------------- Procfile


def procfile() -> dict[str, tuple[dict[str, str], list[str]]]:
    """name → (variables set on the line, the command after them)."""
    lines = {}
    for line in PROCFILE.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line):
            words = shlex.split(match.group(2))
            env = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_][A-Z0-9_]*=", w))
            lines[match.group(1)] = (env, words[len(env) :])
    return lines


def test_the_procfile_runs_every_process_as_the_stack_does() -> None:
    lines = procfile()
    assert list(lines) == [p.name for p in PROCESSES]
    for process in PROCESSES:
        env, command = lines[process.name]
        assert command == ["python", "-m", process.module]
        assert env["PORT"] == str(process.port)
        for setting, target in process.links:
            assert env[f"{process.env_prefix}{setting}"] == f"http://127.0.0.1:{BY_NAME[target].port}"


def test_the_procfile_orchestrator_calls_every_service_on_its_port() -> None:
    services = json.loads(procfile()["orchestrator"][0]["ORCH_SERVICES"])
    assert services == {s.name: f"http://127.0.0.1:{s.port}" for s in DEFAULT_SERVICES}


def test_every_procfile_variable_is_a_valid_setting(validate: Validate) -> None:
    for name, (env, _) in procfile().items():
        process = BY_NAME[name]
        assert set(env) - variable_names(process) - PLATFORM_VARIABLES == set(), name
        validate(process, env)


# ---------------------------------------------------------------- deploy/compose.yml


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(COMPOSE)["services"]
    return services


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    """The service's environment with ${VAR:-default} interpolated as Compose does when VAR is unset."""
    env = service.get("environment") or {}

    def interpolate(value: object) -> str:
        text = re.sub(r"\$\{[A-Za-z0-9_]+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", str(value))
        return text.replace("$$", "$")

    return {key: interpolate(value) for key, value in env.items()}


def test_compose_builds_every_process_from_the_one_dockerfile() -> None:
    services = compose_services()
    for process in PROCESSES:
        service = services[process.name]
        args = service["build"]["args"]
        assert service["image"] == f"mcp-{process.name}"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (args["SERVICE"], args["MODULE"]) == (process.name, process.module)
        assert args["ENV_PREFIX"] == process.env_prefix
        assert args["PACKAGE"] == package_of(process.module)


def test_compose_checks_the_readiness_of_every_process_and_waits_for_what_it_calls() -> None:
    services = compose_services()
    for process in PROCESSES:
        service = services[process.name]
        assert f"http://127.0.0.1:8080{READY_PATH}'" in " ".join(service["healthcheck"]["test"])
        called = [t for _, t in process.links] if process is not ORCHESTRATOR else [s.name for s in DEFAULT_SERVICES]
        for target in called:
            assert service["depends_on"][target]["condition"] == "service_healthy", (process.name, target)


def test_compose_links_the_services_by_their_network_names() -> None:
    services = compose_services()
    for process in DEFAULT_SERVICES:
        env = compose_env(services[process.name])
        assert env[f"{process.env_prefix}ALLOWED_HOSTS"] == '["*"]'
        for setting, target in process.links:
            assert env[f"{process.env_prefix}{setting}"] == f"http://{target}:8080"
    orchestrator = compose_env(services["orchestrator"])
    assert json.loads(orchestrator["ORCH_SERVICES"]) == {s.name: f"http://{s.name}:8080" for s in DEFAULT_SERVICES}
    assert orchestrator["ORCH_ALLOWED_HOSTS"] == '["*"]'


def test_compose_runs_the_orchestrator_on_redis_and_publishes_it_on_loopback_8080() -> None:
    services = compose_services()
    orchestrator = services["orchestrator"]
    assert compose_env(orchestrator)["ORCH_STATE_BACKEND"] == "redis"
    assert compose_env(orchestrator)["ORCH_REDIS_URL"].startswith("redis://redis:6379")
    assert orchestrator["depends_on"]["redis"]["condition"] == "service_healthy"
    # Development mode trusts the body's email: the host publishes it on loopback only.
    assert [compose_env({"environment": {"p": p}})["p"] for p in orchestrator["ports"]] == ["127.0.0.1:8080:8080"]
    assert compose_env(orchestrator)["ORCH_ALLOW_DEVELOPMENT_MODE"] == "true"
    assert services["redis"]["image"] == "redis:7"
    assert services["firestore"]["profiles"] == ["firestore"]
    assert orchestrator["depends_on"]["firestore"]["required"] is False


def test_compose_keeps_each_food_service_database_in_a_volume() -> None:
    services = compose_services()
    for process in DEFAULT_SERVICES:
        if has_database(process):
            volumes = services[process.name]["volumes"]
            assert any(v.endswith(":/app/var") for v in volumes), process.name


def test_every_compose_variable_is_a_valid_setting(validate: Validate) -> None:
    services = compose_services()
    for process in PROCESSES:
        env = compose_env(services[process.name])
        assert set(env) - variable_names(process) - PLATFORM_VARIABLES == set(), process.name
        validate(process, env)
    firestore = compose_env(services["orchestrator"]) | {"ORCH_STATE_BACKEND": "firestore"}
    assert validate(ORCHESTRATOR, firestore).model_dump()["state_backend"] == "firestore"
