"""The development tools stay out of the runtime: no runtime member depends on `mcp-devtools` (in its
manifest or through the lock), the images install no development dependency, and the test helpers,
emulator launchers and local stack live only in `mcp_devtools`. Likewise httpx is a development
dependency only: runtime code talks HTTP with aiohttp (docs/adr/0006-one-http-client.md)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mcp_devtools.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEVTOOLS = "mcp-devtools"
MOVED_MODULES = (
    "mcp_common.testing",
    "mcp_common.emulators",
    "mcp_common.postgres",
    "mcp_common.pytest_plugin",
    "orchestrator.stack",
)


def toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text())


def runtime_members() -> dict[str, Path]:
    """Every workspace member but the development tools, by distribution name."""
    members = [ROOT / m for m in toml(ROOT / "pyproject.toml")["tool"]["uv"]["workspace"]["members"]]
    named = {toml(m / "pyproject.toml")["project"]["name"]: m for m in members}
    assert DEVTOOLS in named
    return {name: path for name, path in named.items() if name != DEVTOOLS}


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def declared_requirements(manifest: dict[str, Any]) -> Iterator[str]:
    project = manifest.get("project", {})
    yield from project.get("dependencies", [])
    for extra in project.get("optional-dependencies", {}).values():
        yield from extra
    for group in manifest.get("dependency-groups", {}).values():
        yield from (r for r in group if isinstance(r, str))


def installed_without_dev(roots: set[str]) -> set[str]:
    """What `uv sync --no-dev --package <root>` installs, read from uv.lock: the dependencies and the
    requested extras, transitively, for every root."""
    packages: dict[str, list[dict[str, Any]]] = {}
    for package in toml(ROOT / "uv.lock")["package"]:
        packages.setdefault(package["name"], []).append(package)
    seen: set[str] = set()
    pending: list[tuple[str, tuple[str, ...]]] = [(root, ()) for root in roots]
    while pending:
        name, extras = pending.pop()
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for package in packages[name]:
            edges = list(package.get("dependencies", []))
            for extra in extras:
                edges += package.get("optional-dependencies", {}).get(extra, [])
            pending += [(edge["name"], tuple(edge.get("extra", []))) for edge in edges]
    return {key.split("[")[0] for key in seen}


def test_no_runtime_member_declares_the_devtools() -> None:
    for name, path in runtime_members().items():
        manifest = toml(path / "pyproject.toml")
        assert DEVTOOLS not in {requirement_name(r) for r in declared_requirements(manifest)}, name
        assert DEVTOOLS not in manifest.get("tool", {}).get("uv", {}).get("sources", {}), name


def test_no_runtime_member_reaches_the_devtools_or_pytest_through_the_lock() -> None:
    installed = installed_without_dev(set(runtime_members()))
    assert set(runtime_members()) <= installed
    assert DEVTOOLS not in installed
    assert "pytest" not in installed


def test_the_images_install_no_development_dependency() -> None:
    syncs = [line for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines() if "uv sync" in line]
    assert syncs
    assert all("--no-dev" in line and '--package "${PACKAGE}"' in line for line in syncs)


def test_the_workspace_installs_the_devtools_for_development() -> None:
    root = toml(ROOT / "pyproject.toml")
    assert DEVTOOLS in {requirement_name(r) for r in root["dependency-groups"]["dev"]}
    assert "-p mcp_devtools.pytest_plugin" in root["tool"]["pytest"]["ini_options"]["addopts"]


def test_the_runtime_sources_no_longer_hold_the_development_modules() -> None:
    for module in MOVED_MODULES:
        assert importlib.util.find_spec(module) is None, module
        assert importlib.util.find_spec(f"mcp_devtools.{module.rsplit('.', 1)[1]}") is not None
    assert not (ROOT / "orchestrator" / "src" / "orchestrator" / "stack.py").exists()
    common = ROOT / "mcp-servers" / "common" / "src" / "mcp_common"
    assert not {"testing.py", "emulators.py", "postgres.py", "pytest_plugin.py"} & {p.name for p in common.iterdir()}


def test_runtime_code_never_imports_the_devtools() -> None:
    for name, path in runtime_members().items():
        for source in (path / "src").rglob("*.py"):
            assert "mcp_devtools" not in source.read_text(), f"{name}: {source.relative_to(ROOT)}"


def test_mcp_dev_is_the_console_script_that_starts_the_stack() -> None:
    scripts = toml(ROOT / "devtools" / "pyproject.toml")["project"]["scripts"]
    assert scripts == {"mcp-dev": "mcp_devtools.cli:app"}
    result = CliRunner().invoke(app, ["stack", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
    assert "--log-dir" in result.output


def test_httpx_is_for_tests_only_and_reaches_the_runtime_only_through_firebase_admin() -> None:
    imports = re.compile(r"^\s*(import|from)\s+httpx\b", re.MULTILINE)
    for name, path in runtime_members().items():
        assert "httpx" not in {requirement_name(r) for r in declared_requirements(toml(path / "pyproject.toml"))}
        for source in (path / "src").rglob("*.py"):
            assert not imports.search(source.read_text()), f"{name}: {source.relative_to(ROOT)}"
    assert {name for name in runtime_members() if "httpx" in installed_without_dev({name})} == {"firebase-service"}
