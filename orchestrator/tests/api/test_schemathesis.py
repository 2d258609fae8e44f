"""The orchestrator's OpenAPI describes every answer it gives, in both error modes: schemathesis
(`--checks all`) finds nothing, with the eight services behind it on loopback (see `openapi_fuzz`).

With errors as 200 (the default) an invalid body is answered 200 with the error envelope, as the API
documents: `negative_data_rejection` (a status ≥ 400 for invalid data) is left to the run with
`ORCH_ERRORS_AS_HTTP_STATUS=true`, which refuses the same bodies with 400 through the same handlers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from openapi_fuzz import all_services, fuzz

from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings


@pytest.fixture(scope="module")
def orchestrators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One orchestrator per error mode, on the same services."""
    with all_services(tmp_path_factory.mktemp("data")) as services, ExitStack() as stack:
        yield {
            f"errors_as_http_status={mode}": stack.enter_context(
                serve(create_app(Settings(services=services, state_backend="memory", errors_as_http_status=mode)))
            )
            for mode in (False, True)
        }


def test_schemathesis_finds_no_failure_in_either_error_mode(orchestrators: dict[str, str], tmp_path: Path) -> None:
    runs = fuzz(orchestrators, tmp_path, exclude={"errors_as_http_status=False": ["negative_data_rejection"]})

    failed = [run for run in runs if run.returncode != 0]
    assert not failed, "\n\n".join(run.report() for run in failed)
    for run in runs:
        assert run.tested >= 3, run.report()  # /query, /orchestrate, /health (and the probes)
