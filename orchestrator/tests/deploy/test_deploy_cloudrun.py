"""The Cloud Run files agree with the code: every process has a `deploy/cloudrun/<name>.yaml` and a row in
`deploy.sh`, only the orchestrator is public, secrets come from Secret Manager, every variable is a valid setting."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deploy_files import (
    BY_NAME,
    CLOUDRUN,
    DEPLOY_SH,
    ORCHESTRATOR,
    PLACEHOLDERS,
    PLATFORM_VARIABLES,
    PROCESSES,
    ROOT,
    Validate,
    callers,
    cloud_run_url,
    has_database,
    load_yaml,
    package_of,
    run_name,
    secret_fields,
    variable_names,
)

from mcp_common.readiness_routes import LIVE_PATH, READY_PATH
from mcp_devtools.stack import DEFAULT_SERVICES, ServiceProcess

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
    if variable.endswith("CALLER_KEYS"):  # a keyring whose signing kid is the sample of CALLER_KEY_ID
        return '{"secret-value": "0123456789abcdef0123456789abcdef"}'
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
        # Cloud Run's front end is trusted with the Host header (the orchestrator checks it on every route).
        assert plain_env(knative(process))[f"{process.env_prefix}ALLOWED_HOSTS"] == '["*"]'


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


def test_every_process_starts_on_readiness_and_is_restarted_on_liveness() -> None:
    for process in PROCESSES:
        startup, liveness = container(knative(process))["startupProbe"], container(knative(process))["livenessProbe"]
        assert startup["httpGet"] == {"path": READY_PATH, "port": 8080}, process.name
        assert liveness["httpGet"] == {"path": LIVE_PATH, "port": 8080}, process.name
        # A readiness round lasts at most its longest check (2 s, a vendor's): the probe waits for it.
        assert startup["timeoutSeconds"] > 2 and startup["periodSeconds"] * startup["failureThreshold"] >= 60
        # Liveness does no I/O: only a process stuck for several periods is restarted.
        assert liveness["timeoutSeconds"] <= liveness["periodSeconds"] and liveness["failureThreshold"] >= 3


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


def probe_flags(probe: dict[str, Any]) -> dict[str, str]:
    """A YAML probe as `gcloud run deploy --*-probe` keys: `httpGet.path`, `periodSeconds`, …"""
    flat = {f"httpGet.{k}": str(v) for k, v in probe["httpGet"].items()}
    return flat | {k: str(v) for k, v in probe.items() if k != "httpGet"}


def test_deploy_sh_gives_every_process_the_probes_of_its_yaml(dry_run: str) -> None:
    by_run_name = {run_name(p.name): p for p in PROCESSES}
    deploys = re.findall(r"^\+ gcloud .* run deploy (\S+) (.*)$", dry_run, re.M)
    assert len(deploys) == len(PROCESSES)
    for name, flags in deploys:
        wanted = container(knative(by_run_name[name]))
        for flag, kind in (("--startup-probe", "startupProbe"), ("--liveness-probe", "livenessProbe")):
            match = re.search(rf"{flag}=(\S+)", flags)
            assert match, (name, flag)
            given = dict(pair.split("=", 1) for pair in match[1].replace("\\,", ",").split(","))
            assert given == probe_flags(wanted[kind]), (name, flag)
