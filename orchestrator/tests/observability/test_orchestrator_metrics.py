"""The orchestrator's /metrics over real HTTP: a scripted mix of requests moves each counter by what it did.

chargebee and hubspot are served on loopback; the orchestrator allows 2 requests per user and minute. The mix:
a miss, the same question again (a memory hit), a question whose source fails (an unknown email: NOT_FOUND),
and a third request of the first user (rate limited).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from deploy_files import ROOT, load_yaml
from metrics_scrape import Key, exported_names, get_metrics, key, moved, samples

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_devtools.testing import serve
from orchestrator.api.metrics import access
from orchestrator.app import create_app
from orchestrator.core.record import log_decision
from orchestrator.core.requests import Message, Question
from orchestrator.core.results import Answer, AnswerTrace
from orchestrator.core.run import Run
from orchestrator.llm.base import LLMCall
from orchestrator.observability.metrics import ActiveSessions, OrchestratorMetrics
from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.security.caller import Caller
from orchestrator.settings import Settings
from orchestrator.state.sessions import Session

ADA, NOBODY = "ada@example.com", "nobody@example.com"
QUESTION = "what plan am I on?"


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    with serve(billing_app(BillingSettings())) as billing, serve(crm_app(CrmSettings())) as crm:
        yield {"chargebee": billing, "hubspot": crm}


@dataclass
class Mix:
    statuses: list[int]
    orchestrator: dict[Key, float]
    billing: dict[Key, float]
    text: str


def ask(url: str, email: str) -> int:
    return httpx.post(f"{url}/query", json={"query": QUESTION, "email": email}, timeout=10).status_code


@pytest.fixture(scope="module")
def mix(services: dict[str, str]) -> Iterator[Mix]:
    settings = Settings(_env_file=None, services=services, state_backend="memory", rate_limit_user="2/minute")
    with serve(create_app(settings)) as url:
        before, billing_before = samples(get_metrics(url)), samples(get_metrics(services["chargebee"]))
        statuses = [ask(url, ADA), ask(url, ADA), ask(url, NOBODY), ask(url, ADA)]
        text = get_metrics(url)
        billing_after = samples(get_metrics(services["chargebee"]))
        yield Mix(statuses, moved(before, samples(text)), moved(billing_before, billing_after), text)


def test_the_mix_is_a_miss_a_hit_a_failed_source_and_a_rate_limited_request(mix: Mix) -> None:
    assert mix.statuses == [200, 200, 200, 429]


def test_http_requests_are_counted_per_route_template_and_status(mix: Mix) -> None:
    http = {"service": "orchestrator", "route": "/query", "method": "POST"}
    assert mix.orchestrator[key("http_requests_total", **http, status="200")] == 3
    assert mix.orchestrator[key("http_requests_total", **http, status="429")] == 1
    assert mix.orchestrator[key("http_request_duration_seconds_count", **http)] == 4
    assert mix.orchestrator[key("http_requests_total", service="orchestrator", route="/metrics", method="GET",
                                status="200")] == 1  # fmt: skip


def test_requests_answer_cache_and_rate_limits_are_counted(mix: Mix) -> None:
    assert mix.orchestrator[key("orch_requests_total", kind="question", tenant="default")] == 3
    assert mix.orchestrator[key("orch_answer_cache_total", layer="miss")] == 2
    assert mix.orchestrator[key("orch_answer_cache_total", layer="memory")] == 1
    assert key("orch_answer_cache_total", layer="shared") not in mix.orchestrator
    assert mix.orchestrator[key("orch_rate_limited_total", scope="user")] == 1
    assert mix.orchestrator[key("orch_cache_lookups_total", layer="memory")] >= 1


def test_tool_calls_are_counted_by_outcome_and_timed(mix: Mix) -> None:
    call = {"service": "chargebee", "tool": "get_subscription"}
    assert mix.orchestrator[key("orch_tool_calls_total", **call, status="ok", error="", cached="false")] == 1
    assert mix.orchestrator[key("orch_tool_calls_total", **call, status="error", error="NOT_FOUND",
                                cached="false")] == 1  # fmt: skip
    assert mix.orchestrator[key("orch_tool_call_duration_seconds_count", **call)] == 2
    assert not [k for k in mix.orchestrator if k[0] == "orch_llm_calls_total"]  # no model configured


def test_the_service_counts_the_calls_it_served(mix: Mix) -> None:
    call = {"service": "chargebee", "route": "/mcp/call", "method": "POST"}
    assert mix.billing[key("http_requests_total", **call, status="200")] == 2  # the hit called nothing


def test_breakers_and_sessions_are_read_at_scrape_time(mix: Mix) -> None:
    now = samples(mix.text)
    assert now[key("orch_breaker_state", breaker="l1", state="closed")] == 1
    assert now[key("orch_breaker_state", breaker="l1", state="open")] == 0
    assert now[key("orch_active_sessions")] == 0


def test_no_label_holds_an_email_or_a_trace_id(mix: Mix) -> None:
    values = {value for _, labels in samples(mix.text) for _, value in labels}
    assert not [v for v in values if "@" in v or len(v) >= 32]


def run_of(request: Question | Message, caller: Caller, **fields: object) -> Run:
    run = Run(request, caller, kind="question" if isinstance(request, Question) else "message", trace_id="t" * 32,
              started=0.0)  # fmt: skip
    for name, value in fields.items():
        setattr(run, name, value)
    return run


def answer_of(fallbacks: list[str]) -> Answer:
    trace = AnswerTrace(planner="rules", synthesizer="templates", fallbacks=fallbacks)
    return Answer(answer="", sources=[], confidence=0.5, cached=False, timestamp=datetime.now(UTC),
                  trace_id="t" * 32, trace=trace)  # fmt: skip


def test_model_calls_tokens_fallbacks_and_unknown_tenants() -> None:
    metrics = OrchestratorMetrics(tenants={"default", "acme"}, session_ttl_s=60)
    calls = [LLMCall("plan", "m", "ok", 5.0, 1, 100, 20), LLMCall("synthesize", "m", "error", 5.0, 2, error="X")]
    caller = Caller(ADA, tenant="tenant-from-a-token-claim")
    metrics.observe(run_of(Question("q"), caller, llm_calls=calls), answer_of(["synthesize: timeout, templates used"]))
    metrics.observe(run_of(Question("q"), caller, cache_layer="in-flight"), answer_of(["plan: x, rules planner used"]))
    counts = samples(metrics.exposition().decode())
    assert counts[key("orch_llm_calls_total", purpose="plan", status="ok")] == 1
    assert counts[key("orch_llm_calls_total", purpose="synthesize", status="error")] == 1
    assert counts[key("orch_llm_tokens_total", purpose="plan", direction="in")] == 100
    assert counts[key("orch_llm_tokens_total", purpose="plan", direction="out")] == 20
    assert counts[key("orch_llm_fallbacks_total", stage="synthesize")] == 1
    assert key("orch_llm_fallbacks_total", stage="plan") not in counts  # a joined flight did none of the work
    assert counts[key("orch_requests_total", kind="question", tenant="other")] == 2
    assert counts[key("orch_answer_cache_total", layer="in-flight")] == 1


def test_the_decision_record_counts_requests_even_with_info_logging_off() -> None:
    metrics = OrchestratorMetrics(tenants={"default"}, session_ttl_s=60)
    decisions = logging.getLogger("orchestrator.decision")
    level = decisions.level
    decisions.setLevel(logging.WARNING)
    try:
        with metrics.active():
            run = run_of(Question("q"), Caller(ADA))
            log_decision(run, answer_of([]), catalog_version="v", model=None, prompt_versions={})
    finally:
        decisions.setLevel(level)
    assert samples(metrics.exposition().decode())[key("orch_requests_total", kind="question", tenant="default")] == 1


def test_an_open_breaker_and_its_opens_are_read_at_scrape_time() -> None:
    metrics = OrchestratorMetrics(tenants=(), session_ttl_s=60)
    model = CircuitBreaker(failures=2, cooldown_s=60)
    metrics.state.breakers = {"model": model}
    model.failure()
    model.failure()
    counts = samples(metrics.exposition().decode())
    assert counts[key("orch_breaker_state", breaker="model", state="open")] == 1
    assert counts[key("orch_breaker_state", breaker="model", state="closed")] == 0
    assert counts[key("orch_breaker_opens_total", breaker="model")] == 1


def test_active_sessions_are_those_touched_within_the_ttl_and_bounded() -> None:
    now = [0.0]
    sessions = ActiveSessions(60, limit=3, clock=lambda: now[0])
    for name in ("a", "b", "a"):
        sessions.touch(name)
    assert sessions.count() == 2
    now[0] = 30.0
    sessions.touch("c")
    now[0] = 61.0
    assert sessions.count() == 1  # a and b idle past the TTL
    for name in ("d", "e", "f", "g"):
        sessions.touch(name)
    assert sessions.count() == 3  # at most `limit` remembered


def test_a_conversation_turn_touches_its_session() -> None:
    metrics = OrchestratorMetrics(tenants={"default"}, session_ttl_s=60)
    now = datetime.now(UTC)
    session = Session(session_id="s1", tenant="default", user="h", channel="web", created_at=now, updated_at=now)
    metrics.observe(run_of(Message("hi", "web"), Caller(ADA), session=session), answer_of([]))
    assert samples(metrics.exposition().decode())[key("orch_active_sessions")] == 1


def test_metrics_access_by_setting_and_mode() -> None:
    assert access(Settings(_env_file=None)) == "on"
    assert access(Settings(_env_file=None, mode="production")) == "operators"
    assert access(Settings(_env_file=None, mode="production", metrics="on")) == "on"
    assert access(Settings(_env_file=None, metrics="off")) == "off"


def test_metrics_off_serves_no_metrics(services: dict[str, str]) -> None:
    settings = Settings(_env_file=None, services=services, state_backend="memory", metrics="off")
    with serve(create_app(settings)) as url:
        assert ask(url, ADA) == 200
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 404


# --- the dashboard and the alert rules ---------------------------------------------------------------------

ALERTS = ROOT / "deploy" / "observability" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "observability" / "grafana-dashboard.json"
METRIC = re.compile(r"\b((?:http|orch)_[a-z0-9_]+)\b")


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in panels(dashboard["panels"]) for target in panel.get("targets", [])]


def test_the_dashboard_and_the_alerts_use_only_metrics_the_apps_export(mix: Mix) -> None:
    exported = exported_names(mix.text)
    used = {name for expr in [r["expr"] for r in alert_rules()] + dashboard_queries() for name in METRIC.findall(expr)}
    assert sorted(used - exported) == []
    red = {"http_requests_total", "http_request_duration_seconds_bucket"}
    assert red | {"orch_breaker_state", "orch_llm_fallbacks_total", "orch_answer_cache_total"} <= used
    assert {"orch_tool_calls_total", "orch_rate_limited_total", "orch_llm_tokens_total"} <= used


def test_the_alerts_cover_red_breakers_fallbacks_and_the_cache() -> None:
    exprs = {rule["alert"]: rule["expr"] for rule in alert_rules()}
    assert all(rule["labels"]["severity"] and rule["annotations"]["summary"] for rule in alert_rules())
    assert 'status=~"5.."' in exprs["HttpErrorRatioHigh"]
    assert "histogram_quantile(0.95" in exprs["HttpLatencyP95High"]
    assert 'state="open"' in exprs["CircuitBreakerOpen"]
    assert "orch_llm_fallbacks_total" in exprs["ModelFallbackRateHigh"]
    assert "offset 1d" in exprs["AnswerCacheHitRatioDropped"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) is not installed")
def test_promtool_accepts_the_rules_and_every_dashboard_query(tmp_path: Path) -> None:
    checked = subprocess.run(["promtool", "check", "rules", str(ALERTS)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    queries = [q.replace("$__rate_interval", "5m").replace("$service", ".*") for q in dashboard_queries()]
    records = [{"record": f"dashboard:query_{n}", "expr": q} for n, q in enumerate(queries)]
    rules = tmp_path / "dashboard.rules.json"  # JSON is YAML: promtool reads it
    rules.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": records}]}))
    checked = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
