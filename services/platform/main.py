"""Runs the platform service: `python -m services.platform.main`.

Besides PlatformService (mesh health) and AnalyticsService (the tenant's figures, fed by
the event bus and the services' API call counters, in the background) it serves
reflection for every service of the mesh as the gateway exposes it, internal methods
left out (so grpcurl works through Envoy's single port), and, unless an external OTLP
endpoint is configured, collects traces into var/traces.
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from tablemesh.platform.v1 import analytics_service_pb2_grpc as analytics_grpc
from tablemesh.platform.v1 import platform_service_pb2 as pb
from tablemesh.platform.v1 import platform_service_pb2_grpc as pb_grpc

from services.gateway.public_api import public_pool
from services.platform import bus
from services.platform.analytics import Analytics
from services.platform.analytics_servicer import AnalyticsServicer
from services.platform.api_reference import loaded
from services.platform.api_reference_methods import ApiReferenceMethods
from services.platform.call_rollup import CallRollup
from services.platform.collector import TraceCollector
from services.platform.health_report import HealthReporter
from services.platform.rollups import Rollups
from services.platform.scope import Scope
from services.platform.usage_queries import UsageQueries
from services.runtime import descriptors
from services.runtime.config import mesh_services
from services.runtime.server import Deps, run
from services.runtime.subscriptions import consumer_name
from services.runtime.wire import timestamp


class PlatformServicer(ApiReferenceMethods, pb_grpc.PlatformServiceServicer):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.health = HealthReporter(
            deps.clients, deps.redis, deps.settings.database_url, mesh_services(deps.settings)
        )

    async def GetMeshHealth(
        self, request: pb.GetMeshHealthRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMeshHealthResponse:
        report = await self.health.report()
        return pb.GetMeshHealthResponse(
            status="healthy" if report.healthy else "degraded",
            services=[pb.ServiceHealth(**a.__dict__) for a in report.services],
            dependencies=[pb.ServiceHealth(**a.__dict__) for a in report.dependencies],
            check_time=timestamp(report.checked_time),
        )


def register_analytics(server: grpc.aio.Server, deps: Deps) -> None:
    """The analytics' RPCs, and their two feeds as background work of every process."""
    rollups = Rollups(deps.db)
    analytics = Analytics(rollups, UsageQueries(deps.db), Scope(deps.clients))
    analytics_grpc.add_AnalyticsServiceServicer_to_server(AnalyticsServicer(analytics), server)
    consumer = consumer_name("platform")
    deps.run_in_background(bus.subscription(deps.redis, rollups, consumer).run())
    deps.run_in_background(CallRollup(deps.redis, rollups, consumer).run())


def register(server: grpc.aio.Server, deps: Deps) -> None:
    loaded()  # the OpenAPI document and the reference's files, built once, at start
    pb_grpc.add_PlatformServiceServicer_to_server(PlatformServicer(deps), server)
    register_analytics(server, deps)
    if not deps.settings.otel_exporter_otlp_endpoint:
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
            TraceCollector(deps.settings.var_dir / "traces"), server
        )


def main() -> None:
    run("platform", register, reflect=descriptors.load_all(), reflection_pool=public_pool())


if __name__ == "__main__":
    main()
