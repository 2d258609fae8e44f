"""The deployment files agree with the code.

Every process of the stack (`DEFAULT_SERVICES` and the orchestrator) is in `deploy/compose.yml`, the
`Procfile`, the list of `deploy/cloudrun/deploy.sh` and has a `deploy/cloudrun/<name>.yaml`, with the
stack's module, port and links; every variable those files set is a setting of that process (or a
variable read from the platform) and the values pass the settings' validation.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from orchestrator.stack import DEFAULT_SERVICES, ServiceProcess

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yml"
PROCFILE = ROOT / "Procfile"
CLOUDRUN = ROOT / "deploy" / "cloudrun"
DEPLOY_SH = CLOUDRUN / "deploy.sh"

ORCHESTRATOR = ServiceProcess("orchestrator", "orchestrator", "ORCH_", 8080)
PROCESSES = (*DEFAULT_SERVICES, ORCHESTRATOR)
BY_NAME = {p.name: p for p in PROCESSES}
# Read from the platform or by client libraries, not by our settings.
PLATFORM_VARIABLES = {"PORT", "K_SERVICE", "FIRESTORE_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT"}
# Values for the ${…} placeholders of the Cloud Run YAMLs (deploy.sh fills them).
PLACEHOLDERS = {"PROJECT_ID": "demo-project", "FIREBASE_PROJECT_ID": "demo-project", "CHARGEBEE_SITE": "acme-test"}


def run_name(name: str) -> str:
    """The Cloud Run service name of a process (no underscores there)."""
    return name.replace("_", "-")


def cloud_run_url(name: str) -> str:
    """The placeholder the YAMLs hold for a service's URL."""
    return f"https://{run_name(name)}-<hash>-<region>.a.run.app"


def callers(process: ServiceProcess) -> bool:
    return bool(process.links) or process is ORCHESTRATOR


def settings_class(process: ServiceProcess) -> type[BaseSettings]:
    cls: type[BaseSettings] = importlib.import_module(f"{process.module}.settings").Settings
    return cls


def has_database(process: ServiceProcess) -> bool:
    return "database_url" in settings_class(process).model_fields


def variable_names(process: ServiceProcess) -> set[str]:
    """Every environment variable the process's settings read: prefix + field, and aliases."""
    names = set()
    for field_name, field in settings_class(process).model_fields.items():
        names.add(f"{process.env_prefix}{field_name}".upper())
        if isinstance(field.validation_alias, AliasChoices):
            names |= {c.upper() for c in field.validation_alias.choices if isinstance(c, str)}
    return names


def secret_fields(process: ServiceProcess) -> set[str]:
    fields = settings_class(process).model_fields.items()
    return {f"{process.env_prefix}{name}".upper() for name, f in fields if SecretStr in _types(f.annotation)}


def _types(annotation: Any) -> tuple[Any, ...]:
    return (annotation, *getattr(annotation, "__args__", ()))


def load_yaml(path: Path) -> Any:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text())


Validate = Callable[[ServiceProcess, dict[str, str]], BaseSettings]


@pytest.fixture
def validate(monkeypatch: pytest.MonkeyPatch) -> Validate:
    """`validate(process, env)`: the process's settings built from exactly `env` (no .env file)."""

    def check(process: ServiceProcess, env: dict[str, str]) -> BaseSettings:
        with monkeypatch.context() as patch:
            for key in list(os.environ):
                if key.startswith(process.env_prefix) or key in variable_names(process) | PLATFORM_VARIABLES:
                    patch.delenv(key)
            for key, value in env.items():
                patch.setenv(key, value)
            return settings_class(process)(_env_file=None)

    return check


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


def package_of(module: str) -> str:
    """The uv workspace member that holds `module`: the name in the nearest pyproject.toml above it."""
    path = Path(str(importlib.import_module(module).__file__))
    pyproject = next(p / "pyproject.toml" for p in path.parents if (p / "pyproject.toml").is_file())
    name: str = tomllib.loads(pyproject.read_text())["project"]["name"]
    return name


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


