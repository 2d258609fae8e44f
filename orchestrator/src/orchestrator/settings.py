"""Orchestrator settings: every field is an environment variable with the `ORCH_` prefix."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Literal

from limits import parse_many
from pydantic import AliasChoices, BaseModel, EmailStr, Field, SecretStr, StringConstraints, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mcp_common.assertions import CallerKeys
from mcp_common.auth import ServiceAuth
from mcp_common.telemetry import TracingSettings
from orchestrator.channels.config import ChannelSettings
from orchestrator.security.config import OidcIssuer, TenantPolicy
from orchestrator.tools.mcp_config import SERVER_NAME, McpServerConfig


class McpKey(BaseModel):
    """Who a `/mcp` bearer token stands for."""

    email: EmailStr
    allowed_tools: list[str] | None = Field(
        default=None, description="Patterns this caller may use; unset: the deployment's `ORCH_ALLOWED_TOOLS`."
    )


class Settings(BaseSettings, TracingSettings, ChannelSettings):
    """Configuration of one orchestrator instance (see `.env.example`)."""

    # Errors never echo the input: it holds every secret (auth tokens, webhook secrets, caller keys).
    model_config = SettingsConfigDict(
        env_prefix="ORCH_", env_file=".env", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    mode: Literal["development", "production"] = Field(
        default="development",
        description="`development`: the body's email names the user (no authentication), loopback only, announced "
        "at start-up and in /health; refused on Cloud Run unless `ORCH_ALLOW_DEVELOPMENT_MODE=true`. `production`: "
        "every entry point authenticates its caller (docs/security.md).",
    )
    allow_development_mode: bool = Field(
        default=False,
        description="Let development mode start on Cloud Run (`K_SERVICE` set) or on a non-loopback interface.",
    )
    oidc_issuers: list[OidcIssuer] = Field(
        default_factory=list,
        description="Identity providers whose ID tokens (`Authorization: Bearer <JWT>`) name callers, as a JSON "
        'list of `{"issuer", "audience", "jwks_url", "tenant_claim", "tenant", "email_claim"}`.',
    )
    firebase_project_id: str | None = Field(
        default=None,
        description="Accept Firebase Authentication / Identity Platform ID tokens of this project (an OIDC issuer "
        "`https://securetoken.google.com/<project>`, tenant from `firebase.tenant`).",
    )
    firebase_auth_emulator_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ORCH_FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"),
        description="Also accept the (unsigned) ID tokens of the Firebase Auth emulator at this host:port; for "
        "tests only, refused on Cloud Run.",
    )
    jwt_leeway_s: float = Field(default=30.0, ge=0, le=300, description="Clock skew allowed on exp, nbf and iat.")
    jwks_refresh_min_s: float = Field(
        default=30.0, ge=1, description="An unknown key id re-reads an issuer's keys at most this often."
    )
    api_key_cache_s: float = Field(
        default=10.0, ge=0, description="How long API keys are cached in memory: a revoked key works at most this long."
    )
    tenants: dict[str, TenantPolicy] = Field(
        default_factory=dict,
        description='Per-tenant policy as a JSON object: tenant → `{"allowed_tools": [...], "rate_limit_user": '
        '"…", "rate_limit_tenant": "…"}`.',
    )
    operators: list[EmailStr] = Field(
        default_factory=list, description="Authenticated users who may read /health's topology in production."
    )
    metrics: Literal["auto", "on", "off", "operators"] = Field(
        default="auto",
        description="GET /metrics (Prometheus text): `on` for whoever reaches the orchestrator, `operators` only for "
        "authenticated ORCH_OPERATORS, `off` no metrics; `auto`: `on` in development, `operators` in production.",
    )
    host: str = Field(default="127.0.0.1", description="Interface to listen on (0.0.0.0 in containers).")
    port: int = Field(
        default=8080,
        validation_alias=AliasChoices("PORT", "ORCH_PORT"),
        description="TCP port; `PORT` (set by Cloud Run) wins over `ORCH_PORT`.",
    )
    workers: int | Literal["auto"] = Field(
        default=1,
        description="Server processes sharing the port; `auto`: one per CPU this process may run on. Each has its "
        "own in-process caches, breakers and counters; more than one needs a state backend processes share.",
    )
    services: dict[str, str] = Field(
        default_factory=lambda: {
            "chargebee": "http://127.0.0.1:8101",
            "hubspot": "http://127.0.0.1:8102",
            "menu": "http://127.0.0.1:8103",
            "customer_profile": "http://127.0.0.1:8104",
            "order": "http://127.0.0.1:8105",
            "tracking": "http://127.0.0.1:8106",
            "recommendations": "http://127.0.0.1:8107",
            "firebase": "http://127.0.0.1:8108",
        },
        description="MCP services as a JSON object: name → base URL. Their tools are discovered from "
        "`GET {url}/mcp/tools` and namespaced `name.tool`.",
    )
    mcp_servers: dict[Annotated[str, StringConstraints(pattern=SERVER_NAME)], McpServerConfig] = Field(
        default_factory=dict,
        description="Third-party MCP servers whose tools join the catalog, as a JSON object: name → "
        '`{"transport": "stdio", "command", "args", "env"}` or `{"transport": "http", "url", "headers"}`, '
        "each with optional `tools` (per tool: `examples`, `writes`, `identity_args`, `cache_ttl_s`, `defaults`, "
        "`enabled`). `${VAR}` in `env` and `headers` is read from the environment. See docs/mcp.md.",
    )
    mcp_connect_timeout_s: float = Field(
        default=15.0, gt=0, description="Time allowed to start or reach a third-party MCP server and handshake."
    )
    mcp_reconnect_max_s: float = Field(
        default=30.0, gt=0, description="Longest wait between reconnection attempts to a third-party MCP server."
    )
    mcp_ping_interval_s: float = Field(
        default=15.0, gt=0, description="How often an idle connection to a third-party MCP server is checked."
    )
    mcp_catalog_tools: Literal["none", "read", "all"] = Field(
        default="read",
        description="Which catalog tools the orchestrator's own `/mcp` offers besides `ask`: `none`, `read` "
        "(tools that only read) or `all`; always filtered by `ORCH_ALLOWED_TOOLS`, identity arguments bound "
        "to the caller.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"],
        description="Host headers accepted on every route (`host:port`, `host:*`, `host`, or `*` behind a trusted "
        "front end such as Cloud Run's), against DNS rebinding; another Host is answered 421. Unset: "
        "`ORCH_MCP_ALLOWED_HOSTS` if set, else loopback.",
    )
    mcp_allowed_hosts: list[str] | None = Field(
        default=None,
        description="Deprecated name of `ORCH_ALLOWED_HOSTS` (it once guarded `/mcp` only); used for every route "
        "when `ORCH_ALLOWED_HOSTS` is unset.",
    )
    mcp_api_keys: dict[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")], McpKey] = Field(
        default_factory=dict,
        description="Callers of `/mcp`, as a JSON object: SHA-256 hex digest of a bearer token → "
        '`{"email": …, "allowed_tools": [...]}`. When set, `/mcp` requires `Authorization: Bearer <token>`; '
        "when empty (development) the caller is named by the `X-User-Email` header, as `/query` trusts its "
        "`email` field.",
    )
    service_auth: ServiceAuth = Field(
        default="auto",
        description="Calls to the services carry a Google ID token for their URL (private Cloud Run services): "
        "`id-token`, `none`, or `auto` (when running on Cloud Run).",
    )
    caller_keys: CallerKeys = Field(
        default_factory=dict,
        description="Keys of caller assertions, JSON object key id → secret (32+ bytes), shared with the services: "
        "set, every call to a service carries `X-Caller-Assertion` signed for its caller (docs/security-services.md).",
    )
    caller_key_id: str | None = Field(
        default=None, description="Key id of ORCH_CALLER_KEYS used to sign (optional with a single key)."
    )
    tenant: str = Field(default="default", description="Tenant id that scopes every cache key.")
    state_backend: Literal["sqlite", "memory", "redis", "firestore"] = Field(
        default="sqlite",
        validation_alias=AliasChoices("ORCH_STATE_BACKEND", "STATE_BACKEND"),
        description="Shared (L1) store of caches and sessions: `sqlite` (embedded, one host), `memory` (one "
        "process), `redis` (`ORCH_REDIS_URL`) or `firestore` (`ORCH_FIRESTORE_PROJECT`). Instances of one "
        "deployment must share `redis` or `firestore`.",
    )
    state_path: str = Field(default="var/orchestrator-state.sqlite3", description="SQLite file for `sqlite`.")
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        description="Redis URL for `redis` (`redis://[:password@]host:port/db`, `rediss://` for TLS).",
    )
    firestore_project: str | None = Field(
        default=None, description="Google Cloud project of the Firestore database; unset uses the ADC project."
    )
    firestore_database: str = Field(default="(default)", description="Firestore database id.")
    state_prefix: str = Field(
        default="orch",
        pattern=r"^[A-Za-z0-9_-]{1,32}$",
        description="Prefix of Redis keys and Firestore collections, so deployments can share one store.",
    )
    state_timeout_s: float = Field(
        default=2.0, gt=0, description="Timeout of one call to the shared store (sessions; caches use the L1 timeout)."
    )
    answer_ttl_s: float = Field(default=60.0, ge=0, description="Upper bound on how long an answer is cached.")
    tool_cache: bool = Field(
        default=True,
        description="Cache read tools' results per user for their cache TTL; false: every read reaches its service.",
    )
    session_ttl_s: float = Field(
        default=24 * 3600, gt=0, description="How long an idle conversation (cart, pending confirmation) is kept."
    )
    l2_max_entries: int = Field(default=10_000, ge=1, description="Entries kept in the in-memory (L2) cache.")
    memory_store_max_entries: int = Field(
        default=10_000,
        ge=1,
        description="Entries the `memory` state backend holds at most; past it the least recently used are evicted "
        "(cached answers, tool results, generations and sessions alike).",
    )
    memory_store_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1, description="Bytes of keys and values the `memory` state backend holds at most."
    )
    l2_max_ttl_s: float = Field(default=30.0, ge=0, description="Upper bound on an L2 entry's lifetime.")
    l1_timeout_s: float = Field(default=0.5, gt=0, description="Timeout of each shared-cache (L1) call.")
    l1_breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive L1 failures after which the cache stops asking L1 for a while."
    )
    l1_breaker_cooldown_s: float = Field(
        default=5.0, gt=0, description="How long the cache serves from memory alone before trying L1 again."
    )
    invalidation_bound_s: float = Field(
        default=1.0,
        gt=0,
        description="How long another instance may still serve a user's cached reads after a write: users' "
        "cache generations are re-read from L1 at most this often.",
    )
    call_timeout_s: float = Field(default=3.0, gt=0, description="Timeout of one tool call attempt.")
    deadline_s: float = Field(default=8.0, gt=0, description="Overall deadline for all tool calls of a request.")
    budget_query_s: float = Field(
        default=10.0, gt=0, description="Time budget of one /query (and MCP `ask`), all stages."
    )
    budget_message_s: float = Field(default=10.0, gt=0, description="Time budget of one conversation turn, all stages.")
    budget_tool_call_s: float = Field(default=10.0, gt=0, description="Time budget of one MCP tool call, all stages.")
    retries: int = Field(default=2, ge=0, le=5, description="Extra attempts for read-only tools on retryable errors.")
    retry_backoff_s: float = Field(default=0.1, ge=0, description="First retry delay; doubles each attempt.")
    source_breaker_failures: int = Field(
        default=3,
        ge=1,
        description="Tool calls in a row that time out or find a source unavailable before its "
        "circuit opens: calls to it then fail at once (per instance, shared by all requests).",
    )
    source_breaker_cooldown_s: float = Field(
        default=1.5, gt=0, description="How long a source's circuit stays open before one trial call goes through."
    )
    source_max_concurrency: int = Field(
        default=32,
        ge=1,
        description="Calls in flight to one source at most (bulkhead); others wait for a slot "
        "until the request's deadline.",
    )
    catalog_refresh_s: float = Field(default=60.0, gt=0, description="How often tool catalogs are re-read.")
    max_connections: int = Field(default=100, ge=1, description="Size of the shared outbound HTTP pool.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed by CORS, as a JSON list. Empty: loopback origins (`http://localhost:*`, "
        "`http://127.0.0.1:*`) in development, none in production; `*` is refused in production.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body accepted, counted while it is read; a larger one is answered 413.",
    )
    api_docs: bool | None = Field(
        default=None, description="Serve /docs, /redoc and /openapi.json; unset: on in development, off in production."
    )
    rate_limit_user: str = Field(
        default="",
        description="Requests one user of a tenant may make, in the `limits` syntax (`60/minute`, "
        "`10/second;500/hour`); empty: no limit. Over it: 429 with Retry-After.",
    )
    rate_limit_key: str = Field(default="", description="Requests one API key may make (same syntax); empty: none.")
    rate_limit_tenant: str = Field(default="", description="Requests one tenant may make (same syntax); empty: none.")
    errors_as_http_status: bool = Field(
        default=False,
        description="Answer /query errors with their HTTP status (400, 502, …) instead of 200 with an error body.",
    )
    llm: str = Field(
        default="rules",
        validation_alias=AliasChoices("ORCH_LLM", "LLM"),
        description="Which model plans and writes answers: `rules` (embedded, no model), `vertex:<model>` "
        "(Vertex AI through google-genai, e.g. `vertex:gemma-4-26b-a4b-it-maas`) or `openai:<model>` "
        "(any OpenAI-compatible chat-completions endpoint at `ORCH_OPENAI_BASE_URL`).",
    )
    conversations: str = Field(
        default="food",
        description="The conversation plug-in behind POST /orchestrate: `food`, `none`, or `package.module:factory`. "
        "The process does not start when a flow names a tool its configured service does not offer.",
    )
    llm_synthesis: bool = Field(
        default=True, description="Let the model write the answer from the tool results (else templates)."
    )
    llm_intents: bool = Field(
        default=True, description="Let the model classify conversation messages and fill slots (else rules)."
    )
    vertex_project: str | None = Field(
        default=None, description="Google Cloud project for Vertex AI; unset uses the ADC project or API-key mode."
    )
    vertex_location: str = Field(default="global", description="Vertex AI location (`global` for serverless Gemma).")
    vertex_api_key: SecretStr | None = Field(
        default=None, description="Vertex AI API key (express mode) instead of Application Default Credentials."
    )
    vertex_base_url: str | None = Field(
        default=None, description="Override of the Vertex AI API base URL (private endpoints, tests)."
    )
    openai_base_url: str = Field(
        default="http://127.0.0.1:11434/v1",
        description="Base URL of the OpenAI-compatible API, up to and including `/v1` (default: local Ollama).",
    )
    openai_api_key: SecretStr | None = Field(default=None, description="Bearer key for the OpenAI-compatible API.")
    openai_google_auth: bool = Field(
        default=False,
        description="Authenticate OpenAI-compatible calls with a Google access token from Application Default "
        "Credentials (a Gemma endpoint deployed from Vertex AI Model Garden).",
    )
    llm_timeout_s: float = Field(default=15.0, gt=0, description="Timeout of one model call attempt.")
    llm_retries: int = Field(default=2, ge=0, le=5, description="Extra attempts on 429, 5xx and timeouts.")
    llm_retry_backoff_s: float = Field(default=0.5, ge=0, description="First retry delay; doubles each attempt.")
    llm_budget_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="A model call (retries included) takes at most this share of what is "
        "left of the request's budget; then the rules or templates answer.",
    )
    llm_min_attempt_s: float = Field(
        default=0.5, gt=0, description="A model attempt is not started with less time left for it than this."
    )
    llm_breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive failed model calls that open the circuit (rules take over)."
    )
    llm_breaker_cooldown_s: float = Field(
        default=30.0, gt=0, description="How long the circuit stays open before one trial call is let through."
    )
    llm_max_output_tokens: int = Field(default=1024, ge=64, le=8192, description="Output limit of one model call.")
    llm_max_prompt_tools: int = Field(
        default=12, ge=1, description="At most this many tools are described to the model, the best rule matches."
    )
    llm_result_budget_chars: int = Field(
        default=6000, ge=500, description="Tool results are truncated to this many characters in a prompt."
    )
    llm_plan_cache_ttl_s: float = Field(default=3600.0, ge=0, description="How long a model-made plan is reused.")
    prompts_dir: str | None = Field(
        default=None,
        description="Directory of the prompt files; unset uses the ones shipped in `orchestrator/prompts/`.",
    )
    allowed_tools: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Tools callers may use, as a JSON list of `service.tool` patterns (`*` wildcards), "
        'e.g. `["menu.*", "order.*"]`. Planned calls to any other tool are rejected.',
    )
    log_level: str = Field(default="INFO", description="Minimum log level.")
    log_file: str | None = Field(
        default=None, description="Also append the JSON log lines to this file (e.g. var/logs/orchestrator.jsonl)."
    )
    env: str = Field(default="local", description="Deployment environment name, used as a log label.")
    loki_url: str | None = Field(default=None, description="Grafana Loki base URL; unset disables Loki.")
    loki_token: SecretStr | None = Field(default=None, description="Bearer token for Loki, if required.")
    gcp_project: str | None = Field(default=None, description="Project id for Cloud Logging trace links.")

    @model_validator(mode="after")
    def _browser_surface(self) -> Settings:
        if "allowed_hosts" not in self.model_fields_set and self.mcp_allowed_hosts is not None:
            self.allowed_hosts = list(self.mcp_allowed_hosts)
        if self.mode == "production" and "*" in self.cors_origins:
            raise ValueError("ORCH_CORS_ORIGINS must list explicit origins in production, not *")
        for name in ("rate_limit_user", "rate_limit_key", "rate_limit_tenant"):
            if value := getattr(self, name):
                try:
                    parse_many(value)
                except ValueError as exc:
                    raise ValueError(f"ORCH_{name.upper()}={value!r}: {exc}") from None
        return self

    @model_validator(mode="after")
    def _workers(self) -> Settings:
        if isinstance(self.workers, int) and self.workers < 1:
            raise ValueError(f"ORCH_WORKERS={self.workers}: at least 1, or auto")
        if isinstance(self.workers, int) and self.workers > 1 and self.state_backend == "memory":
            raise ValueError(
                "ORCH_WORKERS>1 needs a state backend the processes share (sqlite, redis, firestore): "
                "with `memory` each process would hold its own sessions and caches"
            )
        return self

    def worker_count(self) -> int:
        """How many server processes to run (`auto`: the CPUs this process may use; one with `memory`)."""
        if isinstance(self.workers, int):
            return self.workers
        return 1 if self.state_backend == "memory" else len(os.sched_getaffinity(0))

    @model_validator(mode="after")
    def _distinct_source_names(self) -> Settings:
        clash = sorted(set(self.services) & set(self.mcp_servers))
        if clash:
            raise ValueError(f"names used both in ORCH_SERVICES and ORCH_MCP_SERVERS: {', '.join(clash)}")
        return self


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment and `.env`."""
    return Settings()
