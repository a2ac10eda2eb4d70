"""Runs the platform service: `python -m services.platform.main`.

Besides PlatformService it serves reflection for every service of the mesh as the gateway
exposes it, internal methods left out (so grpcurl works through Envoy's single port),
and, unless an external OTLP endpoint is configured, collects traces into var/traces.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from google.api import httpbody_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from tablemesh.platform.v1 import platform_service_pb2 as pb
from tablemesh.platform.v1 import platform_service_pb2_grpc as pb_grpc

from services.gateway.public_api import public_pool
from services.platform.api_reference import ApiReference
from services.platform.collector import TraceCollector
from services.platform.mesh_health import check_all
from services.runtime import descriptors
from services.runtime.server import Deps, run
from services.runtime.wire import now_timestamp


class PlatformServicer(pb_grpc.PlatformServiceServicer):
    def __init__(self, deps: Deps, reference: ApiReference) -> None:
        self.deps = deps
        self.reference = reference

    async def GetMeshHealth(
        self, request: pb.GetMeshHealthRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMeshHealthResponse:
        answers = await check_all(self.deps.clients)
        healthy = all(a.status == "SERVING" for a in answers)
        return pb.GetMeshHealthResponse(
            status="healthy" if healthy else "degraded",
            services=[pb.ServiceHealth(**a.__dict__) for a in answers],
            check_time=now_timestamp(),
        )

    async def GetOpenApiDocument(
        self, request: pb.GetOpenApiDocumentRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        return httpbody_pb2.HttpBody(content_type="application/json", data=self.reference.document)

    async def GetApiReference(
        self, request: pb.GetApiReferenceRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        return httpbody_pb2.HttpBody(
            content_type="text/html; charset=utf-8", data=self.reference.page
        )

    async def GetApiReferenceAsset(  # type: ignore[override]
        self, request: pb.GetApiReferenceAssetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        asset = self.reference.assets.get(request.name)
        if asset is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "the API reference has no such file")
            return
        for chunk in asset.chunks():
            yield httpbody_pb2.HttpBody(content_type=asset.content_type, data=chunk)


def register(server: grpc.aio.Server, deps: Deps) -> None:
    # Built once, at start: the document and the reference's files never change while running.
    reference = ApiReference.load()
    pb_grpc.add_PlatformServiceServicer_to_server(PlatformServicer(deps, reference), server)
    if not deps.settings.otel_exporter_otlp_endpoint:
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
            TraceCollector(deps.settings.var_dir / "traces"), server
        )


def main() -> None:
    run("platform", register, reflect=descriptors.load_all(), reflection_pool=public_pool())


if __name__ == "__main__":
    main()
