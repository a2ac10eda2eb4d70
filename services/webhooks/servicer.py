"""gRPC face of the webhooks API: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from tablemesh.webhooks.v1 import webhooks_service_pb2 as pb
from tablemesh.webhooks.v1 import webhooks_service_pb2_grpc as pb_grpc

from services.runtime.identity import current_caller
from services.runtime.wire import Ctx
from services.webhooks.convert import (
    attempt_pb,
    endpoint_of,
    endpoint_pb,
    message_pb,
    status_of,
    time_of,
)
from services.webhooks.domain import Webhooks


class WebhooksServicer(pb_grpc.WebhooksServiceServicer):
    def __init__(self, webhooks: Webhooks) -> None:
        self.webhooks = webhooks

    async def CreateEndpoint(
        self, request: pb.CreateEndpointRequest, context: Ctx
    ) -> pb.CreateEndpointResponse:
        made, secret = await self.webhooks.create(current_caller(), endpoint_of(request.endpoint))
        return pb.CreateEndpointResponse(endpoint=endpoint_pb(made), secret=secret)

    async def GetEndpoint(
        self, request: pb.GetEndpointRequest, context: Ctx
    ) -> pb.GetEndpointResponse:
        found = await self.webhooks.get(current_caller(), request.endpoint_id)
        return pb.GetEndpointResponse(endpoint=endpoint_pb(found))

    async def ListEndpoints(
        self, request: pb.ListEndpointsRequest, context: Ctx
    ) -> pb.ListEndpointsResponse:
        found, token = await self.webhooks.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListEndpointsResponse(
            endpoints=[endpoint_pb(e) for e in found], next_page_token=token
        )

    async def UpdateEndpoint(
        self, request: pb.UpdateEndpointRequest, context: Ctx
    ) -> pb.UpdateEndpointResponse:
        changed = await self.webhooks.update(
            current_caller(), endpoint_of(request.endpoint), list(request.update_mask.paths)
        )
        return pb.UpdateEndpointResponse(endpoint=endpoint_pb(changed))

    async def DeleteEndpoint(
        self, request: pb.DeleteEndpointRequest, context: Ctx
    ) -> pb.DeleteEndpointResponse:
        await self.webhooks.delete(current_caller(), request.endpoint_id)
        return pb.DeleteEndpointResponse()

    async def RotateEndpointSecret(
        self, request: pb.RotateEndpointSecretRequest, context: Ctx
    ) -> pb.RotateEndpointSecretResponse:
        ep, secret = await self.webhooks.rotate(current_caller(), request.endpoint_id)
        return pb.RotateEndpointSecretResponse(endpoint=endpoint_pb(ep), secret=secret)

    async def ListEventTypes(
        self, request: pb.ListEventTypesRequest, context: Ctx
    ) -> pb.ListEventTypesResponse:
        return pb.ListEventTypesResponse(event_types=self.webhooks.event_types(current_caller()))

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Ctx
    ) -> pb.ListMessagesResponse:
        found, token = await self.webhooks.messages_page(
            current_caller(),
            request.endpoint_id,
            status_of(request.status),
            request.page_size,
            request.page_token,
        )
        return pb.ListMessagesResponse(
            messages=[message_pb(m) for m in found], next_page_token=token
        )

    async def ListAttempts(
        self, request: pb.ListAttemptsRequest, context: Ctx
    ) -> pb.ListAttemptsResponse:
        found = await self.webhooks.attempts(
            current_caller(), request.endpoint_id, request.message_id
        )
        return pb.ListAttemptsResponse(attempts=[attempt_pb(a) for a in found])

    async def ReplayMessage(
        self, request: pb.ReplayMessageRequest, context: Ctx
    ) -> pb.ReplayMessageResponse:
        msg = await self.webhooks.replay(current_caller(), request.endpoint_id, request.message_id)
        return pb.ReplayMessageResponse(message=message_pb(msg))

    async def RecoverMessages(
        self, request: pb.RecoverMessagesRequest, context: Ctx
    ) -> pb.RecoverMessagesResponse:
        count = await self.webhooks.recover(current_caller(), request.endpoint_id, time_of(request))
        return pb.RecoverMessagesResponse(recovered=count)
