"""Every service's OpenAPI describes every answer it gives: schemathesis (`--checks all`) finds nothing.

The eight services run on loopback as `create_service_app` builds them; each is fuzzed by the
`schemathesis run` command a user runs against `mcp-dev stack` (see `openapi_fuzz`).
"""

from __future__ import annotations

from pathlib import Path

from openapi_fuzz import all_services, fuzz


def test_schemathesis_finds_no_failure_on_any_service(tmp_path: Path) -> None:
    with all_services(tmp_path / "data") as services:
        runs = fuzz(services, tmp_path / "runs")

    assert len(runs) == 8
    failed = [run for run in runs if run.returncode != 0]
    assert not failed, "\n\n".join(run.report() for run in failed)
    for run in runs:
        assert run.tested >= 3, run.report()  # /health, /mcp/tools, /mcp/call (and the probes)
