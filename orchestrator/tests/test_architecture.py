"""The layout holds: small modules, no import cycle, the engine free of HTTP and of any domain,
private modules private, shared code free of services and development tools."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = sorted([ROOT / "orchestrator/src", *ROOT.glob("mcp-servers/*/src"), ROOT / "devtools/src"])
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    """Every first-party module by dotted name."""
    found: dict[str, Path] = {}
    for root in SOURCE_ROOTS:
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """First-party modules `name` imports (outside `if TYPE_CHECKING:` blocks), with the line."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if _is_type_checking(node) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node.lineno


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


GRAPH = {name: sorted({target for target, _ in _imports(name, path)}) for name, path in MODULES.items()}


def _importers_of(prefix: str) -> dict[str, list[str]]:
    return {
        name: [t for t in targets if t == prefix or t.startswith(prefix + ".")]
        for name, targets in GRAPH.items()
        if any(t == prefix or t.startswith(prefix + ".") for t in targets)
    }


def test_no_module_is_longer_than_400_lines() -> None:
    tests = [*ROOT.glob("*/tests/**/*.py"), *ROOT.glob("mcp-servers/*/tests/**/*.py")]
    scripts = [*ROOT.glob("bench/*.py"), *ROOT.glob("deploy/*.py")]
    long = {
        str(path.relative_to(ROOT)): n
        for path in [*MODULES.values(), *tests, *scripts]
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    assert cycles == []


def test_the_engine_does_not_know_http() -> None:
    """Only the app, the command line and `api/` itself import `orchestrator.api`."""
    importers = set(_importers_of("orchestrator.api"))
    outside = {m for m in importers if not m.startswith("orchestrator.api") and m not in ("orchestrator.app",)}
    assert outside == set()


def test_the_generic_core_knows_no_domain() -> None:
    """Conversation domains are plug-ins: nothing outside `orchestrator.domains` imports one."""
    outside = {
        m: t for m, t in _importers_of("orchestrator.domains").items() if not m.startswith("orchestrator.domains")
    }
    assert outside == {}


def test_private_modules_are_imported_only_beside_them() -> None:
    leaks = []
    for name, targets in GRAPH.items():
        for target in targets:
            package, _, leaf = target.rpartition(".")
            if leaf.startswith("_") and not leaf.startswith("__") and name.rpartition(".")[0] != package:
                leaks.append(f"{name} imports {target}")
    assert leaks == []


@pytest.mark.parametrize("package", ["mcp_common", "orchestrator"])
def test_runtime_packages_import_no_service_and_no_development_tool(package: str) -> None:
    services = {name.partition(".")[0] for name in MODULES if name.partition(".")[0].endswith("_service")}
    forbidden = {*services, "mcp_devtools"}
    if package == "mcp_common":
        forbidden.add("orchestrator")
    bad = {
        name: [t for t in targets if t.partition(".")[0] in forbidden]
        for name, targets in GRAPH.items()
        if name.partition(".")[0] == package and any(t.partition(".")[0] in forbidden for t in targets)
    }
    assert bad == {}


def test_the_checks_see_the_code() -> None:
    """The graph is read from the real tree: the engine imports the executor, the app the engine."""
    assert "orchestrator.execution.executor" in GRAPH["orchestrator.core.engine"]
    assert "orchestrator.core.engine" in GRAPH["orchestrator.app"]
    assert len(MODULES) > 150
