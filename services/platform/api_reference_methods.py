"""PlatformService's API-reference RPCs: the OpenAPI document, the Swagger UI page and the
page's files, each a google.api.HttpBody that the gateway sends as it is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from google.api import httpbody_pb2
from tablemesh.platform.v1 import platform_service_pb2 as pb

from services.platform.api_reference import loaded
from services.runtime.static_files import stream

Ctx = grpc.aio.ServicerContext


class ApiReferenceMethods:
    """Mixed into the platform servicer. What they serve is built once (`loaded()`), when
    the service registers, not per request."""

    async def GetOpenApiDocument(
        self, request: pb.GetOpenApiDocumentRequest, context: Ctx
    ) -> httpbody_pb2.HttpBody:
        return httpbody_pb2.HttpBody(content_type="application/json", data=loaded().document)

    async def GetApiReference(
        self, request: pb.GetApiReferenceRequest, context: Ctx
    ) -> httpbody_pb2.HttpBody:
        return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=loaded().page)

    async def GetApiReferenceAsset(
        self, request: pb.GetApiReferenceAssetRequest, context: Ctx
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        asset = loaded().assets.get(request.name)
        async for chunk in stream(asset, context, "the API reference has no such file"):
            yield chunk
