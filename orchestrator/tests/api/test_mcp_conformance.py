"""The official MCP conformance suite (`@modelcontextprotocol/conformance`, Node 22) against a service's
/mcp and the orchestrator's, with the known failures of tools/mcp-node/conformance-baseline.yml."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_devtools.emulators import McpNodeTools
from mcp_devtools.testing import serve
from menu_service.app import create_app as menu_app
from menu_service.settings import Settings as MenuSettings
from orchestrator.app import create_app
from orchestrator.settings import Settings

PASSING = {
    "server-initialize",
    "ping",
    "tools-list",
    "prompts-list",
    "resources-list",
    "dns-rebinding-protection",
}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("conformance")
    menu_settings = MenuSettings(database_url=f"sqlite+aiosqlite:///{base / 'menu.db'}")
    with serve(menu_app(menu_settings), timeout_s=30) as menu:
        settings = Settings(services={"menu": menu}, state_path=str(base / "state.sqlite3"))
        with serve(create_app(settings), timeout_s=30) as orchestrator:
            yield {"menu": f"{menu}/mcp", "orchestrator": f"{orchestrator}/mcp"}


@pytest.mark.parametrize("target", ["menu", "orchestrator"])
def test_the_conformance_suite_passes_but_for_the_documented_scenarios(
    target: str, targets: dict[str, str], mcp_node: McpNodeTools, tmp_path: Path
) -> None:
    baseline = mcp_node.directory / "conformance-baseline.yml"
    run = subprocess.run(
        [str(mcp_node.node), str(mcp_node.conformance), "server", "--url", targets[target],
         "--expected-failures", str(baseline), "-o", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    passed = {_scenario(path.parent.name) for path in _passing(tmp_path)}
    assert passed == PASSING


def _scenario(directory: str) -> str:
    """`server-tools-list-2026-11-21T19-09-20-123Z` → `tools-list` (the time stamp may hold "-20" anywhere)."""
    match = re.fullmatch(r"server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z", directory)
    assert match, directory
    return match.group(1)


def _passing(results: Path) -> list[Path]:
    return [
        path
        for path in results.glob("server-*/checks.json")
        if (checks := json.loads(path.read_text())) and all(check.get("status") == "SUCCESS" for check in checks)
    ]


@pytest.mark.parametrize(
    ("directory", "scenario"),
    [
        ("server-tools-list-2026-11-21T19-09-20-123Z", "tools-list"),
        ("server-server-initialize-2020-01-20T20-20-20-020Z", "server-initialize"),
        ("server-ping-2026-11-21T19-14-02-775Z", "ping"),
    ],
)
def test_result_directories_are_named_by_scenario_whatever_the_time(directory: str, scenario: str) -> None:
    assert _scenario(directory) == scenario
