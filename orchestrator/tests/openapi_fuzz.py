"""Schemathesis over real HTTP: the `schemathesis run` a user runs, against apps served on loopback.

Each app's own OpenAPI is the contract: `--checks all` sends valid and invalid requests and fails on a
5xx, an undocumented status, a body that does not match its documented schema, an invalid request
accepted, a valid one refused, a wrong method not answered 405 with `Allow`, … `OPENAPI_FUZZ_EXAMPLES`
sets the examples per operation (15 by default, as CI runs it; 50 for the full run) and
`OPENAPI_FUZZ_SEED` the seed (fixed, so a failure in CI reproduces). Runs load `schemathesis_hooks.py`
(two rules of the orchestrator's request bodies its schemas do not state). The full run:

    OPENAPI_FUZZ_EXAMPLES=50 uv run --frozen pytest -q orchestrator/tests/api/test_schemathesis.py \
        mcp-servers/common/tests/test_services_openapi_fuzz.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from customer_profile_service.app import create_app as profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from firebase_service.app import create_app as firebase_app
from firebase_service.settings import Settings as FirebaseSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_devtools.testing import serve
from menu_service.app import create_app as menu_app
from menu_service.settings import Settings as MenuSettings
from order_service.app import create_app as order_app
from order_service.settings import Settings as OrderSettings
from recommendations_service.app import create_app as recommendations_app
from recommendations_service.settings import Settings as RecommendationsSettings
from tracking_service.app import create_app as tracking_app
from tracking_service.settings import Settings as TrackingSettings

EXAMPLES = int(os.environ.get("OPENAPI_FUZZ_EXAMPLES", "15"))
SEED = os.environ.get("OPENAPI_FUZZ_SEED", "20261207")
TIMEOUT_S = 110.0
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")


@dataclass(frozen=True)
class FuzzRun:
    """One `schemathesis run`: what it was run on, its exit code and its output."""

    name: str
    argv: list[str]
    returncode: int
    output: str

    @property
    def tested(self) -> int:
        """How many operations the run tested."""
        found = re.search(r"Tested: (\d+)", self.output)
        return int(found.group(1)) if found else 0

    def summary(self) -> str:
        """The run's SUMMARY section (operations, phases, failures, test cases), or its whole output."""
        _, found, rest = self.output.partition(" SUMMARY ")
        return rest if found else self.output

    def report(self) -> str:
        """The command, its exit code, and its failures (each with a `curl` reproducing it) or its summary."""
        _, found, failures = self.output.partition(" FAILURES ")
        return (
            f"{self.name}: {' '.join(self.argv[2:])} → exit {self.returncode}\n{failures if found else self.summary()}"
        )


def schemathesis_argv(base_url: str, *, exclude: Sequence[str] = ()) -> list[str]:
    """The command line of one run: every check, `EXAMPLES` per operation, the fixed seed."""
    argv = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json", "--checks", "all"]
    if exclude:
        argv += ["--exclude-checks", ",".join(exclude)]
    return [*argv, "--max-examples", str(EXAMPLES), "--seed", SEED, "--request-timeout", "10"]


def fuzz(apps: dict[str, str], workdir: Path, *, exclude: Mapping[str, Sequence[str]] | None = None) -> list[FuzzRun]:
    """`schemathesis run` on each app (name → base URL) at once, leaving out the checks `exclude` names for it;
    each run in its own directory under `workdir` (schemathesis keeps a cache where it runs), without the
    caller's `schemathesis.toml`."""
    env = os.environ | {"NO_COLOR": "1", "COLUMNS": "120", "SCHEMATHESIS_HOOKS": str(HOOKS)}
    started = {}
    for name, url in apps.items():
        cwd = workdir / name
        cwd.mkdir(parents=True, exist_ok=True)
        argv = schemathesis_argv(url, exclude=(exclude or {}).get(name, ()))
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started[name] = (argv, process)
    runs = []
    for name, (argv, process) in started.items():
        try:
            output, _ = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        runs.append(FuzzRun(name, argv, process.returncode, output))
    return runs


@contextmanager
def all_services(data: Path) -> Iterator[dict[str, str]]:
    """The eight services with their demo data (SQLite files in `data`) on loopback, in development mode (no
    caller keys: `context.caller` is believed), each calling its peers over HTTP."""

    def db(name: str) -> str:
        return f"sqlite+aiosqlite:///{data / name}.db"

    with ExitStack() as stack:
        urls = {
            "chargebee": stack.enter_context(serve(billing_app(BillingSettings()))),
            "hubspot": stack.enter_context(serve(crm_app(CrmSettings()))),
            "firebase": stack.enter_context(serve(firebase_app(FirebaseSettings()))),
            "menu": stack.enter_context(serve(menu_app(MenuSettings(database_url=db("menu"))))),
            "customer_profile": stack.enter_context(serve(profile_app(ProfileSettings(database_url=db("profile"))))),
        }
        menu, profile = urls["menu"], urls["customer_profile"]
        order = OrderSettings(database_url=db("order"), menu_url=menu, customer_profile_url=profile)
        urls["order"] = stack.enter_context(serve(order_app(order)))
        tracking = TrackingSettings(database_url=db("tracking"), order_url=urls["order"])
        urls["tracking"] = stack.enter_context(serve(tracking_app(tracking)))
        recommendations = RecommendationsSettings(
            database_url=db("recommendations"), menu_url=menu, order_url=urls["order"], customer_profile_url=profile
        )
        urls["recommendations"] = stack.enter_context(serve(recommendations_app(recommendations)))
        yield urls
