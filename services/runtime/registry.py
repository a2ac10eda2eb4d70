"""The mesh's service table: every service's name, default port and gRPC services.

The launcher, the Envoy config, the inter-service clients, the mesh health check and the
docker-compose check all read this one table, so a port is written down exactly once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from services.runtime import method_policy

GATEWAY_PORT = 8000
ENVOY_ADMIN_PORT = 9901
# The mcp service's Model Context Protocol endpoint (streamable HTTP), besides its gRPC port.
# Every port of a mesh lies in [8000, 8066) plus Envoy's admin port (metrics are each
# service's port + 50), so meshes at port offsets 100 apart never collide.
MCP_HTTP_PORT = 8016


@dataclass(frozen=True)
class ServiceSpec:
    """One service of the mesh."""

    # Short name, used in env vars, logs, the launcher and Envoy cluster names.
    name: str
    # The port the service listens on before TABLEMESH_PORT_OFFSET is added.
    default_port: int
    # The fully qualified gRPC service names it implements (besides health/reflection).
    grpc_services: tuple[str, ...]
    # Whether it owns a PostgreSQL schema (and so has migrations).
    uses_database: bool = True
    # Whether its REST routes are the API under /api/v1 (in the OpenAPI document, with the
    # gateway's transcoder). False for the console: it serves files at the gateway's root,
    # on a route of its own after every API route (services/gateway/console_route.py).
    in_api: bool = True
    # Runs as one process, never TABLEMESH_WORKERS of them.
    single: bool = False

    @property
    def module(self) -> str:
        """The module whose `main()` runs the service."""
        return f"services.{self.name}.main"

    @property
    def port(self) -> int:
        return self.default_port + port_offset()

    @property
    def address(self) -> str:
        """host:port other services dial; TABLEMESH_<NAME>_ADDR overrides it."""
        override = os.environ.get(f"TABLEMESH_{self.name.upper()}_ADDR")
        return override or f"127.0.0.1:{self.port}"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("mcp", 8001, ("tablemesh.mcp.v1.McpService",), uses_database=False),
    ServiceSpec("airtable", 8002, ("tablemesh.airtable.v1.AirtableService",)),
    ServiceSpec("llm", 8003, ("tablemesh.llm.v1.LlmService",)),
    # The embedded language model: one process whatever TABLEMESH_WORKERS says (one copy
    # of the weights, one inference at a time).
    ServiceSpec("model", 8004, ("tablemesh.model.v1.ModelService",), False, single=True),
    ServiceSpec(
        "console", 8005, ("tablemesh.console.v1.ConsoleService",), uses_database=False, in_api=False
    ),
    ServiceSpec(
        "automation",
        8006,
        ("tablemesh.automation.v1.WorkflowsService", "tablemesh.automation.v1.FilesService"),
    ),
    ServiceSpec(
        "platform",
        8007,
        ("tablemesh.platform.v1.PlatformService", "tablemesh.platform.v1.AnalyticsService"),
    ),
    ServiceSpec("saga", 8008, ("tablemesh.saga.v1.SagaService",)),
    ServiceSpec("auth", 8009, ("tablemesh.auth.v1.AuthService",)),
    ServiceSpec("users", 8010, ("tablemesh.users.v1.UsersService",)),
    ServiceSpec("workspaces", 8011, ("tablemesh.workspaces.v1.WorkspacesService",)),
    ServiceSpec("permissions", 8012, ("tablemesh.permissions.v1.PermissionsService",)),
    ServiceSpec("notifications", 8013, ("tablemesh.notifications.v1.NotificationsService",)),
    ServiceSpec("webhooks", 8014, ("tablemesh.webhooks.v1.WebhooksService",)),
    ServiceSpec("audit", 8015, ("tablemesh.audit.v1.AuditService",)),
)

BY_NAME = {spec.name: spec for spec in SERVICES}


def running(llm_provider: str) -> tuple[ServiceSpec, ...]:
    """The services a mesh runs: the model service only while it is the model provider
    (another provider needs neither its gigabyte of weights nor the CPU they take)."""
    return tuple(s for s in SERVICES if s.name != "model" or llm_provider == "local")


def api_services() -> list[str]:
    """The gRPC services whose REST routes are the API (transcoded under /api/v1)."""
    return [svc for spec in SERVICES if spec.in_api for svc in spec.grpc_services]


# Method prefixes that are public on every service: health checks and reflection.
PUBLIC_PREFIXES: tuple[str, ...] = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.",
    "/opentelemetry.proto.collector.",
)

# Methods too frequent or too internal to trace and access-log: health probes (Envoy asks
# every few seconds) and span export (tracing it would trace the tracing, forever).
QUIET_PREFIXES: tuple[str, ...] = ("/grpc.health.v1.Health/", "/opentelemetry.proto.collector.")


def is_public(method: str) -> bool:
    """Whether a service answers the method without an access token: health, reflection,
    and what the contract declares public or tokenless (services.runtime.method_policy)."""
    return method.startswith(PUBLIC_PREFIXES) or not method_policy.of(method).token_required


def port_offset() -> int:
    """TABLEMESH_PORT_OFFSET shifts every port, so a test mesh can run beside a dev mesh."""
    from services.runtime.config import settings

    return settings().port_offset


def gateway_port() -> int:
    return GATEWAY_PORT + port_offset()


def mcp_http_port() -> int:
    return MCP_HTTP_PORT + port_offset()


def envoy_admin_port() -> int:
    return ENVOY_ADMIN_PORT + port_offset()


def spec(name: str) -> ServiceSpec:
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise KeyError(f"unknown service {name!r}; known services: {known}") from None