def test_compose_checks_the_health_of_every_process_and_waits_for_what_it_calls() -> None:
    services = compose_services()
    for process in PROCESSES:
        service = services[process.name]
        assert "http://127.0.0.1:8080/health" in " ".join(service["healthcheck"]["test"])
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
    assert orchestrator["ORCH_MCP_ALLOWED_HOSTS"] == '["*"]'


def test_compose_runs_the_orchestrator_on_redis_and_publishes_it_on_8080() -> None:
    services = compose_services()
    orchestrator = services["orchestrator"]
    assert compose_env(orchestrator)["ORCH_STATE_BACKEND"] == "redis"
    assert compose_env(orchestrator)["ORCH_REDIS_URL"].startswith("redis://redis:6379")
    assert orchestrator["depends_on"]["redis"]["condition"] == "service_healthy"
    assert any(compose_env({"environment": {"p": p}})["p"] == "8080:8080" for p in orchestrator["ports"])
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


# ---------------------------------------------------------------- deploy/cloudrun/<name>.yaml


def knative(process: ServiceProcess) -> dict[str, Any]:
    service: dict[str, Any] = load_yaml(CLOUDRUN / f"{process.name}.yaml")
    return service


def container(service: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = service["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def plain_env(service: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: str(e["value"]) for e in container(service)["env"] if "value" in e}


def secret_env(service: dict[str, Any]) -> dict[str, str]:
    """Variable → Secret Manager secret, for `valueFrom.secretKeyRef` entries."""
    return {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container(service)["env"] if "valueFrom" in e}


def filled(value: str) -> str:
    return re.sub(r"\$\{([A-Z_]+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "placeholder"), value)


def sample_secret(variable: str) -> str:
    if variable.endswith("DATABASE_URL"):
        return "postgresql+asyncpg://app:pw@/db?host=/cloudsql/demo-project:europe-west1:food"
    if variable.endswith("REDIS_URL"):
        return "redis://10.0.0.3:6379/0"
    return "{}" if variable == "ORCH_MCP_API_KEYS" else "secret-value"


def test_every_process_has_a_cloud_run_service_yaml() -> None:
    for process in PROCESSES:
        service = knative(process)
        assert (service["apiVersion"], service["kind"]) == ("serving.knative.dev/v1", "Service")
        assert service["metadata"]["name"] == run_name(process.name)
        assert container(service)["image"].endswith(f"/mcp-{process.name}:${{TAG}}")
        assert container(service)["ports"] == [{"name": "http1", "containerPort": 8080}]


def test_only_the_orchestrator_is_reachable_from_outside() -> None:
    for process in PROCESSES:
        ingress = knative(process)["metadata"]["annotations"]["run.googleapis.com/ingress"]
        expected = {"all"} if process is ORCHESTRATOR else {"internal", "internal-and-cloud-load-balancing"}
        assert ingress in expected, process.name
        assert plain_env(knative(process))[f"{process.env_prefix}{_allowed_hosts(process)}"] == '["*"]'


def _allowed_hosts(process: ServiceProcess) -> str:
    return "MCP_ALLOWED_HOSTS" if process is ORCHESTRATOR else "ALLOWED_HOSTS"


def test_callers_send_id_tokens_through_the_vpc_to_the_placeholder_urls() -> None:
    for process in PROCESSES:
        service = knative(process)
        env, annotations = plain_env(service), service["spec"]["template"]["metadata"]["annotations"]
        for setting, target in process.links:
            assert env[f"{process.env_prefix}{setting}"] == cloud_run_url(target)
        if callers(process):
            assert env[f"{process.env_prefix}SERVICE_AUTH"] == "id-token"
            assert annotations["run.googleapis.com/vpc-access-egress"] == "all-traffic"
            assert "run.googleapis.com/network-interfaces" in annotations
    services = json.loads(plain_env(knative(ORCHESTRATOR))["ORCH_SERVICES"])
    assert services == {s.name: cloud_run_url(s.name) for s in DEFAULT_SERVICES}


def test_the_orchestrator_uses_firestore_and_the_gemma_model_of_the_docs() -> None:
    env = plain_env(knative(ORCHESTRATOR))
    assert env["ORCH_STATE_BACKEND"] == "firestore"
    provider, model = env["ORCH_LLM"].split(":", 1)
    assert provider == "vertex" and "gemma" in model
    assert f"`vertex:{model}`" in (ROOT / "docs" / "llm.md").read_text()
    assert f"LLM=${{LLM:-{env['ORCH_LLM']}}}" in DEPLOY_SH.read_text()


def test_secrets_come_from_secret_manager_only() -> None:
    for process in PROCESSES:
        service = knative(process)
        assert secret_fields(process) & set(plain_env(service)) == set(), process.name
        assert "PORT" not in plain_env(service) | secret_env(service)  # Cloud Run sets it
        if has_database(process):
            assert f"{process.env_prefix}DATABASE_URL" in secret_env(service)


def test_every_cloud_run_variable_is_a_valid_setting(validate: Validate) -> None:
    for process in PROCESSES:
        service = knative(process)
        env = {k: filled(v) for k, v in plain_env(service).items()}
        env |= {k: sample_secret(k) for k in secret_env(service)}
        assert set(env) - variable_names(process) - PLATFORM_VARIABLES == set(), process.name
        validate(process, env)


# ---------------------------------------------------------------- deploy/cloudrun/deploy.sh


def deploy_sh_rows() -> list[list[str]]:
    """The PROCESSES lines of deploy.sh, split into their columns."""
    match = re.search(r"^PROCESSES=\(\n(.*?)^\)", DEPLOY_SH.read_text(), re.M | re.S)
    assert match, "no PROCESSES=( … ) list in deploy.sh"
    lines = [line.strip() for line in match.group(1).splitlines()]
    return [shlex.split(line)[0].split() for line in lines if line and not line.startswith("#")]


def links_column(process: ServiceProcess) -> str:
    if process is ORCHESTRATOR:
        return "*"
    return ",".join(f"{setting}={target}" for setting, target in process.links) or "-"


def test_deploy_sh_lists_every_process_in_start_order() -> None:
    rows = deploy_sh_rows()
    assert [row[0] for row in rows] == [p.name for p in PROCESSES]
    for row in rows:
        process = BY_NAME[row[0]]
        package, module, prefix, database, links = row[1:6]
        assert (module, prefix, links) == (process.module, process.env_prefix, links_column(process))
        assert package == package_of(process.module)
        assert database == ("yes" if has_database(process) else "no")
        assert len(row) == 11, row


def test_deploy_sh_sizes_match_the_cloud_run_yamls() -> None:
    for row in deploy_sh_rows():
        memory, cpu, min_scale, max_scale, concurrency = row[6:]
        service = knative(BY_NAME[row[0]])
        template = service["spec"]["template"]
        assert container(service)["resources"]["limits"] == {"cpu": cpu, "memory": memory}
        assert template["metadata"]["annotations"]["autoscaling.knative.dev/minScale"] == min_scale
        assert template["metadata"]["annotations"]["autoscaling.knative.dev/maxScale"] == max_scale
        assert template["metadata"]["annotations"]["run.googleapis.com/startup-cpu-boost"] == "true"
        assert str(template["spec"]["containerConcurrency"]) == concurrency
        account = f"mcp-{run_name(row[0])}@${{PROJECT_ID}}.iam.gserviceaccount.com"
        assert template["spec"]["serviceAccountName"] == account


def test_deploy_sh_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(DEPLOY_SH)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", str(DEPLOY_SH)], check=True)


@pytest.fixture
def dry_run(tmp_path: Path) -> str:
    """What `DRY_RUN=1 deploy.sh setup deploy` prints, with a gcloud that finds nothing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gcloud").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "gcloud").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "DRY_RUN": "1", "PROJECT": "demo-project"}
    env |= {"REGION": "europe-west1", "TAG": "t1", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", str(DEPLOY_SH), "setup", "deploy"], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stderr


def test_deploy_sh_deploys_services_private_and_lets_only_their_callers_invoke_them(dry_run: str) -> None:
    deploys = re.findall(r"^\+ gcloud .* run deploy (\S+) (.*)$", dry_run, re.M)
    assert [name for name, _ in deploys] == [run_name(p.name) for p in PROCESSES]
    for name, flags in deploys:
        if name == "orchestrator":
            assert "--ingress=all" in flags and "--allow-unauthenticated" in flags
        else:
            assert "--ingress=internal" in flags and "--no-allow-unauthenticated" in flags
    grant = r"run services add-iam-policy-binding (\S+) .*--member=serviceAccount:mcp-([a-z-]+)@"
    grants = set(re.findall(grant, dry_run))
    expected = {(run_name(t), run_name(p.name)) for p in DEFAULT_SERVICES for _, t in p.links}
    expected |= {(run_name(s.name), "orchestrator") for s in DEFAULT_SERVICES}
    assert grants == expected


def test_deploy_sh_gives_every_process_valid_settings(dry_run: str, validate: Validate) -> None:
    envs: dict[str, dict[str, str]] = {}
    for name, key, value in re.findall(r"^ +(\S+) env: ([A-Z0-9_]+): '(.*)'$", dry_run, re.M):
        envs.setdefault(name, {})[key] = value.replace("''", "'")
    for process in PROCESSES:
        env = envs[run_name(process.name)]
        assert set(env) - variable_names(process) - PLATFORM_VARIABLES == set(), process.name
        validate(process, env)
    services = json.loads(envs["orchestrator"]["ORCH_SERVICES"])
    assert services == {s.name: cloud_run_url(s.name) for s in DEFAULT_SERVICES}


# --- deploy/venv_layer.py: the workspace's layer of an image ------------------------------------------


def venv_layer(*args: str | Path) -> subprocess.CompletedProcess[str]:
    script = ROOT / "deploy" / "venv_layer.py"
    return subprocess.run(["python3", str(script), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_the_workspace_layer_holds_what_was_added_or_changed_and_only_that(tmp_path: Path) -> None:
    venv, out, listing = tmp_path / "venv", tmp_path / "code", tmp_path / "deps.json"
    (venv / "lib" / "dep").mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "lib" / "dep" / "kept.py").write_text("kept = 1\n")
    (venv / "lib" / "dep" / "edited.py").write_text("edited = 1\n")
    (venv / "bin" / "tool").write_text("#!/bin/sh\n")
    (venv / "bin" / "python").symlink_to("/usr/bin/python3")
    assert venv_layer("snapshot", venv, listing).returncode == 0

    os.utime(venv / "lib" / "dep" / "kept.py", (0, 0))  # touched, same content: not the workspace's
    (venv / "lib" / "dep" / "edited.py").write_text("edited = 2\n")
    (venv / "bin" / "tool").chmod(0o755)
    (venv / "lib" / "app").mkdir()
    (venv / "lib" / "app" / "__init__.py").write_text("app = 1\n")
    (venv / "bin" / "app").symlink_to("../lib/app")
    split = venv_layer("split", venv, listing, out)

    assert split.returncode == 0, split.stderr
    copied = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir() or p.is_symlink())
    assert copied == ["bin/app", "bin/tool", "lib/app/__init__.py", "lib/dep/edited.py"]
    assert (out / "bin" / "app").is_symlink() and os.readlink(out / "bin" / "app") == "../lib/app"
    assert (out / "lib" / "dep" / "edited.py").read_text() == "edited = 2\n"
    assert (out / "bin" / "tool").stat().st_mode & 0o111


def test_a_dependency_file_removed_by_the_workspace_install_fails_the_build(tmp_path: Path) -> None:
    venv, listing = tmp_path / "venv", tmp_path / "deps.json"
    (venv / "lib").mkdir(parents=True)
    (venv / "lib" / "old.py").write_text("old = 1\n")
    assert venv_layer("snapshot", venv, listing).returncode == 0
    (venv / "lib" / "old.py").unlink()

    split = venv_layer("split", venv, listing, tmp_path / "code")

    assert split.returncode == 1 and "lib/old.py" in split.stderr
    assert venv_layer("nonsense").returncode == 2
